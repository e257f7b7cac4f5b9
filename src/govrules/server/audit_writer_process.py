"""The server's end of the pipes to one decision-log writer process (`audit_writer_main`).

`WriterProcess` starts the process, sends it the groups queued in one event-loop iteration as one frame (written
without blocking; what the pipe does not take waits for `add_writer`), reads its answers (`add_reader`) and settles
the waiting futures in order. It is driven from one event loop at a time: the first to append owns it, a new loop
takes it over once the old one has stopped, and appends from another loop still running are handed to the owner.
A writer whose pipe breaks or closes fails every future waiting on it; `finish` (blocking, from any thread) sends
what is queued, closes the writer's input and waits for the answers.
"""

from __future__ import annotations

import asyncio
import collections
import json
import os
import select
import subprocess
import sys
import threading
import time
from contextlib import suppress
from typing import Any

from govrules.server.audit import DecisionLogError, DuplicateDecisionError, OnCommit, Prepared
from govrules.server.audit_writer_main import RecentReports, frame, unframe

MAX_UNSENT = 256 << 20  # bytes waiting for a writer that does not read: beyond this, appends fail at once
_BOOT = (
    "import json, os, sys; boot = json.loads(os.environ.pop('GOVRULES_LOG_WRITER')); sys.path[:] = boot['path']; "
    "from govrules.server.audit_writer_main import main; sys.exit(main(boot['url']))"
)

Outcome = DecisionLogError | None


