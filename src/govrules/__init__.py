"""govrules: policy-as-code governance rules for AI projects.


Each AI project keeps an `ai-project.yaml` manifest; policies in the govrules DSL state the rules; the engine
gives every rule a verdict (pass, fail, not applicable, waived) with why and where.

    >>> from govrules import Engine            # doctest: +SKIP
    >>> Engine.load().check(["."], as_of=...)  # doctest: +SKIP
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing stays unimported at run time: start-up is a feature
if TYPE_CHECKING:
    from typing import Any

__version__ = "0.1.0"

__all__ = ["Diagnostic", "Engine", "GovrulesError", "Report", "Verdict", "__version__"]


def __getattr__(name: str) -> Any:
    # lazy: `import govrules` stays cheap for the CLI's start-up
    if name == "Engine":
        from govrules.api import Engine

        return Engine
    if name in ("Diagnostic", "GovrulesError"):
        from govrules import diagnostics

        return getattr(diagnostics, name)
    if name in ("Report", "Verdict"):
        from govrules import results

        return getattr(results, name)
    raise AttributeError(name)
