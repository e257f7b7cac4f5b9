"""Policy test files for `govrules policy test`: cases that name a manifest and the verdict each rule must give.

A test file (`privacy_test.yaml`, or any `*.yaml` under a folder given to the tool) holds optional `bases`
(manifests derived from others by edits), an optional `as_of` (the default evaluation date of its cases) and
`cases`. A case names its manifest in one of three ways, may edit it, and states what the rules must say:

    bases:
      pilot_pd: {from: program, set: {stage.current: pilot}, unset: ["kpis[1]"]}
    cases:
      - name: OWN-001 fails without a business owner email
        from: pilot_pd          # a base of this file, or bases/NAME.yaml next to the test file
        # manifest: |           # or the manifest inline (YAML text, or a mapping)
        # manifest_file: manifests/chatbot.yaml   # or a manifest file, relative to the test file
        set: {owners.business_owner.email: not-an-email}
        unset: [owners.business_owner.department, "owners.stakeholders[0]"]
        append: {owners.stakeholders: {name: X}}
        as_of: 2026-11-28       # default: the file's `as_of`, else `--as-of`, else 2026-11-28
        stage: program          # evaluate as if promoted (`govrules check --stage`)
        params: {max_age_dpia: 200}
        expect: {OWN-001: fail} # pass, fail, not_applicable or waived
        blocking: {OWN-001: true}
        failing: {OWN-001: [2]} # the failing requires, 1-based, in order
        location: {OWN-001: 14} # the manifest line of the finding (a list: the line of each failing require)
        message: {OWN-001: "email"}   # a substring of the rule's message
        notes: {OWN-002: 1}     # the number of advisory notes
        files: [docs/dpia.md]   # files created next to the manifest (for `link_exists`)

Paths are dotted names with `[n]` list indexes; `unset` runs first, then `set` (which creates missing mappings on
the way), then `append`. Manifest lines are those of the inline text or the manifest file as written; a manifest
built from bases or edited is written out by `dump` and its lines are those of that text. Findings name an inline
or built manifest `FILE[case N]`.

The pure part (`steps`, `edit`, `build`, `dump`) builds manifests from bases and edits (tests/test_rules.py
runs the default pack's tables through it); the rest reads test files into `Case` records and reports every problem as a located Diagnostic:
GR600 paths, GR601 structure, GR602 bases, GR603 edits, GR604 values.

    >>> edit({"a": {"b": 1}}, {"set": {"a.c": 2}, "unset": ["a.b"]})
    {'a': {'c': 2}}
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import os
import re
from collections import namedtuple
from collections.abc import Callable, Mapping

from govrules.diagnostics import Diagnostic, GovrulesError, did_you_mean
from govrules.span import Span

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from govrules.manifest.loader import DocPath, LocatedDocument

DEFAULT_AS_OF = dt.date(2026, 11, 28)  # fixed, so a test never depends on the day it runs
VERDICTS = ("pass", "fail", "not_applicable", "waived")
STAGES = ("idea", "pilot", "program", "enterprise", "retired")
SOURCES = ("from", "manifest", "manifest_file")
EDITS = ("set", "unset", "append")
BASE_KEYS = (*SOURCES, *EDITS)
CHECKS = ("expect", "blocking", "failing", "location", "message", "notes")
CASE_KEYS = ("name", *BASE_KEYS, "as_of", "stage", "params", "files", *CHECKS)
FILE_KEYS = ("bases", "cases", "as_of")
_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")
_PATH = re.compile(r"[^.\[\]]+(?:\.[^.\[\]]+|\[\d+\])*")


class EditError(Exception):
    """An edit that cannot apply: `op` (set, unset, append), the `path` as written, and why."""

    def __init__(self, op: str, path: str, reason: str) -> None:
        super().__init__(f"cannot {op} `{path}`: {reason}")
        self.op, self.path, self.reason = op, path, reason


def steps(path: str) -> list[str | int]:
    """`kpis[0].name` -> ["kpis", 0, "name"]."""
    return [int(index) if index else name for name, index in _STEP.findall(path)]


def _shown(parts: list[str | int]) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text or "the manifest"


def _kind(value: object) -> str:
    return (
        "a list" if isinstance(value, list) else "a mapping" if isinstance(value, dict) else "a single value"
    )


def _parent(doc: Any, op: str, path: str, create: bool) -> tuple[Any, str | int]:
    if not _PATH.fullmatch(path):
        raise EditError(
            op, path, "not a path; write dotted names with `[n]` list indexes, e.g. `kpis[0].name`"
        )
    parts = steps(path)
    node = doc
    for depth, part in enumerate(parts[:-1]):
        node = _child(node, parts[:depth], part, op, path, create)
    return node, parts[-1]


def _child(node: Any, before: list[str | int], part: str | int, op: str, path: str, create: bool) -> Any:
    where = _shown(before)
    if isinstance(part, int):
        if not isinstance(node, list):
            raise EditError(op, path, f"`{where}` is {_kind(node)}, not a list")
        if part >= len(node):
            raise EditError(op, path, f"`{where}` has {len(node)} item(s), so no `[{part}]`")
        return node[part]
    if not isinstance(node, dict):
        raise EditError(op, path, f"`{where}` is {_kind(node)}, not a mapping")
    if node.get(part) is None:
        if not create:
            raise EditError(op, path, f"`{where}` has no `{part}`")
        node[part] = {}
    return node[part]


def _check_last(node: Any, last: str | int, op: str, path: str, must_exist: bool) -> None:
    where = _shown(steps(path)[:-1])
    if isinstance(last, int):
        if not isinstance(node, list):
            raise EditError(op, path, f"`{where}` is {_kind(node)}, not a list")
        if last >= len(node):
            raise EditError(op, path, f"`{where}` has {len(node)} item(s), so no `[{last}]`")
    elif not isinstance(node, dict):
        raise EditError(op, path, f"`{where}` is {_kind(node)}, not a mapping")
    elif must_exist and last not in node:
        raise EditError(op, path, f"`{where}` has no `{last}`")


def edit(doc: dict[str, Any], spec: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of `doc` with the `unset`, `set` and `append` edits of `spec` applied, in that order."""
    doc = copy.deepcopy(doc)
    for path in spec.get("unset") or ():
        node, last = _parent(doc, "unset", path, create=False)
        _check_last(node, last, "unset", path, must_exist=True)
        del node[last]
    for path, value in (spec.get("set") or {}).items():
        node, last = _parent(doc, "set", path, create=True)
        _check_last(node, last, "set", path, must_exist=False)
        node[last] = copy.deepcopy(value)
    for path, value in (spec.get("append") or {}).items():
        node, last = _parent(doc, "append", path, create=True)
        _check_last(node, last, "append", path, must_exist=False)
        if isinstance(node, dict) and node.get(last) is None:
            node[last] = []
        if not isinstance(node[last], list):
            raise EditError("append", path, f"it is {_kind(node[last])}, not a list")
        node[last].append(copy.deepcopy(value))
    return doc


