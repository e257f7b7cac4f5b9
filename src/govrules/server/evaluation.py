"""The API's evaluation core, without HTTP: a prepared policy set that turns a request body into the CLI's JSON report.

`PolicySet.load(config)` parses, checks and compiles the policies once; `evaluate(kind, body, query, today)` reads a
manifest from a JSON or YAML body (the loader's limits apply), evaluates it and returns the report as the bytes
`govrules check --format json` would print (same keys, compact). Evaluation is a pure function of the policy set,
the body, its kind, the query and the date, so the last results are kept, keyed by exactly those (within a byte
budget that counts the bodies and the reports): a service that asks about the same manifest again is answered
without re-evaluating (every answer is still logged as its own decision). An answer is shared, so it is never
changed once made.
A reload builds a new `PolicySet` (with an empty cache) and swaps it in; requests in flight keep the old one.

    >>> ps = PolicySet.load(PolicyConfig())                                        # doctest: +SKIP
    >>> ps.evaluate("yaml", b"manifest_version: ...", {}, dt.date(2026, 11, 28)).report[:12]  # doctest: +SKIP
    b'{"version":1'
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import orjson

from govrules.api import Engine
from govrules.catalogue import catalogue
from govrules.diagnostics import Diagnostic, GovrulesError, did_you_mean
from govrules.manifest.loader import MAX_DEPTH, MAX_NODES, LocatedDocument, load_bytes, load_text
from govrules.reporters.json import report_json
from govrules.results import ManifestReport
from govrules.server.problems import Problem, invalid
from govrules.span import Span

STAGES = ("idea", "pilot", "program", "enterprise", "retired")
ITEM_FIELDS = ("manifest", "manifest_yaml", "path")
OPTION_FIELDS = ("as_of", "stage", "explain")
REQUEST_PATH = "<request>"
LISTED = ("id", "family", "title", "severity", "enforcement", "waivable", "source")


@dataclass(frozen=True)
class PolicyConfig:
    """What a policy set is built from: the same settings `govrules check` takes."""

    policies: Sequence[str] | None = None
    params: Mapping[str, object] = field(default_factory=dict)
    disabled: Mapping[str, str] = field(default_factory=dict)
    fail_on: str = "soft"


class Evaluation(NamedTuple):
    report: bytes  # the CLI's JSON report, compact
    summary: dict[str, Any]  # verdict counts, blocking, exit code: what the decision log indexes
    manifest_hash: str
    as_of: str
    stage: str | None
    verdicts: tuple[tuple[str, str], ...]  # (rule, verdict) for the metrics


class Options(NamedTuple):
    as_of: dt.date
    stage: str | None
    explain: bool


class PolicySet:
    """A compiled policy set with its public descriptions pre-rendered and a bounded cache of recent results."""

    def __init__(self, engine: Engine, loaded_at: str, cache_bytes: int = 64 << 20) -> None:
        self.engine, self.loaded_at, self.cache_bytes = engine, loaded_at, cache_bytes
        self.hash: str = engine.compiled.hash
        self._cache: OrderedDict[Key, Evaluation] = OrderedDict()
        self._cached = 0
        entries = [r for r in catalogue(engine.compiled)["rules"] if r["id"] not in engine.disabled]
        self.rules: dict[str, bytes] = {r["id"]: orjson.dumps(r) for r in entries}
        listing = [{k: r[k] for k in LISTED} for r in entries]
        self.description = orjson.dumps({"hash": self.hash, "loaded_at": loaded_at, "rules": listing})

    @classmethod
    def load(cls, config: PolicyConfig, cache_bytes: int = 64 << 20) -> PolicySet:
        """Parse, check and compile; raises GovrulesError with every policy diagnostic."""
        engine = Engine.load(config.policies, dict(config.params), dict(config.disabled), config.fail_on)
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
        return cls(engine, now, cache_bytes)

    def evaluate(self, kind: str, body: bytes, query: Mapping[str, str], today: dt.date) -> Evaluation:
        """`kind` is "json" (an object with `manifest` or `manifest_yaml`) or "yaml" (the manifest itself)."""
        key = _key(kind, body, query, today)
        hit = self._cache.get(key)
        if hit is not None:
            self._cache.move_to_end(key)
            return hit
        result = self._evaluate(kind, body, query, today)
        self._remember(key, result)
        return result

    def evaluate_batch(self, body: bytes, today: dt.date, max_items: int) -> Evaluation:
        """`{"manifests": [{"manifest" | "manifest_yaml", "path"}, ...], "as_of", "stage", "explain"}`: one report
        over all of them, as `govrules check a b c` gives."""
        data = _object(body)
        _no_unknown(data, ("manifests", *OPTION_FIELDS))
        items = data.get("manifests")
        if not isinstance(items, list) or not items:
            raise invalid(
                "`manifests` must be a non-empty list of {`manifest` | `manifest_yaml`, `path`} objects"
            )
        if len(items) > max_items:
            raise Problem(
                413, "batch-too-large", f"a batch holds at most {max_items} manifests; {len(items)} sent"
            )
        options = _options(data, today)
        docs, hashes = [], []
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                raise invalid(f"`manifests[{i}]` must be an object with `manifest` or `manifest_yaml`")
            _no_unknown(item, ITEM_FIELDS, f"manifests[{i}].")
            doc, digest = _document(item, f"manifests[{i}]")
            docs.append(doc)
            hashes.append(digest)
        reports = [self._check(doc, options) for doc in docs]
        return self._result(reports, options, hashlib.sha256("\n".join(hashes).encode()).hexdigest())

    def _evaluate(self, kind: str, body: bytes, query: Mapping[str, str], today: dt.date) -> Evaluation:
        if kind == "yaml":
            _no_unknown(query, ("path", *OPTION_FIELDS), "query parameter ")
            options = _options(query, today, from_query=True)
            path = _path(query.get("path"))
            doc = _loaded(lambda: load_bytes(body, path))
            digest = hashlib.sha256(body).hexdigest()
        else:
            data = _object(body)
            _no_unknown(data, (*ITEM_FIELDS, *OPTION_FIELDS))
            options = _options(data, today)
            doc, digest = _document(data, "")
        return self._result([self._check(doc, options)], options, digest)

    def _check(self, doc: LocatedDocument, options: Options) -> ManifestReport:
        report = self.engine.check_document(
            doc, options.as_of, options.stage, explain=options.explain, check_links=False
        )
        if not report.evaluated:
            raise invalid(
                f"the manifest `{doc.file}` is not valid: {len(report.diagnostics)} problem(s); fix them and resend",
                report.diagnostics,
            )
        return report

    def _result(self, reports: list[ManifestReport], options: Options, digest: str) -> Evaluation:
        report = self.engine.report(reports, options.as_of, options.stage)
        data = report_json(report)
        summary = {**data["summary"], "exit_code": report.exit_code}
        verdicts = tuple((r.rule, r.verdict.value) for m in reports for r in m.results)
        as_of = options.as_of.isoformat()
        return Evaluation(orjson.dumps(data), summary, digest, as_of, options.stage, verdicts)

    def _remember(self, key: Key, result: Evaluation) -> None:
        size = _size(key, result)
        if size > self.cache_bytes // 16:
            return  # a huge report would push out everything else
        self._cache[key] = result
        self._cached += size
        while self._cached > self.cache_bytes:
            old_key, old = self._cache.popitem(last=False)
            self._cached -= _size(old_key, old)


Key = tuple[bytes, str, int, tuple[tuple[str, str], ...]]


def _key(kind: str, body: bytes, query: Mapping[str, str], today: dt.date) -> Key:
    """What an answer depends on besides the policy set: the body itself (hashing it with Python's own hash costs a
    third of a sha256), its kind, the day and the query."""
    return body, kind, today.toordinal(), tuple(sorted(query.items()))


def _size(key: Key, result: Evaluation) -> int:
    return len(key[0]) + len(result.report)


def _object(body: bytes) -> dict[str, Any]:
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as err:
        raise Problem(400, "malformed-json", f"the body is not valid JSON: {err}") from None
    if not isinstance(data, dict):
        raise invalid("the body must be a JSON object")
    return data


def _no_unknown(data: Mapping[str, Any], known: Sequence[str], prefix: str = "") -> None:
    for name in data:
        if name not in known:
            close = did_you_mean(str(name), known, prefix)
            hint = f" ({close})" if close else f"; known: {', '.join(known)}"
            raise invalid(f"unknown {'' if prefix.endswith(' ') else 'field '}`{prefix}{name}`{hint}")


def _options(data: Mapping[str, Any], today: dt.date, from_query: bool = False) -> Options:
    as_of, stage, explain = data.get("as_of"), data.get("stage"), data.get("explain", True)
    date = today if as_of is None else _date(as_of)
    if stage is not None and stage not in STAGES:
        raise invalid(f"`stage` must be one of {', '.join(STAGES)}, not `{stage}`")
    if from_query and explain in ("true", "false"):
        explain = explain == "true"
    if not isinstance(explain, bool):
        raise invalid(f"`explain` must be true or false, not `{explain}`")
    return Options(date, stage, explain)


def _date(value: object) -> dt.date:
    if isinstance(value, str) and len(value) == 10:
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise invalid(f"`as_of` must be a date written YYYY-MM-DD, not `{value}`")


def _path(value: object) -> str:
    if value is None:
        return REQUEST_PATH
    if not isinstance(value, str) or not 0 < len(value) <= 512 or not value.isprintable():
        raise invalid("`path` names the manifest in locations: printable text of 1 to 512 characters")
    return value


def _document(item: Mapping[str, Any], where: str) -> tuple[LocatedDocument, str]:
    """The manifest of one request item and the sha256 of it as received."""
    path = _path(item.get("path")) if item.get("path") is not None else (where or REQUEST_PATH)
    manifest, text = item.get("manifest"), item.get("manifest_yaml")
    if (manifest is None) == (text is None):
        raise invalid(
            f"send exactly one of `{where + '.' if where else ''}manifest` (an object) or `manifest_yaml`"
        )
    if text is not None:
        if not isinstance(text, str):
            raise invalid("`manifest_yaml` must be a string holding the manifest's YAML text")
        return _loaded(lambda: load_text(text, path)), hashlib.sha256(text.encode()).hexdigest()
    if not isinstance(manifest, dict):
        raise invalid("`manifest` must be a JSON object (the manifest's top-level mapping)")
    _bounded(manifest, path)
    return LocatedDocument(path, manifest), hashlib.sha256(
        orjson.dumps(manifest, option=orjson.OPT_SORT_KEYS)
    ).hexdigest()


def _loaded(load: Any) -> LocatedDocument:
    try:
        doc: LocatedDocument = load()
    except GovrulesError as err:
        raise invalid(
            "the manifest cannot be read: fix the located problems and resend", err.diagnostics
        ) from None
    return doc


def _bounded(value: dict[str, Any], path: str) -> None:
    """The loader's limits for a manifest sent as JSON: nesting depth and number of values (level by level,
    visiting containers only)."""
    level: list[Any] = [value]
    depth, count = 1, 1
    while level:
        if depth > MAX_DEPTH or count > MAX_NODES:
            what = (
                f"nested more than {MAX_DEPTH} levels deep"
                if depth > MAX_DEPTH
                else f"more than {MAX_NODES} values"
            )
            raise invalid(
                "the manifest is too large",
                (Diagnostic("GR306", "error", f"the manifest has values {what}", Span(path, 1, 1)),),
            )
        below: list[Any] = []
        for node in level:
            children = node.values() if isinstance(node, dict) else node
            count += len(children)
            below.extend(child for child in children if isinstance(child, dict | list))
        level, depth = below, depth + 1
