"""The API's decision log: one record per decision, hash-chained, committed to SQLite or PostgreSQL before it answers.

A record holds what was decided (`Decision`: id, time, caller token id, policy-set hash, manifest hash, as_of, stage,
verdict summary, the full report) plus its place in the chain: `seq` (1, 2, 3 ... without gaps), `prev_hash` (the
previous record's `hash`; `GENESIS`, 64 zeros, for the first) and `hash`. Reports are stored once per distinct body,
keyed by their sha256, and the record holds that `report_sha256`. The canonical serialisation a `hash` is computed
over is the UTF-8 JSON array, compact (`,` and `:` separators, `\\uXXXX` escapes for non-ASCII)::

    ["govrules-decision-log/1", seq, decision_id, time, caller, policy_hash, manifest_hash, as_of, stage,
     summary, report_sha256, prev_hash]

where `stage` is a string or null and `summary` is the summary's canonical JSON text (keys sorted, compact), stored
as is, so `hash = sha256(that array).hexdigest()`. `verify` recomputes every hash in `seq` order, checks each link,
the sequence and that every report body still hashes to its key, and names the first bad record. What the chain
cannot show by itself: records cut from the END (the remaining chain is still whole) or a log rebuilt from scratch
with every hash recomputed. Anchor against those by keeping the head hash `verify` prints somewhere else (a ticket,
a signed file, another system) and passing it back as `--expect-head`: verify then fails unless that record is
still in the chain.

    log = open_log("sqlite:govrules-decisions.db")
    await log.append(decision)                  # returns once the record is durably committed
    verify("sqlite:govrules-decisions.db").ok   # True while the chain holds
"""

from __future__ import annotations

import hashlib
import json
import urllib.parse
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple, Protocol, TextIO

DEFAULT_DB_URL = "sqlite:govrules-decisions.db"
FORMAT = "govrules-decision-log/1"
GENESIS = "0" * 64

# a stored row, in column order: seq, decision_id, time, caller, policy_hash, manifest_hash, as_of, stage, summary,
# report_sha256, prev_hash, hash
Row = tuple[int, str, str, str, str, str, str, str | None, str, str, str, str]
COLUMNS = (
    "seq",
    "decision_id",
    "time",
    "caller",
    "policy_hash",
    "manifest_hash",
    "as_of",
    "stage",
    "summary",
    "report_sha256",
    "prev_hash",
    "hash",
)
OnCommit = Callable[[float, int], None]


def tables_sql(integer: str, blob: str) -> str:
    """The three tables in either back-end's words for a 64-bit integer and a byte string: one column list."""
    columns = ",\n    ".join(
        f"seq {integer} PRIMARY KEY" if c == "seq" else
        "decision_id TEXT NOT NULL UNIQUE" if c == "decision_id" else
        f"{c} TEXT" + ("" if c == "stage" else " NOT NULL")
        for c in COLUMNS
    )  # fmt: skip
    return (
        f"CREATE TABLE IF NOT EXISTS govrules_decisions (\n    {columns}\n);\n"
        f"CREATE TABLE IF NOT EXISTS govrules_reports (sha256 TEXT PRIMARY KEY, body {blob} NOT NULL);\n"
        "CREATE TABLE IF NOT EXISTS govrules_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);\n"
    )


@dataclass(frozen=True, slots=True)
class Decision:
    """What the API hands to the log: one evaluated request (or one item of a batch request). Its summary and
    report must not change once handed over: a log remembers their hash and text by identity (`Preparer`)."""

    decision_id: str  # chosen by the API (time-ordered, unique)
    time: str  # RFC 3339 UTC with microseconds, e.g. 2026-11-28T21:30:00.123456Z
    caller: str  # the token id, never the secret
    policy_hash: str
    manifest_hash: str  # sha256 hex of the manifest as received
    as_of: str  # ISO date
    stage: str | None
    summary: Mapping[str, Any]  # the verdict summary (JSON-able)
    report: bytes  # the full JSON report as served (UTF-8 JSON)


@dataclass(frozen=True, slots=True)
class StoredDecision(Decision):
    """A decision as the log holds it: its place in the chain and the hashes that seal it."""

    seq: int
    report_sha256: str
    prev_hash: str
    hash: str

    def to_json(self) -> dict[str, Any]:
        """The record as export writes it and `GET /v1/decisions/{id}` serves it: the report as a JSON object."""
        try:
            report: Any = json.loads(self.report)
        except ValueError:  # not JSON any more (verify names it): shown as text rather than hidden
            report = self.report.decode("utf-8", "replace")
        return {
            "seq": self.seq,
            "decision_id": self.decision_id,
            "time": self.time,
            "caller": self.caller,
            "policy_hash": self.policy_hash,
            "manifest_hash": self.manifest_hash,
            "as_of": self.as_of,
            "stage": self.stage,
            "summary": dict(self.summary),
            "report_sha256": self.report_sha256,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
            "report": report,
        }


