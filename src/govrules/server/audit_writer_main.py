"""The decision log's writer process: reads prepared records from the server, commits them in groups, answers.

`GroupCommitLog` (in the server) starts one per log (`audit_writer_process`) with the server's interpreter and
import path, isolated from the working directory, and calls `main` with the log's URL and the answer pipe. It is a
process of its own, not a thread, so that its work never waits for the server's GIL and the server's event loop
never waits for its: as a thread, each group commit had to win the GIL back from a busy event loop twice (up to the
5 ms switch interval each time), which held up every request waiting on the commit.

The pipes carry frames: a 4-byte little-endian length, then a pickle (the server is the only one who writes to this
process, over a pipe it created). Server to writer, on standard input: a list of groups, each a list of records
`(fields, summary, report_sha256, middle, body)` (`audit.Prepared` plus the report body, or None when the writer
was sent that report lately: both ends keep the same `RecentReports`). Writer to server, on its own pipe:
`(outcomes, seconds, committed)`, one outcome per group in the order sent (None: committed; `(kind, message)`: not),
the commit's duration and how many records it committed. Everything that arrived while the last commit ran goes into
the next one (group commit). The writer ignores SIGINT, SIGTERM and SIGHUP (the server blocks them from before the
start until they are ignored): it stops when its input closes, after committing all it was sent, so a server being
stopped drains into it, and a server killed outright still gets all it had sent committed.
"""

from __future__ import annotations

import collections
import os
import pickle
import signal
import struct
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from govrules.server.audit import (
    DecisionLogError,
    DuplicateDecisionError,
    Prepared,
    Store,
    chain,
    open_store,
)

MAX_GROUP = 1024  # decisions per transaction at most (a batch request may bring more: it is never split)
STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}  # ignored: a writer stops when its input closes
_LENGTH = struct.Struct("<I")

Outcome = DecisionLogError | None
Record = tuple[Any, ...]  # (*Prepared, body or None)


class RecentReports:
    """The reports a writer was sent lately, oldest first: the parent keeps their sizes, the writer their bodies.
    Both ends add the same hashes in the same order and drop by the same rule, so a report the parent does not send
    again is always one the writer still holds."""

    COUNT, BYTES = 256, 64 << 20

    def __init__(self) -> None:
        self._held: collections.OrderedDict[str, bytes | int] = collections.OrderedDict()
        self._bytes = 0

    def __contains__(self, sha256: str) -> bool:
        return sha256 in self._held

    def __getitem__(self, sha256: str) -> bytes | int:
        return self._held[sha256]

    def add(self, sha256: str, held: bytes | int) -> None:
        size = held if isinstance(held, int) else len(held)
        self._held[sha256] = held
        self._bytes += size
        while len(self._held) > 1 and (len(self._held) > self.COUNT or self._bytes > self.BYTES):
            _, gone = self._held.popitem(last=False)
            self._bytes -= gone if isinstance(gone, int) else len(gone)


def frame(value: object) -> bytes:
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    return _LENGTH.pack(len(data)) + data


def unframe(buffer: bytearray) -> Iterator[Any]:
    """The whole frames at the start of `buffer`, removed from it as they are read."""
    start = 0
    while len(buffer) - start >= 4:
        (size,) = _LENGTH.unpack_from(buffer, start)
        if len(buffer) - start - 4 < size:
            break
        yield pickle.loads(memoryview(buffer)[start + 4 : start + 4 + size])
        start += 4 + size
    del buffer[:start]


def write_groups(
    store: Store, groups: Sequence[Sequence[Prepared]], bodies: Mapping[str, bytes]
) -> list[Outcome]:
    """Write every group's records in one durable commit, with the report bodies they name (from `bodies`); the
    outcome of each group. A duplicate decision id sends each group on its own, so one bad request never fails the
    others; a database that cannot be written fails them all (`DecisionLogError`); nothing else escapes."""
    prepared = [item for group in groups for item in group]
    reports = {item.report_sha256: bodies[item.report_sha256] for item in prepared}
    try:
        store.write(lambda seq, head: chain(prepared, seq, head), reports)
    except DuplicateDecisionError as err:
        if len(groups) == 1:
            return [err]
        return [write_groups(store, [group], bodies)[0] for group in groups]
    except DecisionLogError as err:
        return [err] * len(groups)
    except Exception as err:  # the writer must survive anything and answer every request
        return [DecisionLogError(f"the decision log failed: {err!r}")] * len(groups)
    return [None] * len(groups)


def serve(store: Store, read_fd: int, write_fd: int) -> None:
    """Commit what arrives on `read_fd` and answer on `write_fd` until `read_fd` closes."""
    buffer, bodies, open_, answering = bytearray(), RecentReports(), True, True
    while open_:
        chunk = os.read(read_fd, 1 << 20)
        open_ = bool(chunk)
        buffer += chunk
        groups: collections.deque[list[Prepared]] = collections.deque()
        reports: dict[str, bytes] = {}
        for sent in unframe(buffer):
            for records in sent:
                group = []
                for *prepared, body in records:
                    sha256 = prepared[2]
                    if body is not None:
                        bodies.add(sha256, body)
                    reports[sha256] = bodies[sha256]  # type: ignore[assignment]
                    group.append(Prepared(*prepared))
                groups.append(group)
        while groups:
            part: list[list[Prepared]] = []
            size = 0
            while groups and (not part or size + len(groups[0]) <= MAX_GROUP):
                size += len(groups[0])
                part.append(groups.popleft())
            started = time.perf_counter()
            outcomes = write_groups(store, part, reports)
            seconds = time.perf_counter() - started
            answer = [None if o is None else (type(o).__name__, str(o)) for o in outcomes]
            committed = sum(len(group) for group, o in zip(part, outcomes, strict=True) if o is None)
            if answering:
                try:
                    _write_all(write_fd, frame((answer, seconds, committed)))
                except OSError:  # the server is gone: commit the rest it sent all the same, tell nobody
                    answering = False


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def main(url: str, answers: int) -> int:
    """Commit what arrives on standard input, answer on the file descriptor `answers`, until the input closes."""
    for stop in STOP_SIGNALS:  # the server stops this process by closing its input
        signal.signal(stop, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)  # blocked by the server from before the start
    try:
        store = open_store(url, create=True)
    except DecisionLogError as err:
        print(f"govrules decision-log writer: {err}", file=sys.stderr)
        return 1
    try:
        serve(store, 0, answers)
    finally:
        store.close()
    return 0
