"""The decision log's writer process: the pipe protocol (frames, the reports both ends hold) and its life: hung,
killed, signalled, started again, isolated from the working directory, answering nonsense."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from govrules.server import audit_writer
from govrules.server.audit import DecisionLogError, open_log, verify
from govrules.server.audit_writer import GroupCommitLog
from govrules.server.audit_writer_main import RecentReports, frame, unframe
from test_audit import backend_url, decision, exported_ids


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from backend_url(request.param, tmp_path)


VALUES = [
    [],
    [[("id", "2026-11-28", None), "{}", "ab" * 32, "middle", b"body"]],
    [[("x" * 70_000,)], [(None, b"\x00" * 5)]],
    {"nested": [1, 2.5, None, "é"]},
]


@pytest.mark.parametrize("seed", range(5))
def test_frames_come_out_whole_however_the_pipe_cuts_them(seed: int) -> None:
    stream = b"".join(frame(value) for value in VALUES)
    cuts = random.Random(seed)
    buffer, got, at = bytearray(), [], 0
    while at < len(stream):
        step = cuts.choice([1, 3, 4, 5, 100, 70_000])
        buffer += stream[at : at + step]
        at += step
        got.extend(unframe(buffer))
    assert got == VALUES and not buffer


def test_both_ends_forget_the_same_reports() -> None:
    """The server keeps sizes, the writer bodies; fed the same hashes in the same order they hold the same ones."""
    sizes, bodies = RecentReports(), RecentReports()
    rng = random.Random(7)
    for i in range(5_000):
        sha = f"{rng.randrange(600):064x}"
        size = rng.choice([10, 1_000, 400_000, 3_000_000])
        if sha not in sizes:  # the server sends the body only then, and the writer stores what it is sent
            sizes.add(sha, size)
            bodies.add(sha, b"x" * size)
        assert sha in bodies, i
        held = [f"{n:064x}" for n in range(600)]
        assert [h in sizes for h in held] == [h in bodies for h in held]


def test_a_report_sent_long_ago_is_sent_again(tmp_path: Path) -> None:
    """More distinct reports than the writer holds, then the first again: the server sends it again (else the
    writer could not store it), and the report it still holds it does not."""
    url = f"sqlite:{tmp_path / 'd.db'}"
    count = RecentReports.COUNT + 20
    reports = [f"report {i}".encode() for i in range(count)]

    async def main() -> None:
        log = open_log(url)
        try:
            for i, report in enumerate(reports):
                await log.append(decision(i, report=report))
            await log.append(decision(count, report=reports[0]))
            await log.append(decision(count + 1, report=reports[-1]))
        finally:
            log.close()

    asyncio.run(main())
    assert len(exported_ids(url)) == count + 2
    assert verify(url).ok


def test_an_append_that_hangs_fails_closed_after_the_timeout(tmp_path: Path) -> None:
    """A writer that stops answering (here: stopped by SIGSTOP) fails the appends waiting on it after the timeout;
    the commit it answers late is settled quietly, and the log goes on."""
    url = f"sqlite:{tmp_path / 'd.db'}"
    log = GroupCommitLog(url, timeout=0.2)

    async def main() -> float:
        await log.append(decision(0))
        assert log.writer_pid is not None
        os.kill(log.writer_pid, signal.SIGSTOP)
        started = time.monotonic()
        try:
            with pytest.raises(DecisionLogError, match=r"did not commit within 0\.2 s"):
                await asyncio.gather(log.append(decision(1)), log.append(decision(2)))
        finally:
            os.kill(log.writer_pid, signal.SIGCONT)
        waited = time.monotonic() - started
        await log.append(decision(3))
        return waited

    assert 0.2 <= asyncio.run(main()) < 1.0
    log.close()
    assert verify(url).ok
    assert sorted(exported_ids(url)) == [f"decision-000{i}" for i in range(4)]


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_the_writer_ignores_stop_signals_and_stops_when_the_log_closes(tmp_path: Path, stop: int) -> None:
    """`systemctl stop` and Ctrl-C signal every process of the server: the writer keeps committing while the server
    drains its requests, and stops when the log is closed."""
    url = f"sqlite:{tmp_path / 'd.db'}"
    log = GroupCommitLog(url)

    async def main() -> None:
        await log.append(decision(0))
        assert log.writer_pid is not None
        os.kill(log.writer_pid, stop)
        await asyncio.sleep(0.1)
        await asyncio.gather(*(log.append(decision(i)) for i in range(1, 20)))

    asyncio.run(main())
    pid = log.writer_pid
    log.close()
    assert pid is not None and not _running(pid)
    assert len(exported_ids(url)) == 20 and verify(url).ok


def test_a_writer_killed_fails_what_it_held_and_a_new_one_takes_over(tmp_path: Path) -> None:
    url = f"sqlite:{tmp_path / 'd.db'}"
    log = GroupCommitLog(url)

    async def main() -> list[str]:
        await log.append(decision(0))
        first = log.writer_pid
        assert first is not None
        with pytest.raises(DecisionLogError, match="writer stopped"):
            pending = asyncio.gather(*(log.append(decision(i)) for i in range(1, 10)))
            await asyncio.sleep(0)  # queued, maybe sent
            os.kill(first, signal.SIGKILL)
            await asyncio.wait_for(pending, timeout=10)
        outcomes = []
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # 503 until a new writer starts (at most one start a second)
            try:
                await log.append(decision(100 + len(outcomes)))
            except DecisionLogError as err:
                outcomes.append(str(err))
                await asyncio.sleep(0.2)
            else:
                break
        assert log.writer_pid not in (None, first) and log.check_writable()
        return outcomes

    refused = asyncio.run(main())
    log.close()
    assert all("writer stopped" in message for message in refused)
    assert verify(url).ok
    ids = exported_ids(url)
    assert "decision-0000" in ids and f"decision-{100 + len(refused):04d}" in ids


def test_readiness_starts_a_new_writer_when_the_old_one_died_idle(tmp_path: Path) -> None:
    """With no traffic, nothing else would notice: `/readyz` (check_writable) starts the new writer itself."""
    url = f"sqlite:{tmp_path / 'd.db'}"
    log = GroupCommitLog(url)
    first = log.writer_pid
    assert first is not None and log.check_writable()
    os.kill(first, signal.SIGKILL)
    os.waitid(os.P_PID, first, os.WEXITED | os.WNOWAIT)  # dead (not reaped: the log still holds it)
    deadline = time.monotonic() + 10
    while not log.check_writable() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert log.writer_pid not in (None, first) and log.check_writable()

    async def main() -> None:
        await log.append(decision(1))

    asyncio.run(main())
    log.close()
    assert exported_ids(url) == ["decision-0001"] and verify(url).ok


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.parametrize("delay", [0.0, 0.01, 0.05])
def test_a_stop_signal_while_the_writer_starts_does_not_kill_it(tmp_path: Path, delay: float) -> None:
    """The server blocks the stop signals from before the start until the writer ignores them (its imports take
    ~100 ms): a `systemctl stop` at that moment must not take the writer down before the server drains into it."""
    url = f"sqlite:{tmp_path / 'd.db'}"
    log = GroupCommitLog(url)
    time.sleep(delay)
    assert log.writer_pid is not None
    os.kill(log.writer_pid, signal.SIGTERM)

    async def main() -> None:
        await log.append(decision(1))

    asyncio.run(main())
    log.close()
    assert exported_ids(url) == ["decision-0001"]


def test_the_writer_does_not_import_from_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    marker = tmp_path / "ran"
    (tmp_path / "json.py").write_text(
        f"open({str(marker)!r}, 'w').close()\nfrom importlib import import_module\n"
    )
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:{tmp_path / 'd.db'}"

    async def main() -> None:
        log = open_log(url)
        try:
            await log.append(decision(1))
        finally:
            log.close()

    asyncio.run(main())
    assert not marker.exists()
    assert exported_ids(url) == ["decision-0001"]


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="finds the writer's answer pipe through /proc")
def test_an_answer_that_cannot_be_read_fails_what_is_waiting_and_a_new_writer_takes_over(
    tmp_path: Path,
) -> None:
    """Nonsense on the answer pipe: answers and requests can no longer be matched, so everything waiting fails
    (503) rather than hang or get another request's answer, and the log recovers with a new writer."""
    url = f"sqlite:{tmp_path / 'd.db'}"
    log = GroupCommitLog(url)

    async def main() -> list[str]:
        await log.append(decision(0))
        pid = log.writer_pid
        answers = os.readlink(f"/proc/self/fd/{log._writer._from}")  # type: ignore[union-attr]
        fd = next(f for f in os.listdir(f"/proc/{pid}/fd") if os.readlink(f"/proc/{pid}/fd/{f}") == answers)
        os.kill(pid, signal.SIGSTOP)  # nothing real is answered before the nonsense
        waiting = asyncio.ensure_future(log.append(decision(1)))
        await asyncio.sleep(0.05)
        out = os.open(f"/proc/{pid}/fd/{fd}", os.O_WRONLY)
        os.write(out, b"\x05\x00\x00\x00junk!")
        os.close(out)
        with pytest.raises(DecisionLogError, match="cannot be read"):
            await asyncio.wait_for(waiting, timeout=10)
        refused = []
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                await log.append(decision(2))
                break
            except DecisionLogError as err:
                refused.append(str(err))
                await asyncio.sleep(0.2)
        assert log.writer_pid != pid
        return refused

    refused = asyncio.run(main())
    log.close()
    assert all("writer" in message for message in refused)
    assert "decision-0002" in exported_ids(url) and verify(url).ok


