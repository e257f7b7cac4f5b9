"""Human output: one line per finding, `path:line:col: severity RULE-ID message`, then what was found and
the remediation; a summary per manifest and for the run. Colour only when asked (the CLI decides).

    >>> # render(report, color=False) -> str
"""

from __future__ import annotations

from govrules.diagnostics import Diagnostic
from govrules.results import ManifestReport, Report, RuleResult, Verdict

_SEVERITY_COLOR = {
    "critical": "1;31",
    "high": "31",
    "medium": "33",
    "low": "36",
    "info": "2",
    "error": "1;31",
    "warning": "33",
}


def _paint(text: str, code: str, color: bool) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if color and code else text


def _finding(m: ManifestReport, r: RuleResult, color: bool) -> list[str]:
    where = r.location.start if r.location else m.path
    label = "waived" if r.verdict is Verdict.WAIVED else r.severity
    tag = (
        ""
        if r.blocking or r.verdict is Verdict.WAIVED
        else " (advisory)"
        if r.enforcement == "advisory"
        else ""
    )
    head = f"{where}: {_paint(label, _SEVERITY_COLOR.get(label, '2'), color)} {r.rule} {r.message}{tag}"
    lines = [head]
    for f in r.failures:
        text = f.message if f.position == r.failures[0].position else f"{f.location.start}: {f.message}"
        if f.position != r.failures[0].position:
            lines.append(f"    also {text}")
        lines.append(f"    {f.found}")
    if r.waiver is not None:
        lines.append(f"    waived by {r.waiver.approver} until {r.waiver.expires_on}: {r.waiver.reason}")
    elif r.remediation:
        lines.append(f"    fix: {r.remediation}")
    return lines


def _checklist(m: ManifestReport, stage: str, color: bool) -> list[str]:
    """The gate question's answer: how many applicable rules are met, and what is still open, with fixes."""
    met, unmet = m.readiness()
    verdict = "ready" if not m.blocked else "not ready"
    lines = [f"{verdict} for {stage}: {len(met)}/{len(met) + len(unmet)} met"]
    for r in unmet:
        where = r.location.start if r.location else m.path
        tag = "" if r.blocking else " (advisory)"
        lines.append(f"  [ ] {r.rule} {r.title}{tag}")
        lines.append(f"      {where}: {r.message}")
        if r.remediation:
            lines.append(f"      fix: {r.remediation}")
    return lines


def _diagnostic(d: Diagnostic, color: bool) -> list[str]:
    return d.format(severity=_paint(d.severity, _SEVERITY_COLOR.get(d.severity, ""), color)).splitlines()


def render(report: Report, color: bool = False) -> str:
    out: list[str] = []
    for d in report.diagnostics:
        out.extend(_diagnostic(d, color))
    for m in report.manifests:
        for d in m.diagnostics:
            out.extend(_diagnostic(d, color))
        for r in m.results:
            if r.verdict in (Verdict.FAIL, Verdict.WAIVED):
                out.extend(_finding(m, r, color))
        for r in m.results:
            for n in r.notes:
                out.append(f"{n.location.start}: {_paint('note', '2', color)} {r.rule} {n.message}")
                out.append(f"    {n.found}")
        c = m.counts()
        if m.evaluated:
            status = "blocked" if m.blocked else "ok"
            out.append(
                f"{m.path}: {status}: {c['fail']} failed ({c['blocking']} blocking), {c['waived']} waived, "
                f"{c['pass']} passed, {c['not_applicable']} not applicable"
            )
        else:
            out.append(f"{m.path}: not evaluated: {c['errors']} error(s) in the manifest")
        if report.stage and m.evaluated:
            out.extend(_checklist(m, report.stage, color))
        out.append("")
    for rule, reason in report.disabled:
        out.append(f"{rule} switched off by configuration: {reason}")
    blocked = sum(1 for m in report.manifests if m.blocked)
    unusable = sum(1 for m in report.manifests if m.unusable)
    stage = f" as if at stage {report.stage}" if report.stage else ""
    out.append(
        f"{len(report.manifests)} manifest(s) checked as of {report.as_of.isoformat()}{stage} against "
        f"{len(report.rules)} rules: {blocked} blocked, {unusable} not usable"
    )
    return "\n".join(out) + "\n"
