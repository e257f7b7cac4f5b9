"""JUnit XML for CI test reports (Jenkins, GitLab, Azure DevOps): one `<testsuite>` per manifest (named by its
path), one `<testcase>` per rule (`classname` the project id and rule family, `name` "RULE-ID title").

A failing rule is a `<failure>` whose body holds the location, what was found and the remediation. Its `type` is
the severity when the failure blocks and `advisory` when it does not: the test report shows every failed rule,
and the type tells the reader which ones the exit code ignored. Not applicable and waived rules are
`<skipped>`. A manifest that could not be evaluated is one testcase with an `<error>` listing its diagnostics;
run-level diagnostics (a path that does not exist, policy warnings) form a `govrules` suite. No timestamps, no
durations: the same input gives the same bytes. Valid against the Jenkins xUnit plugin's `junit-10.xsd`.

    >>> # render(report) -> str
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from govrules.diagnostics import Diagnostic
from govrules.results import ManifestReport, Report, RuleResult, Verdict

# characters XML 1.0 cannot carry, even escaped
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _sub(parent: ET.Element, tag: str, text: str = "", **attrs: str) -> ET.Element:
    node = ET.SubElement(parent, tag, {k: _clean(v) for k, v in attrs.items()})
    if text:
        node.text = _clean(text)
    return node


def _classname(m: ManifestReport, rule_id: str) -> str:
    family = rule_id.split("-", 1)[0]
    return f"{m.project}.{family}" if m.project else family


def _failure_text(m: ManifestReport, r: RuleResult) -> str:
    where = r.location.start if r.location else m.path
    lines = [f"{where}: {r.message}"]
    for i, f in enumerate(r.failures):
        if i:
            lines.append(f"also {f.location.start}: {f.message}")
        if f.found:
            lines.append(f"    {f.found}")
    if r.remediation:
        lines.append(f"fix: {r.remediation}")
    lines.append(
        f"severity {r.severity}, enforcement {r.enforcement}, {'blocks' if r.blocking else 'does not block'}"
    )
    lines.append(f"rule defined at {r.policy_location.start}")
    return "\n".join(lines)


def _testcase(suite: ET.Element, m: ManifestReport, r: RuleResult) -> None:
    case = _sub(suite, "testcase", name=f"{r.rule} {r.title}", classname=_classname(m, r.rule))
    if r.verdict is Verdict.FAIL:
        kind = r.severity if r.blocking else "advisory"
        _sub(case, "failure", _failure_text(m, r), message=r.message, type=kind)
    elif r.verdict is Verdict.NOT_APPLICABLE:
        _sub(case, "skipped", message=f"not applicable: {r.message}" if r.message else "not applicable")
    elif r.verdict is Verdict.WAIVED and r.waiver is not None:
        w = r.waiver
        ticket = f" ({w.ticket})" if w.ticket else ""
        text = f"waived by {w.approver} until {w.expires_on}{ticket}: {w.reason}"
        _sub(case, "skipped", _failure_text(m, r), message=text)
    elif r.verdict is Verdict.WAIVED:
        _sub(case, "skipped", message="waived")
    notes = [f"{n.location.start}: note: {n.message}\n    {n.found}" for n in r.notes]
    if notes:
        _sub(case, "system-out", "\n".join(notes))


def _diagnostics_text(items: tuple[Diagnostic, ...]) -> str:
    return "\n".join(d.format() for d in items)


def _suite(root: ET.Element, name: str, counts: dict[str, int]) -> ET.Element:
    return _sub(
        root,
        "testsuite",
        name=name,
        tests=str(counts["tests"]),
        failures=str(counts["failures"]),
        errors=str(counts["errors"]),
        skipped=str(counts["skipped"]),
    )


def _manifest(root: ET.Element, m: ManifestReport, report: Report) -> dict[str, int]:
    if not m.evaluated:
        counts = {"tests": 1, "failures": 0, "errors": 1, "skipped": 0}
        suite = _suite(root, m.path, counts)
        case = _sub(suite, "testcase", name="manifest is usable", classname=m.project or "manifest")
        errors = [d for d in m.diagnostics if d.severity == "error"]
        first = errors[0].message if errors else "the manifest could not be evaluated"
        _sub(case, "error", _diagnostics_text(m.diagnostics), message=first, type="invalid manifest")
        return counts
    c = m.counts()
    counts = {
        "tests": len(m.results),
        "failures": c["fail"],
        "errors": 0,
        "skipped": c["not_applicable"] + c["waived"],
    }
    suite = _suite(root, m.path, counts)
    props = _sub(suite, "properties")
    for key, value in (
        ("project", m.project),
        ("stage", m.stage),
        ("as_of", report.as_of.isoformat()),
        ("policy_hash", report.policy_hash),
    ):
        _sub(props, "property", name=key, value=value)
    for r in m.results:
        _testcase(suite, m, r)
    if m.diagnostics:
        _sub(suite, "system-out", _diagnostics_text(m.diagnostics))
    return counts


def _run(root: ET.Element, report: Report) -> dict[str, int]:
    errors = [d for d in report.diagnostics if d.severity == "error"]
    counts = {"tests": 1, "failures": 0, "errors": 1 if errors else 0, "skipped": 0}
    suite = _suite(root, "govrules", counts)
    case = _sub(suite, "testcase", name="inputs are usable", classname="govrules")
    if errors:
        _sub(case, "error", _diagnostics_text(report.diagnostics), message=errors[0].message, type="input")
    else:
        _sub(case, "system-out", _diagnostics_text(report.diagnostics))
    return counts


def render(report: Report) -> str:
    root = ET.Element("testsuites", name="govrules")
    totals = {"tests": 0, "failures": 0, "errors": 0}
    parts = [_run(root, report)] if report.diagnostics else []
    parts += [_manifest(root, m, report) for m in report.manifests]
    for counts in parts:
        for key in totals:
            totals[key] += counts[key]
    for key, value in totals.items():
        root.set(key, str(value))
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
