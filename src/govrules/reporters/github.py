"""GitHub Actions workflow commands: one annotation per finding, shown on the manifest line in the pull request.

`::error` for a failure that blocks, `::warning` for one that does not (advisory), `::notice` for a waived rule
and for an advisory note (`advise`); diagnostics keep their own severity. Escaping follows GitHub's toolkit
(`@actions/core` `command.ts`): in the message `%`, CR and LF; in properties also `:` and `,`. `summary(report)`
is the Markdown job summary (the Markdown reporter) to append to `$GITHUB_STEP_SUMMARY`.

    >>> escape_property("RPT-001: a, b")
    'RPT-001%3A a%2C b'
"""

from __future__ import annotations

from govrules.diagnostics import Diagnostic
from govrules.reporters import markdown
from govrules.reporters.sarif import repo_path
from govrules.results import ManifestReport, Report, RuleResult, Verdict
from govrules.span import Span

_DIAGNOSTIC_COMMANDS = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(
    name: str, message: str, span: Span | None = None, file: str = "", title: str = "", prefix: str = ""
) -> str:
    """`::name file=…,line=…,col=…,endLine=…,endColumn=…,title=…::message`, properties escaped, empty ones left
    out; `file` (the span's, else the one given) is made relative to the repository root with `prefix`."""
    props: list[tuple[str, str]] = []
    if span is not None:
        props += [("file", repo_path(span.file, prefix)), ("line", str(span.line)), ("col", str(span.col))]
        if span.end_line == span.line and span.end_col > span.col:
            props += [("endLine", str(span.end_line)), ("endColumn", str(span.end_col))]
    elif file:
        props.append(("file", repo_path(file, prefix)))
    if title:
        props.append(("title", title))
    head = ",".join(f"{key}={escape_property(value)}" for key, value in props)
    return f"::{name}{' ' + head if head else ''}::{escape_data(message)}"


def _kind(r: RuleResult) -> str:
    if r.verdict is Verdict.WAIVED:
        return "notice"
    return "error" if r.blocking else "warning"


def _finding(m: ManifestReport, r: RuleResult, prefix: str) -> str:
    lines = [r.message or r.title]
    lines += [f.found for f in r.failures[:1] if f.found]
    for f in r.failures[1:]:
        lines += [f"also {f.location.start}: {f.message}", f"    {f.found}"]
    if r.waiver is not None:
        w = r.waiver
        lines.append(f"waived by {w.approver} until {w.expires_on}: {w.reason}")
    elif r.remediation:
        lines.append(f"fix: {r.remediation}")
    if r.verdict is Verdict.FAIL and not r.blocking:
        lines.append(f"does not block ({r.enforcement})")
    title = f"{r.rule} {r.title}"
    return command(_kind(r), "\n".join(lines), r.location, m.path, title, prefix)


def _diagnostic(d: Diagnostic, prefix: str) -> str:
    text = d.message + (f"\nhint: {d.hint}" if d.hint else "")
    return command(_DIAGNOSTIC_COMMANDS.get(d.severity, "notice"), text, d.span, title=d.code, prefix=prefix)


def render(report: Report, prefix: str = "") -> str:
    """The annotations and a plain summary line per manifest; `prefix` as in `reporters.sarif.render`."""
    out = [_diagnostic(d, prefix) for d in report.diagnostics]
    for m in report.manifests:
        out += [_diagnostic(d, prefix) for d in m.diagnostics]
        out += [_finding(m, r, prefix) for r in m.results if r.verdict in (Verdict.FAIL, Verdict.WAIVED)]
        for r in m.results:
            out += [
                command(
                    "notice", f"{n.message}\n{n.found}", n.location, title=f"{r.rule} note", prefix=prefix
                )
                for n in r.notes
            ]
        c = m.counts()
        state = markdown.status(m)
        if m.evaluated:
            out.append(
                f"{m.path}: {state}: {c['fail']} failed ({c['blocking']} blocking), {c['waived']} waived, "
                f"{c['pass']} passed, {c['not_applicable']} not applicable"
            )
        else:
            out.append(f"{m.path}: not evaluated: {c['errors']} error(s) in the manifest")
    blocked = sum(1 for m in report.manifests if m.blocked)
    unusable = sum(1 for m in report.manifests if m.unusable)
    out.append(
        f"{len(report.manifests)} manifest(s) checked as of {report.as_of.isoformat()} against "
        f"{len(report.rules)} rules: {blocked} blocked, {unusable} not usable"
    )
    return "\n".join(out) + "\n"


def summary(report: Report) -> str:
    """The Markdown job summary for `$GITHUB_STEP_SUMMARY` (the CLI appends it when that variable is set)."""
    return markdown.render(report)
