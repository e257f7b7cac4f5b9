"""Group commit: every decision waiting at that moment goes into one transaction, sealed by one commit.

`append` and `append_many` run on the event loop: they queue the decisions with a future and await it, so the loop
never blocks, and cost it about 5 µs. One writer thread takes everything queued (up to `MAX_GROUP` decisions),
prepares the records (`Preparer`: a report or summary object seen lately is not hashed or written again), hands the store a function
that chains them from a head (`Store.write`: the store finds or checks the head under its write lock, so several
processes can share one log), then settles every waiting future with one `call_soon_threadsafe` per event loop.
The thread keeps its calls that release the GIL few, because each one must win the GIL back from a busy event loop
(up to the 5 ms switch interval). A group that fails on a duplicate decision id is retried one request per
transaction, so one bad request never fails the others; an unwritable database fails the group with
`DecisionLogError`, and the next group reconnects by itself. A watchdog on each event loop fails an append that
waited longer than the timeout (one timer per loop, not one per append).

    log = GroupCommitLog(SqliteStore("decisions.db", create=True))
    await asyncio.gather(*(log.append(d) for d in decisions))   # a handful of commits, not one per decision
    log.close()
"""

from __future__ import annotations

import asyncio
import collections
import hashlib
import queue
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import suppress
from typing import NamedTuple

from govrules.server.audit import (
    Decision,
    DecisionLogError,
    DuplicateDecisionError,
    OnCommit,
    Prepared,
    Store,
    StoredDecision,
    canonical_summary,
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
Waiting = collections.deque[tuple[float, asyncio.Future[None]]]


class GroupCommitLog:
    """A `DecisionLog` over one store, with its writer thread."""

    def __init__(
        self, store: Store, on_commit: OnCommit | None = None, timeout: float = APPEND_TIMEOUT
    ) -> None:
        self._store = store
        self._on_commit = on_commit
        self._timeout = timeout
        self._incoming: queue.SimpleQueue[_Pending | None] = queue.SimpleQueue()
        self._closed = False
        self._prepare_one = Preparer()
        self._waiting: dict[asyncio.AbstractEventLoop, Waiting] = {}
        self._thread = threading.Thread(target=self._run, name="govrules-decision-log", daemon=True)
        self._thread.start()

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
        return not self._closed and self._thread.is_alive() and self._store.check_writable()

    def close(self) -> None:
        """Commit what is queued, stop the thread, close the connections."""
        if self._closed:
            return
        self._closed = True
        self._incoming.put(None)
        self._thread.join()
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
        waiting = self._waiting.get(loop)
        if waiting is None:
            waiting = self._waiting[loop] = collections.deque()
        if not waiting:
            loop.call_later(min(self._timeout, 1.0), self._watch, loop, waiting)
        waiting.append((loop.time() + self._timeout, future))
        await future

    def _watch(self, loop: asyncio.AbstractEventLoop, waiting: Waiting) -> None:
        """Fail the appends that waited too long; called on their loop while any are waiting."""
        now = loop.time()
        while waiting and (waiting[0][1].done() or waiting[0][0] <= now):
            _, future = waiting.popleft()
            if not future.done():
                message = f"the decision log did not commit within {self._timeout:g} s"
                future.set_exception(DecisionLogError(message))
        if waiting:
            loop.call_later(min(self._timeout, 1.0), self._watch, loop, waiting)
        else:
            del self._waiting[loop]

    def _run(self) -> None:
        stop = False
        while not stop:
            first = self._incoming.get()
            if first is None:
                return
            group, size = [first], len(first.decisions)
            while size < MAX_GROUP and not self._incoming.empty():
                item = self._incoming.get_nowait()
                if item is None:
                    stop = True
                    break
                group.append(item)
                size += len(item.decisions)
            ready = self._prepare(group)
            if ready:
                _settle([each.pending for each in ready], self._write(ready))

    def _prepare(self, group: list[_Pending]) -> list[_Ready]:
        """The group's records, prepared; a request that cannot be logged (a summary that is not JSON) fails alone."""
        ready = []
        for pending in group:
            try:
                prepared = tuple(map(self._prepare_one, pending.decisions))
            except Exception as err:
                _settle([pending], [DecisionLogError(f"the decision cannot be logged: {err}")])
                continue
            ready.append(_Ready(pending, prepared))
        return ready

    def _write(self, group: list[_Ready]) -> list[Outcome]:
        return write_groups(self._store, [ready.prepared for ready in group], self._on_commit)


def write_groups(
    store: Store, groups: Sequence[tuple[Prepared, ...]], on_commit: OnCommit | None
) -> list[Outcome]:
    """Write every group's records in one durable commit; the outcome of each group. A duplicate decision id sends
    each group on its own, so one bad request never fails the others; a database that cannot be written fails them
    all (`DecisionLogError`); nothing else escapes."""
    prepared = [item for group in groups for item in group]
    reports = {item.report_sha256: item.decision.report for item in prepared}
    started = time.perf_counter()
    try:
        store.write(lambda seq, head: chain(prepared, seq, head), reports)
    except DuplicateDecisionError as err:
        if len(groups) == 1:
            return [err]
        return [write_groups(store, [group], on_commit)[0] for group in groups]
    except DecisionLogError as err:
        return [err] * len(groups)
    except Exception as err:  # the writer must survive anything and settle every request
        return [DecisionLogError(f"the decision log failed: {err!r}")] * len(groups)
    if on_commit is not None:
        with suppress(Exception):  # a metrics hook never fails a commit that happened
            on_commit(time.perf_counter() - started, len(prepared))
    return [None] * len(groups)


class Preparer:
    """`audit.prepare` for one log, remembering the report's sha256 and the summary's canonical text of the last
    few report and summary objects: the API answers a repeated question from one cached evaluation, so the same two
    objects come again and again, and hashing ~45 KB costs ~50 µs, writing the sorted summary ~10 µs. An object is
    known by its identity and kept alive here (so its id is not reused); the API never changes one once made."""

    SIZE = 64

    def __init__(self) -> None:
        self._known: dict[int, tuple[object, str]] = {}

    def __call__(self, decision: Decision) -> Prepared:
        report = self._remember(decision.report, lambda: hashlib.sha256(decision.report).hexdigest())
        summary = self._remember(decision.summary, lambda: canonical_summary(decision.summary))
        return prepare(decision, report, summary)

    def _remember(self, value: object, compute: Callable[[], str]) -> str:
        known = self._known.pop(id(value), None)
        if known is not None and known[0] is value:
            self._known[id(value)] = known  # the most recently used goes last, the least first out
            return known[1]
        result = compute()
        if len(self._known) >= self.SIZE:
            del self._known[next(iter(self._known))]
        self._known[id(value)] = (value, result)
        return result


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
