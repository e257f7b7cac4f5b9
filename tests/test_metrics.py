"""The API's metrics: verdicts counted by identity of a repeated answer still add up to the same totals."""

from __future__ import annotations

import re

import pytest

pytest.importorskip("prometheus_client")

from govrules.server.metrics import Metrics

A = (("OWN-001", "pass"), ("PRV-002", "fail"))
B = (("OWN-001", "fail"), ("PRV-002", "fail"))


def verdict_totals(metrics: Metrics) -> dict[tuple[str, str], float]:
    text = metrics.render().decode()
    found = re.findall(r'govrules_verdicts_total\{rule="([^"]+)",verdict="([^"]+)"\} (\S+)', text)
    return {(rule, verdict): float(value) for rule, verdict, value in found}


# (the decisions' verdict tuples, scraped after each how many, the totals expected at the end)
CASES = [
    ([A, A, A], 0, {("OWN-001", "pass"): 3, ("PRV-002", "fail"): 3}),
    ([A, B, A, tuple(B)], 0, {("OWN-001", "pass"): 2, ("OWN-001", "fail"): 2, ("PRV-002", "fail"): 4}),
    ([A, A, B, A], 2, {("OWN-001", "pass"): 3, ("OWN-001", "fail"): 1, ("PRV-002", "fail"): 4}),
    # more different tuples than are kept by identity: the oldest are added into the tally on the way
    ([tuple(list(A)) for _ in range(12_000)], 0, {("OWN-001", "pass"): 12_000, ("PRV-002", "fail"): 12_000}),
    # a batch's tuple: one verdict per rule per manifest, the same pair many times over
    ([A * 3000, A * 3000, tuple(A * 3000), A], 0, {("OWN-001", "pass"): 9001, ("PRV-002", "fail"): 9001}),
    ([A * 30_000, A * 30_000], 1, {("OWN-001", "pass"): 60_000, ("PRV-002", "fail"): 60_000}),
]


@pytest.mark.parametrize(("given", "scrape_every", "expected"), CASES)
def test_verdicts_add_up_however_they_are_counted(
    given: list[tuple[tuple[str, str], ...]], scrape_every: int, expected: dict[tuple[str, str], float]
) -> None:
    metrics = Metrics()
    for i, verdicts in enumerate(given, 1):
        metrics.count_verdicts(verdicts)
        assert metrics.verdicts.held <= metrics.verdicts.HELD  # what is kept alive stays bounded
        if scrape_every and i % scrape_every == 0:
            verdict_totals(metrics)
    assert verdict_totals(metrics) == expected
    assert verdict_totals(metrics) == expected  # a scrape changes nothing
