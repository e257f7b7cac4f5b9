"""Safe YAML with positions: the only module that imports yaml.

`load_manifest(path)` reads one `ai-project.yaml` into a `LocatedDocument`: plain Python data (dicts, lists,
str, int, float, bool, None, `datetime.date`) plus the 1-based span of every value and every key, addressed by
its path tuple (`("kpis", 0, "baseline", "value")`). It refuses what a manifest must never be: invalid UTF-8,
more than one document, duplicate keys (at the second), object and unknown tags, keys that are not text, deep
nesting, runaway alias expansion and oversized files. libyaml's C parser is used when present.

    >>> doc = load_text("project:\\n  id: cs-bot\\n", "m.yaml")
    >>> doc.span_of(("project", "id")).start
    'm.yaml:2:7'
"""

from __future__ import annotations

import datetime as dt
import os

import yaml

from govrules.diagnostics import Diagnostic, GovrulesError
from govrules.span import SourceText, Span, undecodable_at

TYPE_CHECKING = False  # typing stays unimported at run time: start-up is a feature
if TYPE_CHECKING:
    from typing import Any

MAX_BYTES = 1 << 20
MAX_DEPTH = 48
MAX_NODES = 200_000

DocPath = tuple[str | int, ...]
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_TAG = "tag:yaml.org,2002:"
_ALLOWED_TAGS = {f"{_TAG}{t}" for t in ("str", "int", "float", "bool", "null", "timestamp", "map", "seq")}


def dotted(path: DocPath) -> str:
    """`kpis[1].baseline.value`: a path as a person writes it."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


class LocatedDocument:
    """A manifest's data with the span of every value (`spans`) and every mapping key (`key_spans`)."""

    __slots__ = ("data", "file", "key_spans", "plain_scalars", "source", "spans")

    def __init__(
        self,
        file: str,
        data: dict[str, Any],
        spans: dict[DocPath, Span] | None = None,
        key_spans: dict[DocPath, Span] | None = None,
        plain_scalars: set[DocPath] | None = None,
        source: SourceText | None = None,
    ) -> None:
        self.file, self.data, self.source = file, data, source
        self.spans = spans if spans is not None else {}
        self.key_spans = key_spans if key_spans is not None else {}
        self.plain_scalars = plain_scalars if plain_scalars is not None else set()

    def span_of(self, path: DocPath) -> Span:
        """The span of the value at `path`; for a missing value, the key of its nearest present parent (the
        line a reader would add it under), or the start of the file for a missing top-level key."""
        if path in self.spans:
            return self.spans[path]
        while path:
            path = path[:-1]
            if path in self.spans:
                return self.key_spans.get(path) or self.spans[path]
        return Span(self.file, 1, 1)

    def key_span_of(self, path: DocPath) -> Span:
        return self.key_spans.get(path) or self.span_of(path)


def load_manifest(
    path: str | os.PathLike[str], display: str | None = None, max_bytes: int = MAX_BYTES
) -> LocatedDocument:
    name = display or str(path)
    try:
        with open(path, "rb") as handle:
            raw = handle.read(max_bytes + 1)
    except IsADirectoryError:
        raise _fail("GR300", f"`{name}` is a directory, not a manifest file", Span(name, 1, 1)) from None
    except OSError as err:
        raise _fail("GR300", f"cannot read `{name}`: {err.strerror or err}", Span(name, 1, 1)) from None
    return load_bytes(raw, name, max_bytes)


def load_bytes(raw: bytes, name: str, max_bytes: int = MAX_BYTES) -> LocatedDocument:
    if len(raw) > max_bytes:
        raise _fail(
            "GR301",
            f"manifest is larger than {max_bytes // 1024} KiB",
            Span(name, 1, 1),
            "a manifest describes one project; move bulky content to linked documents",
        )
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _fail("GR302", "the file is UTF-16, not UTF-8", Span(name, 1, 1), "save the file as UTF-8")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise _fail(
            "GR302",
            f"invalid UTF-8 byte 0x{raw[err.start]:02x}",
            undecodable_at(name, raw, err),
            "save the file as UTF-8",
        ) from None
    return load_text(text, name)


def load_text(text: str, name: str) -> LocatedDocument:
    source = SourceText(name, text)
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise _fail(
            "GR302",
            "the file contains a NUL character; it is not a YAML text file",
            Span(name, line, 1),
            source=source,
        )
    try:
        root = _compose(text)
    except yaml.MarkedYAMLError as err:
        raise _yaml_error(err, name, source) from None
    except yaml.reader.ReaderError as err:
        before = text[: max(err.position, 0)]
        line, col = before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1
        char = f"U+{err.character:04X}" if isinstance(err.character, int) else repr(err.character)
        raise _fail(
            "GR302",
            f"the control character {char} is not allowed in YAML",
            Span(name, line, col),
            "remove it, or write it as an escape inside a double-quoted string",
            source,
        ) from None
    except yaml.YAMLError as err:
        raise _fail("GR304", f"not valid YAML: {err}", Span(name, 1, 1), source=source) from None
    if root is None:
        raise _fail(
            "GR305",
            "the manifest is empty",
            Span(name, 1, 1),
            "start from one of the examples that ship with govrules (`examples/` in its repository)",
            source,
        )
    builder = _Builder(name, source)
    data = builder.build(root, (), 0)
    if not isinstance(data, dict):
        raise _fail(
            "GR305",
            "a manifest must be a mapping of keys to values at the top level",
            builder.spans[()],
            'begin with `manifest_version: "1.0"` and `project:`',
            source,
        )
    return LocatedDocument(name, data, builder.spans, builder.key_spans, builder.plain, source)