Kind = Literal["altered", "removed", "reordered", "truncated", "damaged"]


@dataclass(frozen=True, slots=True)
class Problem:
    """The first bad record: where (seq, decision id when there is one), what kind, and what exactly."""

    seq: int
    decision_id: str | None
    kind: Kind
    message: str

    def to_json(self) -> dict[str, Any]:
        return {"seq": self.seq, "decision_id": self.decision_id, "kind": self.kind, "message": self.message}


@dataclass(frozen=True, slots=True)
class VerifyResult:
    """What `verify` found: the records checked before stopping, the last good head, and the problem if any."""

    records: int
    head_seq: int
    head_hash: str
    problem: Problem | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "records": self.records,
            "head": {"seq": self.head_seq, "hash": self.head_hash},
            "problem": self.problem.to_json() if self.problem else None,
        }


class DecisionLogError(Exception):
    """The decision log cannot be opened, written or read; the API answers 503 (fail closed)."""


class DuplicateDecisionError(DecisionLogError):
    """A decision id that is already in the log."""


class DecisionLog(Protocol):
    """What the API writes to. `open_log` returns one; see `audit_writer.GroupCommitLog` for how it commits."""

    async def append(self, decision: Decision) -> None: ...
    async def append_many(self, decisions: Sequence[Decision]) -> None: ...
    def get(self, decision_id: str) -> StoredDecision | None: ...
    def check_writable(self) -> bool: ...
    def close(self) -> None: ...


class Snapshot(Protocol):
    """A consistent read-only view of a log, for verify and export."""

    def rows(self, since: int) -> Iterator[tuple[Row, int | None]]:
        """Rows after `since` in seq order, each with the seq the decision-id index finds for its id."""
        ...

    def records(self, since: int) -> Iterator[tuple[Row, bytes | None]]:
        """Rows after `since` in seq order, each with its report body (None when missing)."""
        ...

    def report(self, sha256: str) -> bytes | None: ...
    def find_hash(self, record_hash: str) -> int | None: ...


class Store(Protocol):
    """One back-end (SQLite, PostgreSQL), written to by the log's writer process only (`audit_writer_main`)."""

    def write(self, build: Callable[[int, str], list[Row]], reports: Mapping[str, bytes]) -> None:
        """Append `build(seq, hash)` after the chain head, with their report bodies, atomically and durably.

        The store finds the head under its write lock (or checks it there), so the rows it commits always continue
        the chain it holds, whoever else writes to it. `DuplicateDecisionError` for a decision id already logged,
        `DecisionLogError` when the database cannot be written.
        """
        ...

    def drop_writer(self) -> None:
        """Close the connection that writes, if open (the next `write` opens it again)."""
        ...

    def get(self, decision_id: str) -> StoredDecision | None: ...
    def check_writable(self) -> bool: ...
    def close(self) -> None: ...
    def snapshot(self) -> AbstractContextManager[Snapshot]: ...