class WriterProcess:
    """One writer process and the pipes to it, driven from one event loop at a time (its `owner`)."""

    def __init__(self, url: str, on_commit: OnCommit | None) -> None:
        # the same interpreter and import path as this process, so the writer runs this very govrules; the URL
        # (which may hold a password) goes in the environment, which only its user can read, not in argv
        boot = json.dumps({"url": url, "path": sys.path})
        self.process = subprocess.Popen(
            [sys.executable, "-c", _BOOT],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env={**os.environ, "GOVRULES_LOG_WRITER": boot},
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        self._to, self._from = self.process.stdin.fileno(), self.process.stdout.fileno()
        os.set_blocking(self._to, False)
        os.set_blocking(self._from, False)
        self._on_commit = on_commit
        self.owner: asyncio.AbstractEventLoop | None = None
        self.stopped: str | None = None  # why the writer can take no more (it has failed what it held)
        self._sent = RecentReports()  # the reports the writer holds, by size (it keeps the bodies)
        self._queued: list[list[tuple[Any, ...]]] = []  # groups for the next frame
        self._unsent = bytearray()  # frames the pipe has not taken yet
        self._answers = bytearray()
        self._waiting: collections.deque[asyncio.Future[None]] = (
            collections.deque()
        )  # one per group sent, in order

    def abandon(self, why: str) -> None:
        """Stop this writer from any thread: on its loop when that runs elsewhere, here otherwise."""
        owner = self.owner
        if owner is not None and owner.is_running() and not _runs_on(owner):
            with suppress(RuntimeError):
                owner.call_soon_threadsafe(self._stop, why)
                return
        self._stop(why)

    def queue(self, records: list[tuple[Prepared, bytes]], future: asyncio.Future[None]) -> None:
        """Queue one group for the next frame (any thread; the owner loop does the work)."""
        loop = asyncio.get_running_loop()
        owner = self.owner
        if owner is not loop:
            if owner is not None and owner.is_running():  # another loop drives this writer: hand it over
                owner.call_soon_threadsafe(self._queue, records, future)
                return
            self._adopt(loop)
        self._queue(records, future)

    def _queue(self, records: list[tuple[Prepared, bytes]], future: asyncio.Future[None]) -> None:
        if self.stopped is not None or self.owner is None or len(self._unsent) > MAX_UNSENT:
            why = self.stopped or (
                "the decision log is closed" if self.owner is None else "the writer is not keeping up"
            )
            _settle(future, DecisionLogError(why))
            return
        group = []
        for prepared, report in records:
            body = None
            if prepared.report_sha256 not in self._sent:
                self._sent.add(prepared.report_sha256, len(report))
                body = report
            group.append((*prepared, body))
        if not self._queued:
            self.owner.call_soon(self._flush)
        self._queued.append(group)
        self._waiting.append(future)

    def _adopt(self, loop: asyncio.AbstractEventLoop) -> None:
        """Drive the pipes from `loop` (the first loop to append, or a new one after the last has stopped)."""
        if self.owner is not None and not self.owner.is_closed():
            self.owner.remove_reader(self._from)
            self.owner.remove_writer(self._to)
        self.owner = loop
        loop.add_reader(self._from, self._read)
        if self._queued:
            loop.call_soon(self._flush)
        if self._unsent:
            loop.add_writer(self._to, self._send)

    def _flush(self) -> None:
        if self._queued and self.stopped is None and self.owner is not None:
            self._unsent += frame(self._queued)
            self._queued = []
            self._send()

    def _send(self) -> None:
        if self.owner is None:  # detached by `finish`, which sends the rest itself
            return
        try:
            sent = os.write(self._to, self._unsent)
        except BlockingIOError:
            sent = 0
        except OSError as err:
            self._stop(f"the decision log writer stopped taking records ({err.strerror})")
            return
        del self._unsent[:sent]
        if self._unsent:
            self.owner.add_writer(self._to, self._send)
        else:
            self.owner.remove_writer(self._to)

    def _read(self) -> None:
        try:
            chunk = os.read(self._from, 1 << 16)
        except BlockingIOError:
            return
        except OSError:
            chunk = b""
        if not chunk:
            code = self.process.poll()
            self._stop("the decision log writer stopped" + ("" if code is None else f" (exit code {code})"))
            return
        self._answers += chunk
        self._settle_answers()

    def _settle_answers(self) -> None:
        for outcomes, seconds, records in unframe(self._answers):
            for outcome in outcomes:
                _settle(self._waiting.popleft(), None if outcome is None else _error(*outcome))
            if self._on_commit is not None:
                with suppress(Exception):  # a metrics hook never fails a commit that happened
                    self._on_commit(seconds, records)

    def _stop(self, why: str) -> None:
        """The writer is gone or unusable: fail what it holds, let it go."""
        if self.stopped is not None:
            return
        self.stopped = why
        if self.owner is not None and not self.owner.is_closed():
            self.owner.remove_reader(self._from)
            self.owner.remove_writer(self._to)
        with suppress(ProcessLookupError):
            self.process.kill()
        self._close_pipes()
        self._fail_all(why)

    def _fail_all(self, why: str) -> None:
        waiting, self._waiting, self._queued = self._waiting, collections.deque(), []
        for future in waiting:
            _settle(future, DecisionLogError(why))

    def _close_pipes(self) -> None:
        for pipe in (self.process.stdin, self.process.stdout):
            with suppress(OSError):
                pipe.close()  # type: ignore[union-attr]

    def finish(self, seconds: float) -> None:
        """Blocking, from any thread: detach from the owner loop, send what is queued, wait for the answers (at
        most `seconds`, then the writer is killed and what it did not answer fails)."""
        owner = self.owner
        if owner is not None and owner.is_running() and not _runs_on(owner):
            detached = threading.Event()

            def detach() -> None:
                self._detach()
                detached.set()

            with suppress(RuntimeError):
                owner.call_soon_threadsafe(detach)
                detached.wait(timeout=seconds)
        else:
            self._detach()
        deadline = time.monotonic() + seconds
        if self.stopped is None:
            self._finish_writing(deadline)
        try:
            self.process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def _detach(self) -> None:
        if self.owner is not None and not self.owner.is_closed():
            self.owner.remove_reader(self._from)
            self.owner.remove_writer(self._to)
        self.owner = None

    def _finish_writing(self, deadline: float) -> None:
        if self._queued:
            self._unsent += frame(self._queued)
            self._queued = []
        with suppress(OSError):
            while self._unsent and _ready(self._to, deadline, write=True):
                with suppress(BlockingIOError):
                    del self._unsent[: os.write(self._to, self._unsent)]
            if not self._unsent:
                assert self.process.stdin is not None
                self.process.stdin.close()  # the writer commits what it has, answers, and exits
            while self._waiting and _ready(self._from, deadline):
                with suppress(BlockingIOError):
                    chunk = os.read(self._from, 1 << 16)
                    if not chunk:
                        break
                    self._answers += chunk
                    self._settle_answers()
        self._close_pipes()
        self._fail_all("the decision log writer stopped before committing")


def _ready(fd: int, deadline: float, write: bool = False) -> bool:
    """Wait until `fd` can be read (or written) without blocking; False when the deadline passes first."""
    left = deadline - time.monotonic()
    if left <= 0:
        return False
    readable, writable, _ = select.select([] if write else [fd], [fd] if write else [], [], left)
    return bool(readable or writable)


def _runs_on(loop: asyncio.AbstractEventLoop) -> bool:
    with suppress(RuntimeError):
        return asyncio.get_running_loop() is loop
    return False


def _error(kind: str, message: str) -> DecisionLogError:
    return (
        DuplicateDecisionError(message)
        if kind == DuplicateDecisionError.__name__
        else DecisionLogError(message)
    )


def _settle(future: asyncio.Future[None], outcome: Outcome) -> None:
    """Settle `future` from any thread (through its own loop when that is not the one running here)."""
    loop = future.get_loop()
    if _runs_on(loop):
        _resolve(future, outcome)
    elif not loop.is_closed():
        with suppress(RuntimeError):  # closed meanwhile: nobody is waiting any more
            loop.call_soon_threadsafe(_resolve, future, outcome)


def _resolve(future: asyncio.Future[None], outcome: Outcome) -> None:
    if future.done():  # cancelled or timed out meanwhile
        return
    if outcome is None:
        future.set_result(None)
    else:
        future.set_exception(outcome)
