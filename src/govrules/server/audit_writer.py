"""Group commit through a writer process: every decision waiting at that moment goes into one transaction.

`append` and `append_many` run on the event loop and cost it a few µs: they prepare the records (`Preparer`: a
report or summary object seen lately is not hashed or written again), queue them with a future and await it. Once
per loop iteration everything queued goes to the log's writer process (`audit_writer_main`) as one frame on its input
pipe, written without blocking. The writer commits all it has received in one transaction and answers with one
outcome per request; the loop watches that pipe (`add_reader`) and settles the futures in order. The writer is a
process so that neither side waits for the other's GIL: as a thread it had to win the GIL back from a busy loop
twice per commit (up to the 5 ms switch interval each time), which held up every request waiting on the commit.

Failure: an unwritable database fails the requests of that commit with `DecisionLogError` (the API answers 503) and
the writer tries again with the next; a duplicate decision id fails only its own request. A writer process that dies
fails every request waiting on it, and the next append (or readiness check) starts a new one, at most one start a
second. A watchdog on
each event loop fails an append that waited longer than the timeout. `close` sends what is queued, lets the writer
commit it and waits for the answers.

    log = GroupCommitLog("sqlite:decisions.db")
    await asyncio.gather(*(log.append(d) for d in decisions))   # a handful of commits, not one per decision
    log.close()
"""

from __future__ import annotations

import asyncio
import collections
import hashlib
import threading
import time
from collections.abc import Callable, Sequence

from govrules.server.audit import (
    Decision,
    DecisionLogError,
    OnCommit,
    Prepared,
    StoredDecision,
    canonical_summary,
    open_store,
    prepare,
)
from govrules.server.audit_writer_process import WriterProcess

APPEND_TIMEOUT = 30.0  # seconds an append waits for its commit before the API answers 503
RESTART_DELAY = 1.0  # seconds between starts of a writer process that keeps stopping

Deadlines = collections.deque[tuple[float, asyncio.Future[None]]]  # appends waiting on one loop, oldest first


class GroupCommitLog:
    """A `DecisionLog` at one URL, with its writer process."""

    def __init__(self, url: str, on_commit: OnCommit | None = None, timeout: float = APPEND_TIMEOUT) -> None:
        self._url = url
        self._store = open_store(url, create=True)  # a bad URL or database fails here; makes the schema
        self._store.drop_writer()  # this end only reads (`get`, `check_writable`): the writer process writes
        self._on_commit = on_commit
        self._timeout = timeout
        self._prepare_one = Preparer()
        self._closed = False
        self._lock = threading.Lock()  # guards `_writer` between the event loop, `check_writable` and `close`
        self._writer: WriterProcess | None = None
        self._started = float("-inf")  # when the last writer was started
        self._deadlines: dict[asyncio.AbstractEventLoop, Deadlines] = {}
        try:
            with self._lock:
                self._live_writer()
        except DecisionLogError:
            self._store.close()
            raise

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
        """Whether the log can take an append now: its writer runs (started again if it had stopped) and the
        database takes a write lock."""
        try:
            with self._lock:
                self._live_writer(look=True)
        except DecisionLogError:
            return False
        return self._store.check_writable()

    @property
    def writer_pid(self) -> int | None:
        """The writer process's id (None while there is none)."""
        writer = self._writer
        return None if writer is None else writer.process.pid

    def close(self) -> None:
        """Send what is queued, let the writer commit it, wait for its answers, stop it, close the store."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            writer, self._writer = self._writer, None
        if writer is not None:
            writer.finish(self._timeout)
        self._store.close()

    async def _submit(self, decisions: tuple[Decision, ...]) -> None:
        loop = asyncio.get_running_loop()
        try:
            records = [(self._prepare_one(d), d.report) for d in decisions]
        except Exception as err:
            raise DecisionLogError(f"the decision cannot be logged: {err}") from None
        future: asyncio.Future[None] = loop.create_future()
        with self._lock:  # `close` and `check_writable` (in other threads) change the writer
            self._live_writer().queue(records, future)
        deadlines = self._deadlines.get(loop)
        if deadlines is None:
            deadlines = self._deadlines[loop] = collections.deque()
        if not deadlines:
            loop.call_later(min(self._timeout, 1.0), self._watch, loop, deadlines)
        deadlines.append((loop.time() + self._timeout, future))
        await future

    def _live_writer(self, look: bool = False) -> WriterProcess:
        """With the lock held: the writer, or a new one when it has stopped (at most one start per
        `RESTART_DELAY`); with `look`, its process is checked too (an append relies on the event loop noticing
        that the writer's pipe closed)."""
        if self._closed:
            raise DecisionLogError("the decision log is closed")
        writer = self._writer
        if writer is not None and writer.stopped is None and not (look and writer.process.poll() is not None):
            return writer
        if writer is not None:
            writer.abandon(writer.stopped or "the decision log writer stopped")
            self._writer = None
        if time.monotonic() < self._started + RESTART_DELAY:
            raise DecisionLogError("the decision log writer stopped; a new one starts within a second")
        self._started = time.monotonic()
        try:
            self._writer = WriterProcess(self._url, self._on_commit)
        except OSError as err:
            raise DecisionLogError(f"cannot start the decision log writer: {err}") from None
        return self._writer

    def _watch(self, loop: asyncio.AbstractEventLoop, deadlines: Deadlines) -> None:
        """Fail the appends that waited too long; called on their loop while any are waiting."""
        now = loop.time()
        while deadlines and (deadlines[0][1].done() or deadlines[0][0] <= now):
            _, future = deadlines.popleft()
            if not future.done():
                message = f"the decision log did not commit within {self._timeout:g} s"
                future.set_exception(DecisionLogError(message))
        if deadlines:
            loop.call_later(min(self._timeout, 1.0), self._watch, loop, deadlines)
        else:
            del self._deadlines[loop]


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
