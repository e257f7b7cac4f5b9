"""The engine facade: prepare a policy set once (parse, check, compile), then evaluate many manifests.

>>> engine = Engine.load()                                   # the bundled pack
>>> report = engine.check(["examples/"], as_of=datetime.date(2026, 11, 28))  # doctest: +SKIP
>>> report.exit_code                                          # doctest: +SKIP
1
"""

from __future__ import annotations

import datetime as dt
import functools
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from govrules.diagnostics import Diagnostic, GovrulesError, sort_diagnostics
from govrules.engine.builtins import Context
from govrules.engine.checker import CheckedPolicySet, check_policies
from govrules.engine.compiler import CompiledPolicySet, compile_policies
from govrules.engine.evaluator import evaluate_document
from govrules.engine.types import Type, date_paths, manifest_type
from govrules.engine.waivers import WaiverSettings
from govrules.lang.parser import parse_policy
from govrules.manifest.loader import LocatedDocument, load_manifest
from govrules.manifest.schema import manifest_schema, normalise_dates, validate_document
from govrules.resources import data_path
from govrules.results import ManifestReport, Report
from govrules.span import SourceText

MANIFEST_NAMES = ("ai-project.yaml", "ai-project.yml")
_SKIP_DIRS = {".git", ".hg", ".svn", "node_modules", ".venv", "venv", "__pycache__", ".tox", ".mypy_cache"}


@functools.cache
def _root_type() -> Type:
    return manifest_type(manifest_schema())


@functools.cache
def _date_paths() -> frozenset[tuple[str, ...]]:
    return frozenset(date_paths(_root_type()))


def policy_files(paths: Sequence[str | Path] | None) -> list[Path]:
    """The `*.gov` files named or found under the given paths (default: the bundled pack), sorted."""
    if not paths:
        paths = [data_path("policies")]
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(sorted(p.rglob("*.gov")))
        elif p.is_file():
            out.append(p)
        else:
            raise GovrulesError(
                [
                    Diagnostic(
                        "GR200",
                        "error",
                        f"policy path `{p}` does not exist",
                        None,
                        "give a `.gov` file or a folder of them to `--policy`",
                    )
                ]
            )
    if not out:
        raise GovrulesError(
            [
                Diagnostic(
                    "GR200",
                    "error",
                    "no `.gov` policy files found",
                    None,
                    f"looked in {', '.join(str(p) for p in paths)}",
                )
            ]
        )
    return out


@dataclass(frozen=True, slots=True)
class Engine:
    compiled: CompiledPolicySet
    waivers: WaiverSettings

    @property
    def checked(self) -> CheckedPolicySet:
        return self.compiled.checked

    @classmethod
    def load(
        cls, policy_paths: Sequence[str | Path] | None = None, params: Mapping[str, object] | None = None
    ) -> Engine:
        sources: dict[str, SourceText] = {}
        policies, problems = [], []
        for path in policy_files(policy_paths):
            name = _display(path)
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as err:
                problems.append(Diagnostic("GR200", "error", f"cannot read policy `{name}`: {err}", None))
                continue
            sources[name] = SourceText(name, text)
            try:
                policies.append(parse_policy(text, name))
            except GovrulesError as err:
                problems.extend(err.diagnostics)
        if problems:
            raise GovrulesError(problems, sources)
        try:
            checked = check_policies(policies, _root_type(), params)
        except GovrulesError as err:
            raise GovrulesError(err.diagnostics, sources) from None
        return cls(compile_policies(checked), _waiver_settings(checked))

    def check(self, paths: Iterable[str | Path], as_of: dt.date, stage: str | None = None) -> Report:
        manifests, problems = discover(paths)
        reports = [self.check_file(p, as_of, stage) for p in manifests]
        return self.report(reports, as_of, stage, problems)

    def report(
        self,
        manifests: Sequence[ManifestReport],
        as_of: dt.date,
        stage: str | None,
        diagnostics: Sequence[Diagnostic] = (),
    ) -> Report:
        checked = self.checked
        rules = tuple((r.id, r.title, r.span) for r in checked.rules)
        params = {name: p.value for name, p in sorted(checked.params.items())}
        return Report(
            as_of, self.compiled.hash, rules, params, tuple(manifests), stage, sort_diagnostics(diagnostics)
        )

    def check_file(self, path: str | Path, as_of: dt.date, stage: str | None = None) -> ManifestReport:
        name = _display(Path(path))
        try:
            doc = load_manifest(path, name)
        except GovrulesError as err:
            return ManifestReport(name, diagnostics=err.diagnostics, evaluated=False)
        return self.check_document(doc, as_of, stage, Path(path))

    def check_document(
        self, doc: LocatedDocument, as_of: dt.date, stage: str | None = None, path: Path | None = None
    ) -> ManifestReport:
        problems = validate_document(doc)
        if problems:
            return ManifestReport(doc.file, diagnostics=sort_diagnostics(problems), evaluated=False)
        normalise_dates(doc.data, set(_date_paths()))
        if stage is not None and stage != doc.data["stage"]["current"]:
            doc.data = {**doc.data, "stage": promoted(doc.data["stage"], stage, as_of)}
        manifest_dir = path.resolve().parent if path is not None else None
        ctx = Context(as_of, _repo_root(manifest_dir), manifest_dir)
        results, notes = evaluate_document(self.compiled, doc, as_of, ctx, self.waivers)
        project = doc.data.get("project", {}).get("id", "")
        return ManifestReport(
            doc.file,
            tuple(results),
            sort_diagnostics(notes),
            True,
            str(project),
            str(doc.data["stage"]["current"]),
        )


