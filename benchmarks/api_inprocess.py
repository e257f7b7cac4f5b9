"""The API's own cost per request, without sockets: `POST /v1/evaluate` driven straight into the ASGI app.

32 requests in flight at a time (the same repeated manifest, so answered from the result cache, each one still a
logged decision in a SQLite log), after a warm-up and with the start-up heap frozen as `govrules serve` does. It
prints this process's CPU time per request (all its threads; the decision log's writer process is not counted:
`benchmarks/api.py` counts it), the minimum and median
of 7 rounds, beside the same for a minimal FastAPI endpoint. `--profile` prints where the time goes instead
(cProfile, event-loop thread only). Network, HTTP parsing and uvicorn are left out: `benchmarks/api.py` measures
the whole server.

    $ python benchmarks/api_inprocess.py
    $ python benchmarks/api_inprocess.py --profile
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import pstats
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from govrules.server.app import create_app  # noqa: E402
from govrules.server.settings import ServerSettings  # noqa: E402
from govrules.server.tokens import create_token  # noqa: E402

BODY = (ROOT / "examples" / "customer-service-assistant" / "ai-project.yaml").read_bytes()
IN_FLIGHT = 32


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=21_000, help="requests timed (default: 21000)")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the govrules app instead")
    args = parser.parse_args(argv)
    try:
        import uvloop

        run = uvloop.run
    except ImportError:
        run = asyncio.run
    with tempfile.TemporaryDirectory(prefix="govrules-api-inprocess-") as tmp:
        _, token = create_token(f"{tmp}/tokens.jsonl", "evaluate", "bench")
        settings = ServerSettings(
            db_url=f"sqlite:{tmp}/decisions.db", tokens_file=f"{tmp}/tokens.jsonl", freeze_heap=True
        )
        govrules = create_app(settings)
        if args.profile:
            run(_profile(govrules, token, args.requests))
            return 0
        mine = run(_rounds(govrules, token, args.requests))
    base = run(_rounds(_minimal(), "", args.requests))
    for name, (low, median) in (("minimal FastAPI endpoint", base), ("evaluate, repeated manifest", mine)):
        print(f"{name:<30} CPU per request: min {low:6.1f} µs, median {median:6.1f} µs (7 rounds)")
    return 0


def _minimal() -> Any:
    from fastapi import FastAPI

    app = FastAPI()

    @app.post("/v1/evaluate")
    async def constant() -> dict[str, bool]:
        return {"ok": True}

    return app


async def _rounds(app: Any, token: str, total: int) -> tuple[float, float]:
    async with app.router.lifespan_context(app):
        await _load(
            app, token, 2000
        )  # warm: the first request evaluates, the rest are answered from the cache
        gc.collect()
        gc.freeze()
        per_round = total // 7
        samples = []
        for _ in range(7):
            started = time.process_time()
            await _load(app, token, per_round)
            samples.append((time.process_time() - started) / per_round * 1e6)
        gc.unfreeze()
    samples.sort()
    return samples[0], samples[3]


async def _profile(app: Any, token: str, total: int) -> None:
    async with app.router.lifespan_context(app):
        await _load(app, token, 2000)
        profile = cProfile.Profile()
        profile.enable()
        await _load(app, token, total)
        profile.disable()
    pstats.Stats(profile).sort_stats("tottime").print_stats(30)


async def _load(app: Any, token: str, total: int) -> None:
    headers = [
        (b"host", b"bench"),
        (b"content-type", b"application/yaml"),
        (b"content-length", str(len(BODY)).encode()),
    ]
    if token:
        headers.append((b"authorization", f"Bearer {token}".encode()))
    counter = iter(range(total))

    async def one() -> None:
        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
            "scheme": "http", "path": "/v1/evaluate", "raw_path": b"/v1/evaluate",
            "query_string": b"as_of=2026-11-28", "root_path": "", "headers": headers,
            "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 2), "state": {},
        }  # fmt: skip
        messages = [{"type": "http.request", "body": BODY, "more_body": False}]
        sent: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            if messages:
                return messages.pop()
            await asyncio.Event().wait()  # the client never goes away
            raise AssertionError

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        await app(scope, receive, send)
        if sent[0]["status"] != 200:
            raise SystemExit(f"HTTP {sent[0]['status']}: {sent[1].get('body', b'')[:300]!r}")

    async def worker() -> None:
        for _ in counter:
            await one()

    await asyncio.gather(*(worker() for _ in range(IN_FLIGHT)))


if __name__ == "__main__":
    raise SystemExit(main())