def test_a_writer_that_cannot_be_started_is_a_decision_log_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Out of file descriptors or processes: a 503 for the request (not a 500), and no new start on every append."""
    log = GroupCommitLog(f"sqlite:{tmp_path / 'd.db'}")
    starts = []

    def cannot_start(*args: object) -> None:
        starts.append(args)
        raise OSError(24, "Too many open files")

    async def main() -> list[str]:
        await log.append(decision(0))
        assert log.writer_pid is not None
        os.kill(log.writer_pid, signal.SIGKILL)
        monkeypatch.setattr(audit_writer, "WriterProcess", cannot_start)
        messages = []
        deadline = time.monotonic() + 1.5
        while time.monotonic() < deadline:
            with pytest.raises(DecisionLogError) as refused:
                await log.append(decision(1 + len(messages)))
            messages.append(str(refused.value))
            await asyncio.sleep(0.05)
        return messages

    messages = asyncio.run(main())
    log.close()
    assert any("cannot start the decision log writer: [Errno 24] Too many open files" in m for m in messages)
    assert 1 <= len(starts) <= 2  # at most one start a second, however many appends came


def test_the_commit_metrics_count_only_what_was_committed(tmp_path: Path) -> None:
    url = f"sqlite:{tmp_path / 'd.db'}"
    commits: list[int] = []

    async def main() -> None:
        log = open_log(url, on_commit=lambda seconds, records: commits.append(records))
        try:
            await log.append(decision(0))
            await asyncio.gather(
                *(log.append(decision(0, caller=f"again {i}")) for i in range(3)),  # refused: a duplicate id
                log.append_many([decision(1), decision(2)]),
                return_exceptions=True,
            )
        finally:
            log.close()

    asyncio.run(main())
    assert sum(commits) == len(exported_ids(url)) == 3


def test_the_server_end_holds_no_writing_connection(url: str) -> None:
    """The writer process writes; the server's own store only reads (a PostgreSQL connection slot each, else)."""
    log = GroupCommitLog(url)
    try:
        assert log._store._writer is None  # type: ignore[attr-defined]

        async def main() -> None:
            await log.append(decision(1))

        asyncio.run(main())
        assert log.get("decision-0001") is not None and log.check_writable()
        assert log._store._writer is None  # type: ignore[attr-defined]
    finally:
        log.close()
