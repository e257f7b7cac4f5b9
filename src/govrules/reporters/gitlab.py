"""GitLab Code Quality: a JSON list of issues for the merge-request widget (`artifacts:reports:codequality`).

Each failing rule is an issue (`description`, `check_name` = rule id, `fingerprint`, `severity`,
`location.path` relative to the repository root, `location.lines.begin`); waived rules are not issues. Severity
maps `info/low/medium/high/critical` to `info/minor/major/critical/blocker`; a failure that does not block
(advisory) and an advisory note (`advise`) are `info`. Manifest diagnostics with a location are issues too
(`check_name` the GR code): an unusable manifest must not look clean. Fingerprints are those of
`reporters.sarif` (rule, path, failing expressions), so they survive edits that move lines.

    >>> # render(report, prefix="") -> str
"""

from __future__ import annotations

import json

from govrules.diagnostics import Diagnostic
from govrules.reporters.sarif import fingerprint, note_fingerprint, repo_path, result_fingerprint
from govrules.results import ManifestReport, Report, RuleResult, Verdict
from govrules.span import Span

TYPE_CHECKING = False  # typing stays unimported at run time: start-up is a feature
if TYPE_CHECKING:
    from typing import Any

SEVERITIES = {"info": "info", "low": "minor", "medium": "major", "high": "critical", "critical": "blocker"}
_DIAGNOSTIC_SEVERITIES = {"error": "critical", "warning": "minor", "info": "info"}


def _issue(description: str, check: str, digest: str, severity: str, path: str, line: int) -> dict[str, Any]:
    return {
        "description": description,
        "check_name": check,
        "fingerprint": digest,
        "severity": severity,
        "location": {"path": path, "lines": {"begin": max(line, 1)}},
    }


def _failure(m: ManifestReport, r: RuleResult, prefix: str) -> dict[str, Any]:
    path = repo_path(r.location.file if r.location else m.path, prefix)
    severity = SEVERITIES.get(r.severity, "major") if r.blocking else "info"
    found = f" ({r.failures[0].found})" if r.failures and r.failures[0].found else ""
    tag = "" if r.blocking else f" [{r.enforcement}, does not block]"
    return _issue(
        f"{r.rule} {r.message or r.title}{found}{tag}",
        r.rule,
        result_fingerprint(r, repo_path(m.path, prefix)),
        severity,
        path,
        r.location.line if r.location else 1,
    )


def _diagnostic(d: Diagnostic, span: Span, prefix: str) -> dict[str, Any]:
    path = repo_path(span.file, prefix)
    hint = f" ({d.hint})" if d.hint else ""
    return _issue(
        f"{d.code} {d.message}{hint}",
        d.code,
        fingerprint(d.code, path, [d.message]),
        _DIAGNOSTIC_SEVERITIES.get(d.severity, "info"),
        path,
        span.line,
    )


def issues(report: Report, prefix: str = "") -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for d in report.diagnostics:
        if d.span is not None:
            out.append(_diagnostic(d, d.span, prefix))
    for m in report.manifests:
        out += [_diagnostic(d, d.span, prefix) for d in m.diagnostics if d.span is not None]
        out += [_failure(m, r, prefix) for r in m.results if r.verdict is Verdict.FAIL]
        for r in m.results:
            for n in r.notes:
                path = repo_path(n.location.file, prefix)
                digest = note_fingerprint(r, n, repo_path(m.path, prefix))
                text = f"{r.rule} note: {n.message} ({n.found})" if n.found else f"{r.rule} note: {n.message}"
                out.append(_issue(text, r.rule, digest, "info", path, n.location.line))
    return _distinct(out)


def _distinct(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """GitLab shows issues sharing a fingerprint as one: a repeat gets its own, derived from its occurrence."""
    seen: dict[str, int] = {}
    for item in items:
        digest = item["fingerprint"]
        count = seen.get(digest, 0)
        seen[digest] = count + 1
        if count:
            item["fingerprint"] = fingerprint(digest, str(count), [])
    return items


def render(report: Report, prefix: str = "") -> str:
    """The Code Quality report; `prefix` as in `reporters.sarif.render`."""
    return json.dumps(issues(report, prefix), indent=2, ensure_ascii=False) + "\n"
