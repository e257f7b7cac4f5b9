"""`govrules policy diff OLD NEW --manifests DIR`: what a policy change would do to the projects, before it merges.

Both policy versions are prepared as `govrules check` prepares them and evaluated over every manifest under DIR on
the same date; the tool lists, per project and rule, each verdict that changes (old -> new, blocking before and
after): newly blocking first, then newly passing (no longer failing, or no longer blocking), then the other
changes; and the rules added or removed. A rule absent from one version counts there as not applicable. Exit 0
when nothing newly blocks, 1 when something does, 2 when an input cannot be used.

    $ govrules policy diff main-policies/ policies/ --manifests projects/ --as-of 2026-11-28
    1 verdict change over 10 manifests: 1 newly blocking, 0 newly passing, 0 other
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import namedtuple

TYPE_CHECKING = False
if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Iterable, Mapping, Sequence
    from typing import Any

    from govrules.api import Engine
    from govrules.results import ManifestReport, RuleResult

CATEGORIES = ("newly_blocking", "newly_passing", "other")
HEADINGS = {
    "newly_blocking": "newly blocking",
    "newly_passing": "newly passing (no longer failing or no longer blocking)",
    "other": "other changes",
}
DIFF_VERSION = "1.0"


class Change(namedtuple("Change", "category manifest project rule title old new")):
    """One verdict that differs: `old` and `new` are the rule's results (None where the version lacks the rule)."""

    __slots__ = ()
    category: str
    manifest: str
    project: str
    rule: str
    title: str
    old: RuleResult | None
    new: RuleResult | None


def configure(parser: argparse.ArgumentParser) -> None:
    from govrules.cli import parse_date, parse_param

    parser.add_argument("old", metavar="OLD", help="the current policies: a .gov file or a folder of them")
    parser.add_argument("new", metavar="NEW", help="the proposed policies: a .gov file or a folder of them")
    parser.add_argument(
        "--manifests",
        action="append",
        required=True,
        metavar="DIR",
        help="a folder searched for ai-project.yaml, or a manifest file; repeatable",
    )
    parser.add_argument(
        "--as-of", type=parse_date, metavar="DATE", help="evaluate as of this date (default: today, UTC)"
    )
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output (default: text)")
    parser.add_argument("--output", metavar="FILE", help="write the diff to FILE instead of standard output")
    parser.add_argument(
        "--config", metavar="FILE", help="read parameters, disabled rules and fail_on from this file"
    )
    parser.add_argument(
        "--param",
        action="append",
        type=parse_param,
        metavar="NAME=VALUE",
        default=[],
        help="override a rule parameter in both versions",
    )
    parser.epilog = (
        "examples:\n"
        "  govrules policy diff old-policies/ policies/ --manifests examples/ --as-of 2026-11-28\n"
        "  git worktree add /tmp/base origin/main && \\\n"
        "    govrules policy diff /tmp/base/policies policies --manifests . --format json --output diff.json\n\n"
        "here exit 1 means that the change newly blocks at least one project\n\n"
    ) + (parser.epilog or "")


def run(args: argparse.Namespace) -> int:
    import datetime as dt

    from govrules.api import discover
    from govrules.cli import emit, settings_from
    from govrules.diagnostics import GovrulesError

    fmt, args.format, args.policy = args.format, None, None  # the diff's own format; OLD/NEW are the policies
    try:
        settings = settings_from(args)
        old, new = (_load(path, settings) for path in (args.old, args.new))
    except GovrulesError as err:
        sys.stderr.write(err.format() + "\n")
        return 2
    paths, problems = discover(args.manifests)
    if problems:
        sys.stderr.write(GovrulesError(problems).format() + "\n")
        return 2
    as_of = args.as_of or dt.datetime.now(dt.UTC).date()
    pairs = [(old.check_file(p, as_of), new.check_file(p, as_of)) for p in paths]
    unusable = [_problems(a, b) for a, b in pairs if a.unusable or b.unusable]
    for diags in unusable:
        sys.stderr.write(GovrulesError(diags).format() + "\n")
    changes = diff_reports([(a, b) for a, b in pairs if not (a.unusable or b.unusable)])
    added, removed = rule_changes(old, new)
    if fmt == "json":
        text = render_json(args, as_of, pairs, changes, added, removed)
    else:
        text = render_text(len(pairs), changes, added, removed)
    code = emit(text, args.output)
    if code or unusable:
        return 2
    return 1 if any(c.category == "newly_blocking" for c in changes) else 0


def _load(path: str, settings: Mapping[str, Any]) -> Engine:
    from govrules.api import Engine

    params = {name: s.value for name, s in settings["params"].items()}
    disabled = {rule: s.value for rule, s in settings["disable"].items()}
    return Engine.load([path], params, disabled, settings["fail_on"].value)


def _problems(old: ManifestReport, new: ManifestReport) -> list[Any]:
    seen = {d.format() for d in old.diagnostics}
    return [*old.diagnostics, *(d for d in new.diagnostics if d.format() not in seen)]


