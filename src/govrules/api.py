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
from collections import namedtuple
from collections.abc import Iterable, Iterator, Mapping, Sequence

from govrules import __version__, cache
from govrules.diagnostics import Diagnostic, GovrulesError, did_you_mean, sort_diagnostics
from govrules.engine.builtins import Context
from govrules.engine.evaluator import evaluate_document
from govrules.engine.prepared import PreparedPolicySet
from govrules.engine.types import ENFORCEMENTS, STAGE_ORDER
from govrules.engine.waivers import WaiverSettings
from govrules.manifest.loader import LocatedDocument, load_manifest
from govrules.manifest.schema import validate_document
from govrules.resources import data_path, read_data
from govrules.results import ManifestReport, Report, RuleResult, Verdict
from govrules.span import SourceText, undecodable_at

TYPE_CHECKING = False  # typing stays unimported at run time: start-up is a feature
if TYPE_CHECKING:
    from typing import Any, Literal

if TYPE_CHECKING:
    from govrules.engine.checker import CheckedPolicySet
    from govrules.engine.types import Type

MANIFEST_NAMES = ("ai-project.yaml", "ai-project.yml")
_SKIP_DIRS = {".git", ".hg", ".svn", "node_modules", ".venv", "venv", "__pycache__", ".tox", ".mypy_cache"}


@functools.cache
def root_type() -> Type:
    from govrules.engine.types import manifest_type
    from govrules.manifest.schema import manifest_schema

    return manifest_type(manifest_schema())


def read_policy(path: str) -> tuple[str, str]:
    """(display name, text) of a policy file; unreadable or non-UTF-8 files are located errors."""
    name = display_path(path)
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except OSError as err:
        raise GovrulesError(
            [Diagnostic("GR200", "error", f"cannot read policy `{name}`: {err.strerror or err}", None)]
        ) from None
    try:
        return name, raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        where = undecodable_at(name, raw, err)
        raise GovrulesError(
            [
                Diagnostic(
                    "GR100",
                    "error",
                    f"invalid UTF-8 byte 0x{raw[err.start]:02x}",
                    where,
                    "save the policy file as UTF-8",
                )
            ]
        ) from None


def policy_files(paths: Sequence[str | os.PathLike[str]] | None) -> list[str]:
    """The `*.gov` files named or found under the given paths (default: the bundled pack), sorted."""
    if not paths:
        paths = [data_path("policies")]
    out: list[str] = []
    for p in (os.fspath(x) for x in paths):
        if os.path.isdir(p):
            found = [
                os.path.join(dirpath, name)
                for dirpath, _, names in os.walk(p)
                for name in names
                if name.endswith(".gov")
            ]
            out.extend(sorted(found))
        elif os.path.isfile(p):
            out.append(p)
        else:
            raise GovrulesError(
                [
                    Diagnostic(
                        "GR200",
                        "error",
                        f"policy path `{p}` does not exist",
                        None,
                        "give a `.gov` file or a folder of them",
                    )
                ]
            )
    unique: dict[str, str] = {}
    for path in out:
        unique.setdefault(os.path.realpath(path), path)  # a file named twice is read once
    out = list(unique.values())
    if not out:
        raise GovrulesError(
            [
                Diagnostic(
                    "GR200",
                    "error",
                    "no `.gov` policy files found",
                    None,
                    f"looked in {', '.join(f'`{p}`' for p in paths)}",
                )
            ]
        )
    return out


