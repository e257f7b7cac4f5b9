"""The decision log in PostgreSQL, for several API instances behind a load balancer (psycopg 3, imported lazily).

The same three tables as SQLite (`govrules_decisions`, `govrules_reports`, `govrules_meta`) in the schema the URL's
search_path names, created on first use under an advisory lock, with triggers that abort UPDATE, DELETE and
TRUNCATE. Each group commit takes the transaction-level advisory lock `pg_advisory_xact_lock` keyed by the
decisions table, then reads the chain head, so every instance appends to one linear chain. Every wait is bounded:
connect 5 s, statements 10 s, locks 5 s, TCP 10 s; a connection that fails is dropped and the next group reconnects
(after a failed connect, groups fail at once for one second instead of queueing behind another connect timeout).

    store = PostgresStore("postgresql://govrules@db.internal/govrules", create=True)
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from govrules.server.audit import (
    COLUMNS,
    FORMAT,
    GENESIS,
    DecisionLogError,
    DuplicateDecisionError,
    Row,
    Snapshot,
    StoredDecision,
    display_url,
    stored,
    tables_sql,
)

if TYPE_CHECKING:
    import psycopg

SESSION = "-c statement_timeout=10000 -c lock_timeout=5000 -c synchronous_commit=on"
DEFAULTS = {"connect_timeout": "5", "tcp_user_timeout": "10000"}
RETRY_AFTER = 1.0  # seconds after a failed connect during which groups fail at once
LOCK_CLASS = 0x676F7672  # "govr": the high half of the advisory lock keys (the low half: the table's oid)

SCHEMA = (
    tables_sql("BIGINT", "BYTEA")
    + """
CREATE OR REPLACE FUNCTION govrules_append_only() RETURNS trigger LANGUAGE plpgsql AS
    $$ BEGIN RAISE EXCEPTION 'the decision log is append-only'; END $$;
