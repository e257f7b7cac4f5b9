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
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from govrules import __version__, cache
from govrules.diagnostics import Diagnostic, GovrulesError, sort_diagnostics
from govrules.engine.builtins import Context
from govrules.engine.evaluator import evaluate_document
from govrules.engine.prepared import PreparedPolicySet
from govrules.engine.waivers import WaiverSettings
from govrules.manifest.loader import LocatedDocument, load_manifest
from govrules.manifest.schema import validate_document
from govrules.resources import data_path
from govrules.results import ManifestReport, Report
from govrules.span import SourceText

if TYPE_CHECKING:
    from govrules.engine.types import Type

MANIFEST_NAMES = ("ai-project.yaml", "ai-project.yml")
_SKIP_DIRS = {".git", ".hg", ".svn", "node_modules", ".venv", "venv", "__pycache__", ".tox", ".mypy_cache"}


@functools.cache
def _root_type() -> Type:
    from govrules.engine.types import manifest_type
    from govrules.manifest.schema import manifest_schema

    return manifest_type(manifest_schema())


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


class Engine(NamedTuple):
    compiled: PreparedPolicySet
    waivers: WaiverSettings

    @classmethod
    def load(
        cls, policy_paths: Sequence[str | Path] | None = None, params: Mapping[str, object] | None = None
    ) -> Engine:
        """Parse, check and compile the policies, or take the prepared set from the cache when nothing changed."""
        texts: list[tuple[str, str]] = []
        for path in policy_files(policy_paths):
            name = _display(path)
            try:
                texts.append((name, path.read_text(encoding="utf-8")))
            except (OSError, UnicodeDecodeError) as err:
                raise GovrulesError(
                    [Diagnostic("GR200", "error", f"cannot read policy `{name}`: {err}", None)]
                ) from None
        digest = cache.key(
            __version__,
            data_path("grammar", "govrules.lark").read_bytes(),
            data_path("schemas", "ai-project.schema.json").read_bytes(),
            repr(sorted((params or {}).items(), key=lambda kv: kv[0])),
            *(part for name, text in texts for part in (name, text)),
        )
        blob = cache.read("policies", digest)
        prepared = PreparedPolicySet.from_bytes(blob) if blob else None
        if prepared is None:
            prepared = _prepare(texts, params)
            cache.write("policies", digest, prepared.to_bytes())
        return cls(prepared, _waiver_settings(prepared.params))

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
        rules = tuple((r.id, r.title, r.span) for r in self.compiled.rules)
        params = dict(self.compiled.params)
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
        problems = validate_document(doc, self.compiled.date_paths)
        if problems:
            return ManifestReport(doc.file, diagnostics=sort_diagnostics(problems), evaluated=False)
        if stage is not None and stage != doc.data["stage"]["current"]:
            doc.data = {**doc.data, "stage": promoted(doc.data["stage"], stage, as_of)}
        manifest_dir = path.resolve().parent if path is not None else None
        root = _repo_root(manifest_dir)
        ctx = Context(as_of, str(root) if root else None, str(manifest_dir) if manifest_dir else None)
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


def _prepare(texts: Sequence[tuple[str, str]], params: Mapping[str, object] | None) -> PreparedPolicySet:
    from govrules.engine.checker import check_policies
    from govrules.engine.compiler import compile_policies
    from govrules.lang.parser import parse_policy

    sources = {name: SourceText(name, text) for name, text in texts}
    policies: list[Any] = []
    problems: list[Diagnostic] = []
    for name, text in texts:
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
    from govrules.manifest.schema import schema_date_paths

    return compile_policies(checked, schema_date_paths())


def _waiver_settings(params: Mapping[str, object]) -> WaiverSettings:
    default = WaiverSettings()
    max_days = params.get("waiver_max_days")
    roles = params.get("hard_waiver_roles")
    approvers = params.get("hard_waiver_approvers")
    return WaiverSettings(
        max_days=max_days.days if isinstance(max_days, dt.timedelta) else default.max_days,
        hard_approver_roles=tuple(str(r).lower() for r in roles)
        if isinstance(roles, tuple)
        else default.hard_approver_roles,
        hard_approvers=tuple(str(a).lower() for a in approvers) if isinstance(approvers, tuple) else (),
    )
