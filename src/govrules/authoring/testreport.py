"""The reports of `govrules policy test`: text, json and junit, each a pure function of the outcomes.

Text is one line per case that did not pass (`file:line: case `name` failed: ...`), then a summary, then the
coverage table when asked. JSON holds every case with its status and the failed expectations. JUnit has one
`<testsuite>` per test file and one `<testcase>` per case (valid against the Jenkins xUnit `junit-10.xsd`), and
a `coverage` suite when coverage was measured. The same outcomes give the same bytes.

    >>> # render("text", files, outcomes, coverage, show_coverage) -> str
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

    from govrules.authoring.casefile import Case
    from govrules.authoring.test import Coverage, Outcome, Problem
    from govrules.diagnostics import Diagnostic

REPORT_VERSION = "1.0"


def render(
    fmt: str,
    files: Sequence[tuple[str, Sequence[Case]]],
    outcomes: Sequence[Outcome],
    coverage: Coverage | None,
    show_coverage: bool,
) -> str:
    if fmt == "json":
        return _json(files, outcomes, coverage)
    if fmt == "junit":
        return _junit(files, outcomes, coverage)
    return _text(files, outcomes, coverage, show_coverage)


def render_error(diagnostics: Sequence[Diagnostic]) -> str:
    """The JSON report of a run that could not start: the problems, no cases."""
    data = {"version": REPORT_VERSION, "diagnostics": [d.to_json() for d in diagnostics]}
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


# ---- words ----


def _show(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return "none" if value is None else str(value)


def problem_text(p: Problem, said: bool = True) -> str:
    """`OWN-001` expected fail, got pass (what the rule said): what one failed expectation says."""
    want, got = _show(p.expected), _show(p.got)
    if p.got is None and p.check != "location":
        head = f"`{p.rule}` is not a rule of the policies"
    elif p.check == "expect":
        head = f"`{p.rule}` expected {want}, got {got}"
    elif p.check == "blocking":
        head = f"`{p.rule}` expected blocking {want}, got {got}"
    elif p.check == "failing":
        head = f"`{p.rule}` expected failing requires {want}, got {got}"
    elif p.check == "location":
        head = f"`{p.rule}` expected the finding at line {want}, got {got}"
    elif p.check == "message":
        head = f"`{p.rule}` expected a message containing `{want}`, got `{got}`"
    else:
        head = f"`{p.rule}` expected {want} note(s), got {got}"
    words = _said(p) if said else ""
    return f"{head} ({words})" if words else head


def _said(p: Problem) -> str:
    return "; ".join(f"line {line}: {text}" if line else text for line, text in p.said)


def problem_lines(problems: Sequence[Problem]) -> list[str]:
    """The failed expectations of a case, what each rule said given once, after its last expectation."""
    out = []
    for i, p in enumerate(problems):
        last = i + 1 == len(problems) or problems[i + 1].rule != p.rule
        out.append(problem_text(p, said=last))
    return out


def outcome_text(o: Outcome) -> str:
    """The one line of a case that did not pass."""
    if o.status == "error":
        why = "; ".join(_diagnostic(d) for d in o.diagnostics)
        return f"{o.case.where}: case `{o.case.name}` could not run: {why}"
    return f"{o.case.where}: case `{o.case.name}` failed: " + "; ".join(problem_lines(o.problems))


def _diagnostic(d: Diagnostic) -> str:
    where = f"{d.span.start}: " if d.span else ""
    return f"{where}{d.code} {d.message}"


def _percent(covered: int, total: int) -> str:
    if not total:
        return "100%"
    value = 100 * covered / total
    return f"{value:.0f}%" if value == int(value) else f"{value:.1f}%"


def summary(files: Sequence[tuple[str, Sequence[Case]]], outcomes: Sequence[Outcome]) -> str:
    counts = {s: sum(1 for o in outcomes if o.status == s) for s in ("passed", "failed", "error")}
    parts = [f"{counts['passed']} passed"]
    if counts["failed"]:
        parts.append(f"{counts['failed']} failed")
    if counts["error"]:
        parts.append(f"{counts['error']} could not run")
    n, f = len(outcomes), len(files)
    return f"{n} case{'s' if n != 1 else ''} in {f} file{'s' if f != 1 else ''}: {', '.join(parts)}"


def coverage_line(c: Coverage) -> str:
    rules, requires, na = c.share("rules"), c.share("requires"), c.share("not_applicable")
    return (
        f"coverage: {rules[0]} of {rules[1]} rules seen to pass and to fail ({_percent(*rules)}); "
        f"{requires[0]} of {requires[1]} requires decided a failure ({_percent(*requires)}); "
        f"{na[0]} of {na[1]} rules with `when` seen not to apply"
    )


def below_minimum(c: Coverage) -> str:
    covered, total = c.share("rules")
    lacking = ", ".join(f"`{r.rule}` never seen to {' or to '.join(r.lacks)}" for r in c.rules if r.lacks)
    return (
        f"rule coverage {_percent(covered, total)} is below the minimum {_show_min(c.minimum)}%: {lacking}\n"
        "    hint: add a case that expects each missing verdict (a manifest on which the rule passes, or fails)"
    )


def _show_min(value: float | None) -> str:
    return "" if value is None else (f"{value:.0f}" if value == int(value) else f"{value}")


# ---- text ----


def _text(
    files: Sequence[tuple[str, Sequence[Case]]],
    outcomes: Sequence[Outcome],
    coverage: Coverage | None,
    show_coverage: bool,
) -> str:
    lines = [outcome_text(o) for o in outcomes if o.status != "passed"]
    lines.append(summary(files, outcomes))
    if coverage is not None and show_coverage:
        lines.append(coverage_line(coverage))
        lines.extend(_coverage_table(coverage))
    if coverage is not None and not coverage.met:
        lines.append(below_minimum(coverage))
    return "\n".join(lines) + "\n"


def _coverage_table(c: Coverage) -> list[str]:
    width = max([len(r.rule) for r in c.rules] + [4])
    out = [f"  {'rule':<{width}}  pass  fail  n/a  requires that decided a failure"]
    for r in c.rules:
        na = "-" if r.not_applicable is None else ("yes" if r.not_applicable else "no")
        missing = [str(i) for i in range(1, len(r.requires) + 1) if i not in r.decided]
        decided = f"{len(r.decided)} of {len(r.requires)}" + (
            f" (not yet: {', '.join(missing)})" if missing else ""
        )
        out.append(
            f"  {r.rule:<{width}}  {'yes' if r.passed else 'no':<4}  {'yes' if r.failed else 'no':<4}  "
            f"{na:<3}  {decided}"
        )
    return out


# ---- json ----


def _case_json(o: Outcome) -> dict[str, Any]:
    return {
        "name": o.case.name,
        "line": o.case.line,
        "status": o.status,
        "manifest": o.case.manifest_name,
        "as_of": o.case.as_of.isoformat(),
        "problems": [
            {
                "rule": p.rule,
                "check": p.check,
                "expected": p.expected,
                "got": p.got,
                "message": problem_text(p),
                "said": [{"line": line or None, "message": text} for line, text in p.said],
            }
            for p in o.problems
        ],
        "diagnostics": [d.to_json() for d in o.diagnostics],
    }


def _coverage_json(c: Coverage) -> dict[str, Any]:
    def share(what: str) -> dict[str, Any]:
        covered, total = c.share(what)
        return {
            "covered": covered,
            "total": total,
            "percent": round(100 * covered / total, 1) if total else 100.0,
        }

    return {
        "rules": share("rules"),
        "requires": share("requires"),
        "not_applicable": share("not_applicable"),
        "minimum": c.minimum,
        "met": c.met,
        "by_rule": [
            {
                "rule": r.rule,
                "pass": r.passed,
                "fail": r.failed,
                "not_applicable": r.not_applicable,
                "lacks": r.lacks,
                "requires": [
                    {"position": i, "expression": text, "decided_a_failure": i in r.decided}
                    for i, text in enumerate(r.requires, 1)
                ],
            }
            for r in c.rules
        ],
    }


def _json(
    files: Sequence[tuple[str, Sequence[Case]]], outcomes: Sequence[Outcome], coverage: Coverage | None
) -> str:
    by_file: dict[str, list[Outcome]] = {}
    for o in outcomes:
        by_file.setdefault(o.case.file, []).append(o)
    data: dict[str, Any] = {
        "version": REPORT_VERSION,
        "summary": {
            "files": len(files),
            "cases": len(outcomes),
            "passed": sum(1 for o in outcomes if o.status == "passed"),
            "failed": sum(1 for o in outcomes if o.status == "failed"),
            "errors": sum(1 for o in outcomes if o.status == "error"),
        },
        "files": [
            {"file": name, "cases": [_case_json(o) for o in by_file.get(name, [])]} for name, _ in files
        ],
    }
    if coverage is not None:
        data["coverage"] = _coverage_json(coverage)
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


# ---- junit ----

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _sub(parent: ET.Element, tag: str, text: str = "", **attrs: str) -> ET.Element:
    node = ET.SubElement(parent, tag, {k: _NOT_XML.sub("\ufffd", v) for k, v in attrs.items()})
    if text:
        node.text = _NOT_XML.sub("\ufffd", text)
    return node


def _classname(file: str) -> str:
    stem = file.rsplit(".", 1)[0] if file.endswith((".yaml", ".yml")) else file
    return stem.replace("/", ".")


def _junit_case(suite: ET.Element, o: Outcome) -> None:
    case = _sub(suite, "testcase", name=o.case.name, classname=_classname(o.case.file))
    if o.status == "failed":
        body = "\n".join([f"{o.case.where}: case `{o.case.name}`", *problem_lines(o.problems)])
        _sub(case, "failure", body, message=problem_text(o.problems[0]), type="expectation")
    elif o.status == "error":
        body = "\n".join([f"{o.case.where}: case `{o.case.name}`", *(d.format() for d in o.diagnostics)])
        first = o.diagnostics[0].message if o.diagnostics else "the case could not run"
        _sub(case, "error", body, message=first, type="invalid manifest")


def _junit(
    files: Sequence[tuple[str, Sequence[Case]]], outcomes: Sequence[Outcome], coverage: Coverage | None
) -> str:
    root = ET.Element("testsuites", name="govrules policy test")
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for name, _ in files:
        mine = [o for o in outcomes if o.case.file == name]
        counts = {
            "tests": len(mine),
            "failures": sum(1 for o in mine if o.status == "failed"),
            "errors": sum(1 for o in mine if o.status == "error"),
        }
        suite = _sub(root, "testsuite", name=name, skipped="0", **{k: str(v) for k, v in counts.items()})
        for o in mine:
            _junit_case(suite, o)
        for key in totals:
            totals[key] += counts[key]
    if coverage is not None:
        _junit_coverage(root, coverage, totals)
    for key, value in totals.items():
        root.set(key, str(value))
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _junit_coverage(root: ET.Element, c: Coverage, totals: dict[str, int]) -> None:
    checked = c.minimum is not None
    failed = 0 if c.met else 1
    suite = _sub(
        root, "testsuite", name="coverage", tests=str(int(checked)), failures=str(failed), errors="0"
    )
    props = _sub(suite, "properties")
    for what in ("rules", "requires", "not_applicable"):
        covered, total = c.share(what)
        _sub(props, "property", name=f"{what}_covered", value=f"{covered} of {total}")
    if checked:
        case = _sub(
            suite, "testcase", name=f"rule coverage is at least {_show_min(c.minimum)}%", classname="coverage"
        )
        if not c.met:
            text = below_minimum(c)
            _sub(case, "failure", text, message=text.split("\n")[0], type="coverage")
        totals["tests"] += 1
        totals["failures"] += failed
