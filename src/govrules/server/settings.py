"""How one API server is configured: its policies, decision log, token file and request limits.

`ServerSettings` is plain data (no FastAPI), built by `govrules serve` from its flags and the configuration file and
passed to `create_app`. With several uvicorn workers each worker process builds its own app, so the settings travel
through one environment variable as JSON (`to_env` / `from_env`).

    >>> ServerSettings(PolicyConfig()).max_body
    1048576
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field

from govrules.server.audit import DEFAULT_DB_URL
from govrules.server.evaluation import PolicyConfig
from govrules.server.tokens import DEFAULT_TOKENS_FILE

ENV = "GOVRULES_SERVER_SETTINGS"


@dataclass(frozen=True)
class ServerSettings:
    policy: PolicyConfig = field(default_factory=PolicyConfig)
    db_url: str = DEFAULT_DB_URL
    tokens_file: str = DEFAULT_TOKENS_FILE
    max_body: int = 1 << 20  # bytes of one request body; more is 413
    max_batch: int = 100  # manifests in one /v1/evaluate/batch request
    cache_bytes: int = 64 << 20  # recent reports kept to answer repeated questions without re-evaluating
    access_log: bool = False  # one JSON line per request on standard error (`govrules serve` turns it on)
    sighup: bool = False  # reload policies and tokens on SIGHUP (set by `govrules serve`)
    freeze_heap: bool = False  # start-up's objects left out of the cyclic GC's scans (`govrules serve`)

    def to_env(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_env(cls) -> ServerSettings:
        data = json.loads(os.environ[ENV])
        policy = PolicyConfig(**data.pop("policy"))
        return cls(policy=policy, **data)
