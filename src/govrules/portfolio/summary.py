"""The portfolio summary: one plain, deterministic dict over every manifest found, for the report renderers.

Each manifest is evaluated at its own stage (the numbers `govrules check --format json` gives) and, below
enterprise, at the next stage (the gate question of `--stage`). Sections: totals, funnel, matrix, ownership,
waivers, value. Lists are sorted, so the same files and `as_of` give the same summary.

>>> summary = portfolio(Engine.load(), ["examples/"], datetime.date(2026, 11, 28))  # doctest: +SKIP
>>> [s["projects"] for s in summary["funnel"]]                                       # doctest: +SKIP
[1, 5, 2, 1, 1]
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import os
from collections import Counter
from typing import NamedTuple

from govrules.api import discover, display_path
from govrules.diagnostics import GovrulesError
from govrules.manifest.loader import LocatedDocument, load_manifest
from govrules.portfolio.debt import kpi_rows, waiver_debt, waiver_items
from govrules.results import ManifestReport, RuleResult, Verdict

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator
    from typing import Any

    from govrules.api import Engine

SUMMARY_VERSION = "1.0"
STAGES = ("idea", "pilot", "program", "enterprise", "retired")
NEXT_STAGE = {"idea": "pilot", "pilot": "program", "program": "enterprise"}
WORST = ("fail", "waived", "pass", "not_applicable")  # a family's cell is its worst verdict, in this order
TOP_BLOCKERS = 5
GC_EVERY = 200  # manifests between two collections of the young generations (see _young_collections_only)
CHUNK = 64  # manifests per task sent to a worker process (fewer when there are few manifests)
# the trend table: (heading, key of a history point), shared by every format
TREND_COLUMNS = (
    ("as of", "as_of"),
    ("failing findings", "failing_findings"),
    ("failing rules", "failing_rules"),
    ("blocked projects", "blocked_projects"),
    ("waiver debt", "waiver_debt"),
    ("expired waivers", "expired_waivers"),
    ("projects with measured impact", "with_impact"),
)


_Blockers = tuple[tuple[str, str], ...]  # (rule, title) of each rule blocking the next gate


class _Facts(NamedTuple):
    """What the summary reads of a manifest besides its report, read once (a `--jobs` worker sends only this)."""

    name: str
    department: str  # the business owner's
    business_owner: str  # email
    risk_tier: str
    departments: tuple[str, ...]  # sorted, as XFN-001 counts them (`departments`)


def _facts(data: dict[str, Any]) -> _Facts:
    return _Facts(
        _get(data, "project", "name"),
        _get(data, "owners", "business_owner", "department"),
        _get(data, "owners", "business_owner", "email"),
        _get(data, "risk", "internal_tier"),
        tuple(sorted(departments(data))),
    )


class _Project:
    """One evaluated manifest: its report at its own stage, the rules blocking the next one, and its facts."""

    __slots__ = ("facts", "gate", "kpis", "report", "waivers")

    def __init__(self, report: ManifestReport, gate: _Blockers | None, facts: _Facts) -> None:
        self.report, self.gate, self.facts = report, gate, facts
        self.waivers: list[dict[str, Any]] = []
        self.kpis: list[dict[str, Any]] = []


def portfolio(
    engine: Engine,
    manifest_paths: Iterable[str | os.PathLike[str]],
    as_of: dt.date,
    jobs: int = 1,
    load: Callable[[], Engine] | None = None,
) -> dict[str, Any]:
    """Evaluate every manifest under the paths and summarise the portfolio (see the module docstring).

    With `jobs` > 1 (0: every core) and `load`, a picklable callable that gives each worker process the same
    engine (the prepared policy set comes from the cache), the manifests are evaluated in a process pool, in
    chunks; the summary is the same as with one job."""
    paths, problems = discover(manifest_paths)
    projects: list[_Project] = []
    unusable: list[ManifestReport] = []
    with _young_collections_only():
        for i, project in enumerate(_evaluate_all(engine, paths, as_of, jobs, load)):
            if isinstance(project, _Project):
                projects.append(project)
            else:
                unusable.append(project)
            if i % GC_EVERY == GC_EVERY - 1:
                gc.collect(1)
    families = sorted({rule.split("-")[0] for rule, _, _ in engine.report([], as_of, None).rules})
    return {
        "version": SUMMARY_VERSION,
        "as_of": as_of.isoformat(),
        "policy_set": {"hash": engine.compiled.hash, "rules": len(engine.report([], as_of, None).rules)},
        "totals": _totals(projects, unusable),
        "unusable": [{"path": m.path, "diagnostics": [d.to_json() for d in m.diagnostics]} for m in unusable]
        + [{"path": None, "diagnostics": [d.to_json() for d in problems]}] * bool(problems),
        "funnel": _funnel(projects),
        "matrix": _matrix(projects, families),
        "ownership": _ownership(projects),
        "waivers": _waivers(engine, [w for p in projects for w in p.waivers]),
        "value": _value(projects),
    }


@contextlib.contextmanager
def _young_collections_only() -> Iterator[None]:
    """Keep the cyclic garbage collector to the young generations while the results pile up: its automatic
    full collections rescan every result kept so far (a third of the run time at 3,000 manifests). The loop
    collects the young generations every GC_EVERY manifests; the usual collections resume afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


