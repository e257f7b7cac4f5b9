"""Safe YAML with positions: the only module that imports yaml.

`load_manifest(path)` reads one `ai-project.yaml` into a `LocatedDocument`: plain Python data (dicts, lists,
str, int, float, bool, None, `datetime.date`) plus the 1-based span of every value and every key, addressed by
its path tuple (`("kpis", 0, "baseline", "value")`). It refuses what a manifest must never be: invalid UTF-8,
more than one document, duplicate keys (at the second), object and unknown tags, keys that are not text, deep
nesting, runaway alias expansion and oversized files. libyaml's C parser is used when present; the composed nodes
are kept, and a span is read off them when one is asked for (`govrules.manifest.located`).

    >>> doc = load_text("project:\\n  id: cs-bot\\n", "m.yaml")
    >>> doc.span_of(("project", "id")).start
    'm.yaml:2:7'
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable

import yaml

from govrules.diagnostics import Diagnostic, GovrulesError
from govrules.manifest.located import DocPath, LocatedDocument, dotted, node_span
from govrules.span import SourceText, Span, undecodable_at

TYPE_CHECKING = False  # typing stays unimported at run time: start-up is a feature
if TYPE_CHECKING:
    from typing import Any

__all__ = [  # the located document lives in manifest.located; its users import it from here, with the loader
    "MAX_BYTES",
    "MAX_DEPTH",
    "MAX_NODES",
    "DocPath",
    "LocatedDocument",
    "dotted",
    "load_bytes",
    "load_manifest",
    "load_text",
]

MAX_BYTES = 1 << 20
MAX_DEPTH = 48
MAX_NODES = 200_000

_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_TAG = "tag:yaml.org,2002:"
_STR, _SEQ, _MAP, _MERGE = (f"{_TAG}{t}" for t in ("str", "seq", "map", "merge"))
_PLAIN_TAGS: dict[str, str] = {}  # the tag of a plain scalar, by its text (bounded; see _Loader.resolve)
_ALLOWED_TAGS = {f"{_TAG}{t}" for t in ("str", "int", "float", "bool", "null", "timestamp", "map", "seq")}


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
    data = builder.build(root, 0)
    if not isinstance(data, dict):
        raise _fail(
            "GR305",
            "a manifest must be a mapping of keys to values at the top level",
            node_span(name, root),
            'begin with `manifest_version: "1.0"` and `project:`',
            source,
        )
    return LocatedDocument(name, data, source=source, root=root)


class _Loader(_BaseLoader):  # type: ignore[misc]
    """PyYAML's safe loader with a shortcut for the tags of plain scalars (keys and values repeat across files:
    a dictionary lookup instead of up to four regular expressions) and without path resolvers (never used)."""

    def resolve(self, kind: Any, value: str, implicit: Any) -> str:
        if kind is not yaml.ScalarNode:
            return _MAP if kind is yaml.MappingNode else _SEQ
        if not implicit[0]:
            return _STR
        tag = _PLAIN_TAGS.get(value)
        if tag is None:
            tag = super().resolve(kind, value, implicit)
            if len(value) <= 64:
                if len(_PLAIN_TAGS) >= 4096:
                    _PLAIN_TAGS.clear()
                _PLAIN_TAGS[value] = tag
        return tag

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        pass

    def ascend_resolver(self) -> None:
        pass


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
    """Turns a composed node graph into plain data, enforcing the limits (spans are read off the nodes later)."""

    def __init__(self, name: str, source: SourceText) -> None:
        self.name, self.source = name, source
        self.constructor: Any = None  # a SafeConstructor, made for the first scalar that needs one
        self.count = 0

    def fail(self, code: str, message: str, node: Any, hint: str = "") -> GovrulesError:
        return _fail(code, message, node_span(self.name, node), hint, self.source)

    def build(self, node: Any, depth: int) -> Any:
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
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, depth)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, depth + 1) for item in node.value]
        return self.scalar(node)

    def mapping(self, node: Any, depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                raise self.fail(
                    "GR303", "merge keys (`<<`) are not allowed in a manifest", key_node, "write the keys out"
                )
            if key_node.tag != _STR or not isinstance(key_node, yaml.ScalarNode):
                shown = key_node.value if isinstance(key_node, yaml.ScalarNode) else "a collection"
                hint = (
                    f'quote it: `"{shown}":`' if isinstance(key_node, yaml.ScalarNode) else "use a plain name"
                )
                raise self.fail("GR307", f"key `{shown}` is not text", key_node, hint)
            key = key_node.value
            if key in out:
                first = next(k for k, _ in node.value if k.value == key)
                raise self.fail(
                    "GR308",
                    f"duplicate key `{key}` (first defined at line {first.start_mark.line + 1})",
                    key_node,
                    "remove one of the two, or merge their contents",
                )
            out[key] = self.build(value_node, depth + 1)
        return out

    def scalar(self, node: Any) -> Any:
        tag, text = node.tag, node.value
        if tag == _STR:
            return text
        fast = _FAST.get(tag)
        if fast is not None:
            value = fast(text)
            if value is not _SLOW:
                return value
        if self.constructor is None:
            self.constructor = yaml.constructor.SafeConstructor()  # one per document: it remembers every node
        try:
            value = self.constructor.construct_object(node, deep=True)
        except (ValueError, OverflowError, LookupError, AttributeError, TypeError, yaml.YAMLError) as err:
            if tag == f"{_TAG}timestamp":
                return text  # not a real date: the schema reports it where it stands
            raise self.unreadable(node, err) from None
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            value = value.replace(tzinfo=None)
        return value

    def unreadable(self, node: Any, err: Exception) -> GovrulesError:
        """A scalar whose explicit or implicit tag does not fit its text (`!!bool maybe`, a 5,000-digit int)."""
        text = node.value
        if node.tag == f"{_TAG}int" and "digits" in str(err):
            message = f"`{text[:20]}…` has too many digits to be a number"
            return self.fail("GR309", message, node, "quote it if it is text")
        kind = {"int": "number", "float": "number", "bool": "boolean", "null": "empty value"}
        shown = kind.get(node.tag.replace(_TAG, ""), "value")
        return self.fail("GR309", f"cannot read `{text[:40]}` as a {shown}", node, "quote it if it is text")


# Shortcuts for the common spellings of YAML 1.1 scalars, giving what SafeConstructor gives; `_SLOW` sends any
# other spelling (signs, underscores, octal, sexagesimal, times of day) through SafeConstructor itself.
_SLOW = object()


def _int(text: str) -> object:
    if text.isascii() and text.isdigit() and len(text) < 19 and (text[0] != "0" or text == "0"):
        return int(text)
    return _SLOW


def _float(text: str) -> object:
    if text.isascii() and text[-1:].isdigit() and "_" not in text and ":" not in text:
        try:
            return float(text)
        except ValueError:
            return _SLOW
    return _SLOW


def _date(text: str) -> object:
    if len(text) == 10 and text[4] == text[7] == "-" and text.isascii():
        digits = text[:4] + text[5:7] + text[8:]
        if digits.isdigit():
            try:
                return dt.date(int(text[:4]), int(text[5:7]), int(text[8:]))
            except ValueError:
                return _SLOW
    return _SLOW


_BOOLS = {"yes": True, "no": False, "true": True, "false": False, "on": True, "off": False}
_FAST: dict[str, Callable[[str], object]] = {
    f"{_TAG}int": _int,
    f"{_TAG}float": _float,
    f"{_TAG}timestamp": _date,
    f"{_TAG}bool": lambda text: _BOOLS.get(text.lower(), _SLOW),
    f"{_TAG}null": lambda text: None,
}
