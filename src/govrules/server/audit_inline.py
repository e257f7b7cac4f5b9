"""Group commit on the event loop itself: the decision log of a single-process server on SQLite.

Every `append` made while the event loop runs one iteration joins one group; at the end of the iteration the group is
prepared, written and committed (`synchronous=FULL`: durable when it returns) on the loop thread, and every waiting
request is released. Nothing crosses to another thread, so there is no GIL hand-over per group: measured with
`benchmarks/api.py` on 2 cores this served ~40% more requests per second than the writer thread of
`audit_writer.GroupCommitLog`, at the price of the loop standing still during a commit (~0.5 ms, plus the fsync) —
which every request in the group waits for anyway. A store that can wait long (PostgreSQL over a network, SQLite
shared by several processes) keeps the writer thread, so a slow database never freezes the loop.

    log = InlineLog(SqliteStore("decisions.db", create=True))
    await asyncio.gather(*(log.append(d) for d in decisions))   # one commit for all of them
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from govrules.server.audit import (
    Decision,
    DecisionLogError,
    OnCommit,
    Prepared,
    Store,
    StoredDecision,
)
from govrules.server.audit_writer import Preparer, write_groups

Waiting = tuple[tuple[Decision, ...], asyncio.Future[None]]


class InlineLog:
    """A `DecisionLog` that commits each loop iteration's decisions together, on the loop."""

    def __init__(self, store: Store, on_commit: OnCommit | None = None) -> None:
        self._store, self._on_commit = store, on_commit
        start_checkpointer = getattr(store, "checkpoint_in_background", None)
        if start_checkpointer is not None:  # SQLite: a checkpoint must not stall the loop
            start_checkpointer()
        self._group: list[Waiting] = []
        self._prepare = Preparer()
        self._closed = False

    async def append(self, decision: Decision) -> None:
        await self.append_many((decision,))

    async def append_many(self, decisions: Sequence[Decision]) -> None:
        if self._closed:
            raise DecisionLogError("the decision log is closed")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        if not self._group:
            loop.call_soon(self._flush)  # after every request this iteration has brought
        self._group.append((tuple(decisions), future))
        await future

    def _flush(self) -> None:
        group, self._group = self._group, []
        try:
            ready: list[tuple[Waiting, tuple[Prepared, ...]]] = []
            for waiting in group:
                try:
                    ready.append((waiting, tuple(map(self._prepare, waiting[0]))))
                except (
                    Exception
                ) as err:  # not loggable (a summary that is not JSON): this request alone fails
                    _settle(waiting[1], DecisionLogError(f"the decision cannot be logged: {err}"))
            if ready:
                outcomes = write_groups(self._store, [items for _, items in ready], self._on_commit)
                for ((_, future), _), outcome in zip(ready, outcomes, strict=True):
                    _settle(future, outcome)
        finally:  # whatever happened, nobody is left waiting
            for _, future in group:
                _settle(future, DecisionLogError("the decision log failed"))

    def get(self, decision_id: str) -> StoredDecision | None:
        return self._store.get(decision_id)

    def check_writable(self) -> bool:
        return not self._closed and self._store.check_writable()

    def close(self) -> None:
        """Refuse new appends and close the store. The group of the current iteration was committed before the
        loop could run this (its flush was scheduled first)."""
        self._closed = True
        for _, future in self._group:
            _settle(future, DecisionLogError("the decision log is closed"))
        self._group = []
        self._store.close()


def _settle(future: asyncio.Future[None], outcome: DecisionLogError | None) -> None:
    if future.done():  # the request went away meanwhile
        return
    if outcome is None:
        future.set_result(None)
    else:
        future.set_exception(type(outcome)(*outcome.args))
