"""The API's bearer tokens: the token file (JSON Lines of salted hashes), creating, revoking and verifying tokens.

A token reads `grt_<id>_<secret>`: `grt_` lets secret scanners spot it, `<id>` (12 hex digits) is public and names
the token in logs and the decision log, `<secret>` is 256 bits from `secrets` (43 URL-safe characters). The file
(`govrules-tokens.jsonl`, mode 0600) holds one JSON object a line, `{"id", "name", "scope", "created", "alg",
"salt", "hash"}`, where `hash` is SHA-256 of the entry's random 128-bit `salt` followed by the whole token; the
secret is shown once at creation and stored nowhere. `authenticate` finds the entry by id (a dict lookup), hashes
the presented value and compares the digests with `hmac.compare_digest` (constant time): about a microsecond. A
fast salted hash is right here and a slow KDF (bcrypt, scrypt, Argon2) is not: a KDF makes guessing a
*low-entropy* password expensive, but no hashing speed brings a 2^256 search within reach, and a KDF would spend
milliseconds of CPU on every request of an API that must answer thousands a second (and let anyone burn that CPU
with bad tokens). Someone who reads the file learns ids, names, scopes and creation times, nothing usable: no
token can be rebuilt from its hash, and the per-entry salt keeps equal secrets from showing and precomputed tables
from helping. The id is looked up in ordinary time on purpose: it is public; only the secret is compared in
constant time. Writers hold an exclusive lock (`<file>.lock`), reread the file and replace it atomically (temporary
file, then `os.replace`), so concurrent `govrules token create` runs keep each other's tokens and a reader never
sees half a file.

    >>> caller, token = create_token("govrules-tokens.jsonl", "evaluate", "intake-portal")
    >>> TokenStore.load("govrules-tokens.jsonl").authenticate(token) == caller
    True
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import json
import os
import secrets
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Literal

Scope = Literal["evaluate", "admin"]  # admin may do everything evaluate may
SCOPES: tuple[Scope, ...] = ("evaluate", "admin")
DEFAULT_TOKENS_FILE = "govrules-tokens.jsonl"
PREFIX = "grt_"
ALG = "salted-sha256"
ID_CHARS = 12  # hex digits: 48 random bits, enough to tell tokens apart (the secret carries the security)
SECRET_BYTES = 32  # 256 bits
SALT_BYTES = 16
SEPARATOR_AT = len(PREFIX) + ID_CHARS
TOKEN_CHARS = SEPARATOR_AT + 1 + 43  # the secret: 32 bytes in unpadded base64url
NAME_CHARS = 64
KEYS = ("id", "name", "scope", "created", "alg", "salt", "hash")
HEX = frozenset("0123456789abcdef")
_SCOPE_OF: dict[str, Scope] = {s: s for s in SCOPES}


@dataclass(frozen=True, slots=True)
class Caller:
    """Who presented a valid token: its public id, its scope and the label given at creation."""

    token_id: str
    scope: Scope
    name: str

    def allows(self, needed: Scope) -> bool:
        """Whether this caller may do what `needed` guards (admin may do everything evaluate may)."""
        return self.scope == "admin" or self.scope == needed


@dataclass(frozen=True, slots=True)
class TokenRecord:
    """One line of the token file: the caller it authenticates, when it was created, and its salted hash."""

    caller: Caller
    created: str  # UTC, ISO 8601 to the second: 2026-05-01T12:00:00Z
    salt: bytes = field(repr=False)
    digest: bytes = field(repr=False)

    def to_json(self) -> dict[str, str]:
        """The file's line for this record (the command's `list --format json` shows only id to created)."""
        c = self.caller
        return {
            "id": c.token_id,
            "name": c.name,
            "scope": c.scope,
            "created": self.created,
            "alg": ALG,
            "salt": self.salt.hex(),
            "hash": self.digest.hex(),
        }


class TokenError(Exception):
    """The token file cannot be used (missing, unreadable, malformed) or a request about it is wrong."""

    def __init__(self, path: str, message: str, hint: str = "", line: int | None = None) -> None:
        self.path, self.message, self.hint, self.line = path, message, hint, line
        super().__init__(self.format())

    def format(self) -> str:
        """`file:line: error message`, then the hint on its own line."""
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: error {self.message}" + (f"\n    hint: {self.hint}" if self.hint else "")


_Bad = Callable[..., TokenError]  # makes the error for one line of the file: (message, hint="")


def _digest(salt: bytes, token: bytes) -> bytes:
    return hashlib.sha256(salt + token).digest()


class TokenStore:
    """The tokens of one file, by id; `authenticate` checks a presented bearer value against them."""

    __slots__ = ("_by_id", "_path", "_records", "_stamp")

    def __init__(self, records: tuple[TokenRecord, ...] = (), path: str = "") -> None:
        self._path = path
        self._stamp: tuple[int, ...] | None = None
        self._records = records
        self._by_id = {r.caller.token_id: r for r in records}

    @classmethod
    def load(cls, path: str) -> TokenStore:
        """Read the token file; a missing, unreadable or malformed one raises TokenError."""
        stamp = _stamp(path)
        if stamp is None:
            raise TokenError(
                path,
                "no token file here",
                f"create one with `govrules token create --tokens {path}`",
            )
        store = cls(read_records(path), path)
        store._stamp = stamp
        return store

    def authenticate(self, presented: str) -> Caller | None:
        """The caller whose token `presented` is (the raw bearer value), or None for anything else."""
        if (
            len(presented) != TOKEN_CHARS
            or not presented.startswith(PREFIX)
            or presented[SEPARATOR_AT] != "_"
            or not presented.isascii()
        ):
            return None
        record = self._by_id.get(presented[len(PREFIX) : SEPARATOR_AT])
        if record is None:
            return None
        if hmac.compare_digest(_digest(record.salt, presented.encode("ascii")), record.digest):
            return record.caller
        return None

    def records(self) -> tuple[TokenRecord, ...]:
        """Every token in file order (ids, names, scopes, creation times and hashes, never a secret)."""
        return self._records

    def refresh(self) -> bool:
        """Reread the file if it changed since it was read (one `stat`); True when the tokens were replaced.

        A running server calls this now and then so `govrules token revoke` takes effect without a restart.
        A file now missing or malformed raises TokenError and leaves the tokens as they were."""
        stamp = _stamp(self._path)
        if stamp == self._stamp:
            return False
        fresh = TokenStore.load(self._path)
        self._records, self._by_id, self._stamp = fresh._records, fresh._by_id, fresh._stamp
        return True

    def __len__(self) -> int:
        return len(self._records)


def _stamp(path: str) -> tuple[int, ...] | None:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    except OSError as err:
        raise TokenError(path, f"cannot read the token file: {err.strerror or err}") from None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def read_records(path: str) -> tuple[TokenRecord, ...]:
    """Every record of the token file; TokenError names the line and what is wrong with it."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        raise TokenError(
            path, "no token file here", f"create one with `govrules token create --tokens {path}`"
        ) from None
    except OSError as err:
        raise TokenError(
            path, f"cannot read the token file: {err.strerror or err}", "check the path and its permissions"
        ) from None
    records: list[TokenRecord] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(data.split(b"\n"), start=1):
        if not raw.strip():
            continue
        record = _parse_line(path, number, raw)
        token_id = record.caller.token_id
        if token_id in seen:
            raise TokenError(
                path,
                f"token `{token_id}` appears again (first on line {seen[token_id]})",
                f"remove one of the two lines, or revoke it: `govrules token revoke {token_id} --tokens {path}`",
                number,
            )
        seen[token_id] = number
        records.append(record)
    return tuple(records)


