"""`govrules serve` as a real process: a decision a client was answered survives `kill -9`, and a reload under load
(SIGHUP, or the admin route) fails no request."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

pytest.importorskip("uvicorn")

from govrules.server import audit
from govrules.server.tokens import create_token

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = (ROOT / "examples/customer-service-assistant/ai-project.yaml").read_bytes()
POLICY = (
    'rule T-001 "Project named" {\n  severity high\n  enforcement soft\n  references "test"\n'
    '  remediation "name it"\n  require project.name is present\n}\n'
)


class Served:
    def __init__(self, tmp: Path, policy: Path | None = None) -> None:
        tokens = str(tmp / "tokens.jsonl")
        self.token = create_token(tokens, "admin", "test")[1]
        self.db = f"sqlite:{tmp / 'decisions.db'}"
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        command = [sys.executable, "-m", "govrules", "serve", "--port", str(self.port), "--tokens", tokens]
        command += ["--db", self.db, "--no-access-log", *(["--policy", str(policy)] if policy else [])]
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
        self.proc = subprocess.Popen(command, cwd=tmp, env=env, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while self.request("GET", "/healthz")[0] != 200:
            assert self.proc.poll() is None and time.monotonic() < deadline, self.proc.stderr.read()  # type: ignore[union-attr]
            time.sleep(0.1)

    def request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
        headers = {"authorization": f"Bearer {self.token}", "content-type": "application/yaml"}
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", body, headers, method=method)
        try:
            with urllib.request.urlopen(req, timeout=30) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as err:
            return err.code, err.read()
        except (OSError, http.client.HTTPException):  # refused, reset, or cut off mid-answer (kill -9)
            return 0, b""

    def evaluate(self) -> tuple[int, bytes]:
        return self.request("POST", "/v1/evaluate?as_of=2026-11-28", EXAMPLE)


def _hammer(served: Served, stop: threading.Event, answered: list[str], failures: list[int]) -> None:
    while not stop.is_set():
        status, body = served.evaluate()
        if status == 200:
            answered.append(json.loads(body)["decision_id"])
        elif not stop.is_set():
            failures.append(status)


def test_every_answered_decision_survives_kill_9(tmp_path: Path) -> None:
    served = Served(tmp_path)
    stop, answered, failures = threading.Event(), [], []  # type: ignore[var-annotated]
    threads = [threading.Thread(target=_hammer, args=(served, stop, answered, failures)) for _ in range(8)]
    for thread in threads:
        thread.start()
    while len(answered) < 150:
        time.sleep(0.01)
    served.proc.kill()  # SIGKILL mid-stream: no shutdown, no drain
    served.proc.wait(30)
    stop.set()
    for thread in threads:
        thread.join()
    assert len(answered) >= 150
    result = audit.verify(served.db)
    assert result.ok, result
    logged = {record["decision_id"] for record in _export(served.db)}
    assert set(answered) <= logged


def test_a_reload_under_load_fails_no_request(tmp_path: Path) -> None:
    policy = tmp_path / "p.gov"
    policy.write_text(POLICY)
    served = Served(tmp_path, policy)
    stop, answered, failures = threading.Event(), [], []  # type: ignore[var-annotated]
    threads = [threading.Thread(target=_hammer, args=(served, stop, answered, failures)) for _ in range(6)]
    for thread in threads:
        thread.start()
    hashes = {json.loads(served.request("GET", "/v1/policies")[1])["hash"]}
    for i in range(2, 5):
        policy.write_text(POLICY.replace("T-001", f"T-00{i}"))
        if i % 2:
            served.proc.send_signal(signal.SIGHUP)
            time.sleep(1.0)
        else:
            assert served.request("POST", "/v1/policies/reload")[0] == 200
        hashes.add(json.loads(served.request("GET", "/v1/policies")[1])["hash"])
    time.sleep(0.3)
    stop.set()
    for thread in threads:
        thread.join()
    served.proc.send_signal(signal.SIGTERM)
    assert served.proc.wait(30) == 0
    assert failures == [] and len(answered) > 20
    assert len(hashes) == 4  # each reload took effect
    assert audit.verify(served.db).ok


def _export(db: str) -> list[dict[str, object]]:
    import io

    out = io.StringIO()
    audit.export(db, out)
    return [json.loads(line) for line in out.getvalue().splitlines()]
