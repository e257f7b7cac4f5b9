"""A manifest's data with the position of every value and key: `LocatedDocument`, as `manifest.loader` makes it.

A loaded document keeps the YAML nodes PyYAML composed (each with its start and end mark) and reads a span off
them when one is asked for, by walking the path: most values never need one, and building a `Span` for each of
the hundreds of values in a manifest was a third of the time it took to read one. The nodes are used through
their `id` ("scalar", "sequence", "mapping"), `value`, `style` and marks, so this module does not import yaml.

    >>> doc = LocatedDocument("m.yaml", {"a": 1}, {(): Span("m.yaml", 1, 1), ("a",): Span("m.yaml", 1, 4)})
    >>> doc.span_of(("a", "b")).start
    'm.yaml:1:4'
"""

from __future__ import annotations

from collections.abc import Container, Iterator, Mapping

from govrules.span import SourceText, Span

TYPE_CHECKING = False  # typing stays unimported at run time: start-up is a feature
if TYPE_CHECKING:
    from typing import Any

DocPath = tuple[str | int, ...]


def dotted(path: DocPath) -> str:
    """`kpis[1].baseline.value`: a path as a person writes it."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


class LocatedDocument:
    """A manifest's data with the span of every value (`spans`) and every mapping key (`key_spans`).

    A loaded document keeps its composed YAML nodes and reads a span off them when one is asked for (most values
    never need one); a document built by hand passes its spans as dictionaries."""

    __slots__ = ("_key_spans", "_plain", "_root", "_spans", "data", "file", "source")

    def __init__(
        self,
        file: str,
        data: dict[str, Any],
        spans: Mapping[DocPath, Span] | None = None,
        key_spans: Mapping[DocPath, Span] | None = None,
        plain_scalars: Container[DocPath] | None = None,
        source: SourceText | None = None,
        root: Any = None,
    ) -> None:
        self.file, self.data, self.source, self._root = file, data, source, root
        self._spans, self._key_spans, self._plain = spans, key_spans, plain_scalars

    @property
    def spans(self) -> Mapping[DocPath, Span]:
        """The span of every value, by path."""
        if self._spans is None:
            self._spans = _NodeSpans(self.file, self._root, False) if self._root is not None else {}
        return self._spans

    @property
    def key_spans(self) -> Mapping[DocPath, Span]:
        """The span of every mapping key, by the path of its value."""
        if self._key_spans is None:
            self._key_spans = _NodeSpans(self.file, self._root, True) if self._root is not None else {}
        return self._key_spans

    @property
    def plain_scalars(self) -> Container[DocPath]:
        """The paths of the values written unquoted (where YAML 1.1 may have read text as something else)."""
        if self._plain is None:
            self._plain = _PlainScalars(self._root) if self._root is not None else set()
        return self._plain

    def span_of(self, path: DocPath) -> Span:
        """The span of the value at `path`; for a missing value, the key of its nearest present parent (the
        line a reader would add it under), or the start of the file for a missing top-level key."""
        spans = self.spans
        span = spans.get(path)
        if span is not None:
            return span
        while path:
            path = path[:-1]
            span = spans.get(path)
            if span is not None:
                return self.key_spans.get(path) or span
        return Span(self.file, 1, 1)

    def key_span_of(self, path: DocPath) -> Span:
        return self.key_spans.get(path) or self.span_of(path)


def _node_at(root: Any, path: DocPath) -> tuple[Any, Any] | None:
    """The node at `path` and the key node naming it (None for the root and list items); None when absent.
    A loaded document's mapping keys are unique text, so the first key with the name is the one."""
    node, key = root, None
    for part in path:
        if node.id == "mapping" and isinstance(part, str):
            for key_node, value_node in node.value:
                if key_node.value == part:
                    node, key = value_node, key_node
                    break
            else:
                return None
        elif node.id == "sequence" and isinstance(part, int) and 0 <= part < len(node.value):
            node, key = node.value[part], None
        else:
            return None
    return node, key


def _walk(node: Any, path: DocPath, key: Any = None) -> Iterator[tuple[DocPath, Any, Any]]:
    """Every (path, node, key node) under `node`, parents first, in document order."""
    yield path, node, key
    if node.id == "mapping":
        for key_node, value_node in node.value:
            yield from _walk(value_node, (*path, key_node.value), key_node)
    elif node.id == "sequence":
        for i, item in enumerate(node.value):
            yield from _walk(item, (*path, i))


def node_span(name: str, node: Any) -> Span:
    s, e = node.start_mark, node.end_mark
    return Span(name, s.line + 1, s.column + 1, e.line + 1, e.column + 1)


class _NodeSpans(Mapping[DocPath, Span]):
    """The spans of a composed document's values (or, with `keys`, of their mapping keys), read on demand."""

    __slots__ = ("file", "of_keys", "root")

    def __init__(self, file: str, root: Any, keys: bool) -> None:
        self.file, self.root, self.of_keys = file, root, keys

    def _node(self, path: object) -> Any:
        found = _node_at(self.root, path) if isinstance(path, tuple) else None
        return None if found is None else (found[1] if self.of_keys else found[0])

    def __getitem__(self, path: DocPath) -> Span:
        node = self._node(path)
        if node is None:
            raise KeyError(path)
        return node_span(self.file, node)

    def get(self, path: DocPath, default: Any = None) -> Any:
        node = self._node(path)
        return default if node is None else node_span(self.file, node)

    def __contains__(self, path: object) -> bool:
        return self._node(path) is not None

    def __iter__(self) -> Iterator[DocPath]:
        return (path for path, node, key in _walk(self.root, ()) if not self.of_keys or key is not None)

    def __len__(self) -> int:
        return sum(1 for _ in self)


class _PlainScalars(Container[DocPath]):
    """The paths of a composed document's unquoted scalar values, answered from the nodes."""

    __slots__ = ("root",)

    def __init__(self, root: Any) -> None:
        self.root = root

    def __contains__(self, path: object) -> bool:
        found = _node_at(self.root, path) if isinstance(path, tuple) else None
        return found is not None and found[0].id == "scalar" and not found[0].style