def _parse_line(path: str, number: int, raw: bytes) -> TokenRecord:
    def bad(message: str, hint: str = "") -> TokenError:
        return TokenError(
            path, message, hint or "each line is one token written by `govrules token create`", number
        )

    try:
        entry = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise bad("the line is not UTF-8 text") from None
    except json.JSONDecodeError as err:
        raise bad(f"the line is not JSON: {err.msg.lower()} at column {err.colno}") from None
    if not isinstance(entry, dict):
        raise bad("the line is not a JSON object")
    missing = [k for k in KEYS if k not in entry]
    unknown = sorted(set(entry) - set(KEYS))
    if missing or unknown:
        what = f"lacks `{missing[0]}`" if missing else f"has an unknown key `{unknown[0]}`"
        raise bad(f"the token entry {what}", f"an entry has exactly the keys {', '.join(KEYS)}")
    if not all(isinstance(entry[k], str) for k in KEYS):
        key = next(k for k in KEYS if not isinstance(entry[k], str))
        raise bad(f"`{key}` is not text")
    return TokenRecord(
        Caller(
            _check_id(entry["id"], bad), _check_scope(entry["scope"], bad), _check_name(entry["name"], bad)
        ),
        _check_created(entry["created"], bad),
        _check_hex(entry, "salt", SALT_BYTES, bad),
        _check_hex(entry, "hash", hashlib.sha256().digest_size, bad),
    )


def _check_id(value: str, bad: _Bad) -> str:
    if len(value) != ID_CHARS or not set(value) <= HEX:
        raise bad(f"`{value}` is not a token id ({ID_CHARS} lowercase hex digits)")
    return value


def _check_scope(value: str, bad: _Bad) -> Scope:
    scope = _SCOPE_OF.get(value)
    if scope is not None:
        return scope
    raise bad(f"unknown scope `{value}`", "use one of: evaluate, admin")


def _check_name(value: str, bad: _Bad) -> str:
    problem = name_problem(value)
    if problem:
        raise bad(problem)
    return value


def _check_created(value: str, bad: _Bad) -> str:
    try:
        ok = value.endswith("Z") and dt.datetime.fromisoformat(value).tzinfo is not None
    except ValueError:
        ok = False
    if not ok:
        raise bad(f"`created` is not a UTC time like `2026-05-01T12:00:00Z`: `{value}`")
    return value


