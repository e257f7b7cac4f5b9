"""Where the shipped data lives: `grammar/`, `schemas/` and `policies/`.

In an installed wheel they sit inside the package under `govrules/_data/`; in a source checkout they are the
top-level folders of the repository. The package directory is tried first, the source tree second, and
`importlib.resources` for other loaders. Paths are plain strings: `os.path` keeps start-up cheap.

    >>> os.path.basename(data_path("schemas", "ai-project.schema.json"))
    'ai-project.schema.json'
"""

from __future__ import annotations

import functools
import os


@functools.cache
def _data_root() -> str:
    here = os.path.dirname(os.path.realpath(__file__))
    packaged = os.path.join(here, "_data")  # a wheel install: the package directory
    if os.path.isdir(packaged):
        return packaged
    checkout = os.path.dirname(os.path.dirname(here))  # a source checkout: the repository's top-level folders
    if os.path.isfile(os.path.join(checkout, "grammar", "govrules.lark")):
        return checkout
    try:  # another loader: ask importlib.resources (imported only here: it costs start-up time)
        from importlib import resources

        candidate = resources.files("govrules") / "_data"
        if candidate.is_dir():
            return str(candidate)
    except (ImportError, TypeError, ValueError, OSError):
        pass
    return checkout


def data_path(*parts: str) -> str:
    """A shipped file or folder, e.g. `data_path("policies")`."""
    return os.path.join(_data_root(), *parts)


def read_data(*parts: str) -> bytes:
    with open(data_path(*parts), "rb") as handle:
        return handle.read()


def cache_dir() -> str:
    """The per-user cache for prepared policies, the schema validator and the parser (`GOVRULES_CACHE_DIR`)."""
    explicit = os.environ.get("GOVRULES_CACHE_DIR")
    if explicit:
        return explicit
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "govrules")