"""
    + "".join(
        f"CREATE TRIGGER govrules_{table}_append_only BEFORE UPDATE OR DELETE ON govrules_{table} "
        "FOR EACH ROW EXECUTE FUNCTION govrules_append_only();\n"
        f"CREATE TRIGGER govrules_{table}_no_truncate BEFORE TRUNCATE ON govrules_{table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION govrules_append_only();\n"
        for table in ("decisions", "reports", "meta")
    )
)
_FIELDS = ", ".join(f"d.{name}" for name in COLUMNS)
INSERT_DECISION = (
    f"INSERT INTO govrules_decisions ({', '.join(COLUMNS)}) VALUES ({', '.join(['%s'] * len(COLUMNS))})"
)
INSERT_REPORT = "INSERT INTO govrules_reports (sha256, body) VALUES (%s, %b) ON CONFLICT DO NOTHING"
HEAD = "SELECT seq, hash FROM govrules_decisions ORDER BY seq DESC LIMIT 1"
WITH_REPORT = (
    f"SELECT {_FIELDS}, r.body FROM govrules_decisions AS d "
    "LEFT JOIN govrules_reports AS r ON r.sha256 = d.report_sha256"
)
WITH_INDEX = (
    f"SELECT {_FIELDS}, (SELECT x.seq FROM govrules_decisions AS x WHERE x.decision_id = d.decision_id) "
    "FROM govrules_decisions AS d WHERE d.seq > %s ORDER BY d.seq"
)
WRITABLE = "SELECT NOT pg_is_in_recovery() AND has_table_privilege('govrules_decisions', 'INSERT')"


def _message(err: Exception) -> str:
    return "; ".join(line.strip() for line in str(err).strip().splitlines() if line.strip())


class PostgresStore:
    """The `Store` for one PostgreSQL database: the writer's connection (in the log's writer process) and one shared reader."""

    def __init__(self, url: str, *, create: bool) -> None:
        try:
            import psycopg  # noqa: F401  (here: only a PostgreSQL log needs it)
        except ModuleNotFoundError:
            raise DecisionLogError(
                "a PostgreSQL decision log needs psycopg: `python -m pip install 'govrules[postgresql]'`"
            ) from None
        self._url = url
        self._shown = display_url(url)
        self._writer: psycopg.Connection[Any] | None = None
        self._reader: psycopg.Connection[Any] | None = None
        self._lock = threading.Lock()
        self._lock_key = 0
        self._down_until = 0.0
        self._down: DecisionLogError | None = None
        conn = self._connect(autocommit=False)
        try:
            self._prepare(conn, create)
        except BaseException:
            conn.close()
            raise
        self._writer = conn

    def _connect(self, autocommit: bool) -> psycopg.Connection[Any]:
        import psycopg

        try:
            params = psycopg.conninfo.conninfo_to_dict(self._url)
            options = f"{SESSION} {params.get('options') or ''}".strip()  # the URL's own options win
            extra = {key: value for key, value in DEFAULTS.items() if key not in params}
            conninfo = psycopg.conninfo.make_conninfo(self._url, options=options, **extra)
            return psycopg.connect(conninfo, autocommit=autocommit)
        except psycopg.Error as err:
            raise DecisionLogError(
                f"cannot connect to the decision log `{self._shown}`: {_message(err)}"
            ) from None

    def _prepare(self, conn: psycopg.Connection[Any], create: bool) -> None:
        """Create the schema when missing (under a lock: several instances may start at once), check its format."""
        import psycopg

        try:
            with conn.transaction():
                if create:  # the lock before the first look: the catalog seen after it is the one to trust
                    conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_CLASS << 32,))
                exists = conn.execute("SELECT to_regclass('govrules_decisions') IS NOT NULL").fetchone()
                if not (exists and exists[0]):
                    if not create:
                        raise DecisionLogError(f"`{self._shown}` holds no govrules decision log")
                    conn.execute(SCHEMA)
                    conn.execute("INSERT INTO govrules_meta (key, value) VALUES ('format', %s)", (FORMAT,))
                found = conn.execute("SELECT value FROM govrules_meta WHERE key = 'format'").fetchone()
                oid = conn.execute("SELECT 'govrules_decisions'::regclass::oid").fetchone()
        except psycopg.Error as err:
            raise DecisionLogError(f"cannot open the decision log `{self._shown}`: {_message(err)}") from None
        if not found or found[0] != FORMAT:
            shown = found[0] if found else "none"
            raise DecisionLogError(
                f"`{self._shown}` holds a decision log in format `{shown}`, not `{FORMAT}`"
            )
        self._lock_key = (LOCK_CLASS << 32) | int(oid[0] if oid else 0)

    def _connection(self) -> psycopg.Connection[Any]:
        if self._writer is not None and not self._writer.broken and not self._writer.closed:
            return self._writer
        self.drop_writer()
        if time.monotonic() < self._down_until and self._down is not None:
            raise DecisionLogError(str(self._down))
        conn = None
        try:
            conn = self._connect(autocommit=False)
            self._prepare(conn, create=False)
        except DecisionLogError as err:
            if conn is not None:
                conn.close()
            self._down, self._down_until = err, time.monotonic() + RETRY_AFTER
            raise
        self._writer = conn
        return conn

    def drop_writer(self) -> None:
        conn, self._writer = self._writer, None
        if conn is not None:
            conn.close()

    def _error(self, err: Exception) -> DecisionLogError:
        import psycopg

        if isinstance(err, psycopg.OperationalError) or (self._writer is not None and self._writer.broken):
            self.drop_writer()
        return DecisionLogError(f"cannot write the decision log `{self._shown}`: {_message(err)}")

    def write(self, build: Callable[[int, str], list[Row]], reports: Mapping[str, bytes]) -> None:
        """Lock, read the head under the lock, append, commit: one linear chain across every instance."""
        import psycopg

        conn = self._connection()
        try:
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (self._lock_key,))
            head = conn.execute(HEAD).fetchone()
            rows = build(*((int(head[0]), str(head[1])) if head else (0, GENESIS)))
            with conn.cursor() as cursor:
                cursor.executemany(INSERT_REPORT, list(reports.items()))
                cursor.executemany(INSERT_DECISION, rows)
            conn.commit()
        except psycopg.errors.UniqueViolation as err:
            self._rollback()
            raise DuplicateDecisionError(f"a decision id is already in the log ({_message(err)})") from None
        except psycopg.Error as err:
            self._rollback()
            raise self._error(err) from None

    def _rollback(self) -> None:
        import psycopg

        if self._writer is None:
            return
        try:
            self._writer.rollback()
        except psycopg.Error:
            self.drop_writer()

    def _read(self, sql: str, params: tuple[object, ...]) -> tuple[Any, ...] | None:
        import psycopg

        with self._lock:
            try:
                if self._reader is None or self._reader.broken or self._reader.closed:
                    self._reader = self._connect(autocommit=True)
                with self._reader.cursor(binary=True) as cursor:
                    return cursor.execute(sql, params).fetchone()
            except psycopg.Error as err:
                if self._reader is not None:
                    self._reader.close()
                self._reader = None
                raise DecisionLogError(
                    f"cannot read the decision log `{self._shown}`: {_message(err)}"
                ) from None

    def get(self, decision_id: str) -> StoredDecision | None:
        found = self._read(f"{WITH_REPORT} WHERE d.decision_id = %s", (decision_id,))
        return None if found is None else stored(found[:12], found[12])

    def check_writable(self) -> bool:
        try:
            found = self._read(WRITABLE, ())
        except DecisionLogError:
            return False
        return bool(found and found[0])

    def close(self) -> None:
        self.drop_writer()
        with self._lock:
            if self._reader is not None:
                self._reader.close()
            self._reader = None

    @contextmanager
    def snapshot(self) -> Iterator[Snapshot]:
        """One REPEATABLE READ, READ ONLY transaction: what verify and export see does not move under them."""
        import psycopg

        conn = self._connect(autocommit=False)
        try:
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            found = conn.execute("SELECT to_regclass('govrules_decisions') IS NOT NULL").fetchone()
            if not (found and found[0]):
                raise DecisionLogError(f"`{self._shown}` holds no govrules decision log")
            yield PostgresSnapshot(conn, self._shown)
        except psycopg.Error as err:
            raise DecisionLogError(f"cannot read the decision log `{self._shown}`: {_message(err)}") from None
        finally:
            conn.close()


class PostgresSnapshot:
    """The `Snapshot` of one read-only transaction; rows stream through a server-side cursor."""

    def __init__(self, conn: psycopg.Connection[Any], shown: str) -> None:
        self._conn = conn
        self._shown = shown

    def _stream(self, sql: str, since: int) -> Iterator[tuple[Any, ...]]:
        import psycopg

        try:
            with self._conn.cursor(name="govrules_walk", binary=True) as cursor:
                cursor.itersize = 1000
                cursor.execute(sql, (since,))
                yield from cursor
        except psycopg.Error as err:
            raise DecisionLogError(f"cannot read the decision log `{self._shown}`: {_message(err)}") from None

    def _one(self, sql: str, param: str) -> tuple[Any, ...] | None:
        import psycopg

        try:
            with self._conn.cursor(binary=True) as cursor:
                return cursor.execute(sql, (param,)).fetchone()
        except psycopg.Error as err:
            raise DecisionLogError(f"cannot read the decision log `{self._shown}`: {_message(err)}") from None

    def rows(self, since: int) -> Iterator[tuple[Row, int | None]]:
        for found in self._stream(WITH_INDEX, since):
            yield found[:12], found[12]

    def records(self, since: int) -> Iterator[tuple[Row, bytes | None]]:
        for found in self._stream(f"{WITH_REPORT} WHERE d.seq > %s ORDER BY d.seq", since):
            yield found[:12], found[12]

    def report(self, sha256: str) -> bytes | None:
        found = self._one("SELECT body FROM govrules_reports WHERE sha256 = %s", sha256)
        return None if found is None else bytes(found[0])

    def find_hash(self, record_hash: str) -> int | None:
        found = self._one("SELECT seq FROM govrules_decisions WHERE hash = %s LIMIT 1", record_hash)
        return None if found is None else int(found[0])