def _check_hex(entry: dict[str, str], key: str, size: int, bad: _Bad) -> bytes:
    if key == "hash" and entry["alg"] != ALG:
        raise bad(f"unknown hash algorithm `{entry['alg']}`", f"this govrules writes `{ALG}`")
    value = entry[key]
    if len(value) != 2 * size or not set(value) <= HEX:
        raise bad(f"`{key}` is not {size} bytes in lowercase hex")
    return bytes.fromhex(value)


def name_problem(name: str) -> str:
    """What is wrong with a token's label, or "" when it may be used (it goes into logs as it is)."""
    shown = "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in name)
    if not name.strip():
        return "the token name is empty"
    if name != name.strip():
        return f"the token name `{shown}` starts or ends with a space"
    if not name.isprintable():
        return f"the token name `{shown}` has a control character"
    if len(name) > NAME_CHARS:
        return f"the token name `{shown[:20]}...` is longer than {NAME_CHARS} characters"
    return ""


def create_token(path: str, scope: Scope, name: str, now: dt.datetime | None = None) -> tuple[Caller, str]:
    """Append a new token to the file (created if missing, mode 0600); return its caller and the token, which
    exists nowhere else: show it once."""
    if scope not in SCOPES:
        raise TokenError(path, f"unknown scope `{scope}`", "use one of: evaluate, admin")
    problem = name_problem(name)
    if problem:
        raise TokenError(path, problem, "give a short label such as `intake-portal`")
    created = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    with _locked(path):
        records = read_records(path) if os.path.lexists(path) else ()
        taken = {r.caller.token_id for r in records}
        token_id = secrets.token_hex(ID_CHARS // 2)
        while token_id in taken:  # one chance in 2^48 per token already there
            token_id = secrets.token_hex(ID_CHARS // 2)
        token = f"{PREFIX}{token_id}_{secrets.token_urlsafe(SECRET_BYTES)}"
        salt = secrets.token_bytes(SALT_BYTES)
        caller = Caller(token_id, scope, name)
        record = TokenRecord(caller, created, salt, _digest(salt, token.encode("ascii")))
        _write(path, (*records, record))
    return caller, token


def revoke_tokens(path: str, token_ids: list[str]) -> tuple[Caller, ...]:
    """Remove the tokens with these ids from the file (all or none); TokenError names an id that is not there."""
    with _locked(path):
        records = read_records(path)
        known = {r.caller.token_id: r.caller for r in records}
        for token_id in token_ids:
            if token_id not in known:
                from govrules.diagnostics import did_you_mean

                raise TokenError(
                    path,
                    f"no token `{token_id}` in the file",
                    did_you_mean(token_id, known)
                    or f"`govrules token list --tokens {path}` shows the ids (the part after `{PREFIX}`)",
                )
        _write(path, tuple(r for r in records if r.caller.token_id not in token_ids))
    return tuple(known[i] for i in dict.fromkeys(token_ids))


def exposed_mode(path: str) -> int | None:
    """The file's permission bits when other users may read or write it (a warning's subject), else None."""
    if sys.platform == "win32":
        return None
    try:
        mode = os.stat(path).st_mode & 0o777
    except OSError:
        return None
    return mode if mode & 0o066 else None


def _write(path: str, records: tuple[TokenRecord, ...]) -> None:
    """Replace the file atomically with these records: a temporary file (mode 0600) in the same folder, synced,
    then `os.replace` (a symlink is written through to its target)."""
    target = os.path.realpath(path)
    text = "".join(json.dumps(r.to_json(), ensure_ascii=False) + "\n" for r in records)
    try:
        fd, temp = tempfile.mkstemp(prefix=".govrules-tokens-", suffix=".tmp", dir=os.path.dirname(target))
    except OSError as err:
        raise TokenError(path, f"cannot write the token file: {err.strerror or err}", _WRITE_HINT) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, target)
    except OSError as err:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise TokenError(path, f"cannot write the token file: {err.strerror or err}", _WRITE_HINT) from None
    _sync_folder(os.path.dirname(target))


_WRITE_HINT = "check that the folder exists and that you may write to it"


def _sync_folder(folder: str) -> None:
    """Make the rename durable (POSIX); a file system that cannot sync a folder is left as it is."""
    if sys.platform == "win32":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def _locked(path: str) -> Iterator[None]:
    """Hold `<file>.lock` exclusively (it stays in place: removing a lock file races with the next writer)."""
    lock = os.path.realpath(path) + ".lock"
    try:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as err:
        raise TokenError(
            path, f"cannot create the lock file `{lock}`: {err.strerror or err}", _WRITE_HINT
        ) from None
    try:
        if sys.platform == "win32":
            import msvcrt

            while True:
                try:
                    msvcrt.locking(fd, msvcrt.LK_LOCK, 1)
                    break
                except OSError:
                    continue
        else:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock
