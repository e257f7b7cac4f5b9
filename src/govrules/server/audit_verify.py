"""Walking a decision log's hash chain: the first record that was altered, removed or reordered, or that it holds.

Each record is checked in seq order against the one before it (or `GENESIS`): its seq follows without a gap, its
content still hashes to its `hash`, its `prev_hash` is the previous record's hash, the decision-id index still
leads to it, and its report body still hashes to its `report_sha256` (each distinct body is hashed once; a body
shared by several records is named at the first of them). Damage that stops the database being read is named at
the first record that could not be read.

    result = walk(snapshot, expect_head=None)
    result.ok, result.records, result.head_hash, result.problem   # problem: seq, decision_id, kind, message
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from govrules.server.audit import (
    GENESIS,
    DecisionLogError,
    Kind,
    Problem,
    Row,
    Snapshot,
    VerifyResult,
    record_hash,
)


def walk(snapshot: Snapshot, expect_head: str | None = None) -> VerifyResult:
    """Check every record in seq order; stop at the first bad one."""
    seq, head, records, anchored = 0, GENESIS, 0, expect_head is None or expect_head == GENESIS
    verified: set[str] = set()
    try:
        for row, index_seq in snapshot.rows(0):
            problem = _check(row, index_seq, seq, head, snapshot, verified)
            if problem is not None:
                return VerifyResult(records, seq, head, problem)
            seq, head, records = row[0], row[11], records + 1
            anchored = anchored or head == expect_head
    except DecisionLogError as err:
        damaged = Problem(seq + 1, None, "damaged", f"the database cannot be read after seq {seq}: {err}")
        return VerifyResult(records, seq, head, damaged)
    if not anchored:
        message = (
            f"the expected head `{expect_head}` is in none of the {records} records: records were cut from the "
            "end of the log after it, or the log was replaced"
        )
        return VerifyResult(records, seq, head, Problem(seq, None, "truncated", message))
    return VerifyResult(records, seq, head)


def _check(
    row: Row, index_seq: int | None, seq: int, head: str, snapshot: Snapshot, verified: set[str]
) -> Problem | None:
    """The problem with `row` following the record (seq, head), or None."""
    row_seq, decision_id, prev_hash = row[0], row[1], row[10]

    def problem(kind: Kind, message: str) -> Problem:
        return Problem(row_seq, decision_id, kind, message)

    if row_seq != seq + 1:
        missing = f"record {seq + 1} is" if row_seq == seq + 2 else f"records {seq + 1} to {row_seq - 1} are"
        return problem("removed", f"{missing} missing before it (a gap in the sequence)")
    intact = _rehash(row) == row[11]
    if prev_hash != head:
        other = snapshot.find_hash(prev_hash) if prev_hash != GENESIS else None
        if other is not None:
            return problem("reordered", f"it links to the record at seq {other}, not to seq {seq} before it")
        if intact:
            return problem(
                "removed",
                f"it links to a record that is not in the log: the record before it (seq {seq}) was removed "
                "and the rest renumbered, or replaced",
            )
    if not intact:
        return problem("altered", "its content does not match its hash")
    if index_seq != row_seq:
        return problem("altered", "the decision-id index does not lead to this record")
    return _check_report(row[9], snapshot, verified, problem)


def _rehash(row: Row) -> str | None:
    try:
        return record_hash(row)
    except (TypeError, ValueError):  # an edited cell of another type (a number where text was)
        return None


def _check_report(
    sha: str, snapshot: Snapshot, verified: set[str], problem: Callable[[Kind, str], Problem]
) -> Problem | None:
    if sha in verified:
        return None
    body = snapshot.report(sha)
    if body is None:
        return problem("removed", f"its report (sha256 `{sha}`) is missing")
    if hashlib.sha256(body).hexdigest() != sha:
        return problem("altered", f"its stored report no longer hashes to its `report_sha256` `{sha}`")
    verified.add(sha)
    return None
