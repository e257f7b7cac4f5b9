"""The decision log under failure: kill -9 mid-stream, two writer processes, a database gone away, a hung store.

Runs against SQLite and, when GOVRULES_TEST_POSTGRESQL_URL is set, PostgreSQL (fixtures from test_audit).
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import suppress
from pathlib import Path
from typing import Any

import pytest

from govrules.server.audit import (
    DecisionLogError,
    canonical_summary,
    chain,
    open_log,
    prepare,
    verify,
)
from govrules.server.audit_sqlite import CHECKPOINT_INTERVAL, SqliteStore
from govrules.server.audit_writer import Preparer
from test_audit import ROOT, backend_url, decision, exported_ids, fill, postgresql_schema


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from backend_url(request.param, tmp_path)


CHILD = """
import asyncio, json, sys
from govrules.server.audit import Decision, open_log

async def main(url, tag):
    log = open_log(url)
    async def worker(w):
        i = 0
        while True:
            i += 1
            report = json.dumps({"worker": w, "i": i, "padding": "x" * 8000}).encode()
            d = Decision(f"{tag}-{w}-{i}", "2026-11-28T21:30:00.000000Z", "crash-test", "p" * 64, "m" * 64,
                         "2026-11-28", None, {"i": i}, report)
            await log.append(d)
            print(d.decision_id, flush=True)
    await asyncio.gather(*(worker(w) for w in range(16)))

