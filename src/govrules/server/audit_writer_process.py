"""The server's end of the pipes to one decision-log writer process (`audit_writer_main`).

`WriterProcess` starts the process, sends it the groups queued in one event-loop iteration as one frame (written
without blocking; what the pipe does not take waits for `add_writer`), reads its answers (`add_reader`) and settles
the waiting futures in order. It is driven from one event loop at a time: the first to append owns it, a new loop
takes it over once the old one has stopped, and appends from another loop still running are handed to the owner;
every callback carries the loop it was registered on and does nothing on any other. A writer whose pipe breaks or
closes, or whose answer cannot be read, is stopped and fails every future waiting on it. `finish` (blocking, from
any thread) sends what is queued and reads the answers at the same time, then closes the writer's input.
"""

from __future__ import annotations

import asyncio
import collections
import json
import os
import selectors
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

from govrules.server.audit import DecisionLogError, DuplicateDecisionError, OnCommit, Prepared
from govrules.server.audit_writer_main import STOP_SIGNALS, RecentReports, frame, unframe

MAX_UNSENT = 256 << 20  # bytes waiting for a writer that does not read: beyond this, appends fail at once
# `-I`: the working directory is not on the path, nor PYTHON* variables read; then the server's own import path, so
# the writer runs this very govrules. The URL (it may hold a password) goes in the environment, which only the
# server's user can read, not in the argv everyone sees.
_BOOT = (
    "import json, os, sys; boot = json.loads(os.environ.pop('GOVRULES_LOG_WRITER')); sys.path[:] = boot['path']; "
    "from govrules.server.audit_writer_main import main; sys.exit(main(boot['url'], boot['answers']))"
)

Outcome = DecisionLogError | None
Loop = asyncio.AbstractEventLoop


