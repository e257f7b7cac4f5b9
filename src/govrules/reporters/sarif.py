"""SARIF 2.1.0, as GitHub code scanning reads it: one `rules[]` entry per rule of the policy set, one result per
failing or waived rule (waived ones carry an accepted `suppressions` entry) and one `note` per advisory
sub-finding (`advise`), each located in the manifest by a URI relative to `%SRCROOT%` (the repository root).

`partialFingerprints` hash the rule, the manifest path and the failing `require` expressions, never line numbers,
so an alert survives edits above it. The fingerprint helpers here are shared with `reporters.gitlab`.

    >>> # render(report, prefix="") -> str; prefix: the working directory relative to the repository root
"""

from __future__ import annotations

import hashlib
import json
import posixpath
from urllib.parse import quote

from govrules import __version__
from govrules.diagnostics import Diagnostic
from govrules.results import ManifestReport, Report, RequireOutcome, RuleResult, Verdict
from govrules.span import Span

TYPE_CHECKING = False  # typing stays unimported at run time: start-up is a feature
if TYPE_CHECKING:
    from typing import Any

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
PROJECT_URI = "https://github.com/govrules/govrules"
RULES_DOC_URI = f"{PROJECT_URI}/blob/main/docs/rules.md"
FINGERPRINT_KEY = "govrules/v1"
LEVELS = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}
_DIAGNOSTIC_LEVELS = {"error": "error", "warning": "warning", "info": "note"}


def family(rule_id: str) -> str:
    """The rule's family: the id up to its first dash (`GATE-002` -> `GATE`)."""
    return rule_id.split("-", 1)[0]


def repo_path(path: str, prefix: str = "") -> str:
    """A manifest path as seen from the repository root: forward slashes, `prefix` (the working directory
    relative to the root) in front, `./` and `..` folded. Absolute paths stay absolute."""
    path = path.replace("\\", "/")
    if posixpath.isabs(path) or (len(path) > 1 and path[1] == ":"):
        return path
    prefix = prefix.replace("\\", "/").strip("/")
    joined = posixpath.normpath(posixpath.join(prefix, path) if prefix and prefix != "." else path)
    return joined.lstrip("/")


def fingerprint(rule: str, path: str, expressions: tuple[str, ...] | list[str]) -> str:
    """Stable across runs and line moves: the rule, the manifest path and what failed (sorted expressions)."""
    text = "\0".join([rule, path.replace("\\", "/"), *sorted(expressions)])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def result_fingerprint(r: RuleResult, path: str) -> str:
    return fingerprint(r.rule, path, [f.expression for f in r.failures] or [r.message])


def note_fingerprint(r: RuleResult, n: RequireOutcome, path: str) -> str:
    return fingerprint(r.rule, path, [f"advise {n.expression}"])


def level(r: RuleResult) -> str:
    """`error`/`warning`/`note` from the severity; a failure that does not block (advisory) is a `note`."""
    if r.verdict is Verdict.FAIL and not r.blocking:
        return "note"
    return LEVELS.get(r.severity, "warning")


def _uri(path: str) -> dict[str, str]:
    if path.startswith("/"):
        return {"uri": "file://" + quote(path, safe="/")}
    if len(path) > 1 and path[1] == ":":
        return {"uri": "file:///" + quote(path, safe="/:")}
    return {"uri": quote(path, safe="/"), "uriBaseId": "%SRCROOT%"}


def _location(span: Span | None, fallback: str, prefix: str, message: str = "") -> dict[str, Any]:
    path = repo_path(span.file if span else fallback, prefix)
    region: dict[str, int] = {"startLine": span.line if span else 1, "startColumn": span.col if span else 1}
    if span and span.end_line == span.line and span.end_col > span.col:  # a value; not a whole block
        region["endLine"] = span.end_line
        region["endColumn"] = span.end_col
    out: dict[str, Any] = {"physicalLocation": {"artifactLocation": _uri(path), "region": region}}
    if message:
        out["message"] = {"text": message}
    return out


def _help_uri(rule_id: str) -> str:
    return f"{RULES_DOC_URI}#{rule_id.lower()}"


def _rule(rule_id: str, title: str, sample: RuleResult | None) -> dict[str, Any]:
    """A `reportingDescriptor`: what the policy says about the rule, as far as this run's results carry it."""
    remediation = sample.remediation if sample else ""
    references = list(sample.references) if sample else []
    full = title + (f". References: {'; '.join(references)}." if references else "")
    markdown = [f"**{rule_id}: {title}**", ""]
    if remediation:
        markdown += [f"**Remediation:** {remediation}", ""]
    if references:
        markdown += ["**References:**", "", *(f"- {ref}" for ref in references), ""]
    markdown.append(f"[Rule documentation]({_help_uri(rule_id)})")
    out: dict[str, Any] = {
        "id": rule_id,
        "name": rule_id,
        "shortDescription": {"text": title},
        "fullDescription": {"text": full},
        "help": {"text": remediation or title, "markdown": "\n".join(markdown)},
        "helpUri": _help_uri(rule_id),
        "properties": {"tags": [family(rule_id), *references, "governance"]},
    }
    if sample is not None:
        out["defaultConfiguration"] = {"level": LEVELS.get(sample.severity, "warning")}
        out["properties"]["severity"] = sample.severity
    return out


