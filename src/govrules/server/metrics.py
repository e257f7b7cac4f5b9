"""What `GET /metrics` shows, in the Prometheus text format (prometheus-client does the format and the histograms).

Requests by route, method and status; request latency by route; decision-log commit latency and batch size; and
verdicts by rule. Verdicts are counted on the event loop without touching fifty labelled counters per request: a
repeated answer brings the same verdicts tuple (the policy set's result cache), so a tuple seen again is counted
by identity and its repeats are added into the tally only when scraped.

    >>> metrics = Metrics()
    >>> metrics.count_verdicts((("OWN-001", "pass"),))
    >>> b"govrules_verdicts_total" in metrics.render()
    True
"""

from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Iterator
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, Metric
from prometheus_client.registry import Collector

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
_LATENCY = (0.001, 0.0025, 0.005, 0.0075, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


Verdicts = tuple[tuple[str, str], ...]


@dataclass(slots=True)
class _Waiting:
    verdicts: Verdicts  # kept alive here, so its id is not reused while it waits
    repeats: int = 0


class _Verdicts(Collector):
    """A verdicts tuple seen for the first time is counted at once (`Counter.update`, a loop in C); seen again, it
    is only counted by identity, and its repeats are added into the tally when scraped, or when the tuples waiting
    hold too many verdicts (a batch's tuple holds one per rule per manifest)."""

    HELD = 20_000  # verdicts kept alive in waiting tuples at most

    def __init__(self) -> None:
        self.tally: Tally[tuple[str, str]] = Tally()
        self.waiting: dict[int, _Waiting] = {}
        self.held = 0

    def count(self, verdicts: Verdicts) -> None:
        seen = self.waiting.get(id(verdicts))
        if seen is not None and seen.verdicts is verdicts:
            seen.repeats += 1
            return
        self.tally.update(verdicts)
        if len(verdicts) > self.HELD:
            return
        if self.held + len(verdicts) > self.HELD:
            self.fold()
        self.waiting[id(verdicts)] = _Waiting(verdicts)
        self.held += len(verdicts)

    def fold(self) -> None:
        for waiting in self.waiting.values():
            if waiting.repeats:
                for pair, times in Tally(waiting.verdicts).items():
                    self.tally[pair] += times * waiting.repeats
        self.waiting.clear()
        self.held = 0

    def collect(self) -> Iterator[Metric]:
        self.fold()
        family = CounterMetricFamily(
            "govrules_verdicts",
            "Rule verdicts given in decisions, by rule and verdict",
            labels=("rule", "verdict"),
        )
        for (rule, verdict), count in sorted(self.tally.items()):
            family.add_metric((rule, verdict), count)
        yield family


class Metrics:
    """One registry per app, so several apps (tests) never share counters."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "govrules_http_requests",
            "HTTP requests by route template, method and status",
            ("route", "method", "status"),
            registry=self.registry,
        )
        self.latency = Histogram(
            "govrules_http_request_duration_seconds",
            "Time from request to the end of the response, by route template",
            ("route",),
            buckets=_LATENCY,
            registry=self.registry,
        )
        self.log_write = Histogram(
            "govrules_decision_log_commit_seconds",
            "Time one decision-log commit took (one commit holds every decision waiting for it)",
            buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0),
            registry=self.registry,
        )
        self.log_batch = Histogram(
            "govrules_decision_log_commit_records",
            "Decisions written per decision-log commit (group commit)",
            buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256),
            registry=self.registry,
        )
        self.decisions = Counter(
            "govrules_decisions", "Decisions committed to the log", registry=self.registry
        )
        self.policy = Gauge(
            "govrules_policy_set_info", "The active policy set (value 1)", ("hash",), registry=self.registry
        )
        self.verdicts = _Verdicts()
        self.registry.register(self.verdicts)
        self._children: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}

    def observe(self, route: str, method: str, status: int, seconds: float) -> None:
        key = (route, method, status)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = (
                self.requests.labels(route, method, str(status)),
                self.latency.labels(route),
            )
        child[0].inc()
        child[1].observe(seconds)

    def count_verdicts(self, verdicts: Verdicts) -> None:
        """Count one decision's verdicts (on the event loop that serves it)."""
        self.verdicts.count(verdicts)

    def committed(self, seconds: float, records: int) -> None:
        """The decision log's commit hook (called on the event loop when the writer process answers)."""
        self.log_write.observe(seconds)
        self.log_batch.observe(records)
        self.decisions.inc(records)

    def policy_loaded(self, policy_hash: str) -> None:
        self.policy.clear()
        self.policy.labels(policy_hash).set(1)

    def render(self) -> bytes:
        return generate_latest(self.registry)
