"""`govrules policy check`: parse and type-check policy files as one set; every error and warning at once.

Output is sorted by file, line, column and code, each finding as `file:line:col: severity GRxxx message` with
the source line, a caret and the hint, as `govrules check` prints policy errors. Parsing stops at the first
syntax error of a file; the files that parse are type-checked together, so every type error of every file is
reported (when a file does not parse, `unknown name` errors are left out: the name may be declared in it).
Warnings come from `authoring.lint`. Exit 0 when clean (warnings shown), 1 with warnings under `--strict`,
2 on errors.

    $ govrules policy check policies/ --strict
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from govrules.diagnostics import Diagnostic, GovrulesError, sort_diagnostics
from govrules.span import SourceText


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="policy files, or folders of `.gov` files (default: the bundled pack)",
    )
    parser.add_argument("--strict", action="store_true", help="exit 1 when there are warnings")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    parser.epilog = (
        "examples:\n  govrules policy check policies/\n  govrules policy check --strict policies/priv.gov "
        "policies/common.gov\n  govrules policy check --format json my-policies/\n\n" + (parser.epilog or "")
    )


def run(args: argparse.Namespace) -> int:
    try:
        names, diagnostics, sources = check_paths(args.paths)
    except GovrulesError as err:
        sys.stderr.write(err.format() + "\n")
        return 2
    errors = sum(d.severity == "error" for d in diagnostics)
    warnings = sum(d.severity == "warning" for d in diagnostics)
    if args.format == "json":
        payload = {
            "files": names,
            "diagnostics": [d.to_json() for d in diagnostics],
            "summary": {"errors": errors, "warnings": warnings},
        }
        sys.stdout.write(json.dumps(payload, indent=2, sort_keys=True) + "\n")
    else:
        for d in diagnostics:
            sys.stdout.write(d.format(sources.get(d.span.file) if d.span else None) + "\n")
        sys.stdout.write(_summary(len(names), errors, warnings) + "\n")
    if errors:
        return 2
    return 1 if warnings and args.strict else 0


def _summary(files: int, errors: int, warnings: int) -> str:
    def count(n: int, word: str) -> str:
        return f"{n} {word}{'s' if n != 1 else ''}"

    if not errors and not warnings:
        return f"{count(files, 'policy file')} checked: no problems"
    return f"{count(files, 'policy file')} checked: {count(errors, 'error')}, {count(warnings, 'warning')}"


def check_paths(
    paths: Sequence[str],
) -> tuple[list[str], tuple[Diagnostic, ...], dict[str, SourceText]]:
    """(file names, every diagnostic sorted, sources) for the policy files under `paths` as one set."""
    from govrules.api import policy_files, read_policy

    texts = [read_policy(path) for path in policy_files(paths or None)]
    return [name for name, _ in texts], check_texts(texts), {n: SourceText(n, t) for n, t in texts}


def check_texts(texts: Sequence[tuple[str, str]]) -> tuple[Diagnostic, ...]:
    """Parse each text, type-check those that parse as one set, add the warnings; sorted."""
    from govrules.api import root_type
    from govrules.authoring.lint import lint
    from govrules.engine.checker import check_policies
    from govrules.lang.parser import parse_policy

    policies = []
    found: list[Diagnostic] = []
    for name, text in texts:
        try:
            policies.append(parse_policy(text, name))
        except GovrulesError as err:
            found.extend(err.diagnostics)
    broken = bool(found)
    root = root_type()
    try:
        checked = check_policies(policies, root)
    except GovrulesError as err:
        found.extend(d for d in err.diagnostics if not (broken and d.message.startswith("unknown name")))
    else:
        found.extend(checked.warnings)
    # with a file that does not parse, a declaration may be used there: no unused-declaration warnings
    found.extend(d for d in lint(policies, root) if not (broken and d.code in ("GR231", "GR232")))
    unique = {(d.code, d.span, d.message): d for d in found}
    return sort_diagnostics(unique.values())