def canonical_summary(summary: Mapping[str, Any]) -> str:
    """The summary's stored text: JSON with sorted keys, compact."""
    return json.dumps(summary, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def record_hash(row: Sequence[Any]) -> str:
    """sha256 over the canonical serialisation of a row's fields (all but its own hash, the last column)."""
    payload = json.dumps([FORMAT, *row[:11]], separators=(",", ":"))
    return hashlib.sha256(payload.encode("ascii")).hexdigest()


class Prepared(NamedTuple):
    """What a record needs that does not depend on its place in the chain, computed before the write lock."""

    fields: tuple[str, str, str, str, str, str, str | None]  # the row's columns from decision_id to stage
    summary: str  # canonical JSON text
    report_sha256: str
    middle: str  # the canonical serialisation's fields from decision_id to report_sha256, as JSON


_PREFIX = "[" + json.dumps(FORMAT) + ","
# one string as `json.dumps` writes it, without building an encoder per call
_text = json.encoder.encode_basestring_ascii


def prepare(decision: Decision, report_sha256: str | None = None, summary: str | None = None) -> Prepared:
    """Hash the report and write the summary's canonical text (unless given: `Preparer` remembers both for objects
    seen lately) and serialise the chain-independent fields (TypeError/ValueError)."""
    d = decision
    texts = (d.decision_id, d.time, d.caller, d.policy_hash, d.manifest_hash, d.as_of)
    if not all(isinstance(text, str) for text in texts):
        raise TypeError("decision_id, time, caller, policy_hash, manifest_hash and as_of must be strings")
    if not (d.stage is None or isinstance(d.stage, str)) or not isinstance(d.report, bytes):
        raise TypeError("stage must be a string or None and report bytes")
    summary = canonical_summary(d.summary) if summary is None else summary
    report_sha256 = report_sha256 or hashlib.sha256(d.report).hexdigest()
    stage = "null" if d.stage is None else _text(d.stage)
    middle = ",".join([*map(_text, texts), stage, _text(summary), _text(report_sha256)])
    return Prepared((*texts, d.stage), summary, report_sha256, middle)


def chain(prepared: Sequence[Prepared], seq: int, head: str) -> list[Row]:
    """The rows for `prepared` after the head (seq, hash): the same hash as `record_hash`, from the parts."""
    rows: list[Row] = []
    for item in prepared:
        seq += 1
        payload = f"{_PREFIX}{seq},{item.middle},{_text(head)}]"
        record = hashlib.sha256(payload.encode("ascii")).hexdigest()
        rows.append((seq, *item.fields, item.summary, item.report_sha256, head, record))
        head = record
    return rows


def stored(row: Row, report: bytes | None) -> StoredDecision:
    """A `StoredDecision` from a row and its report body."""
    seq, decision_id, time, caller, policy_hash, manifest_hash, as_of, stage, summary, sha, prev, hash_ = row
    try:
        decoded = json.loads(summary)
    except ValueError:
        decoded = {"unreadable": summary}
    return StoredDecision(
        decision_id=decision_id,
        time=time,
        caller=caller,
        policy_hash=policy_hash,
        manifest_hash=manifest_hash,
        as_of=as_of,
        stage=stage,
        summary=decoded if isinstance(decoded, dict) else {"value": decoded},
        report=report if report is not None else b"null",
        seq=seq,
        report_sha256=sha,
        prev_hash=prev,
        hash=hash_,
    )


def display_url(url: str) -> str:
    """The URL with any password replaced by `***`, for messages."""
    parts = urllib.parse.urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


def _kind(url: str) -> tuple[Literal["sqlite", "postgresql"], str]:
    if not url.strip():
        raise DecisionLogError("the decision log URL is empty (write `sqlite:FILE` or `postgresql://...`)")
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql", url
    if url.startswith("sqlite:"):
        path = url.removeprefix("sqlite:")
        if path.startswith("//") and not path.startswith("///"):
            raise DecisionLogError(
                f"`{url}` names a host, not a file (write `sqlite:relative.db` or `sqlite:///absolute/path.db`)"
            )
        path = "/" + path.lstrip("/") if path.startswith("/") else path  # sqlite:///abs and sqlite:////abs
    elif "://" in url:
        scheme = url.split("://", 1)[0]
        raise DecisionLogError(
            f"unsupported decision log URL scheme `{scheme}` (write `sqlite:FILE` or `postgresql://...`)"
        )
    else:
        path = url
    if not path or path == ":memory:":
        raise DecisionLogError(
            f"`{url}` names no database file (write `sqlite:FILE`, e.g. `{DEFAULT_DB_URL}`)"
        )
    return "sqlite", path


def open_store(url: str, *, create: bool) -> Store:
    """The back-end for `url`; with `create`, the database (SQLite) and its schema are created when missing."""
    kind, target = _kind(url)
    if kind == "postgresql":
        from govrules.server.audit_postgres import PostgresStore

        return PostgresStore(target, create=create)
    from govrules.server.audit_sqlite import SqliteStore

    return SqliteStore(target, create=create)


def open_log(url: str, on_commit: OnCommit | None = None) -> DecisionLog:
    """The decision log at `url`, ready to append (schema created if missing), with its writer process started.

    `on_commit(seconds, records)` is called after each commit. Raises `DecisionLogError` when the URL is bad or the
    database cannot be opened.
    """
    from govrules.server.audit_writer import GroupCommitLog

    return GroupCommitLog(url, on_commit=on_commit)


def verify(url: str, expect_head: str | None = None) -> VerifyResult:
    """Walk the chain at `url`: the first altered, removed or reordered record, or that it holds."""
    from govrules.server.audit_verify import walk

    store = open_store(url, create=False)
    try:
        with store.snapshot() as snapshot:
            return walk(snapshot, expect_head)
    finally:
        store.close()


def export(url: str, out: TextIO, since: int = 0) -> int:
    """Write the records after seq `since` to `out` as JSON lines, in chain order; return how many."""
    store = open_store(url, create=False)
    count = 0
    try:
        with store.snapshot() as snapshot:
            for row, body in snapshot.records(since):
                out.write(json.dumps(stored(row, body).to_json(), ensure_ascii=False, separators=(",", ":")))
                out.write("\n")
                count += 1
    finally:
        store.close()
    return count
