"""The API's result cache: a repeated question gets the answer already made, a different one never does, and the
cache stays within its byte budget."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest

pytest.importorskip("orjson")

from govrules.server.evaluation import PolicyConfig, PolicySet

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*/ai-project.yaml"))
BODY = EXAMPLES[0].read_bytes()
DAY = dt.date(2026, 11, 28)


@pytest.fixture(scope="module")
def policy_set() -> PolicySet:
    return PolicySet.load(PolicyConfig())


# (the second request's kind, body, query and day, beside BODY as YAML with as_of on DAY; answered from the cache?)
SECOND = [
    ("yaml", BODY, {"as_of": "2026-11-28"}, DAY, True),
    ("yaml", bytes(bytearray(BODY)), {"as_of": "2026-11-28"}, DAY, True),  # equal bytes, another object
    ("yaml", BODY + b"\n", {"as_of": "2026-11-28"}, DAY, False),
    ("yaml", BODY, {"as_of": "2026-11-27"}, DAY, False),
    ("yaml", BODY, {"as_of": "2026-11-28", "stage": "pilot"}, DAY, False),
    ("yaml", BODY, {"as_of": "2026-11-28", "path": "x/ai-project.yaml"}, DAY, False),
    ("yaml", BODY, {"as_of": "2026-11-28"}, DAY + dt.timedelta(days=1), False),  # "today" moved on
]


@pytest.mark.parametrize(("kind", "body", "query", "day", "shared"), SECOND)
def test_only_the_same_question_shares_an_answer(
    kind: str, body: bytes, query: dict[str, str], day: dt.date, shared: bool
) -> None:
    policy_set = PolicySet.load(PolicyConfig())
    first = policy_set.evaluate("yaml", BODY, {"as_of": "2026-11-28"}, DAY)
    second = policy_set.evaluate(kind, body, query, day)
    assert (second is first) == shared
    assert second.manifest_hash == hashlib.sha256(body).hexdigest()
    if not shared:
        fresh = PolicySet.load(PolicyConfig()).evaluate(kind, body, query, day)
        assert (second.report, second.summary) == (fresh.report, fresh.summary)


def test_the_cache_keeps_within_its_budget_and_drops_the_oldest(policy_set: PolicySet) -> None:
    one = policy_set.evaluate("yaml", BODY, {}, DAY)
    entry = len(BODY) + len(one.report)
    small = PolicySet(policy_set.engine, policy_set.loaded_at, cache_bytes=entry * 16 + entry // 2)
    bodies = [BODY.replace(b"\n", b"\n# %d\n" % i, 1) for i in range(40)]
    answers = [small.evaluate("yaml", body, {}, DAY) for body in bodies]
    assert small._cached <= small.cache_bytes
    assert small.evaluate("yaml", bodies[-1], {}, DAY) is answers[-1]  # the newest is kept
    assert small.evaluate("yaml", bodies[0], {}, DAY) is not answers[0]  # the oldest went