_WORKER: dict[str, Any] = {}


def _init_worker(load: Callable[[], Engine], as_of: dt.date) -> None:
    _WORKER["engine"], _WORKER["as_of"] = load(), as_of


def _evaluate_in_worker(path: str) -> _Project | ManifestReport:
    """`_evaluate`, without the failing clauses' explanations: they cost the parent more to unpickle than the
    worker took to evaluate them, and the summary never reads them."""
    project = _evaluate(_WORKER["engine"], path, _WORKER["as_of"])
    if isinstance(project, _Project):
        results = tuple(r._replace(failures=()) for r in project.report.results)
        project.report = project.report._replace(results=results)
    return project


def _evaluate_all(
    engine: Engine, paths: list[str], as_of: dt.date, jobs: int, load: Callable[[], Engine] | None
) -> Iterator[_Project | ManifestReport]:
    """Each manifest's evaluation, in the order of `paths`: here, or in `jobs` worker processes."""
    workers = min(jobs if jobs > 0 else os.cpu_count() or 1, len(paths))
    if workers <= 1 or load is None:
        for path in paths:
            yield _evaluate(engine, path, as_of)
        return
    from concurrent.futures import ProcessPoolExecutor

    chunk = max(1, min(CHUNK, len(paths) // (workers * 4)))
    with ProcessPoolExecutor(workers, initializer=_init_worker, initargs=(load, as_of)) as pool:
        yield from pool.map(_evaluate_in_worker, paths, chunksize=chunk)


def _evaluate(engine: Engine, path: str, as_of: dt.date) -> _Project | ManifestReport:
    """As `Engine.check_file`, reading and validating the manifest once: at its stage, then at the next one."""
    name = display_path(path)
    try:
        doc = load_manifest(path, name)
    except GovrulesError as err:
        return ManifestReport(name, diagnostics=err.diagnostics, evaluated=False)
    report = engine.check_document(doc, as_of, None, path, explain="first")  # the matrix shows no more
    if not report.evaluated:
        return report
    data = doc.data  # validated (dates normalised)
    nxt = NEXT_STAGE.get(report.stage)
    project = _Project(report, _gate(engine, doc, as_of, nxt, path) if nxt else None, _facts(data))
    project.waivers = waiver_items(doc, report, as_of)
    project.kpis = kpi_rows(report, data, as_of)
    return project


def _gate(engine: Engine, doc: LocatedDocument, as_of: dt.date, stage: str, path: str) -> _Blockers:
    """The rules that block a move to `stage`, with their titles: the results `check --stage` marks blocking.
    The document was validated by the run at its own stage, and the funnel reads only which rules block, so it
    is neither validated again nor are its failures explained (that is most of an evaluation's cost)."""
    data = doc.data
    try:
        report = engine.check_document(doc, as_of, stage, path, validate=False, explain=False)
    finally:
        doc.data = data  # check_document replaces the data with the promoted stage
    return tuple((r.rule, r.title) for r in report.results if r.blocking)


def _waivers(engine: Engine, items: list[dict[str, Any]]) -> dict[str, Any]:
    """Waiver debt, with the rules marked `waivable false` (never waivable, whatever a manifest records) and
    every waiver that targets one of them."""
    debt = waiver_debt(items)
    never = sorted(
        (r.id, r.title) for r in engine.compiled.rules if not r.waivable and r.id not in engine.disabled
    )
    ids = {rule for rule, _ in never}
    debt["never_waivable"] = [{"rule": rule, "title": title} for rule, title in never]
    debt["targeting_never_waivable"] = [i for i in debt["items"] if i["rule"] in ids]
    return debt


def _totals(projects: list[_Project], unusable: list[ManifestReport]) -> dict[str, Any]:
    verdicts = {v.value: 0 for v in Verdict}
    for p in projects:
        for r in p.report.results:
            verdicts[r.verdict.value] += 1
    return {
        "manifests": len(projects) + len(unusable),
        "evaluated": len(projects),
        "unusable": len(unusable),
        "blocked_projects": sum(1 for p in projects if p.report.blocked),
        "verdicts": verdicts,
        "blocking_findings": sum(1 for p in projects for r in p.report.results if r.blocking),
        "failing_rules": len(
            {r.rule for p in projects for r in p.report.results if r.verdict is Verdict.FAIL}
        ),
    }


def _funnel(projects: list[_Project]) -> list[dict[str, Any]]:
    out = []
    for stage in STAGES:
        here = [p for p in projects if p.report.stage == stage]
        nxt = NEXT_STAGE.get(stage)
        row: dict[str, Any] = {"stage": stage, "projects": len(here), "next": nxt}
        if nxt:
            gates = [p.gate for p in here if p.gate is not None]
            ready = sum(1 for g in gates if not g)
            blockers = Counter(rule for g in gates for rule, _ in g)
            titles = dict(pair for g in gates for pair in g)
            row["ready"] = ready
            row["share_ready"] = round(ready / len(here), 4) if here else None
            row["top_blockers"] = [
                {"rule": rule, "title": titles[rule], "projects": n}
                for rule, n in sorted(blockers.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_BLOCKERS]
            ]
        out.append(row)
    return out


def _get(data: dict[str, Any], *keys: str) -> str:
    value: Any = data
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    return str(value) if value is not None else ""


def _finding(r: RuleResult) -> dict[str, Any]:
    return {
        "rule": r.rule,
        "title": r.title,
        "verdict": r.verdict.value,
        "severity": r.severity,
        "enforcement": r.enforcement,
        "blocking": r.blocking,
        "message": r.message,
        "location": r.location.to_json() if r.location else None,
    }


def _matrix(projects: list[_Project], families: list[str]) -> dict[str, Any]:
    rows = []
    for p in sorted(projects, key=lambda p: (p.report.project, p.report.path)):
        seen: dict[str, set[str]] = {}
        for r in p.report.results:
            seen.setdefault(r.rule.split("-")[0], set()).add(r.verdict.value)
        rows.append(
            {
                "project": p.report.project,
                "name": p.facts.name,
                "path": p.report.path,
                "department": p.facts.department,
                "business_owner": p.facts.business_owner,
                "stage": p.report.stage,
                "risk_tier": p.facts.risk_tier,
                "cells": {f: next((v for v in WORST if v in seen.get(f, ())), None) for f in families},
                "findings": [
                    _finding(r) for r in p.report.results if r.verdict in (Verdict.FAIL, Verdict.WAIVED)
                ],
            }
        )
    return {"families": families, "rows": rows}


def departments(data: dict[str, Any]) -> set[str]:
    """The distinct departments XFN-001 counts (trimmed, case-folded): owners, sponsor, stakeholders, dataset owners."""
    owners = data.get("owners")
    owners = owners if isinstance(owners, dict) else {}
    people = [owners.get(k) for k in ("business_owner", "technical_owner", "executive_sponsor")]
    people += _get_list(data, "owners", "stakeholders")
    datasets = _get_list(data, "data", "datasets")
    people += [d.get("owner") for d in datasets if isinstance(d, dict)]
    return {
        p["department"].strip().casefold()
        for p in people
        if isinstance(p, dict) and isinstance(p.get("department"), str) and p["department"].strip()
    }


def _get_list(data: dict[str, Any], *keys: str) -> list[Any]:
    value: Any = data
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    return value if isinstance(value, list) else []


def _ownership(projects: list[_Project]) -> dict[str, Any]:
    ordered = sorted(projects, key=lambda p: (p.report.project, p.report.path))
    no_owner = [
        {"project": p.report.project, "path": p.report.path, **_finding(r)}
        for p in ordered
        for r in p.report.results
        if r.rule == "OWN-001" and r.verdict is not Verdict.PASS and r.verdict is not Verdict.NOT_APPLICABLE
    ]
    single = [
        {"project": p.report.project, "path": p.report.path, "departments": list(p.facts.departments)}
        for p in ordered
        if len(p.facts.departments) <= 1
    ]
    groups: dict[str, dict[str, Any]] = {}
    for p in ordered:
        failing = [r for r in p.report.results if r.verdict is Verdict.FAIL]
        if not failing:
            continue
        owner = p.facts.business_owner or "(no business owner)"
        g = groups.setdefault(
            owner, {"owner": owner, "projects": [], "findings": 0, "blocking": 0, "rules": set()}
        )
        g["projects"].append(p.report.project)
        g["findings"] += len(failing)
        g["blocking"] += sum(1 for r in failing if r.blocking)
        g["rules"].update(r.rule for r in failing)
    by_owner = [{**g, "rules": sorted(g["rules"])} for g in groups.values()]
    by_owner.sort(key=lambda g: (-g["blocking"], -g["findings"], g["owner"]))
    return {"without_business_owner": no_owner, "single_department": single, "by_owner": by_owner}


def _value(projects: list[_Project]) -> dict[str, Any]:
    ordered = sorted(projects, key=lambda p: (p.report.project, p.report.path))
    impact = {p.report.path: any(k["moved_toward_target"] for k in p.kpis) for p in ordered}
    by_stage = []
    for stage in STAGES:
        here = [p for p in ordered if p.report.stage == stage]
        n = sum(1 for p in here if impact[p.report.path])
        by_stage.append(
            {
                "stage": stage,
                "projects": len(here),
                "with_impact": n,
                "share": round(n / len(here), 4) if here else None,
            }
        )
    total = sum(impact.values())
    return {
        "kpis": [k for p in ordered for k in p.kpis],
        "projects": [
            {
                "project": p.report.project,
                "stage": p.report.stage,
                "kpis": len(p.kpis),
                "measured_impact": impact[p.report.path],
            }
            for p in ordered
        ],
        "with_impact": total,
        "share_with_impact": round(total / len(ordered), 4) if ordered else None,
        "by_stage": by_stage,
    }
