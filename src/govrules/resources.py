"""Where the shipped data lives: `grammar/`, `schemas/` and `policies/`.

In an installed wheel they sit inside the package under `govrules/_data/`; in a source checkout they are the
top-level folders of the repository. Both are found through `importlib.resources`, source tree second.

    >>> data_path("schemas", "ai-project.schema.json").name
    'ai-project.schema.json'
"""

from __future__ import annotations

import functools
import os
from importlib import resources
from pathlib import Path


@functools.cache
def _data_root() -> Path:
    packaged = resources.files("govrules") / "_data"
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[2]


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
