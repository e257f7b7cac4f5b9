"""The pipe protocol between the server and its decision-log writer process: frames, and the reports both ends hold."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

import pytest

from govrules.server.audit import open_log, verify
from govrules.server.audit_writer_main import RecentReports, frame, unframe
from test_audit import decision, exported_ids

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