def build(
    name: str,
    local: Mapping[str, Mapping[str, Any]],
    shared: Callable[[str], dict[str, Any]],
    seen: tuple[str, ...] = (),
) -> dict[str, Any]:
    """The manifest of base `name`: a local base (`from` another base, then its edits), else `shared(name)`.
    Raises LookupError for a loop."""
    if name in seen:
        raise LookupError(f"the bases form a loop: {' -> '.join((*seen, name))}")
    spec = local.get(name)
    if spec is None:
        return shared(name)
    return edit(build(spec["from"], local, shared, (*seen, name)), spec)


# ---- dump: YAML text for a manifest, without a YAML library (only manifest/loader.py imports yaml) ----

_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_YAML_WORDS = {"true", "false", "null", "yes", "no", "on", "off", "y", "n"}
_UNPRINTABLE = re.compile("[\x7f-\x9f\u2028\u2029\ufeff\ud800-\udfff\ufffe\uffff]")  # YAML breaks or refuses


def _quote(text: str) -> str:
    quoted = json.dumps(text, ensure_ascii=False)  # JSON escapes are YAML double-quoted escapes
    return _UNPRINTABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", quoted)


def _scalar(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value:
            return ".nan"
        if value in (float("inf"), float("-inf")):
            return ".inf" if value > 0 else "-.inf"
        mantissa, e, exponent = repr(value).partition("e")
        return (mantissa if "." in mantissa else f"{mantissa}.0") + (f"e{exponent}" if e else "")  # YAML 1.1
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, list | tuple):
        return "[]"
    return _quote(str(value))


