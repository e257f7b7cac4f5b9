"""Where the shipped data lives: `grammar/`, `schemas/` and `policies/`.

In an installed wheel they sit inside the package under `govrules/_data/`; in a source checkout they are the
top-level folders of the repository. The package directory is tried first (cheap), `importlib.resources` for
other loaders, the source tree last.

    >>> data_path("schemas", "ai-project.schema.json").name
    'ai-project.schema.json'
"""

from __future__ import annotations

import functools
import os
from pathlib import Path


@functools.cache
def _data_root() -> Path:
    here = Path(__file__).resolve().parent
    packaged = here / "_data"  # a wheel install: the package directory
    if packaged.is_dir():
        return packaged
    checkout = here.parents[1]  # a source checkout: the repository's top-level folders
    if (checkout / "grammar" / "govrules.lark").is_file():
        return checkout
    try:  # another loader: ask importlib.resources (imported only here: it costs start-up time)
        from importlib import resources

        candidate = resources.files("govrules") / "_data"
        if candidate.is_dir():
            return Path(str(candidate))
    except (ImportError, TypeError, ValueError, OSError):
        pass
    return checkout


def data_path(*parts: str) -> Path:
    """A shipped file or folder, e.g. `data_path("policies")`."""
    return _data_root().joinpath(*parts)


def cache_dir() -> Path:
    """The per-user cache for compiled policies and the parser (`GOVRULES_CACHE_DIR` overrides)."""
    explicit = os.environ.get("GOVRULES_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "govrules"
