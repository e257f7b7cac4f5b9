"""The decision log committing on the event loop (`audit_inline.InlineLog`, a single-process server on SQLite):
the same contract as the writer thread — durable before `append` returns, one commit per loop iteration's group,
one bad request failing alone, a shared chain with other writers, closed means refused."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from govrules.server.audit import DecisionLogError, open_log, verify
from govrules.server.audit_inline import InlineLog
from test_audit import decision, exported_ids


def test_one_iterations_appends_share_one_commit_and_verify(tmp_path: Path) -> None:
    url, commits = f"sqlite:{tmp_path / 'd.db'}", []

    async def main() -> None:
        log = open_log(url, on_commit=lambda seconds, records: commits.append(records), inline=True)
        assert isinstance(log, InlineLog)
        await asyncio.gather(*(log.append(decision(i)) for i in range(1, 65)))
        await log.append_many([decision(i) for i in range(65, 68)])
        got = log.get("decision-0003")
        assert got is not None and got.caller == "caller-0003" and log.check_writable()
        log.close()

    asyncio.run(main())
    assert commits == [64, 3]
    assert (verify(url).ok, verify(url).records) == (True, 67)


def test_a_bad_request_fails_alone(tmp_path: Path) -> None:
    url = f"sqlite:{tmp_path / 'd.db'}"

    async def main() -> list[Any]:
        log = open_log(url, inline=True)
        await log.append(decision(1))
        outcomes = await asyncio.gather(
            log.append(decision(1, caller="again")),
            log.append(decision(2)),
            log.append_many([decision(3), decision(1)]),
            log.append(decision(4, summary={"not json": object()})),
            log.append(decision(5)),
            return_exceptions=True,
        )
        log.close()
        return outcomes

    outcomes = asyncio.run(main())
    assert [type(o).__name__ for o in outcomes] == [
        "DuplicateDecisionError", "NoneType", "DuplicateDecisionError", "DecisionLogError", "NoneType",
    ]  # fmt: skip
    assert sorted(exported_ids(url)) == ["decision-0001", "decision-0002", "decision-0005"]
    assert verify(url).ok


def test_an_inline_log_and_a_writer_thread_keep_one_chain(tmp_path: Path) -> None:
    url = f"sqlite:{tmp_path / 'd.db'}"

    async def main() -> None:
        inline, thread = open_log(url, inline=True), open_log(url)
        for i in range(1, 13):  # each finds the head moved by the other since its own last commit
            await (inline if i % 3 else thread).append(decision(i))
        inline.close()
        thread.close()

    asyncio.run(main())
    assert exported_ids(url) == [f"decision-{i:04d}" for i in range(1, 13)]
    assert verify(url).ok


def test_a_closed_log_refuses_and_a_lost_file_fails_closed(tmp_path: Path) -> None:
    db = tmp_path / "d.db"

    async def main() -> None:
        log = open_log(f"sqlite:{db}", inline=True)
        await log.append(decision(1))
        db.rename(tmp_path / "moved.db")
        try:
            await log.append(decision(2))
        except DecisionLogError:
            pass
        else:
            raise AssertionError("a log whose file is gone must fail closed")
        (tmp_path / "moved.db").rename(db)
        await log.append(decision(3))  # back by itself
        log.close()
        try:
            await log.append(decision(4))
        except DecisionLogError:
            return
        raise AssertionError("a closed log must refuse")

    asyncio.run(main())
    assert exported_ids(f"sqlite:{db}") == ["decision-0001", "decision-0003"]
