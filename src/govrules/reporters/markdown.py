"""A Markdown summary fit for a pull-request comment or a GitHub job summary: per manifest a heading with its
status, a table of failing and waived rules (rule, severity, enforcement, `path:line`, message), the counts, and
the remediations in a collapsed `<details>` block.

    >>> # render(report) -> str
"""

from __future__ import annotations

from govrules.diagnostics import Diagnostic
from govrules.results import ManifestReport, Report, RuleResult, Verdict

_ICONS = {"blocked": "❌", "passed with findings": "⚠️", "passed": "✅", "not evaluated": "🛑"}


def cell(text: str) -> str:
    """Text safe inside a table cell: no pipes, no raw HTML, newlines as `<br>`."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = text.replace("\\", "\\\\").replace("|", "\\|")
    return "<br>".join(line.strip() for line in text.splitlines()) if text else ""


def code(text: str) -> str:
    """Inline code that survives backticks in `text`."""
    fence = "``" if "`" in text else "`"
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def status(m: ManifestReport) -> str:
    if not m.evaluated:
        return "not evaluated"
    if m.blocked:
        return "blocked"
    if any(r.verdict is Verdict.FAIL for r in m.results):
        return "passed with findings"
    return "passed"


def _where(m: ManifestReport, r: RuleResult) -> str:
    return f"{r.location.file}:{r.location.line}" if r.location else m.path


def _row(m: ManifestReport, r: RuleResult) -> str:
    enforcement = r.enforcement
    if r.verdict is Verdict.WAIVED:
        enforcement += " (waived)"
    elif not r.blocking:
        enforcement += " (does not block)"
    message = r.message
    if r.waiver is not None:
        message += f" — waived by {r.waiver.approver} until {r.waiver.expires_on}: {r.waiver.reason}"
    rule = f"**{r.rule}** {cell(r.title)}"
    return f"| {rule} | {r.severity} | {enforcement} | {code(_where(m, r))} | {cell(message)} |"


def _diagnostic(d: Diagnostic) -> str:
    where = f"{code(d.span.start)} " if d.span else ""
    hint = f" ({cell(d.hint)})" if d.hint else ""
    return f"- {where}{d.severity} {d.code} {cell(d.message)}{hint}"


def _counts(m: ManifestReport) -> str:
    c = m.counts()
    return (
        f"{c['fail']} failed ({c['blocking']} blocking), {c['waived']} waived, {c['pass']} passed, "
        f"{c['not_applicable']} not applicable"
    )


def _manifest(m: ManifestReport, stage: str | None) -> list[str]:
    state = status(m)
    out = [f"## {_ICONS[state]} {code(m.path)}: {state}", ""]
    if m.project or m.stage:
        out += [f"Project {code(m.project or '?')} at stage {code(m.stage or '?')}.", ""]
    if not m.evaluated:
        out += [f"The manifest could not be evaluated: {m.counts()['errors']} error(s).", ""]
        out += [_diagnostic(d) for d in m.diagnostics] + [""]
        return out
    findings = [r for r in m.results if r.verdict in (Verdict.FAIL, Verdict.WAIVED)]
    if findings:
        out += ["| Rule | Severity | Enforcement | Location | Message |", "| --- | --- | --- | --- | --- |"]
        out += [_row(m, r) for r in findings] + [""]
    out += [f"**Counts:** {_counts(m)}.", ""]
    if stage is not None:
        met, unmet = m.readiness()
        ready = "ready" if not m.blocked else "not ready"
        out += [f"**Gate {code(stage)}:** {ready}, {len(met)}/{len(met) + len(unmet)} rules met.", ""]
    notes = [(r, n) for r in m.results for n in r.notes]
    if notes:
        out += ["Advisory notes:", ""]
        out += [f"- **{r.rule}** {code(n.location.start)} {cell(n.message)}" for r, n in notes] + [""]
    if m.diagnostics:
        out += ["Diagnostics:", ""] + [_diagnostic(d) for d in m.diagnostics] + [""]
    fixes = [r for r in findings if r.verdict is Verdict.FAIL and r.remediation]
    if fixes:
        out += ["<details><summary>Remediation</summary>", ""]
        out += [f"- **{r.rule}** {cell(r.title)}: {cell(r.remediation)}" for r in fixes]
        out += ["", "</details>", ""]
    return out


def render(report: Report) -> str:
    stage = f" as if at stage {code(report.stage)}" if report.stage else ""
    blocked = sum(1 for m in report.manifests if m.blocked)
    unusable = sum(1 for m in report.manifests if m.unusable)
    out = [
        "# govrules report",
        "",
        f"{len(report.manifests)} manifest(s) checked as of {report.as_of.isoformat()}{stage} against "
        f"{len(report.rules)} rules: {blocked} blocked, {unusable} not usable.",
        "",
    ]
    if report.diagnostics:
        out += [_diagnostic(d) for d in report.diagnostics] + [""]
    for m in report.manifests:
        out += _manifest(m, report.stage)
    disabled: tuple[tuple[str, str], ...] = getattr(report, "disabled", ())
    if disabled:
        out += ["Rules switched off by configuration:", ""]
        out += [f"- **{rule}**: {cell(reason)}" for rule, reason in disabled] + [""]
    return "\n".join(out).rstrip("\n") + "\n"