def _key(key: object) -> str:
    text = str(key)
    return text if _PLAIN_KEY.fullmatch(text) and text.lower() not in _YAML_WORDS else _quote(text)


def _lines(value: object, indent: int) -> list[str]:
    pad = " " * indent
    out: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, dict | list) and item:
                out.append(f"{pad}{_key(key)}:")
                out.extend(_lines(item, indent + 2))
            else:
                out.append(f"{pad}{_key(key)}: {_scalar(item)}")
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict | list) and item:
                inner = _lines(item, indent + 2)
                out.append(f"{pad}- {inner[0].lstrip()}")
                out.extend(inner[1:])
            else:
                out.append(f"{pad}- {_scalar(item)}")
    else:
        out.append(pad + _scalar(value))
    return out


def dump(manifest: Mapping[str, Any]) -> str:
    """Block-style YAML that reads back to the same data: dates stay dates, text is always quoted."""
    return "\n".join(_lines(dict(manifest), 0)) + "\n"


# ---- reading test files ----


class Case(
    namedtuple(
        "Case",
        "file name line index text manifest_name params as_of stage files checks doc path",
    )
):
    """One test case, ready to run: the manifest `text` (named `manifest_name` in findings) and the checks
    (`checks["expect"]` etc., each a mapping rule -> expected value); `doc` and `path` locate its parts."""

    __slots__ = ()
    file: str
    name: str
    line: int
    index: int
    text: str
    manifest_name: str
    params: dict[str, Any]
    as_of: dt.date
    stage: str | None
    files: tuple[str, ...]
    checks: dict[str, dict[str, Any]]
    doc: LocatedDocument
    path: DocPath

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"

    def span(self, *parts: str | int) -> Span:
        """The span of a part of the case, e.g. `case.span("expect", "OWN-001")` (the key when it is one)."""
        return self.doc.key_span_of((*self.path, *parts))


def display(path: str) -> str:
    """A path as findings name it (the same as `govrules check` names files)."""
    from govrules.api import display_path

    return display_path(path)


def find_test_files(paths: list[str]) -> tuple[list[str], list[Diagnostic]]:
    """Files named directly, and every `*.yaml`/`*.yml` under a folder (not under `bases/`, which holds base
    manifests, and not a manifest itself: a file with a top-level `manifest_version` is skipped by `load`)."""
    found: list[str] = []
    problems: list[Diagnostic] = []
    for p in paths:
        if os.path.isdir(p):
            hits = []
            for dirpath, dirnames, names in os.walk(p):
                dirnames[:] = sorted(d for d in dirnames if d != "bases" and not d.startswith("."))
                hits += [os.path.join(dirpath, n) for n in sorted(names) if n.endswith((".yaml", ".yml"))]
            if not hits:
                problems.append(_diag("GR600", f"no test files (`*.yaml`) found under `{display(p)}`", None))
            found += hits
        elif os.path.isfile(p):
            found.append(p)
        else:
            hint = "give a test file (`*_test.yaml`) or a folder of them"
            problems.append(_diag("GR600", f"`{display(p)}` does not exist", None, hint))
    unique: dict[str, str] = {}
    for path in found:
        unique.setdefault(os.path.realpath(path), path)
    return list(unique.values()), problems


def _diag(code: str, message: str, span: Span | None, hint: str = "") -> Diagnostic:
    return Diagnostic(code, "error", message, span, hint)


def _read(path: str, name: str, span: Span | None, what: str) -> LocatedDocument:

    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except OSError as err:
        raise GovrulesError(
            [_diag("GR600", f"cannot read {what} `{name}`: {err.strerror or err}", span)]
        ) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise GovrulesError([_diag("GR600", f"{what} `{name}` is not UTF-8 text", span)]) from None
    return _parse(text, name, what)


