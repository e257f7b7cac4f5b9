"""Source positions: where in which file a piece of text lives.

A `Span` is 1-based and end-exclusive, and carries its file, so every diagnostic and every verdict can say
`file:line:col`. `SourceText` holds a file's text and answers "which line is this?" for snippets with a caret.

    >>> Span("ai-project.yaml", 3, 5).start
    'ai-project.yaml:3:5'
"""

from __future__ import annotations

from collections import namedtuple


class Span(
    namedtuple(
        "Span",
        "file line col end_line end_col",
        defaults=(
            0,
            0,
        ),
    )
):
    __slots__ = ()
    file: str
    line: int
    col: int
    end_line: int
    end_col: int

    @property
    def start(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"

    def to_json(self) -> dict[str, object]:
        return {"file": self.file, "line": self.line, "column": self.col}


class SourceText(namedtuple("SourceText", "name text")):
    """The text of one input file, kept to quote the offending line under a message."""

    __slots__ = ()
    name: str
    text: str

    def line(self, number: int) -> str:
        lines = self.text.splitlines()
        return lines[number - 1] if 0 < number <= len(lines) else ""

    def snippet(self, span: Span) -> str:
        """The source line and a caret under the column (tabs kept so the caret lines up)."""
        text = self.line(span.line)
        if not text:
            return ""
        prefix = "".join(ch if ch == "\t" else " " for ch in text[: max(span.col - 1, 0)])
        width = 1
        if span.end_line == span.line and span.end_col > span.col:
            width = min(span.end_col - span.col, max(len(text) - span.col + 1, 1))
        return f"    {text}\n    {prefix}{'^' * width}"


def undecodable_at(name: str, raw: bytes, err: UnicodeDecodeError) -> Span:
    """Where in a file of `raw` bytes the first byte that is not UTF-8 sits, as a span of one character."""
    before = raw[: err.start]
    line = before.count(b"\n") + 1
    col = len(before[before.rfind(b"\n") + 1 :].decode("utf-8", "replace")) + 1
    return Span(name, line, col, line, col + 1)
