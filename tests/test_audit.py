"""The decision log (govrules.server.audit) against SQLite and, when GOVRULES_TEST_POSTGRESQL_URL is set, PostgreSQL.

Every PostgreSQL test gets a fresh schema (the URL's search_path); with GOVRULES_REQUIRE_POSTGRESQL=1 (CI) a missing
or unreachable server fails the tests instead of skipping them.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import os
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from govrules.server.audit import (
    DEFAULT_DB_URL,
    GENESIS,
    Decision,
    DecisionLog,
    DecisionLogError,
    chain,
    export,
    open_log,
    open_store,
    prepare,
    record_hash,
    verify,
)

ROOT = Path(__file__).resolve().parents[1]
PG_URL = os.environ.get("GOVRULES_TEST_POSTGRESQL_URL", "")
REQUIRE_PG = os.environ.get("GOVRULES_REQUIRE_POSTGRESQL") == "1"
SHARED_REPORT = b'{"version": "1", "manifests": [{"path": "ai-project.yaml", "summary": {"pass": 40}}]}'


# -- back-ends ----------------------------------------------------------------------------------------------------


def _unavailable(reason: str) -> None:
    if REQUIRE_PG:
        pytest.fail(f"GOVRULES_REQUIRE_POSTGRESQL=1 but {reason}")
    pytest.skip(f"PostgreSQL decision-log tests skipped: {reason}")


def with_search_path(url: str, schema: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"


@contextmanager
def postgresql_schema() -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a fresh schema, dropped afterwards."""
    if not PG_URL:
        _unavailable("GOVRULES_TEST_POSTGRESQL_URL is not set (e.g. postgresql://u:p@127.0.0.1:5432/db)")
    try:
        import psycopg
    except ModuleNotFoundError:
        _unavailable("psycopg is not installed (`pip install -e '.[test]'`)")
    schema = f"govrules_test_{uuid.uuid4().hex[:12]}"
    try:
        with psycopg.connect(PG_URL, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f"CREATE SCHEMA {schema}")
    except psycopg.OperationalError as err:
        _unavailable(f"PostgreSQL at GOVRULES_TEST_POSTGRESQL_URL is not reachable: {err}")
    try:
        yield with_search_path(PG_URL, schema)
    finally:
        with psycopg.connect(PG_URL, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


def backend_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty log's URL on `backend` (sqlite or postgresql)."""
    if backend == "sqlite":
        yield f"sqlite:{tmp_path / 'decisions.db'}"
    else:
        with postgresql_schema() as pg_url:
            yield pg_url


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from backend_url(request.param, tmp_path)


@contextmanager
def raw(url: str) -> Iterator[Callable[..., list[Any]]]:
    """Direct SQL on the log's database with its append-only triggers out of the way: the tamperer's view."""
    if url.startswith("sqlite:"):
        lite = sqlite3.connect(url.removeprefix("sqlite:"), isolation_level=None)
        triggers = lite.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall()
        for (name,) in triggers:
            lite.execute(f"DROP TRIGGER {name}")

        def run_lite(sql: str, *params: Any) -> list[Any]:
            return lite.execute(sql, params).fetchall()

        yield run_lite
        lite.close()
        return
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        for table in ("decisions", "reports"):
            conn.execute(f"ALTER TABLE govrules_{table} DISABLE TRIGGER USER")

        def run_pg(sql: str, *params: Any) -> list[Any]:
            cursor = conn.execute(sql.replace("?", "%s"), params)
            return cursor.fetchall() if cursor.description else []

        yield run_pg


# -- decisions ----------------------------------------------------------------------------------------------------


def decision(i: int, report: bytes | None = None, prefix: str = "decision", **changes: Any) -> Decision:
    """Decision i: every text field unique to it; odd ones have their own report, even ones share one."""
    fields: dict[str, Any] = {
        "decision_id": f"{prefix}-{i:04d}",
        "time": f"2026-11-28T21:30:00.{i:06d}Z",
        "caller": f"caller-{i:04d}",
        "policy_hash": "p" * 64,
        "manifest_hash": hashlib.sha256(f"manifest-{i:04d}".encode()).hexdigest(),
        "as_of": "2026-11-28",
        "stage": None,
        "summary": {"pass": 40, "fail": i, "note": f"summary-{i:04d}"},
        "report": report if report is not None else _report(i),
    }
    fields.update(changes)
    return Decision(**fields)


def _report(i: int) -> bytes:
    if i % 2 == 0:
        return SHARED_REPORT
    return json.dumps({"version": "1", "marker": f"report-{i:04d}", "results": ["x" * 200]}).encode()


def fill(url: str, count: int) -> None:
    """A log with decisions 1..count, appended one after the other (so decision i is seq i)."""

    async def append_all() -> None:
        log = open_log(url)
        try:
            for i in range(1, count + 1):
                await log.append(decision(i))
        finally:
            log.close()

    asyncio.run(append_all())


def exported_ids(url: str) -> list[str]:
    out = io.StringIO()
    export(url, out)
    return [json.loads(line)["decision_id"] for line in out.getvalue().splitlines()]


def run_async(url: str, body: Callable[[DecisionLog], Any], **options: Any) -> Any:
    async def main() -> Any:
        log = open_log(url, **options)
        try:
            return await body(log)
        finally:
            log.close()

    return asyncio.run(main())


# -- appending, reading, verifying --------------------------------------------------------------------------------


def test_appended_decisions_are_read_back_chained_and_verified(url: str) -> None:
    async def body(log: DecisionLog) -> None:
        await asyncio.gather(*(log.append(decision(i)) for i in range(1, 11)))
        await log.append_many([decision(i) for i in range(11, 14)])
        got = log.get("decision-0003")
        assert got is not None and got.caller == "caller-0003" and got.report == _report(3)
        assert got.summary == {"pass": 40, "fail": 3, "note": "summary-0003"}
        record = got.to_json()
        assert (
            record["report"] == json.loads(_report(3))
            and record["report_sha256"] == hashlib.sha256(_report(3)).hexdigest()
        )
        assert log.get("no-such-decision") is None
        assert log.check_writable()

    run_async(url, body)
    result = verify(url)
    assert (result.ok, result.records, result.head_seq) == (True, 13, 13)
    assert sorted(exported_ids(url)) == [f"decision-{i:04d}" for i in range(1, 14)]


def test_the_hash_is_the_documented_canonical_serialisation(url: str) -> None:
    fill(url, 2)
    store = open_store(url, create=False)
    try:
        first, second = store.get("decision-0001"), store.get("decision-0002")
    finally:
        store.close()
    assert first is not None and second is not None
    summary = '{"fail":1,"note":"summary-0001","pass":40}'
    canonical = [
        "govrules-decision-log/1", 1, "decision-0001", "2026-11-28T21:30:00.000001Z", "caller-0001", "p" * 64,
        first.manifest_hash, "2026-11-28", None, summary, hashlib.sha256(_report(1)).hexdigest(), GENESIS,
    ]  # fmt: skip
    payload = json.dumps(canonical, separators=(",", ":")).encode()
    assert (first.seq, first.prev_hash, first.hash) == (1, GENESIS, hashlib.sha256(payload).hexdigest())
    assert (second.seq, second.prev_hash) == (2, first.hash)


@settings(max_examples=200, deadline=None)
@given(
    texts=st.lists(st.text(max_size=20), min_size=7, max_size=7),
    stage=st.none() | st.text(max_size=10),
    summary=st.dictionaries(st.text(max_size=8), st.integers() | st.text(max_size=8) | st.none(), max_size=4),
    report=st.binary(max_size=64),
    seq=st.integers(min_value=0, max_value=2**40),
)
def test_chaining_from_prepared_parts_gives_the_documented_hash(
    texts: list[str], stage: str | None, summary: dict[str, Any], report: bytes, seq: int
) -> None:
    decision = Decision(*texts[:6], stage, summary, report)  # type: ignore[arg-type, call-arg]
    rows = chain([prepare(decision), prepare(decision)], seq, texts[6])
    assert [row[0] for row in rows] == [seq + 1, seq + 2]
    assert [record_hash(row) for row in rows] == [row[11] for row in rows]
    assert rows[0][10] == texts[6] and rows[1][10] == rows[0][11]


def test_concurrent_appends_share_commits(url: str) -> None:
    commits: list[tuple[float, int]] = []

    async def body(log: DecisionLog) -> None:
        await asyncio.gather(*(log.append(decision(i)) for i in range(1, 65)))

    run_async(url, body, on_commit=lambda seconds, records: commits.append((seconds, records)))
    assert sum(records for _, records in commits) == 64
    assert len(commits) < 64 and all(seconds > 0 for seconds, _ in commits)
    assert verify(url).records == 64


def test_a_bad_request_fails_alone(url: str) -> None:
    async def body(log: DecisionLog) -> Any:
        await log.append(decision(1))
        return await asyncio.gather(
            log.append(decision(1, caller="again")),  # a decision id already logged
            log.append(decision(2)),
            log.append_many([decision(3), decision(1)]),  # all or nothing: 3 is not logged either
            log.append(decision(4, summary={"not json": object()})),
            log.append(decision(5)),
            return_exceptions=True,
        )

    outcomes = run_async(url, body)
    assert [type(outcome).__name__ for outcome in outcomes] == [
        "DuplicateDecisionError", "NoneType", "DuplicateDecisionError", "DecisionLogError", "NoneType",
    ]  # fmt: skip
    assert sorted(exported_ids(url)) == ["decision-0001", "decision-0002", "decision-0005"]
    assert verify(url).ok


def test_a_duplicate_fails_alone_when_every_report_is_already_stored(url: str) -> None:
    """Even decisions share one report: once it is stored, SQLite inserts such a group's rows alone."""

    async def body(log: DecisionLog) -> Any:
        await log.append(decision(2))
        return await asyncio.gather(
            log.append(decision(4)),
            log.append(decision(2, caller="again")),  # a decision id already logged
            log.append(decision(6)),
            return_exceptions=True,
        )

    outcomes = run_async(url, body)
    assert [type(outcome).__name__ for outcome in outcomes] == [
        "NoneType",
        "DuplicateDecisionError",
        "NoneType",
    ]
    assert sorted(exported_ids(url)) == ["decision-0002", "decision-0004", "decision-0006"]
    assert verify(url).ok


def test_two_logs_on_one_database_keep_one_chain(url: str) -> None:
    async def main() -> None:
        first, second = open_log(url), open_log(url)
        try:
            await asyncio.gather(
                *(first.append(decision(i, prefix="first")) for i in range(100)),
                *(second.append(decision(i, prefix="second")) for i in range(100)),
            )
        finally:
            first.close()
            second.close()

    asyncio.run(main())
    result = verify(url)
    assert (result.ok, result.records) == (True, 200)


def test_two_logs_taking_turns_continue_each_others_chain(url: str) -> None:
    async def main() -> None:
        first, second = open_log(url), open_log(url)
        for i in range(1, 9):  # each finds the head moved by the other since its own last commit
            await (first if i % 2 else second).append(decision(i))
        first.close()
        second.close()

    asyncio.run(main())
    assert exported_ids(url) == [f"decision-{i:04d}" for i in range(1, 9)]
    assert verify(url).ok


def test_close_commits_what_is_queued_and_refuses_the_rest(url: str) -> None:
    async def main() -> None:
        log = open_log(url)
        tasks = [asyncio.create_task(log.append(decision(i))) for i in range(1, 21)]
        await asyncio.sleep(0)  # queued, not yet committed
        await asyncio.to_thread(log.close)
        await asyncio.gather(*tasks)
        with pytest.raises(DecisionLogError, match="closed"):
            await log.append(decision(21))
        assert not log.check_writable()

    asyncio.run(main())
    assert verify(url).records == 20


# -- tampering ----------------------------------------------------------------------------------------------------

FLIP = "CASE WHEN substr({0}, 1, 1) = '0' THEN '1' ELSE '0' END || substr({0}, 2)"
REPORT_OF = "(SELECT report_sha256 FROM govrules_decisions WHERE seq = {0})"
TAMPERING: list[tuple[str, list[tuple[Any, ...]], int, str]] = [
    ("caller", [("UPDATE govrules_decisions SET caller = 'caller-x' WHERE seq = 3",)], 3, "altered"),
    ("summary", [("UPDATE govrules_decisions SET summary = '{\"pass\":41}' WHERE seq = 2",)], 2, "altered"),
    ("stage", [("UPDATE govrules_decisions SET stage = 'program' WHERE seq = 1",)], 1, "altered"),
    ("decision id", [("UPDATE govrules_decisions SET decision_id = 'forged' WHERE seq = 6",)], 6, "altered"),
    ("hash", [(f"UPDATE govrules_decisions SET hash = {FLIP.format('hash')} WHERE seq = 4",)], 4, "altered"),
    ("link", [(f"UPDATE govrules_decisions SET prev_hash = {FLIP.format('prev_hash')} WHERE seq = 5",)], 5, "altered"),
    ("a record removed", [("DELETE FROM govrules_decisions WHERE seq = 3",)], 4, "removed"),
    ("the first record removed", [("DELETE FROM govrules_decisions WHERE seq = 1",)], 2, "removed"),
    (
        "two records swapped",
        [(f"UPDATE govrules_decisions SET seq = {a} WHERE seq = {b}",) for a, b in ((-3, 3), (3, 4), (4, -3))],
        3,
        "reordered",
    ),
    ("a report edited", [(f"UPDATE govrules_reports SET body = ? WHERE sha256 = {REPORT_OF.format(5)}", b"{}")], 5, "altered"),
    ("a shared report edited", [(f"UPDATE govrules_reports SET body = ? WHERE sha256 = {REPORT_OF.format(6)}", b"{}")], 2, "altered"),
    ("a report removed", [(f"DELETE FROM govrules_reports WHERE sha256 = {REPORT_OF.format(3)}",)], 3, "removed"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("what", "statements", "seq", "kind"), TAMPERING, ids=[case[0] for case in TAMPERING]
)
def test_verify_names_the_first_tampered_record(
    url: str, what: str, statements: list[tuple[Any, ...]], seq: int, kind: str
) -> None:
    fill(url, 6)
    assert verify(url).ok
    with raw(url) as sql:
        for statement in statements:
            sql(*statement)
    result = verify(url)
    assert result.problem is not None, what
    assert (result.problem.seq, result.problem.kind) == (seq, kind), result.problem


def test_the_log_is_append_only(url: str) -> None:
    fill(url, 2)
    store = open_store(url, create=False)
    store.close()
    if url.startswith("sqlite:"):
        with (
            sqlite3.connect(url.removeprefix("sqlite:")) as conn,
            pytest.raises(sqlite3.DatabaseError, match="append-only"),
        ):
            conn.execute("UPDATE govrules_decisions SET caller = 'x' WHERE seq = 1")
        return
    import psycopg

    for statement in (
        "UPDATE govrules_decisions SET caller = 'x'",
        "DELETE FROM govrules_reports",
        "TRUNCATE govrules_decisions",
    ):
        with psycopg.connect(url, autocommit=True) as conn, pytest.raises(psycopg.Error, match="append-only"):
            conn.execute(statement)


def test_an_anchored_head_shows_records_cut_from_the_end(url: str) -> None:
    fill(url, 5)
    head = verify(url).head_hash
    with raw(url) as sql:
        sql("DELETE FROM govrules_decisions WHERE seq = 5")
    assert verify(url).ok  # the chain alone cannot show a cut tail
    result = verify(url, expect_head=head)
    assert result.problem is not None and (result.problem.kind, result.problem.seq) == ("truncated", 4)
    four = verify(url).head_hash
    fill_more = open_log(url)
    asyncio.run(fill_more.append(decision(6)))
    fill_more.close()
    assert verify(url, expect_head=four).ok  # the anchor is still in a longer chain


@pytest.mark.parametrize("field", ["decision_id", "caller", "time", "summary", "report", "manifest_hash"])
def test_one_byte_edited_in_the_sqlite_file_fails_at_that_record(tmp_path: Path, field: str) -> None:
    url = f"sqlite:{tmp_path / 'decisions.db'}"
    fill(url, 6)
    target = decision(3)
    marker = {
        "decision_id": target.decision_id,
        "caller": target.caller,
        "time": target.time,
        "summary": "summary-0003",
        "report": "report-0003",
        "manifest_hash": target.manifest_hash,
    }[field].encode()
    path = tmp_path / "decisions.db"
    assert not (tmp_path / "decisions.db-wal").exists() or (tmp_path / "decisions.db-wal").stat().st_size == 0
    original = path.read_bytes()
    offsets = [i for i in range(len(original)) if original.startswith(marker, i)]
    assert offsets, f"`{marker!r}` is not in the file"
    for offset in offsets:  # the row, and for the decision id its index entry too
        edited = bytearray(original)
        edited[offset + len(marker) - 1] ^= 0x01
        path.write_bytes(bytes(edited))
        result = verify(url)
        assert result.problem is not None and result.problem.seq == 3, (offset, result)
    path.write_bytes(original)
    assert verify(url).ok


# -- opening ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("", "URL is empty"),
        ("mysql://db/x", "unsupported decision log URL scheme `mysql`"),
        ("sqlite:", "names no database file"),
        ("sqlite::memory:", "names no database file"),
        ("sqlite://host/x.db", "names a host, not a file"),
        ("sqlite:/no/such/folder/x.db", "no folder `/no/such/folder`"),
        ("postgresql://nobody@127.0.0.1:1/x?connect_timeout=2", "cannot connect to the decision log"),
    ],
)
def test_a_log_that_cannot_be_opened_is_a_clear_error(given: str, message: str) -> None:
    with pytest.raises(DecisionLogError, match=message.replace("`", ".").replace("(", ".")):
        open_log(given)


