"""What one API process holds while it serves: the active policy set, the tokens, the decision log and the metrics.

The policy set and the token store are replaced whole on reload (one reference assignment, so a request that has
started keeps the set it began with); nothing here imports FastAPI.

    >>> state = State(settings, policy_set, tokens, log)          # doctest: +SKIP
    >>> await state.decide(caller, policy_set, evaluation)        # doctest: +SKIP
    '0193f0a2-...'
"""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
import os
import random
import secrets
import time

from govrules.diagnostics import GovrulesError
from govrules.server.audit import Decision, DecisionLog, DecisionLogError
from govrules.server.evaluation import Evaluation, PolicySet
from govrules.server.metrics import Metrics
from govrules.server.problems import Problem, invalid
from govrules.server.settings import ServerSettings
from govrules.server.tokens import Caller, TokenError, TokenStore

REALM = 'Bearer realm="govrules"'


class State:
    def __init__(
        self, settings: ServerSettings, policy_set: PolicySet, tokens: TokenStore, log: DecisionLog | None
    ) -> None:
        self.settings, self.policy_set, self.tokens, self.log = settings, policy_set, tokens, log
        self.metrics = Metrics()
        self.metrics.policy_loaded(policy_set.hash)
        self._reloading = asyncio.Lock()

    def authenticate(self, header: str | None) -> Caller:
        """The caller behind an `Authorization: Bearer …` header; 401 without a valid one."""
        if not header:
            raise Problem(
                401,
                "unauthorized",
                "send `Authorization: Bearer <token>`",
                headers={"WWW-Authenticate": REALM},
            )
        scheme, _, value = header.partition(" ")
        caller = self.tokens.authenticate(value.strip()) if scheme.lower() == "bearer" else None
        if caller is None:
            raise Problem(
                401,
                "unauthorized",
                "the bearer token is not valid; create one with `govrules token create`",
                headers={"WWW-Authenticate": f'{REALM}, error="invalid_token"'},
            )
        return caller

    def authorize(self, caller: Caller, scope: str) -> None:
        """403 when the caller's token lacks the scope the route needs."""
        if scope == "admin" and caller.scope != "admin":
            raise Problem(
                403,
                "forbidden",
                f"token `{caller.token_id}` has the `{caller.scope}` scope; this route needs `admin`",
                headers={"WWW-Authenticate": f'{REALM}, error="insufficient_scope", scope="admin"'},
            )

    def open_log(self) -> DecisionLog:
        if self.log is None:
            raise Problem(503, "not-ready", "the decision log is closed", headers={"Retry-After": "5"})
        return self.log

    async def decide(self, caller: Caller, policy_set: PolicySet, result: Evaluation) -> str:
        """Commit the decision to the log and return its id; 503 (and no verdict) when the log cannot be written."""
        decision_id = new_decision_id()
        decision = Decision(
            decision_id=decision_id,
            time=dt.datetime.now(dt.UTC).isoformat(timespec="microseconds").replace("+00:00", "Z"),
            caller=caller.token_id,
            policy_hash=policy_set.hash,
            manifest_hash=result.manifest_hash,
            as_of=result.as_of,
            stage=result.stage,
            summary=result.summary,
            report=result.report,
        )
        try:
            if self.log is None:
                raise DecisionLogError("the decision log is closed: the server is shutting down")
            await self.log.append(decision)
        except DecisionLogError as err:
            raise Problem(
                503,
                "decision-log-unavailable",
                f"the decision could not be recorded, so no verdict is given: {err}",
                headers={"Retry-After": "5"},
            ) from None
        self.metrics.count_verdicts(result.verdicts)
        return decision_id

    async def reload(self) -> PolicySet:
        """Load the policies and tokens again and swap them in together; on any error keep the old ones."""
        async with self._reloading:
            try:
                tokens = await asyncio.to_thread(TokenStore.load, self.settings.tokens_file)
                policy_set = await asyncio.to_thread(
                    PolicySet.load, self.settings.policy, self.settings.cache_bytes
                )
            except TokenError as err:
                raise invalid(f"reload refused, the old tokens and policies stay: {err}") from None
            except GovrulesError as err:
                raise invalid(
                    "reload refused, the old policies stay: the new policies have errors", err.diagnostics
                ) from None
            self.tokens, self.policy_set = tokens, policy_set
            self.metrics.policy_loaded(policy_set.hash)
            if self.settings.freeze_heap:
                freeze_heap(again=True)
            return policy_set


def freeze_heap(again: bool = False) -> None:
    """Collect, then move every object alive now into the permanent generation, so the cyclic GC stops scanning
    them: a server's heap is mostly the policy set and the modules, built once, and a full collection over it
    stalled the event loop for 25-60 ms about once a second under load (`benchmarks/api.py`). `again` (after a
    reload) first lets the collector see the old policy set, so it can be freed: one such stall per reload."""
    if again:
        gc.unfreeze()
    gc.collect()
    gc.freeze()


_RANDOM = random.Random(secrets.randbits(128))  # ids must be unique, not secret: no system call per id
os.register_at_fork(
    after_in_child=lambda: _RANDOM.seed(secrets.randbits(128))
)  # a forked worker: its own ids


def new_decision_id() -> str:
    """A UUIDv7 (RFC 9562): time-ordered, so ids sort by when they were given, with 74 random bits (the log's
    unique index refuses a duplicate, which fails that one request rather than overwriting anything)."""
    ms = time.time_ns() // 1_000_000
    rand = _RANDOM.getrandbits(80)
    value = (ms << 80) | (0x7 << 76) | ((rand >> 68) << 64) | (0b10 << 62) | (rand & ((1 << 62) - 1))
    text = f"{value:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def new_request_id() -> str:
    return f"{_RANDOM.getrandbits(64):016x}"