def promoted(stage_block: Mapping[str, object], target: str, as_of: dt.date) -> dict[str, object]:
    """The `stage` block as if the project moved to `target` on `as_of`: the gate question of `--stage`."""
    out = {**stage_block, "current": target, "since": as_of}
    history = stage_block.get("history")
    if isinstance(history, list):
        out["history"] = [*history, {"stage": target, "date": as_of}]
    return out


def discover(paths: Iterable[str | Path]) -> tuple[list[Path], list[Diagnostic]]:
    """Manifest files named directly, or found as `ai-project.y[a]ml` under folders; sorted, each once."""
    found: dict[str, Path] = {}
    problems: list[Diagnostic] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            hits = 0
            for dirpath, dirnames, filenames in os.walk(p):
                dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS)
                for fname in filenames:
                    if fname in MANIFEST_NAMES:
                        full = Path(dirpath) / fname
                        found.setdefault(str(full), full)
                        hits += 1
            if hits == 0:
                problems.append(
                    Diagnostic(
                        "GR300",
                        "error",
                        f"no `ai-project.yaml` found under `{p}`",
                        None,
                        "name the manifest file, or a folder that contains one",
                    )
                )
        elif p.exists():
            found.setdefault(str(p), p)
        else:
            problems.append(
                Diagnostic(
                    "GR300",
                    "error",
                    f"`{p}` does not exist",
                    None,
                    "check the path; give a manifest file or a folder",
                )
            )
    return [found[k] for k in sorted(found)], problems


def _display(path: Path) -> str:
    try:
        rel = os.path.relpath(path)
    except ValueError:
        rel = str(path)
    return (rel if not rel.startswith("..") else str(path)).replace(os.sep, "/")


@functools.cache
def _repo_root(start: Path | None) -> Path | None:
    if start is None:
        return None
    for candidate in (start, *start.parents):
        if (candidate / ".git").exists():
            return candidate
    return start


def _waiver_settings(checked: CheckedPolicySet) -> WaiverSettings:
    settings = WaiverSettings()
    max_days = checked.params.get("waiver_max_days")
    roles = checked.params.get("hard_waiver_roles")
    approvers = checked.params.get("hard_waiver_approvers")
    return WaiverSettings(
        max_days=max_days.value.days
        if max_days and isinstance(max_days.value, dt.timedelta)
        else settings.max_days,
        hard_approver_roles=tuple(str(r).lower() for r in roles.value)
        if roles and isinstance(roles.value, tuple)
        else settings.hard_approver_roles,
        hard_approvers=tuple(str(a).lower() for a in approvers.value)
        if approvers and isinstance(approvers.value, tuple)
        else (),
    )