def _compose(text: str) -> Any:
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    finally:
        loader.dispose()
    return node


def _yaml_error(err: yaml.MarkedYAMLError, name: str, source: SourceText) -> GovrulesError:
    mark = err.problem_mark or err.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    problem = (err.problem or err.context or "invalid YAML").rstrip(".")
    hint = ""
    if "expected a single document" in str(err.context or "") or "but found another document" in problem:
        problem, hint = (
            "more than one YAML document in the manifest",
            "keep one document: remove the extra `---`",
        )
    elif "\t" in source.line(line) and ("cannot start any token" in problem or "'\\t'" in problem):
        hint = "indent with spaces, not tabs"
    elif "mapping values are not allowed" in problem:
        hint = "a `:` inside a value needs quotes, or the line is indented wrongly"
    return _fail("GR304", f"not valid YAML: {problem}", Span(name, line, col, line, col + 1), hint, source)


def _fail(
    code: str, message: str, span: Span, hint: str = "", source: SourceText | None = None
) -> GovrulesError:
    sources = {span.file: source} if source else {}
    return GovrulesError([Diagnostic(code, "error", message, span, hint)], sources)


class _Builder:
    """Turns a composed node graph into plain data, recording spans and enforcing the limits."""

    def __init__(self, name: str, source: SourceText) -> None:
        self.name, self.source = name, source
        self.spans: dict[DocPath, Span] = {}
        self.key_spans: dict[DocPath, Span] = {}
        self.plain: set[DocPath] = set()
        self.constructor = yaml.constructor.SafeConstructor()  # one per document: it remembers every node
        self.count = 0

    def span(self, node: Any) -> Span:
        s, e = node.start_mark, node.end_mark
        return Span(self.name, s.line + 1, s.column + 1, e.line + 1, e.column + 1)

    def fail(self, code: str, message: str, node: Any, hint: str = "") -> GovrulesError:
        return _fail(code, message, self.span(node), hint, self.source)

    def build(self, node: Any, path: DocPath, depth: int) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise self.fail(
                "GR306",
                f"the manifest expands to more than {MAX_NODES} values",
                node,
                "YAML aliases (`*name`) multiply content; write the values out",
            )
        if depth > MAX_DEPTH:
            raise self.fail("GR306", f"values are nested more than {MAX_DEPTH} levels deep", node)
        if node.tag not in _ALLOWED_TAGS:
            raise self.fail(
                "GR303",
                f"tag `{node.tag.replace(_TAG, '!!')}` is not allowed in a manifest",
                node,
                "remove the tag; manifests hold plain text, numbers, booleans, dates, lists and mappings",
            )
        self.spans[path] = self.span(node)
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, path, depth)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i), depth + 1) for i, item in enumerate(node.value)]
        return self.scalar(node, path)

    def mapping(self, node: Any, path: DocPath, depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == f"{_TAG}merge":
                raise self.fail(
                    "GR303", "merge keys (`<<`) are not allowed in a manifest", key_node, "write the keys out"
                )
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != f"{_TAG}str":
                shown = key_node.value if isinstance(key_node, yaml.ScalarNode) else "a collection"
                hint = (
                    f'quote it: `"{shown}":`' if isinstance(key_node, yaml.ScalarNode) else "use a plain name"
                )
                raise self.fail("GR307", f"key `{shown}` is not text", key_node, hint)
            key = key_node.value
            if key in out:
                first = self.key_spans[(*path, key)]
                raise self.fail(
                    "GR308",
                    f"duplicate key `{key}` (first defined at line {first.line})",
                    key_node,
                    "remove one of the two, or merge their contents",
                )
            self.key_spans[(*path, key)] = self.span(key_node)
            out[key] = self.build(value_node, (*path, key), depth + 1)
        return out

    def scalar(self, node: Any, path: DocPath) -> Any:
        if node.style is None or node.style == "":
            self.plain.add(path)
        tag = node.tag
        if tag == f"{_TAG}str":
            return node.value
        try:
            value = self.constructor.construct_object(node, deep=True)
        except (ValueError, OverflowError, yaml.YAMLError):
            if tag == f"{_TAG}timestamp":
                return node.value  # not a real date: the schema reports it where it stands
            if tag == f"{_TAG}int":
                raise self.fail(
                    "GR309",
                    f"`{node.value[:20]}…` has too many digits to be a number",
                    node,
                    "quote it if it is text",
                ) from None
            kind = {"float": "number", "bool": "boolean", "null": "empty value"}.get(
                tag.replace(_TAG, ""), "value"
            )
            raise self.fail(
                "GR309", f"cannot read `{node.value[:40]}` as a {kind}", node, "quote it if it is text"
            ) from None
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            value = value.replace(tzinfo=None)
        return value
