"""The decision log in one SQLite file: WAL, `synchronous=FULL`, one statement per group commit.

Three tables: `govrules_decisions` (one row per record, `seq` the rowid, decision ids unique), `govrules_reports`
(report bodies keyed by their sha256, stored once) and `govrules_meta` (the format). Triggers abort any UPDATE or
DELETE: the log is append-only. A group is appended by ONE multi-row INSERT into a temporary view whose trigger
fills both tables, committed by itself: one trip into SQLite and one fdatasync. When every report of the group is
one this writer stored lately (a repeated answer), the INSERT goes straight into `govrules_decisions`, at about half
the cost per row. The writer chains from the head it committed last, and `seq` being the primary key makes the INSERT fail whole if another
process (uvicorn `--workers N`) appended meanwhile; the store then takes the write lock first (`BEGIN IMMEDIATE`,
the head read under it) for a while. So the chain stays linear across writers. Before each group the file's
identity (device, inode) is checked: a log removed or replaced under a running server fails closed instead of
writing into an unlinked file, and the next group reconnects to whatever file is at the path again.

    store = SqliteStore("govrules-decisions.db", create=True)
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress

from govrules.server.audit import (
    COLUMNS,
    FORMAT,
    GENESIS,
    DecisionLogError,
    DuplicateDecisionError,
    Row,
    Snapshot,
    StoredDecision,
    stored,
    tables_sql,
)

BUSY_TIMEOUT = 5.0  # seconds a writer waits for another process's write lock before failing closed
CHECKPOINT_INTERVAL = 0.5  # seconds between background checkpoints (`_checkpoint_loop`)
CONTENDED = 5.0  # seconds of taking the write lock first after another process was found appending
MAX_ROWS = 1024  # rows per INSERT statement at most (fewer if SQLite allows fewer variables)
_BUSY = 5  # SQLITE_BUSY

SCHEMA = (
    tables_sql("INTEGER", "BLOB")
    + f"""
INSERT OR IGNORE INTO govrules_meta (key, value) VALUES ('format', '{FORMAT}');
"""
    + "".join(
        f"CREATE TRIGGER IF NOT EXISTS govrules_{table}_no_{verb} BEFORE {verb.upper()} ON govrules_{table} "
        "BEGIN SELECT RAISE(ABORT, 'the decision log is append-only'); END;\n"
        for table in ("decisions", "reports", "meta")
        for verb in ("update", "delete")
    )
)
_FIELDS = ", ".join(f"d.{name}" for name in COLUMNS)
APPEND = f"INSERT INTO govrules_append ({', '.join(COLUMNS)}, body) VALUES "
APPEND_ROW = f"({', '.join('?' * (len(COLUMNS) + 1))})"
APPEND_VIEW = f"""
CREATE TEMP VIEW IF NOT EXISTS govrules_append AS
    SELECT {", ".join(COLUMNS)}, NULL AS body FROM main.govrules_decisions;
CREATE TEMP TRIGGER IF NOT EXISTS govrules_append_row INSTEAD OF INSERT ON govrules_append BEGIN
    INSERT OR IGNORE INTO govrules_reports (sha256, body)
        SELECT NEW.report_sha256, NEW.body WHERE NEW.body IS NOT NULL;
    INSERT INTO govrules_decisions ({", ".join(COLUMNS)}) VALUES ({", ".join(f"NEW.{c}" for c in COLUMNS)});