def _samples(report: Report) -> dict[str, RuleResult]:
    """The first result of each rule in manifest order: where its remediation and references come from."""
    out: dict[str, RuleResult] = {}
    for m in report.manifests:
        for r in m.results:
            out.setdefault(r.rule, r)
    return out


def _message(r: RuleResult) -> str:
    lines = [r.message or r.title]
    lines += [f.found for f in r.failures if f.found]
    return "\n".join(lines)


def _suppression(r: RuleResult, prefix: str) -> dict[str, Any]:
    w = r.waiver
    assert w is not None
    ticket = f", ticket {w.ticket}" if w.ticket else ""
    return {
        "kind": "external",
        "status": "accepted",
        "justification": f"{w.reason} (approved by {w.approver}{ticket}, expires {w.expires_on})",
        "location": _location(w.location, w.location.file, prefix),
    }


def _result(m: ManifestReport, r: RuleResult, index: int, prefix: str) -> dict[str, Any]:
    path = repo_path(m.path, prefix)
    out: dict[str, Any] = {
        "ruleId": r.rule,
        "ruleIndex": index,
        "level": level(r),
        "message": {"text": _message(r)},
        "locations": [_location(r.location, m.path, prefix)],
        "partialFingerprints": {FINGERPRINT_KEY: result_fingerprint(r, path)},
    }
    related = [_location(f.location, m.path, prefix, f"{f.message}: {f.found}") for f in r.failures[1:]]
    if related:
        out["relatedLocations"] = [{"id": i, **loc} for i, loc in enumerate(related, 1)]
    if r.waiver is not None:
        out["suppressions"] = [_suppression(r, prefix)]
    out["properties"] = {
        "severity": r.severity,
        "enforcement": r.enforcement,
        "blocking": r.blocking,
        "verdict": r.verdict.value,
        "project": m.project,
    }
    return out


def _note(m: ManifestReport, r: RuleResult, n: RequireOutcome, index: int, prefix: str) -> dict[str, Any]:
    return {
        "ruleId": r.rule,
        "ruleIndex": index,
        "level": "note",
        "message": {"text": "\n".join(x for x in (n.message, n.found) if x)},
        "locations": [_location(n.location, m.path, prefix)],
        "partialFingerprints": {FINGERPRINT_KEY: note_fingerprint(r, n, repo_path(m.path, prefix))},
        "properties": {"advisory": True, "project": m.project},
    }


def _notification(d: Diagnostic, prefix: str) -> dict[str, Any]:
    text = d.message + (f" ({d.hint})" if d.hint else "")
    out: dict[str, Any] = {
        "descriptor": {"id": d.code},
        "level": _DIAGNOSTIC_LEVELS.get(d.severity, "note"),
        "message": {"text": text},
    }
    if d.span is not None:
        out["locations"] = [_location(d.span, d.span.file, prefix)]
    return out


def sarif_log(report: Report, prefix: str = "") -> dict[str, Any]:
    samples = _samples(report)
    ids = [rid for rid, _, _ in report.rules]
    titles = {rid: title for rid, title, _ in report.rules}
    for rid, r in samples.items():  # a result for a rule the policy set does not list: keep it indexable
        if rid not in titles:
            ids.append(rid)
            titles[rid] = r.title
    index = {rid: i for i, rid in enumerate(ids)}
    results: list[dict[str, Any]] = []
    for m in report.manifests:
        for r in m.results:
            if r.verdict in (Verdict.FAIL, Verdict.WAIVED):
                results.append(_result(m, r, index[r.rule], prefix))
        for r in m.results:
            results.extend(_note(m, r, n, index[r.rule], prefix) for n in r.notes)
    diagnostics = [*report.diagnostics, *(d for m in report.manifests for d in m.diagnostics)]
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "govrules",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": PROJECT_URI,
                "rules": [_rule(rid, titles[rid], samples.get(rid)) for rid in ids],
            }
        },
        "invocations": [
            {
                "executionSuccessful": report.exit_code != 2,
                "toolExecutionNotifications": [_notification(d, prefix) for d in diagnostics],
            }
        ],
        "columnKind": "unicodeCodePoints",
        "results": results,
        "properties": {
            "as_of": report.as_of.isoformat(),
            "policy_hash": report.policy_hash,
            "stage": report.stage,
        },
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render(report: Report, prefix: str = "") -> str:
    """The SARIF log; `prefix` is where the manifest paths start, relative to the repository root (`""` when
    govrules runs at the root, as in CI)."""
    return json.dumps(sarif_log(report, prefix), indent=2, ensure_ascii=False) + "\n"
