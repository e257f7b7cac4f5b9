"""`govrules policy fmt`: print policy files in the one canonical layout, comments kept.

The layout (`authoring.layout`) depends only on the AST: items in source order, a blank line around every rule
(other blank lines between items kept, at most one), rule metadata in a fixed order (severity, enforcement,
waivable, references, remediation, description, when, require/advise as written), two-space indent, text and
expressions wrapped at 110 columns. Each comment goes with the next item or clause, or stays at the end of the
line it ends; comments move with their clause when metadata is reordered. Formatting is idempotent and the
formatted text parses to the same AST.

    $ govrules policy fmt --check policies/
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from govrules.diagnostics import Diagnostic, GovrulesError
from govrules.lang import ast
from govrules.span import Span

Comment = tuple[int, int, str]  # line, column, text


def configure(parser: argparse.ArgumentParser) -> None:
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="exit 1 and name the files that would change")
    mode.add_argument(
        "--diff", action="store_true", help="print a unified diff of the changes (exit 1 if any)"
    )
    mode.add_argument("--write", action="store_true", help="rewrite the files in place")
    parser.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        help="policy files, or folders of `.gov` files; `-` reads standard input",
    )
    parser.epilog = (
        "examples:\n  govrules policy fmt --check policies/\n  govrules policy fmt --diff policies/priv.gov\n"
        "  govrules policy fmt --write policies/\n\n" + (parser.epilog or "")
    )


def run(args: argparse.Namespace) -> int:
    errors: list[GovrulesError] = []
    changed: list[str] = []
    try:
        files = gov_files(args.paths)
    except GovrulesError as err:
        sys.stderr.write(err.format() + "\n")
        return 2
    for path in files:
        try:
            name, text = read_policy(path)
            formatted = format_text(text, name)
        except GovrulesError as err:
            errors.append(err)
            continue
        if formatted != text:
            changed.append(name)
        emit(args, path, name, text, formatted)
    for problem in errors:
        sys.stderr.write(problem.format() + "\n")
    if args.check:
        for name in changed:
            sys.stdout.write(f"would reformat {name}\n")
        total = len(files) - len(errors)
        sys.stdout.write(
            f"{len(changed)} of {total} file{'s' if total != 1 else ''} would be reformatted\n"
            if changed
            else f"{total} file{'s' if total != 1 else ''} already formatted\n"
        )
    if errors:
        return 2
    return 1 if changed and (args.check or args.diff) else 0


def emit(args: argparse.Namespace, path: str, name: str, text: str, formatted: str) -> None:
    if args.check:
        return
    if args.diff:
        if formatted != text:
            import difflib

            diff = difflib.unified_diff(
                text.splitlines(keepends=True),
                formatted.splitlines(keepends=True),
                name,
                f"{name} (formatted)",
            )
            sys.stdout.write("".join(line if line.endswith("\n") else line + "\n" for line in diff))
        return
    if args.write and path != "-":
        if formatted != text:
            write_atomically(path, formatted)
            sys.stdout.write(f"reformatted {name}\n")
        return
    sys.stdout.write(formatted)


def gov_files(paths: Sequence[str]) -> list[str]:
    """The files named, and the `*.gov` files under the folders named (sorted), each once; `-` is standard
    input. Found as `--policy` finds them (`api.policy_files`)."""
    from govrules.api import policy_files

    out: list[str] = []
    for p in paths:
        out.extend(["-"] if p == "-" else policy_files([p]))
    return list(dict.fromkeys(out))


def read_policy(path: str) -> tuple[str, str]:
    """(display name, text) of a policy file, `-` being standard input."""
    if path == "-":
        return "<stdin>", sys.stdin.read()
    from govrules.api import read_policy as read_file

    return read_file(path)


def write_atomically(path: str, text: str) -> None:
    """Replace the file in one step: write a sibling temporary file, keep the mode, rename it over."""
    import tempfile

    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".govrules-fmt-", suffix=".gov", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.chmod(tmp, os.stat(path).st_mode & 0o7777)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


# ---- formatting ----


def format_text(text: str, file: str) -> str:
    """The policy text in the canonical layout, with its comments; raises `GovrulesError` on a syntax error."""
    from govrules.lang.parser import parse_policy, policy_comments
    from govrules.span import SourceText

    policy = parse_policy(text, file)
    try:
        comments = policy_comments(text)
    except Exception:  # the parser accepted the text, so its lexer does too; this is a guard only
        raise GovrulesError(
            [Diagnostic("GR101", "error", "cannot read the comments of the policy", Span(file, 1, 1))],
            {file: SourceText(file, text)},
        ) from None
    return _Printer(policy, comments, text.splitlines()).text()


class _Printer:
    def __init__(self, policy: ast.Policy, comments: list[Comment], lines: list[str]) -> None:
        self.policy, self.lines = policy, lines
        self.comments = comments

    def code_before(self, comment: Comment) -> bool:
        line, col, _ = comment
        return bool(self.lines[line - 1][: col - 1].strip())

    def text(self) -> str:
        inner: dict[int, list[Comment]] = {}  # item index -> comments inside its lines
        elements: list[tuple[int, int, object]] = []  # (first line, last line, comment or item index)
        for i, item in enumerate(self.policy.items):
            elements.append((item.span.line, item.span.end_line, i))
        for comment in self.comments:
            owner = next(
                (
                    i
                    for i, item in enumerate(self.policy.items)
                    if item.span.line <= comment[0] <= item.span.end_line
                ),
                None,
            )
            if owner is None:
                elements.append((comment[0], comment[0], comment))
            else:
                inner.setdefault(owner, []).append(comment)
        elements.sort(key=lambda e: (e[0], isinstance(e[2], int)))
        out: list[str] = []
        previous: tuple[int, int, object] | None = None
        for element in elements:
            if previous is not None and self.blank_between(previous, element):
                out.append("")
            what = element[2]
            if isinstance(what, int):
                out.extend(self.item_lines(self.policy.items[what], inner.get(what, [])))
            else:
                assert isinstance(what, tuple)
                out.append(what[2])
            previous = element
        return "\n".join(out) + "\n" if out else ""

    def blank_between(self, before: tuple[int, int, object], after: tuple[int, int, object]) -> bool:
        def is_rule(e: tuple[int, int, object]) -> bool:
            return isinstance(e[2], int) and isinstance(self.policy.items[e[2]], ast.Rule)

        if is_rule(before) or (is_rule(after) and isinstance(before[2], int)):
            return True
        return any(not self.lines[k].strip() for k in range(before[1], after[0] - 1))

    def item_lines(self, item: ast.Item, comments: list[Comment]) -> list[str]:
        from govrules.authoring.layout import item_lines

        if isinstance(item, ast.Rule):
            return self.rule_lines(item, comments)
        lines = item_lines(item)
        return self.attach(lines, comments, "")

    def attach(self, lines: list[str], comments: list[Comment], indent: str) -> list[str]:
        """Comments on their own lines before `lines`; the first comment that ends a line of code after them."""
        leading = [c for c in comments if not self.code_before(c)]
        trailing = [c for c in comments if self.code_before(c)]
        if trailing:
            leading = sorted([*leading, *trailing[1:]])
            lines = [*lines[:-1], f"{lines[-1]}  {trailing[0][2]}"]
        return [*(indent + c[2] for c in leading), *lines]

    def rule_lines(self, rule: ast.Rule, comments: list[Comment]) -> list[str]:
        from govrules.authoring.layout import rule_parts

        parts = rule_parts(rule)
        ranges = [_part_range(rule, key) for key, _ in parts]
        attached: list[list[Comment]] = [[] for _ in parts]
        by_start = sorted(range(len(parts)), key=lambda i: (ranges[i][0], i))
        for comment in comments:
            line = comment[0]
            holding = [i for i in by_start if ranges[i][0] <= line <= ranges[i][1]]
            if holding and (self.code_before(comment) or ranges[holding[-1]][0] < line):
                target = holding[-1]
            else:
                later = [i for i in by_start if ranges[i][0] > line]
                target = later[0] if later else len(parts) - 1
            attached[target].append(comment)
        out: list[str] = []
        for i, (key, lines) in enumerate(parts):
            indent = "" if key in ("header", "close") else "  "
            if key == "close" and any(not self.code_before(c) for c in attached[i]):
                own = [c for c in attached[i] if not self.code_before(c)]
                out.extend("  " + c[2] for c in own)
                attached[i] = [c for c in attached[i] if self.code_before(c)]
            out.extend(self.attach(lines, attached[i], indent))
        return out


def _part_range(rule: ast.Rule, key: object) -> tuple[int, int]:
    """The source lines of a part of a rule, as `layout.rule_parts` names them."""
    spans = dict(rule.meta_spans)
    if key == "header":
        return (rule.span.line, rule.span.line)
    if key == "close":
        return (rule.span.end_line, rule.span.end_line)
    if key == "enforcement":
        span = spans["enforcement"]
        return (span.line, max([span.end_line, *(e.span.end_line for e in rule.escalations)]))
    if isinstance(key, str):
        span = spans.get(key, rule.span)
        return (span.line, span.end_line)
    assert isinstance(key, tuple)
    span = rule.when[key[1]].span if key[0] == "when" else key[1].span
    return (span.line, span.end_line)
