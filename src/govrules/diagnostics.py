"""One diagnostic type for every stage, with stable codes.

Codes: `GR1xx` policy syntax, `GR2xx` policy meaning and types, `GR3xx` manifest, `GR4xx` evaluation,
`GR5xx` waivers and configuration. Stages collect diagnostics; a boundary raises `GovrulesError` once with all of
them, sorted by file, line, column and code.

    >>> d = Diagnostic("GR301", "error", "unknown key `ownr`", Span("a.yaml", 2, 1), hint="did you mean `owners`?")
    >>> d.format()
    'a.yaml:2:1: error GR301 unknown key `ownr` (did you mean `owners`?)'
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Iterable

from govrules.span import SourceText, Span

TYPE_CHECKING = False  # typing stays unimported at run time: start-up is a feature

if TYPE_CHECKING:
    from typing import Literal

    Severity = Literal["error", "warning", "info"]


class Diagnostic(
    namedtuple(
        "Diagnostic",
        "code severity message span hint related",
        defaults=(
            None,
            "",
            (),
        ),
    )
):
    __slots__ = ()
    code: str
    severity: Severity
    message: str
    span: Span | None
    hint: str
    related: tuple[Span, ...]

    def sort_key(self) -> tuple[str, int, int, str]:
        if self.span is None:
            return ("", 0, 0, self.code)
        return (self.span.file, self.span.line, self.span.col, self.code)

    def format(self, source: SourceText | None = None, severity: str | None = None) -> str:
        """`file:line:col: severity CODE message`, the quoted line with a caret when `source` is given, and the
        hint; `severity` replaces the plain word (a reporter passes it coloured)."""
        where = f"{self.span.start}: " if self.span else ""
        tail = ""
        if self.hint:
            tail = f" ({self.hint})" if self.hint.startswith("did you mean") else f"\n    hint: {self.hint}"
        text = f"{where}{severity or self.severity} {self.code} {self.message}{tail}"
        if source is not None and self.span is not None:
            snippet = source.snippet(self.span)
            if snippet:
                head, _, rest = text.partition("\n")
                text = f"{head}\n{snippet}" + (f"\n{rest}" if rest else "")
        return text

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {"code": self.code, "severity": self.severity, "message": self.message}
        out["location"] = self.span.to_json() if self.span else None
        out["hint"] = self.hint
        return out


def sort_diagnostics(items: Iterable[Diagnostic]) -> tuple[Diagnostic, ...]:
    return tuple(sorted(items, key=Diagnostic.sort_key))


class GovrulesError(Exception):
    """Raised once at a stage boundary with every diagnostic that stage found (never empty)."""

    def __init__(
        self, diagnostics: Iterable[Diagnostic], sources: dict[str, SourceText] | None = None
    ) -> None:
        self.diagnostics = sort_diagnostics(diagnostics)
        if not self.diagnostics:
            raise ValueError("GovrulesError needs at least one diagnostic")
        self.sources = dict(sources or {})
        super().__init__(self.diagnostics[0].format())

    def format(self) -> str:
        return "\n".join(
            d.format(self.sources.get(d.span.file) if d.span else None) for d in self.diagnostics
        )


def closest(word: str, candidates: Iterable[str]) -> str | None:
    """The candidate nearest to `word`, or None when nothing is close."""
    import difflib

    match = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return match[0] if match else None


def one_of(word: str, choices: Iterable[str]) -> str:
    """The hint for a word that is not one of a closed set: the nearest choice, or else the whole set."""
    listed = list(choices)
    return did_you_mean(word, listed) or f"use one of: {', '.join(listed)}"


def did_you_mean(word: str, candidates: Iterable[str], prefix: str = "") -> str:
    """`did you mean `x`?` for the closest candidate (shown after `prefix`), or "" when nothing is close."""
    match = closest(word, candidates)
    return f"did you mean `{prefix}{match}`?" if match else ""
