"""Group commit: every decision waiting at that moment goes into one transaction, sealed by one commit.

`append` and `append_many` run on the event loop: they queue the decisions with a future and await it, so the loop
never blocks. Two threads do the rest, as a pipeline. The preparer hashes each report and serialises what does not
depend on the chain (`audit.prepare`) while the committer is waiting on the disk; the committer takes everything
prepared (up to `MAX_GROUP` decisions), opens the store's write transaction (which reads the chain head under the
log's write lock, so several processes can share one log), chains the rows, commits once, then settles every
waiting future with one `call_soon_threadsafe` per event loop. A group that fails on a duplicate decision id is
retried one request per transaction, so one bad request never fails the others; an unwritable database fails the
group with `DecisionLogError`, and the next group reconnects by itself.

    log = GroupCommitLog(SqliteStore("decisions.db", create=True))
    await asyncio.gather(*(log.append(d) for d in decisions))   # a handful of commits, not one per decision
    log.close()
"""

from __future__ import annotations

import asyncio
import queue
import threading
import time
from collections.abc import Sequence
from contextlib import suppress
from typing import NamedTuple

from govrules.server.audit import (
    Decision,
    DecisionLogError,
    DuplicateDecisionError,
    OnCommit,
    Prepared,
    Row,
    Store,
    StoredDecision,
    chain,
    prepare,
)

MAX_GROUP = 1024  # decisions per transaction at most (a batch request may bring more: it is never split)
APPEND_TIMEOUT = 30.0  # seconds an append waits for its commit before the API answers 503


class _Pending(NamedTuple):
    decisions: tuple[Decision, ...]
    future: asyncio.Future[None]
    loop: asyncio.AbstractEventLoop


class _Ready(NamedTuple):
    pending: _Pending
    prepared: tuple[Prepared, ...]


Outcome = DecisionLogError | None


class GroupCommitLog:
    """A `DecisionLog` over one store, with its preparer and committer threads."""

    def __init__(
        self, store: Store, on_commit: OnCommit | None = None, timeout: float = APPEND_TIMEOUT
    ) -> None:
        self._store = store
        self._on_commit = on_commit
        self._timeout = timeout
        self._incoming: queue.SimpleQueue[_Pending | None] = queue.SimpleQueue()
        self._ready: queue.SimpleQueue[_Ready | None] = queue.SimpleQueue()
        self._closed = False
        self.last_commit_seconds = 0.0
        self._threads = (
            threading.Thread(target=self._prepare_loop, name="govrules-decision-log-prepare", daemon=True),
            threading.Thread(target=self._commit_loop, name="govrules-decision-log-commit", daemon=True),
        )
        for thread in self._threads:
            thread.start()

    async def append(self, decision: Decision) -> None:
        """Return once `decision` is durably committed; `DecisionLogError` otherwise."""
        await self._submit((decision,))

    async def append_many(self, decisions: Sequence[Decision]) -> None:
        """Commit all of `decisions` in one transaction, or none of them."""
        if decisions:
            await self._submit(tuple(decisions))

    def get(self, decision_id: str) -> StoredDecision | None:
        return self._store.get(decision_id)

    def check_writable(self) -> bool:
        alive = all(thread.is_alive() for thread in self._threads)
        return not self._closed and alive and self._store.check_writable()

    def close(self) -> None:
        """Commit what is queued, stop the threads, close the connections."""
        if self._closed:
            return
        self._closed = True
        self._incoming.put(None)
        for thread in self._threads:
            thread.join()
        late = []  # queued after the stop by a racing append: refused, not left waiting
        while not self._incoming.empty():
            item = self._incoming.get_nowait()
            if item is not None:
                late.append(item)
        _settle(late, [DecisionLogError("the decision log is closed")] * len(late))
        self._store.close()

    async def _submit(self, decisions: tuple[Decision, ...]) -> None:
        if self._closed:
            raise DecisionLogError("the decision log is closed")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        self._incoming.put(_Pending(decisions, future, loop))
        try:
            async with asyncio.timeout(self._timeout):
                await future
        except TimeoutError:
            raise DecisionLogError(f"the decision log did not commit within {self._timeout:g} s") from None

    def _prepare_loop(self) -> None:
        while (pending := self._incoming.get()) is not None:
            try:
                prepared = tuple(prepare(decision) for decision in pending.decisions)
            except Exception as err:  # not loggable (a summary that is not JSON): this request alone fails
                _settle([pending], [DecisionLogError(f"the decision cannot be logged: {err}")])
                continue
            self._ready.put(_Ready(pending, prepared))
        self._ready.put(None)

    def _commit_loop(self) -> None:
        stop = False
        while not stop:
            first = self._ready.get()
            if first is None:
                return
            group, size = [first], len(first.prepared)
            while size < MAX_GROUP and not self._ready.empty():
                item = self._ready.get_nowait()
                if item is None:
                    stop = True
                    break
                group.append(item)
                size += len(item.prepared)
            _settle([ready.pending for ready in group], self._write(group))

    def _write(self, group: list[_Ready]) -> list[Outcome]:
        try:
            self._commit(group)
        except DuplicateDecisionError as err:
            if len(group) == 1:
                return [err]
            return [self._write(group[i : i + 1])[0] for i in range(len(group))]
        except DecisionLogError as err:
            return [err] * len(group)
        except Exception as err:  # the committer must survive anything and settle every future
            return [DecisionLogError(f"the decision log failed: {err!r}")] * len(group)
        return [None] * len(group)

    def _commit(self, group: list[_Ready]) -> None:
        started = time.perf_counter()
        seq, head = self._store.begin()
        try:
            rows: list[Row] = []
            reports: dict[str, bytes] = {}
            for ready in group:
                rows += chain(ready.prepared, seq, head)
                seq, head = rows[-1][0], rows[-1][11]
                for item in ready.prepared:
                    reports[item.report_sha256] = item.decision.report
            self._store.insert(rows, reports)
            self._store.commit()
        except BaseException:
            self._store.rollback()
            raise
        self.last_commit_seconds = seconds = time.perf_counter() - started
        if self._on_commit is not None:
            with suppress(Exception):  # a metrics hook never fails a commit that happened
                self._on_commit(seconds, len(rows))


def _settle(group: list[_Pending], outcomes: list[Outcome]) -> None:
    by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[None], Outcome]]] = {}
    for pending, outcome in zip(group, outcomes, strict=True):
        by_loop.setdefault(pending.loop, []).append((pending.future, outcome))
    for loop, items in by_loop.items():
        with suppress(RuntimeError):  # a closed loop: nobody is waiting any more
            loop.call_soon_threadsafe(_resolve, items)


def _resolve(items: list[tuple[asyncio.Future[None], Outcome]]) -> None:
    for future, outcome in items:
        if future.done():  # cancelled or timed out meanwhile
            continue
        if outcome is None:
            future.set_result(None)
        else:
            future.set_exception(type(outcome)(*outcome.args))  # one exception object per waiting request
