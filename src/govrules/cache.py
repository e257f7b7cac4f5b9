"""A small content-addressed file cache for prepared policy sets and the generated schema validator.

Entries are keyed by a BLAKE2b digest of everything they derive from (govrules version and modules, grammar, schema, policy texts,
parameters), written atomically, and ignored when unreadable: the cache can only make a run faster, never
change its result. `GOVRULES_CACHE_DIR` moves it; `GOVRULES_NO_CACHE=1` turns it off.

    >>> key("a", "b") == key("a", "b")
    True
"""

from __future__ import annotations

import os

from govrules.resources import cache_dir

try:  # CPython's built-in BLAKE2: no OpenSSL start-up, which costs a few ms on every run
    from _blake2 import blake2b
except ImportError:  # other Pythons
    from hashlib import blake2b


def key(*parts: str | bytes) -> str:
    """A BLAKE2b digest of the parts, each length-prefixed so no two sequences of parts collide by concatenation."""
    digest = blake2b(digest_size=32)
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()


def code_fingerprint() -> str:
    """Size and modification time of every govrules module: a changed or reinstalled engine misses the cache."""
    package = os.path.dirname(os.path.abspath(__file__))
    parts = []
    for dirpath, dirnames, names in os.walk(package):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for name in sorted(names):
            if name.endswith(".py"):
                info = os.stat(os.path.join(dirpath, name))
                parts.append(
                    f"{os.path.relpath(os.path.join(dirpath, name), package)}:{info.st_size}:{info.st_mtime_ns}"
                )
    return ";".join(parts)


def enabled() -> bool:
    return not os.environ.get("GOVRULES_NO_CACHE")


def read(kind: str, digest: str) -> bytes | None:
    if not enabled():
        return None
    try:
        with open(os.path.join(cache_dir(), f"{kind}-{digest}.bin"), "rb") as handle:
            return handle.read()
    except OSError:
        return None


def write(kind: str, digest: str, data: bytes) -> None:
    if not enabled():
        return
    import tempfile  # only writers pay for it

    folder = cache_dir()
    try:
        os.makedirs(folder, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{kind}-")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, os.path.join(folder, f"{kind}-{digest}.bin"))
    except OSError:
        pass  # a read-only home or full disk only costs speed