def test_a_file_that_is_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not a database\n" * 100)
    with pytest.raises(DecisionLogError, match=r"cannot open the decision log .*not a database"):
        open_log(str(tmp_path / "notes.txt"))
    with pytest.raises(DecisionLogError, match="there is no decision log"):
        verify(f"sqlite:{tmp_path / 'missing.db'}")


@pytest.mark.parametrize("form", ["sqlite://{abs}", "sqlite:///{abs}", "sqlite:{rel}", "{rel}", "{abs}"])
def test_the_sqlite_url_forms_name_one_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, form: str
) -> None:
    monkeypatch.chdir(tmp_path)
    fill(form.format(abs=tmp_path / "log.db", rel="log.db"), 1)
    assert verify(f"sqlite:{tmp_path / 'log.db'}").records == 1
    assert DEFAULT_DB_URL == "sqlite:govrules-decisions.db"


def test_the_log_modules_import_neither_fastapi_nor_psycopg_up_front() -> None:
    code = (
        "import sys; import govrules.server.audit, govrules.server.audit_command, govrules.server.audit_sqlite;"
        "import govrules.server.audit_writer, govrules.server.audit_verify, govrules.server.audit_postgres;"
        "print(sorted(m for m in ('fastapi', 'uvicorn', 'psycopg') if m in sys.modules))"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == "[]"


def test_instances_starting_at_once_create_one_log(url: str) -> None:
    """Several API instances started together against an empty database: one creates the schema, none fails."""
    from concurrent.futures import ThreadPoolExecutor

    def start(_: int) -> str:
        store = open_store(url, create=True)
        store.close()
        return "ok"

    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(start, range(4))) == ["ok"] * 4
    fill(url, 1)
    assert verify(url).ok