def _parse(text: str, name: str, what: str) -> LocatedDocument:
    from govrules.manifest.loader import LocatedDocument, load_text

    if not text.strip() or all(not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines()):
        return LocatedDocument(name, {}, {(): Span(name, 1, 1)})
    try:
        return load_text(text, name)
    except GovrulesError as err:
        if err.diagnostics[0].code != "GR305":
            raise
        bad = err.diagnostics[0]
        raise GovrulesError(
            [
                bad._replace(
                    code="GR601",
                    message=f"a {what} must be a mapping of keys to values at the top level",
                    hint="",
                )
            ],
            err.sources,
        ) from None


def load(path: str, as_of: dt.date = DEFAULT_AS_OF) -> list[Case] | None:
    """The cases of one test file, or None when the file is a manifest (found in a folder next to tests);
    `as_of` is the date of cases that give none in a file that gives none. Raises GovrulesError with every
    problem of the file."""
    name = display(path)
    doc = _read(path, name, None, "test file")
    if "manifest_version" in doc.data and "cases" not in doc.data:
        return None
    return _FileReader(path, doc).cases(as_of)


class _FileReader:
    """Reads one test file: checks its structure, builds each case's manifest, collects every problem."""

    def __init__(self, path: str, doc: LocatedDocument) -> None:
        self.path, self.doc, self.folder = path, doc, os.path.dirname(os.path.abspath(path))
        self.problems: list[Diagnostic] = []
        self.sources: dict[str, Any] = {doc.file: doc.source} if doc.source else {}
        self.shared: dict[str, dict[str, Any] | None] = {}
        self.built: dict[str, dict[str, Any] | None] = {}

    def error(self, code: str, message: str, at: DocPath, hint: str = "", key: bool = False) -> None:
        span = self.doc.key_span_of(at) if key else self.doc.span_of(at)
        self.problems.append(_diag(code, message, span, hint))

    def cases(self, as_of: dt.date) -> list[Case]:
        data = self.doc.data
        self.keys((), data, FILE_KEYS, "a test file")
        default = self.date(("as_of",), data["as_of"]) if "as_of" in data else as_of
        self.bases = self.mapping(("bases",), data.get("bases"))
        for name, spec in self.bases.items():
            if self.is_mapping(("bases", name), spec, f"base `{name}`"):
                self.keys(("bases", name), spec, BASE_KEYS, f"base `{name}`")
        raw = data.get("cases")
        if not isinstance(raw, list) or not raw:
            self.error(
                "GR601",
                "a test file needs `cases:`, a list of test cases",
                ("cases",),
                "see `govrules policy test --help`",
            )
            raw = []
        out = [case for i, item in enumerate(raw) if (case := self.case(i, item, default)) is not None]
        if self.problems:
            raise GovrulesError(self.problems, self.sources)
        return out

    def is_mapping(self, at: DocPath, value: object, what: str) -> bool:
        if isinstance(value, dict):
            return True
        self.error("GR601", f"{what} must be a mapping, not {_kind(value)}", at)
        return False

    def mapping(self, at: DocPath, value: object) -> dict[str, Any]:
        if value is None:
            return {}
        if isinstance(value, dict):
            return value
        self.is_mapping(at, value, f"`{at[-1]}`")
        return {}

    def keys(self, at: DocPath, value: dict[str, Any], allowed: tuple[str, ...], what: str) -> None:
        for key in value:
            if key not in allowed:
                hint = did_you_mean(key, allowed) or f"{what} takes: {', '.join(allowed)}"
                self.error("GR601", f"unknown key `{key}` in {what}", (*at, key), hint, key=True)

    def date(self, at: DocPath, value: object) -> dt.date:
        from govrules.dates import calendar_date

        day = calendar_date(value)
        if day is None:
            self.error("GR604", f"`{value}` is not a calendar date", at, "write YYYY-MM-DD")
            return DEFAULT_AS_OF
        return day

    def case(self, i: int, item: object, default: dt.date) -> Case | None:
        at: DocPath = ("cases", i)
        if not self.is_mapping(at, item, f"case {i + 1}"):
            return None
        assert isinstance(item, dict)
        before = len(self.problems)
        name = item.get("name")
        if not isinstance(name, str) or not name.strip():
            self.error(
                "GR601", f"case {i + 1} has no `name`", at, "give each case a `name:` saying what it shows"
            )
            name = f"case {i + 1}"
        self.keys(at, item, CASE_KEYS, f"case `{name}`")
        checks = {key: self.check(at, key, item.get(key)) for key in CHECKS}
        if not item.get("expect"):
            self.error(
                "GR601",
                f"case `{name}` has no `expect`",
                at,
                "say the verdict per rule, e.g. `expect: {OWN-001: fail}`",
            )
        stage = item.get("stage")
        if stage is not None and stage not in STAGES:
            self.error(
                "GR604",
                f"unknown stage `{stage}`",
                (*at, "stage"),
                did_you_mean(str(stage), STAGES) or f"use one of: {', '.join(STAGES)}",
            )
        files = item.get("files") or []
        if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
            self.error("GR601", "`files` must be a list of paths", (*at, "files"))
            files = []
        for n, rel in enumerate(files):
            first = os.path.normpath(rel).replace(os.sep, "/").split("/")[0]
            if os.path.isabs(rel) or first in ("..", ".git", ".") or not rel.strip():
                hint = "give a path relative to the manifest, e.g. `docs/dpia.md`"
                self.error("GR604", f"file `{rel}` is outside the case's folder", (*at, "files", n), hint)
        as_of = self.date((*at, "as_of"), item["as_of"]) if "as_of" in item else default
        params = self.mapping((*at, "params"), item.get("params"))
        made = self.manifest(at, item, f"case `{name}`", f"{self.doc.file}[case {i + 1}]")
        if made is None or len(self.problems) > before:
            return None
        text, manifest_name = made
        line = self.doc.span_of(at).line
        return Case(
            self.doc.file,
            name,
            line,
            i,
            text,
            manifest_name,
            dict(params),
            as_of,
            stage,
            tuple(files),
            checks,
            self.doc,
            at,
        )

    def check(self, at: DocPath, key: str, value: object) -> dict[str, Any]:
        table = self.mapping((*at, key), value)
        good: dict[str, Any] = {}
        for rule, want in table.items():
            where = (*at, key, rule)
            problem = _bad_check(key, want)
            if problem:
                self.error("GR604", f"`{key}` of `{rule}`: {problem[0]}", where, problem[1])
            else:
                good[rule] = want
        return good

    def manifest(
        self, at: DocPath, spec: dict[str, Any], what: str, generated: str
    ) -> tuple[str, str] | None:
        """(YAML text, name in findings) of a case or base: its source, then its edits."""
        given = [k for k in SOURCES if k in spec]
        if len(given) != 1:
            choices = "`from: BASE`, `manifest:` (inline) or `manifest_file: PATH`"
            message = (
                f"{what} names no manifest"
                if not given
                else f"{what} names more than one manifest ({', '.join(given)})"
            )
            self.error("GR601", message, at, f"give one of {choices}")
            return None
        source = self.source(at, spec, given[0], generated)
        if source is None:
            return None
        text, name, data = source
        if not any(spec.get(k) for k in EDITS):
            return (text, name) if text is not None else (dump(data), generated)
        edited = self.edited(at, data, spec)
        return None if edited is None else (dump(edited), generated)

    def source(
        self, at: DocPath, spec: dict[str, Any], kind: str, generated: str
    ) -> tuple[str | None, str, dict[str, Any]] | None:
        value = spec[kind]
        where = (*at, kind)
        if kind == "from":
            if not isinstance(value, str):
                self.error("GR601", "`from` names a base", where)
                return None
            data = self.base(value, where, ())
            return None if data is None else (None, "", data)
        if kind == "manifest" and isinstance(value, dict):
            return None, "", value
        if kind == "manifest" and isinstance(value, str):
            return self.parsed(lambda: _parse(value, generated or self.doc.file, "manifest"), where, value)
        if kind == "manifest_file" and isinstance(value, str):
            full = os.path.join(self.folder, value)
            name = display(full)
            return self.parsed(
                lambda: _read(full, name, self.doc.span_of(where), "manifest file"), where, None
            )
        self.error(
            "GR601", f"`{kind}` must be {'YAML text or a mapping' if kind == 'manifest' else 'a path'}", where
        )
        return None

    def parsed(
        self, read: Callable[[], LocatedDocument], where: DocPath, text: str | None
    ) -> tuple[str | None, str, dict[str, Any]] | None:
        try:
            doc = read()
        except GovrulesError as err:
            self.problems.extend(err.diagnostics)
            self.sources.update(err.sources)
            return None
        if not doc.data:
            self.error("GR601", "the manifest is empty", where)
            return None
        body = text if text is not None else (doc.source.text if doc.source else dump(doc.data))
        return body, doc.file, doc.data

    def edited(self, at: DocPath, data: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any] | None:
        for op in EDITS:
            value = spec.get(op)
            if value is None:
                continue
            ok = (
                isinstance(value, list) and all(isinstance(p, str) for p in value)
                if op == "unset"
                else isinstance(value, dict)
            )
            if not ok:
                shape = "a list of paths" if op == "unset" else "a mapping of paths to values"
                self.error("GR601", f"`{op}` must be {shape}", (*at, op))
                return None
        try:
            return edit(data, spec)
        except EditError as err:
            where: DocPath = (
                (*at, err.op, spec[err.op].index(err.path)) if err.op == "unset" else (*at, err.op, err.path)
            )
            self.error(
                "GR603",
                str(err),
                where,
                "check the path against the manifest it edits",
                key=err.op != "unset",
            )
            return None

    def base(self, name: str, where: DocPath, seen: tuple[str, ...]) -> dict[str, Any] | None:
        if name in self.built:
            return self.built[name]  # None: reported already
        if name in seen:
            self.error("GR602", f"the bases form a loop: {' -> '.join((*seen, name))}", where)
            return None
        spec = self.bases.get(name)
        if spec is None:
            return self.shared_base(name, where)
        if not isinstance(spec, dict):
            return None
        at: DocPath = ("bases", name)
        if (
            "from" in spec
            and isinstance(spec["from"], str)
            and not [k for k in SOURCES if k != "from" and k in spec]
        ):
            parent = self.base(spec["from"], (*at, "from"), (*seen, name))
            data = None if parent is None else self.edited(at, parent, spec)
        else:
            made = self.manifest(at, spec, f"base `{name}`", "")
            data = None if made is None else _reload(made[0])
        self.built[name] = data
        return data

    def shared_base(self, name: str, where: DocPath) -> dict[str, Any] | None:
        if name not in self.shared:
            full = os.path.join(self.folder, "bases", f"{name}.yaml")
            if not os.path.isfile(full):
                known = sorted([*self.bases, *_shared_names(self.folder)])
                hint = did_you_mean(name, known) or f"define it under `bases:` or in `{display(full)}`"
                self.error("GR602", f"no base `{name}`", where, hint)
                return None  # reported where each case names it
            self.shared[name] = None
            try:
                self.shared[name] = _read(full, display(full), None, "base").data
            except GovrulesError as err:
                self.problems.extend(err.diagnostics)
                self.sources.update(err.sources)
        return self.shared[name]