class Engine(namedtuple("Engine", "compiled waivers disabled fail_on", defaults=({}, "soft"))):
    """A prepared policy set and how to apply it: waiver settings, rules switched off (id -> reason), and the
    lowest enforcement that blocks (`fail_on`: advisory, soft or hard)."""

    __slots__ = ()
    compiled: PreparedPolicySet
    waivers: WaiverSettings
    disabled: Mapping[str, str]
    fail_on: str

    @classmethod
    def load(
        cls,
        policy_paths: Sequence[str | os.PathLike[str]] | None = None,
        params: Mapping[str, object] | None = None,
        disabled: Mapping[str, str] | None = None,
        fail_on: str = "soft",
    ) -> Engine:
        """Parse, check and compile the policies, or take the prepared set from the cache when nothing changed."""
        texts = [read_policy(path) for path in policy_files(policy_paths)]
        digest = cache.key(
            __version__,
            cache.code_fingerprint(),
            read_data("grammar", "govrules.lark"),
            read_data("schemas", "ai-project.schema.json"),
            repr(sorted((params or {}).items(), key=lambda kv: kv[0])),
            *(part for name, text in texts for part in (name, text)),
        )
        blob = cache.read("policies", digest)
        prepared = PreparedPolicySet.from_bytes(blob) if blob else None
        if prepared is None:
            prepared = _prepare(texts, params)
            cache.write("policies", digest, prepared.to_bytes())
        else:
            prepared.rebuild = lambda: _check(texts, params)
        if not prepared.rules:
            raise GovrulesError(
                [
                    Diagnostic(
                        "GR200",
                        "error",
                        "the policy files define no rules",
                        None,
                        "give `--policy` files with at least one `rule`",
                    )
                ]
            )
        ids = [r.id for r in prepared.rules]
        unknown = [
            Diagnostic(
                "GR505",
                "error",
                f"cannot switch off unknown rule `{rule}`",
                None,
                did_you_mean(rule, ids) or "name a rule of the policy set (`govrules rules` lists them)",
            )
            for rule in sorted(disabled or {})
            if rule not in ids
        ]
        if unknown:
            raise GovrulesError(unknown)
        return cls(prepared, _waiver_settings(prepared.params), dict(disabled or {}), fail_on)

    def check(
        self, paths: Iterable[str | os.PathLike[str]], as_of: dt.date, stage: str | None = None
    ) -> Report:
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
        rules = tuple((r.id, r.title, r.span) for r in self.compiled.rules if r.id not in self.disabled)
        params = dict(self.compiled.params)
        return Report(
            as_of,
            self.compiled.hash,
            rules,
            params,
            tuple(manifests),
            stage,
            sort_diagnostics([*self.compiled.warnings, *diagnostics]),
            disabled=tuple(sorted(self.disabled.items())),
            fail_on=self.fail_on,
        )

    def check_file(
        self, path: str | os.PathLike[str], as_of: dt.date, stage: str | None = None
    ) -> ManifestReport:
        path = os.fspath(path)
        name = display_path(path)
        try:
            doc = load_manifest(path, name)
        except GovrulesError as err:
            return ManifestReport(name, diagnostics=err.diagnostics, evaluated=False)
        return self.check_document(doc, as_of, stage, path)

    def check_document(
        self,
        doc: LocatedDocument,
        as_of: dt.date,
        stage: str | None = None,
        path: str | None = None,
        validate: bool = True,
        explain: bool | Literal["first"] = True,
        check_links: bool = True,
    ) -> ManifestReport:
        """Evaluate a located manifest. `validate=False` for a document this engine has validated already;
        `explain=False` when only verdicts and blocking are wanted (failures then carry their message only),
        `"first"` when a failure's message and location are wanted (only its first failing clause is explained);
        `check_links=False` for a manifest without its repository (`path` None): well-formed relative evidence
        links are then taken as given, not looked up."""
        problems = validate_document(doc, self.compiled.date_paths) if validate else []
        if problems:
            return ManifestReport(doc.file, diagnostics=sort_diagnostics(problems), evaluated=False)
        notes: list[Diagnostic] = []
        current = doc.data["stage"]["current"]
        if stage is not None and stage != current:
            if _is_move_forward(current, stage):
                doc.data = {**doc.data, "stage": promoted(doc.data["stage"], stage, as_of)}
            else:
                notes.append(
                    Diagnostic(
                        "GR521",
                        "info",
                        f"the project is already at `{current}`; evaluated there",
                        doc.key_span_of(("stage", "current")),
                        f"`--stage {stage}` asks what a move forward needs",
                    )
                )
        manifest_dir = os.path.dirname(os.path.realpath(path)) if path is not None else None
        ctx = Context(as_of, repo_root(manifest_dir), manifest_dir, not check_links)
        results, waiver_notes = evaluate_document(self.compiled, doc, as_of, ctx, self.waivers, explain)
        if self.disabled or self.fail_on != "soft":
            results = self._configured(results)
        notes.extend(waiver_notes)
        project = doc.data.get("project", {}).get("id", "")
        return ManifestReport(
            doc.file,
            tuple(results),
            sort_diagnostics(notes),
            True,
            str(project),
            str(doc.data["stage"]["current"]),
        )

    def _configured(self, results: list[RuleResult]) -> list[RuleResult]:
        """Drop the rules switched off; block only from `fail_on` (advisory blocks every failure)."""
        floor = ENFORCEMENTS.index(self.fail_on)
        out = []
        for r in results:
            if r.rule in self.disabled:
                continue
            blocking = r.verdict is Verdict.FAIL and ENFORCEMENTS.index(r.enforcement) >= floor
            out.append(r._replace(blocking=blocking) if blocking != r.blocking else r)
        return out