class WriterProcess:
    """One writer process and the pipes to it, driven from one event loop at a time (its `owner`)."""

    def __init__(self, url: str, on_commit: OnCommit | None) -> None:
        """Start the writer (OSError when it cannot be started)."""
        answers, answer_end = os.pipe()
        try:
            # blocked until the writer ignores them: a `systemctl stop` at this moment must not kill it
            with _stop_signals_blocked():
                self.process = subprocess.Popen(
                    [sys.executable, "-I", "-c", _BOOT],
                    stdin=subprocess.PIPE,
                    pass_fds=(answer_end,),
                    start_new_session=True,  # Ctrl-C in a terminal signals the server, which drains into the writer
                    env={
                        **os.environ,
                        "GOVRULES_LOG_WRITER": json.dumps(
                            {"url": url, "path": sys.path, "answers": answer_end}
                        ),
                    },
                )
        except BaseException:
            os.close(answers)
            raise
        finally:
            os.close(answer_end)
        assert self.process.stdin is not None
        self._input = self.process.stdin
        self._to, self._from = self._input.fileno(), answers
        os.set_blocking(self._to, False)
        os.set_blocking(self._from, False)
        self._on_commit = on_commit
        self.owner: Loop | None = None
        self.stopped: str | None = None  # why the writer takes no more (what it held has been failed)
        self._sent = RecentReports()  # the reports the writer holds, by size (it keeps the bodies)
        self._queued: list[list[tuple[Any, ...]]] = []  # groups for the next frame
        self._unsent = bytearray()  # frames the pipe has not taken yet
        self._answers = bytearray()
        self._waiting: collections.deque[asyncio.Future[None]] = (
            collections.deque()
        )  # one per group, in order

    def queue(self, records: list[tuple[Prepared, bytes]], future: asyncio.Future[None]) -> None:
        """Queue one group for the next frame, from a running event loop (the log holds its lock)."""
        if self.stopped is not None:
            _settle(future, DecisionLogError(self.stopped))
            return
        loop = asyncio.get_running_loop()
        owner = self.owner
        if owner is not loop:
            if owner is not None and owner.is_running():  # another loop drives this writer: hand it over
                owner.call_soon_threadsafe(self._queue, owner, records, future)
                return
            self._adopt(loop)
        self._queue(loop, records, future)

    def abandon(self, why: str) -> None:
        """Stop this writer from any thread: on its loop when that runs elsewhere, here otherwise."""
        owner = self.owner
        if owner is not None and owner.is_running() and not _runs_on(owner):
            with suppress(RuntimeError):
                owner.call_soon_threadsafe(self._stop, why)
                return
        self._stop(why)

    def _queue(self, loop: Loop, records: list[tuple[Prepared, bytes]], future: asyncio.Future[None]) -> None:
        if self.stopped is not None or loop is not self.owner or len(self._unsent) > MAX_UNSENT:
            why = self.stopped or (
                "the decision log is closed" if self.owner is None else "the writer lags behind"
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
            loop.call_soon(self._flush, loop)
        self._queued.append(group)
        self._waiting.append(future)

    def _adopt(self, loop: Loop) -> None:
        """Drive the pipes from `loop` (the first loop to append, or a new one after the last has stopped)."""
        self._detach()
        self.owner = loop
        loop.add_reader(self._from, self._read, loop)
        if self._queued:
            loop.call_soon(self._flush, loop)
        if self._unsent:
            loop.add_writer(self._to, self._send, loop)

    def _detach(self) -> None:
        if self.owner is not None and not self.owner.is_closed():
            self.owner.remove_reader(self._from)
            self.owner.remove_writer(self._to)
        self.owner = None

    def _flush(self, loop: Loop) -> None:
        if self._queued and self.stopped is None and loop is self.owner:
            self._unsent += frame(self._queued)
            self._queued = []
            self._send(loop)

    def _send(self, loop: Loop) -> None:
        if loop is not self.owner or self.stopped is not None:
            return
        try:
            del self._unsent[: os.write(self._to, self._unsent)]
        except BlockingIOError:
            pass
        except OSError as err:
            self._stop(f"the decision log writer stopped taking records ({err.strerror})")
            return
        if self._unsent:
            loop.add_writer(self._to, self._send, loop)
        else:
            loop.remove_writer(self._to)

    def _read(self, loop: Loop) -> None:
        if loop is not self.owner or self.stopped is not None:
            return
        chunk = self._receive()
        why = None if chunk is None else self._take(chunk)
        if why is not None:
            self._stop(why)

    def _receive(self) -> bytes | None:
        """What the answer pipe holds now: None when nothing yet, b"" when it has closed."""
        try:
            return os.read(self._from, 1 << 16)
        except BlockingIOError:
            return None
        except OSError:
            return b""

    def _take(self, chunk: bytes) -> str | None:
        """Settle the futures `chunk` completes the answers of; why the writer must stop, if it must."""
        if not chunk:
            code = self.process.poll()
            return "the decision log writer stopped" + ("" if code is None else f" (exit code {code})")
        self._answers += chunk
        try:
            self._settle_answers()
        except Exception as err:  # futures and answers can no longer be matched: fail them all
            return f"the decision log writer gave an answer that cannot be read ({err!r})"
        return None

    def _settle_answers(self) -> None:
        for outcomes, seconds, committed in unframe(self._answers):
            for outcome in outcomes:
                _settle(self._waiting.popleft(), None if outcome is None else _error(*outcome))
            if committed and self._on_commit is not None:
                with suppress(Exception):  # a metrics hook never fails a commit that happened
                    self._on_commit(seconds, committed)

    def _stop(self, why: str) -> None:
        """The writer is gone or unusable: fail what it holds and let it go (reaped by `subprocess` later)."""
        if self.stopped is not None:
            return
        self.stopped = why
        self._detach()
        with suppress(OSError):
            self.process.kill()
        self._close_pipes()
        self._fail_all(why)

    def _fail_all(self, why: str) -> None:
        waiting, self._waiting, self._queued = self._waiting, collections.deque(), []
        for future in waiting:
            _settle(future, DecisionLogError(why))

    def _close_pipes(self) -> None:
        with suppress(OSError):
            self._input.close()
        if self._from >= 0:
            with suppress(OSError):
                os.close(self._from)
            self._from = -1

    def finish(self, seconds: float) -> None:
        """Blocking, from any thread: detach from the owner loop, send what is queued, wait for the answers (at
        most `seconds`, then the writer is killed and what it did not answer fails)."""
        owner = self.owner
        if owner is not None and owner.is_running() and not _runs_on(owner):
            detached = threading.Event()

            def detach() -> None:
                self._detach()
                detached.set()

            try:
                owner.call_soon_threadsafe(detach)
            except RuntimeError:  # the loop closed meanwhile
                self._detach()
            else:
                if not detached.wait(timeout=seconds):  # the loop is stuck: never touch the pipes beside it
                    self.process.kill()
                    self.process.wait()
                    return
        else:
            self._detach()
        deadline = time.monotonic() + seconds
        if self.stopped is None:
            self._finish_writing(deadline)
            self.stopped = "the decision log is closed"
        try:
            self.process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def _finish_writing(self, deadline: float) -> None:
        """Send the rest and read the answers at once (a writer blocked on answering takes nothing more)."""
        if self._queued:
            self._unsent += frame(self._queued)
            self._queued = []
        with selectors.DefaultSelector() as selector:
            selector.register(self._from, selectors.EVENT_READ)
            if self._unsent:
                selector.register(self._to, selectors.EVENT_WRITE)
            else:
                self._input.close()  # the writer commits what it has, answers, and exits
            open_ = True
            while open_ and (self._unsent or self._waiting) and (left := deadline - time.monotonic()) > 0:
                for key, _ in selector.select(left):
                    if key.fd == self._to:
                        try:
                            del self._unsent[: os.write(self._to, self._unsent)]
                        except BlockingIOError:
                            continue
                        except OSError:
                            self._unsent.clear()  # the writer is gone: the end of its answers says so
                        if not self._unsent:
                            selector.unregister(self._to)
                            self._input.close()
                    elif (chunk := self._receive()) is not None:
                        open_ = self._take(chunk) is None
        self._close_pipes()
        self._fail_all("the decision log writer stopped before committing")


@contextmanager
def _stop_signals_blocked() -> Iterator[None]:
    """Block SIGINT/SIGTERM/SIGHUP in this thread; a child started meanwhile inherits the mask."""
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _runs_on(loop: Loop) -> bool:
    with suppress(RuntimeError):
        return asyncio.get_running_loop() is loop
    return False


def _error(kind: str, message: str) -> DecisionLogError:
    duplicate = kind == DuplicateDecisionError.__name__
    return DuplicateDecisionError(message) if duplicate else DecisionLogError(message)


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