def _reload(text: str) -> dict[str, Any]:
    return _parse(text, "", "manifest").data


def _shared_names(folder: str) -> list[str]:
    try:
        return [n[:-5] for n in os.listdir(os.path.join(folder, "bases")) if n.endswith(".yaml")]
    except OSError:
        return []


def _bad_check(key: str, want: object) -> tuple[str, str] | None:
    """(problem, hint) when an expected value has the wrong shape for its check, else None."""
    if key == "expect" and want not in VERDICTS:
        return f"`{want}` is not a verdict", did_you_mean(
            str(want), VERDICTS
        ) or f"use one of: {', '.join(VERDICTS)}"
    if key == "blocking" and not isinstance(want, bool):
        return "expected `true` or `false`", ""
    if key == "failing" and not (isinstance(want, list) and all(_positive(p) for p in want)):
        return "expected a list of require positions (1 for the first `require`)", "e.g. `[2]`"
    if key == "location" and not (
        _positive(want) or (isinstance(want, list) and all(_positive(p) for p in want))
    ):
        return "expected a manifest line number, or a list of them", "e.g. `14`"
    if key == "message" and not isinstance(want, str):
        return "expected text to find in the rule's message", ""
    if key == "notes" and not (isinstance(want, int) and not isinstance(want, bool) and want >= 0):
        return "expected a number of notes", ""
    return None


def _positive(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1