asyncio.run(main(sys.argv[1], sys.argv[2]))
"""


def _start_writer(url: str, tag: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, url, tag],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _printed_until_killed(process: subprocess.Popen[str], at_least: int) -> list[str]:
    assert process.stdout is not None
    printed: list[str] = []
    deadline = time.monotonic() + 60
    while len(printed) < at_least and time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        printed.append(line)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    assert process.stderr is not None
    # through the same reader (communicate() would skip what readline has buffered and start mid-line)
    printed.extend(process.stdout.read().splitlines(keepends=True))
    errors = process.stderr.read()
    process.stdout.close()
    process.stderr.close()
    assert len(printed) >= at_least, errors
    return [line.strip() for line in printed if line.endswith("\n")]


def test_kill_9_loses_no_acknowledged_decision_and_two_writers_keep_one_chain(url: str) -> None:
    open_log(url).close()  # the schema, before two processes race to create it
    writers = [_start_writer(url, tag) for tag in ("one", "two")]
    acknowledged = [decision_id for writer in writers for decision_id in _printed_until_killed(writer, 300)]
    logged = set(exported_ids(url))
    assert [i for i in acknowledged if i not in logged] == []
    result = verify(url)
    assert result.ok and result.records == len(logged) >= 600


def test_a_moved_sqlite_file_fails_closed_then_recovers(tmp_path: Path) -> None:
    path = tmp_path / "decisions.db"
    url = f"sqlite:{path}"

    async def main() -> None:
        log = open_log(url)
        await log.append(decision(1))
        path.rename(tmp_path / "elsewhere.db")
        started = time.monotonic()
        with pytest.raises(DecisionLogError, match="is gone"):
            await log.append(decision(2))
        assert time.monotonic() - started < 2
        assert not log.check_writable()
        (tmp_path / "elsewhere.db").rename(path)
        assert log.check_writable()
        await log.append(decision(3))
        log.close()

    asyncio.run(main())
    assert exported_ids(url) == ["decision-0001", "decision-0003"]
    assert verify(url).ok


def test_a_log_replaced_under_the_writer_gets_the_reports_its_decisions_need(tmp_path: Path) -> None:
    """The writer skips storing a report it stored lately; a file swapped in under it must get the report anyway."""
    path = tmp_path / "decisions.db"
    report = b'{"report": "the same answer each time"}'

    async def main() -> None:
        log = open_log(f"sqlite:{path}")
        for i in (1, 2):
            await log.append(decision(i, report=report))
        _swap_in_an_empty_log(path, tmp_path)
        for i in (3, 4):
            await log.append(decision(i, report=report))
        log.close()

    asyncio.run(main())
    assert exported_ids(f"sqlite:{path}") == ["decision-0003", "decision-0004"]
    assert verify(f"sqlite:{path}").ok


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root writes to read-only files")
def test_a_read_only_sqlite_file_fails_closed(tmp_path: Path) -> None:
    path = tmp_path / "decisions.db"
    fill(f"sqlite:{path}", 1)

    async def main() -> None:
        log = open_log(f"sqlite:{path}")
        path.chmod(0o444)
        try:
            assert not log.check_writable()
            with pytest.raises(DecisionLogError):
                await log.append(decision(2))
        finally:
            path.chmod(0o644)
            log.close()

    asyncio.run(main())


class Proxy:
    """A TCP proxy to PostgreSQL that can be cut and restored: the database going away and coming back."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.sockets: list[socket.socket] = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self._serve()

    def _serve(self) -> None:
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
                server = socket.create_connection(self.target)
            except OSError:
                return
            self.sockets += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        for end in (source, sink):
            with suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)

    def down(self) -> None:
        self.listener.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept (close alone would not)
        self.listener.close()
        for end in self.sockets:
            with suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)

    def up(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", self.port))
        self._serve()


def test_postgresql_going_away_fails_closed_then_recovers() -> None:
    with postgresql_schema() as pg_url:
        parts = urllib.parse.urlsplit(pg_url)
        proxy = Proxy(parts.hostname or "127.0.0.1", parts.port or 5432)
        netloc = parts.netloc.rsplit("@", 1)[0] + f"@127.0.0.1:{proxy.port}"
        url = urllib.parse.urlunsplit(parts._replace(netloc=netloc))

        async def main() -> None:
            log = open_log(url)
            await log.append(decision(1))
            proxy.down()
            started = time.monotonic()
            with pytest.raises(DecisionLogError):
                await log.append(decision(2))
            assert time.monotonic() - started < 6
            assert not log.check_writable()
            proxy.up()
            await _eventually(lambda: log.append(decision(3)))
            assert log.check_writable()
            log.close()

        asyncio.run(main())
        proxy.down()
        assert exported_ids(pg_url) == ["decision-0001", "decision-0003"]
        assert verify(pg_url).ok


async def _eventually(attempt: Callable[[], Any], seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            await attempt()
            return
        except DecisionLogError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.2)


def test_a_report_or_summary_object_seen_lately_is_not_hashed_or_written_again() -> None:
    prepare_one = Preparer()
    first, same_bytes_other_object = b"x" * 5000, bytes(bytearray(b"x" * 5000))
    summary = {"pass": 3, "fail": 1}
    digest = hashlib.sha256(first).hexdigest()
    reports = [first, same_bytes_other_object, first]
    made = [prepare_one(decision(i, report=report, summary=summary)) for i, report in enumerate(reports)]
    assert [p.report_sha256 for p in made] == [digest] * 3
    assert [p.summary for p in made] == [canonical_summary(summary)] * 3
    assert made == [prepare(decision(i, report=report, summary=summary)) for i, report in enumerate(reports)]
    for i in range(Preparer.SIZE * 2):  # older objects leave the table; every answer stays right
        report, other = f"report {i}".encode(), {"pass": i}
        got = prepare_one(decision(i, report=report, summary=other))
        assert got == prepare(decision(i, report=report, summary=other))


@pytest.mark.parametrize("replaced", [False, True], ids=["same file", "file replaced"])
def test_sqlite_checkpoints_in_the_background_while_the_writer_commits(
    tmp_path: Path, replaced: bool
) -> None:
    """The writer never checkpoints itself (a checkpoint of megabytes would hold up every waiting request), so the
    file grows only through the background checkpointer, which follows a file swapped in under it; without it,
    ~500 KB would stay in the WAL."""
    db = tmp_path / "d.db"

    async def main() -> int:
        log = open_log(f"sqlite:{db}")
        await log.append(decision(0))
        if replaced:
            await asyncio.sleep(CHECKPOINT_INTERVAL * 1.5)  # the checkpointer has the old file open by now
            _swap_in_an_empty_log(db, tmp_path)
        reports = [os.urandom(5000).hex().encode() for _ in range(50)]  # ~10 KB each, all different
        await asyncio.gather(*(log.append(decision(i, report=r)) for i, r in enumerate(reports, 1)))
        deadline = time.monotonic() + 5
        while db.stat().st_size < 400_000 and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        size = db.stat().st_size
        log.close()
        return size

    assert asyncio.run(main()) >= 400_000
    assert verify(f"sqlite:{db}").ok


def test_the_writer_connection_never_checkpoints_itself(tmp_path: Path) -> None:
    db = tmp_path / "d.db"
    store = SqliteStore(str(db), create=True)
    settings = []
    for reconnect in (False, True):
        if reconnect:
            _swap_in_an_empty_log(db, tmp_path)
        made = prepare(decision(len(settings)))
        store.write(lambda seq, head, made=made: chain([made], seq, head), {made.report_sha256: b"{}"})
        assert store._writer is not None
        settings.append(store._writer.execute("PRAGMA wal_autocheckpoint").fetchone()[0])
    store.close()
    assert settings == [0, 0]


def _swap_in_an_empty_log(db: Path, tmp_path: Path) -> None:
    """Move the log at `db` away whole (with its WAL) and put a new, empty one in its place."""
    fresh = tmp_path / "fresh.db"
    open_log(f"sqlite:{fresh}").close()
    for suffix in ("", "-wal", "-shm"):
        with suppress(FileNotFoundError):
            Path(f"{db}{suffix}").rename(f"{tmp_path / 'old.db'}{suffix}")
    fresh.rename(db)