def _is_move_forward(current: object, target: str) -> bool:
    """Stages move forward one way: idea < pilot < program < enterprise, and anything but retired may retire."""
    order = STAGE_ORDER
    if current == "retired":
        return False
    if target == "retired":
        return True
    return current in order and target in order and order.index(target) > order.index(str(current))


def promoted(stage_block: Mapping[str, object], target: str, as_of: dt.date) -> dict[str, object]:
    """The `stage` block as if the project moved to `target` on `as_of`: the gate question of `--stage`."""
    out = {**stage_block, "current": target, "since": as_of}
    history = stage_block.get("history")
    if isinstance(history, list):
        out["history"] = [*history, {"stage": target, "date": as_of}]
    return out


def discover(paths: Iterable[str | os.PathLike[str]]) -> tuple[list[str], list[Diagnostic]]:
    """Manifest files named directly, or found as `ai-project.y[a]ml` under folders; sorted, each once."""
    found: set[str] = set()
    problems: list[Diagnostic] = []
    for p in (os.fspath(x) for x in paths):
        if os.path.isdir(p):
            hits = [
                os.path.join(dirpath, name)
                for dirpath, dirnames, names in _walk(p)
                for name in names
                if name in MANIFEST_NAMES
            ]
            found.update(hits)
            if not hits:
                problems.append(
                    Diagnostic(
                        "GR300",
                        "error",
                        f"no `ai-project.yaml` found under `{p}`",
                        None,
                        "name the manifest file, or a folder that contains one",
                    )
                )
        elif os.path.exists(p):
            found.add(p)
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
    unique: dict[str, str] = {}
    for path in sorted(found):
        unique.setdefault(os.path.realpath(path), path)  # the same file named twice is checked once
    return sorted(unique.values()), problems


def _walk(top: str) -> Iterator[tuple[str, list[str], list[str]]]:
    for dirpath, dirnames, names in os.walk(top):
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS)
        yield dirpath, dirnames, names


def display_path(path: str) -> str:
    try:
        rel = os.path.relpath(path)
    except ValueError:
        rel = path
    return (rel if not rel.startswith("..") else path).replace(os.sep, "/")


@functools.cache
def repo_root(start: str | None) -> str | None:
    """The nearest folder at or above `start` holding `.git`: what `link_exists` may see; else `start` itself."""
    if start is None:
        return None
    candidate = start
    while True:
        if os.path.exists(os.path.join(candidate, ".git")):
            return candidate
        parent = os.path.dirname(candidate)
        if parent == candidate:
            return start
        candidate = parent


def _prepare(texts: Sequence[tuple[str, str]], params: Mapping[str, object] | None) -> PreparedPolicySet:
    from govrules.engine.compiler import compile_policies
    from govrules.manifest.schema import schema_date_paths

    return compile_policies(_check(texts, params), schema_date_paths())


def _check(texts: Sequence[tuple[str, str]], params: Mapping[str, object] | None) -> CheckedPolicySet:
    from govrules.engine.checker import check_policies
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
        return check_policies(policies, root_type(), params)
    except GovrulesError as err:
        raise GovrulesError(err.diagnostics, sources) from None


def _waiver_settings(params: Mapping[str, object]) -> WaiverSettings:
    default = WaiverSettings()
    max_days = params.get("waiver_max_days")
    roles = params.get("hard_waiver_roles")
    approvers = params.get("hard_waiver_approvers")
    soft_roles = params.get("soft_waiver_roles")
    soft_approvers = params.get("soft_waiver_approvers")
    return WaiverSettings(
        max_days=max_days.days if isinstance(max_days, dt.timedelta) else default.max_days,
        hard_approver_roles=tuple(str(r).lower() for r in roles)
        if isinstance(roles, tuple)
        else default.hard_approver_roles,
        hard_approvers=tuple(str(a).lower() for a in approvers) if isinstance(approvers, tuple) else (),
        soft_approver_roles=tuple(str(r).lower() for r in soft_roles)
        if isinstance(soft_roles, tuple)
        else default.soft_approver_roles,
        soft_approvers=tuple(str(a).lower() for a in soft_approvers)
        if isinstance(soft_approvers, tuple)
        else (),
    )