END;
"""
INSERT_ROWS = f"INSERT INTO govrules_decisions ({', '.join(COLUMNS)}) VALUES "
INSERT_ROW = f"({', '.join('?' * len(COLUMNS))})"
STORED_REPORTS = 1024  # report hashes remembered as already in the file
HEAD = "SELECT seq, hash FROM govrules_decisions ORDER BY seq DESC LIMIT 1"
WITH_REPORT = (
    f"SELECT {_FIELDS}, r.body FROM govrules_decisions AS d "
    "LEFT JOIN govrules_reports AS r ON r.sha256 = d.report_sha256"
)
WITH_INDEX = (
    f"SELECT {_FIELDS}, (SELECT x.seq FROM govrules_decisions AS x WHERE x.decision_id = d.decision_id) "
    "FROM govrules_decisions AS d WHERE d.seq > ? ORDER BY d.seq"
)


class SqliteStore:
    """The `Store` for one SQLite file: the writer's connection (in the log's writer process) and a small pool of readers."""

    def __init__(self, path: str, *, create: bool) -> None:
        self.path = os.path.abspath(path)
        self._shown = path
        self._writer: sqlite3.Connection | None = None
        self._identity: tuple[int, int] | None = None
        self._head: tuple[int, str] | None = None  # the head this store committed last (None: read it locked)
        self._stored: dict[
            str, None
        ] = {}  # report hashes this writer committed to this file lately, oldest first
        self._contended_until = 0.0
        self._max_rows = MAX_ROWS
        self._readers: list[tuple[sqlite3.Connection, tuple[int, int]]] = []
        self._lock = threading.Lock()
        self._checkpointer: threading.Thread | None = None
        self._stopping = threading.Event()
        if create:
            self._create()
        elif not os.path.isfile(self.path):
            raise DecisionLogError(f"there is no decision log `{path}` (check the path given to --db)")

    def _create(self) -> None:
        folder = os.path.dirname(self.path)
        if not os.path.isdir(folder):
            raise DecisionLogError(f"cannot create the decision log `{self._shown}`: no folder `{folder}`")
        deadline = time.monotonic() + BUSY_TIMEOUT
        while True:
            try:
                conn, found = self._create_once()
                break
            except sqlite3.Error as err:
                # instances starting together: switching a new file to WAL can be refused outright ("database is
                # locked") when two connections would otherwise deadlock; the busy timeout does not cover that
                if getattr(err, "sqlite_errorcode", None) != _BUSY or time.monotonic() >= deadline:
                    raise DecisionLogError(f"cannot open the decision log `{self._shown}`: {err}") from None
                time.sleep(0.01)
        if found != FORMAT:
            conn.close()
            raise DecisionLogError(
                f"`{self._shown}` holds a decision log in format `{found}`, not `{FORMAT}`"
            )
        self._writer, self._identity = conn, self._stat()

    def _create_once(self) -> tuple[sqlite3.Connection, str]:
        """Open or create the file, in WAL mode, with the schema; the connection and the format found."""
        conn = self._connect("rwc")
        try:
            conn.execute("PRAGMA page_size=16384")  # a new file only: fewer overflow pages per ~60 KB report
            if conn.execute("PRAGMA journal_mode=WAL").fetchone()[0] != "wal":
                raise DecisionLogError(f"the decision log `{self._shown}` cannot use write-ahead logging")
            conn.executescript(f"BEGIN IMMEDIATE;{SCHEMA}COMMIT;")
            found = conn.execute("SELECT value FROM govrules_meta WHERE key = 'format'").fetchone()[0]
            self._prepare_writer(conn)
        except BaseException:
            conn.close()
            raise
        return conn, str(found)

    def _connect(self, mode: str, timeout: float = BUSY_TIMEOUT) -> sqlite3.Connection:
        uri = f"file:{urllib.parse.quote(self.path)}?mode={mode}"
        conn = sqlite3.connect(
            uri,
            uri=True,
            timeout=timeout,
            isolation_level=None,
            check_same_thread=False,
            cached_statements=256,
        )
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA journal_size_limit=67108864")  # the WAL shrinks back to 64 MB after a checkpoint
        return conn

    def _prepare_writer(self, conn: sqlite3.Connection) -> None:
        """The temporary view a group is inserted through (this connection's only, nothing in the file); no
        automatic checkpoints (`_checkpoint_in_background` does them)."""
        conn.execute("PRAGMA wal_autocheckpoint=0")
        conn.execute("PRAGMA temp_store=MEMORY")
        conn.executescript(APPEND_VIEW)
        variables = conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        self._max_rows = max(1, min(MAX_ROWS, variables // (len(COLUMNS) + 1)))

    def _stat(self) -> tuple[int, int]:
        try:
            info = os.stat(self.path)
        except OSError:
            raise DecisionLogError(
                f"the decision log `{self._shown}` is gone (removed or moved): put it back, or restart the "
                "server to begin a new log"
            ) from None
        return info.st_dev, info.st_ino

    def _error(self, err: sqlite3.Error) -> DecisionLogError:
        """The error to raise for `err`; a broken writer connection is dropped (the next group reconnects)."""
        if getattr(err, "sqlite_errorcode", None) == _BUSY:
            return DecisionLogError(f"the decision log `{self._shown}` stayed locked for {BUSY_TIMEOUT:g} s")
        self.drop_writer()
        return DecisionLogError(f"cannot write the decision log `{self._shown}`: {err}")

    def drop_writer(self) -> None:
        conn, self._writer, self._identity, self._head = self._writer, None, None, None
        self._stored = {}
        if conn is not None:
            with suppress(sqlite3.Error):
                conn.close()

    def _connection(self) -> sqlite3.Connection:
        try:
            identity = self._stat()
        except DecisionLogError:
            self.drop_writer()
            raise
        if self._writer is not None and identity != self._identity:
            self.drop_writer()  # replaced under us: never write into the old, unlinked file
        if self._writer is None:
            try:
                self._writer = self._connect("rw")
                self._writer.execute("PRAGMA journal_mode=WAL")
                self._prepare_writer(self._writer)
            except sqlite3.Error as err:
                raise self._error(err) from None
            self._identity = identity
        return self._writer

    def write(self, build: Callable[[int, str], list[Row]], reports: Mapping[str, bytes]) -> None:
        conn = self._connection()
        self._checkpoint_in_background()
        if self._head is not None and time.monotonic() >= self._contended_until:
            rows = build(*self._head)
            if len(rows) <= self._max_rows:
                try:
                    # reports stored lately: the decisions' rows alone, about half the work per row
                    if all(sha in self._stored for sha in reports):
                        conn.execute(INSERT_ROWS + ",".join([INSERT_ROW] * len(rows)), _flat(rows))
                    else:
                        conn.execute(
                            APPEND + ",".join([APPEND_ROW] * len(rows)), _params(rows, reports, set())
                        )
                except sqlite3.IntegrityError as err:
                    if err.sqlite_errorname != "SQLITE_CONSTRAINT_PRIMARYKEY":
                        raise DuplicateDecisionError(f"a decision id is already in the log ({err})") from None
                    self._contended_until = time.monotonic() + CONTENDED  # another process appended
                except sqlite3.Error as err:
                    raise self._error(err) from None
                else:
                    self._committed(rows, reports)
                    return
        self._locked_write(conn, build, reports)

    def _committed(self, rows: list[Row], reports: Mapping[str, bytes]) -> None:
        self._head = rows[-1][0], rows[-1][11]
        for sha in reports:
            self._stored.pop(sha, None)
            self._stored[sha] = None
        while len(self._stored) > STORED_REPORTS:
            del self._stored[next(iter(self._stored))]

    def _locked_write(
        self, conn: sqlite3.Connection, build: Callable[[int, str], list[Row]], reports: Mapping[str, bytes]
    ) -> None:
        """Take the write lock, read the head under it, append, commit: when the head is unknown or contended."""
        try:
            conn.execute("BEGIN IMMEDIATE")
            head = conn.execute(HEAD).fetchone()
            rows = build(*(head or (0, GENESIS)))
            included: set[str] = set()
            for start in range(0, len(rows), self._max_rows):
                part = rows[start : start + self._max_rows]
                conn.execute(APPEND + ",".join([APPEND_ROW] * len(part)), _params(part, reports, included))
            conn.execute("COMMIT")
        except sqlite3.IntegrityError as err:
            self._rollback()
            raise DuplicateDecisionError(f"a decision id is already in the log ({err})") from None
        except sqlite3.Error as err:
            self._rollback()
            raise self._error(err) from None
        self._committed(rows, reports)

    def _rollback(self) -> None:
        conn = self._writer
        if conn is not None and conn.in_transaction:
            try:
                conn.execute("ROLLBACK")
            except sqlite3.Error:
                self.drop_writer()

    def get(self, decision_id: str) -> StoredDecision | None:
        conn, identity = self._reader()
        try:
            found = conn.execute(f"{WITH_REPORT} WHERE d.decision_id = ?", (decision_id,)).fetchone()
        except sqlite3.Error as err:
            conn.close()
            raise DecisionLogError(f"cannot read the decision log `{self._shown}`: {err}") from None
        with self._lock:
            self._readers.append((conn, identity))
        return None if found is None else stored(found[:12], _bytes(found[12]))

    def _reader(self) -> tuple[sqlite3.Connection, tuple[int, int]]:
        identity = self._stat()
        with self._lock:
            while self._readers:
                conn, known = self._readers.pop()
                if known == identity:
                    return conn, identity
                conn.close()
        try:
            conn = self._connect("rw")
            conn.execute("PRAGMA query_only=ON")
        except sqlite3.Error as err:
            raise DecisionLogError(f"cannot read the decision log `{self._shown}`: {err}") from None
        return conn, identity

    def check_writable(self) -> bool:
        """Whether a write transaction can start now (a lock held by another writer counts as writable)."""
        if not os.path.isfile(self.path):
            return False
        try:
            conn = self._connect("rw", timeout=0)
            try:
                conn.execute("BEGIN IMMEDIATE")
                conn.execute("ROLLBACK")
            finally:
                conn.close()
        except sqlite3.Error as err:
            return getattr(err, "sqlite_errorcode", None) == _BUSY
        return True

    def _checkpoint_in_background(self) -> None:
        """WAL checkpoints run off the writer (whose connections never checkpoint: `_prepare_writer`): a thread of
        this store's own runs a PASSIVE checkpoint (it never blocks a writer) every `CHECKPOINT_INTERVAL` seconds.
        An automatic checkpoint of a few MB inside a commit would hold up every request waiting for it for tens of
        milliseconds. Started by the first write, so reading a log (verify, export) starts no thread."""
        if self._checkpointer is None and not self._stopping.is_set():
            self._checkpointer = threading.Thread(
                target=self._checkpoint_loop, name="govrules-log-checkpoint", daemon=True
            )
            self._checkpointer.start()

    def _checkpoint_loop(self) -> None:
        conn: sqlite3.Connection | None = None
        identity = None
        while not self._stopping.wait(CHECKPOINT_INTERVAL):
            try:
                now = self._stat()
                if conn is not None and now != identity:  # replaced: checkpoint the file at the path now
                    conn.close()
                    conn = None
                if conn is None:
                    conn, identity = self._connect("rw"), now
                conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
            except (
                sqlite3.Error,
                DecisionLogError,
            ):  # gone or busy: the writer reports that; try again later
                if conn is not None:
                    conn.close()
                conn = None
        if conn is not None:
            conn.close()

    def close(self) -> None:
        self._stopping.set()
        if self._checkpointer is not None:
            self._checkpointer.join()
            self._checkpointer = None
        self.drop_writer()
        with self._lock:
            readers, self._readers = self._readers, []
        for conn, _ in readers:
            conn.close()

    @contextmanager
    def snapshot(self) -> Iterator[Snapshot]:
        """A read transaction over the whole file: what verify and export see does not move under them."""
        try:
            conn = self._connect("rw" if os.access(self.path, os.W_OK) else "ro")
            conn.execute("PRAGMA query_only=ON")
            tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        except sqlite3.Error as err:
            raise DecisionLogError(f"cannot read the decision log `{self._shown}`: {err}") from None
        try:
            if "govrules_decisions" not in tables or "govrules_reports" not in tables:
                raise DecisionLogError(f"`{self._shown}` holds no govrules decision log")
            conn.execute("BEGIN")
            yield SqliteSnapshot(conn, self._shown)
        finally:
            conn.close()


class SqliteSnapshot:
    """The `Snapshot` of one read transaction."""

    def __init__(self, conn: sqlite3.Connection, shown: str) -> None:
        self._conn = conn
        self._shown = shown

    def _query(self, sql: str, params: tuple[object, ...]) -> Iterator[tuple[object, ...]]:
        try:
            yield from self._conn.execute(sql, params)
        except sqlite3.Error as err:
            raise DecisionLogError(f"cannot read the decision log `{self._shown}`: {err}") from None

    def rows(self, since: int) -> Iterator[tuple[Row, int | None]]:
        for found in self._query(WITH_INDEX, (since,)):
            yield found[:12], found[12]  # type: ignore[misc]

    def records(self, since: int) -> Iterator[tuple[Row, bytes | None]]:
        for found in self._query(f"{WITH_REPORT} WHERE d.seq > ? ORDER BY d.seq", (since,)):
            yield found[:12], _bytes(found[12])  # type: ignore[misc]

    def report(self, sha256: str) -> bytes | None:
        for (body,) in self._query("SELECT body FROM govrules_reports WHERE sha256 = ?", (sha256,)):
            return _bytes(body)
        return None

    def find_hash(self, record_hash: str) -> int | None:
        for (seq,) in self._query(
            "SELECT seq FROM govrules_decisions WHERE hash = ? LIMIT 1", (record_hash,)
        ):
            return seq if isinstance(seq, int) else None
        return None


def _params(rows: Sequence[Row], reports: Mapping[str, bytes], included: set[str]) -> list[object]:
    """The INSERT's parameters: each row's columns and its report body, the body only where it first appears."""
    params: list[object] = []
    for row in rows:
        sha = row[9]
        params += row
        params.append(None if sha in included else reports[sha])
        included.add(sha)
    return params


def _flat(rows: Sequence[Row]) -> list[object]:
    return [value for row in rows for value in row]


def _bytes(value: object) -> bytes | None:
    """A stored body as bytes (an edited cell may have changed type)."""
    if value is None or isinstance(value, bytes):
        return value
    return str(value).encode("utf-8", "surrogateescape")