def rule_changes(old: Engine, new: Engine) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The rules only NEW has (added) and only OLD has (removed): (id, title), in catalogue order."""
    before = {r.id: r.title for r in old.compiled.rules if r.id not in old.disabled}
    after = {r.id: r.title for r in new.compiled.rules if r.id not in new.disabled}
    added = sorted(((i, t) for i, t in after.items() if i not in before), key=lambda it: rule_order(it[0]))
    removed = sorted(((i, t) for i, t in before.items() if i not in after), key=lambda it: rule_order(it[0]))
    return added, removed


def rule_order(rule_id: str) -> tuple[int, str, int, str]:
    from govrules.catalogue import FAMILIES, family

    fam = family(rule_id)
    rank = list(FAMILIES).index(fam) if fam in FAMILIES else len(FAMILIES)
    tail = rule_id.rsplit("-", 1)[-1]
    return (rank, fam, int(tail) if tail.isdigit() else 0, rule_id)


def diff_reports(pairs: Iterable[tuple[ManifestReport, ManifestReport]]) -> list[Change]:
    """Every (manifest, rule) whose verdict or blocking differs, sorted: category, manifest, rule."""
    changes: list[Change] = []
    for old, new in pairs:
        before = {r.rule: r for r in old.results}
        after = {r.rule: r for r in new.results}
        for rule in set(before) | set(after):
            a, b = before.get(rule), after.get(rule)
            kind = category(a, b)
            either = b if b is not None else a
            if kind is not None and either is not None:
                changes.append(Change(kind, new.path, new.project or old.project, rule, either.title, a, b))
    rank = {c: i for i, c in enumerate(CATEGORIES)}
    return sorted(changes, key=lambda c: (rank[c.category], c.manifest, rule_order(c.rule)))


def category(old: RuleResult | None, new: RuleResult | None) -> str | None:
    """How a rule's result moved for one project; None when it did not (a missing rule is not applicable)."""
    before, after = _verdict(old), _verdict(new)
    blocked_before, blocked_after = bool(old and old.blocking), bool(new and new.blocking)
    if before == after and blocked_before == blocked_after:
        return None
    if blocked_after and not blocked_before:
        return "newly_blocking"
    if (blocked_before and not blocked_after) or (before == "fail" and after != "fail"):
        return "newly_passing"
    return "other"


def _verdict(result: RuleResult | None) -> str:
    return result.verdict.value if result is not None else "not_applicable"


def _side(result: RuleResult | None) -> str:
    if result is None:
        return "(no such rule)"
    if result.verdict.value != "fail":
        return result.verdict.value
    return "fail (blocking)" if result.blocking else "fail (not blocking)"


# ---- output ----


def summary_line(count: int, changes: Sequence[Change]) -> str:
    counts = [sum(1 for c in changes if c.category == k) for k in CATEGORIES]
    noun = "change" if len(changes) == 1 else "changes"
    manifests = "manifest" if count == 1 else "manifests"
    return (
        f"{len(changes)} verdict {noun} over {count} {manifests}: {counts[0]} newly blocking, "
        f"{counts[1]} newly passing, {counts[2]} other"
    )


def render_text(
    count: int,
    changes: Sequence[Change],
    added: Sequence[tuple[str, str]],
    removed: Sequence[tuple[str, str]],
) -> str:
    lines: list[str] = []
    for label, rules in (("rules added", added), ("rules removed", removed)):
        lines += [f"{label}:", *(f"  {i}  {t}" for i, t in rules), ""] if rules else []
    for kind in CATEGORIES:
        group = [c for c in changes if c.category == kind]
        if not group:
            continue
        lines.append(f"{HEADINGS[kind]}:")
        for c in group:
            lines.append(f"  {c.manifest}  {c.rule}  {_side(c.old)} -> {_side(c.new)}")
            said = c.new.message if c.new is not None and c.new.verdict.value == "fail" else ""
            if said:
                lines.append(f"      {said}")
        lines.append("")
    lines.append(summary_line(count, changes))
    return "\n".join(lines) + "\n"


def render_json(
    args: argparse.Namespace,
    as_of: dt.date,
    pairs: Sequence[tuple[ManifestReport, ManifestReport]],
    changes: Sequence[Change],
    added: Sequence[tuple[str, str]],
    removed: Sequence[tuple[str, str]],
) -> str:
    data = {
        "version": DIFF_VERSION,
        "as_of": as_of.isoformat(),
        "old": _path(args.old),
        "new": _path(args.new),
        "manifests": [new.path for _, new in pairs],
        "rules_added": [{"id": i, "title": t} for i, t in added],
        "rules_removed": [{"id": i, "title": t} for i, t in removed],
        "summary": {
            **{k: sum(1 for c in changes if c.category == k) for k in CATEGORIES},
            "projects": len({c.manifest for c in changes}),
        },
        "changes": [_change_json(c) for c in changes],
        "unusable": [
            {"manifest": new.path, "diagnostics": [d.to_json() for d in _problems(old, new)]}
            for old, new in pairs
            if old.unusable or new.unusable
        ],
        "exit_code": 1 if any(c.category == "newly_blocking" for c in changes) else 0,
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _path(path: str) -> str:
    return os.path.normpath(path).replace(os.sep, "/")


def _change_json(c: Change) -> dict[str, Any]:
    def side(r: RuleResult | None) -> dict[str, Any] | None:
        if r is None:
            return None
        return {
            "verdict": r.verdict.value,
            "blocking": r.blocking,
            "enforcement": r.enforcement,
            "message": r.message,
        }

    return {
        "category": c.category,
        "manifest": c.manifest,
        "project": c.project,
        "rule": c.rule,
        "title": c.title,
        "old": side(c.old),
        "new": side(c.new),
    }
