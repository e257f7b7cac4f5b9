"""The deployment recipes stay true: docs/deploy.md, deploy/govrules.service and deploy/Containerfile.

Every `govrules …` command line they hold parses with the real argument parser; the unit passes `systemd-analyze
verify`; the tables of routes, problem types and metrics match what the server has; and the doc's quick path works
end to end with a real server process: token, serve, evaluate, 401, SIGTERM exits 0, `audit verify` holds.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from govrules.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "deploy.md"
UNIT = ROOT / "deploy" / "govrules.service"
CONTAINERFILE = ROOT / "deploy" / "Containerfile"
README = ROOT / "README.md"
EXAMPLE = ROOT / "examples" / "credit-scoring" / "ai-project.yaml"
STOPS = {"|", "||", "&", "&&", ";", ")", "(", ">", ">>", "<", "<<", "<<<"}
# a `govrules` after these names a user, group, database or image, not the command (`sudo -u govrules …`); one
# taken for a command by mistake fails loudly as a line that does not parse, so this list errs on the short side
NAMING = {"-u", "--user", "-g", "--group", "-o", "--owner", "--entrypoint", "psql"}
# shell variables the doc's commands use, expanded to values of their kind
SAMPLES = {"HEAD": "0" * 64}


def section(text: str, heading: str) -> str:
    start = text.index(heading)
    end = text.find("\n## ", start + len(heading))
    return text[start : end if end != -1 else len(text)]


def shell_blocks(markdown: str) -> list[str]:
    """The ```sh fences of a Markdown text (also indented ones, inside list items), without their indent."""
    blocks: list[str] = []
    lines: list[str] | None = None
    indent = 0
    for line in markdown.splitlines():
        fence = line.strip().startswith("```")
        if lines is not None:
            if fence:
                blocks.append("\n".join(lines))
                lines = None
            else:
                lines.append(line[indent:])
        elif fence and line.strip() == "```sh":
            lines, indent = [], len(line) - len(line.lstrip())
    return blocks


def logical_lines(block: str) -> list[list[str]]:
    """Shell words per command line: backslash continuations joined, a quote left open carried to the next line."""
    out, pending = [], ""
    for line in block.replace("\\\n", " ").splitlines():
        pending = f"{pending}\n{line}" if pending else line
        lexer = shlex.shlex(pending, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        try:
            words = list(lexer)
        except ValueError:  # an open quote: the command goes on
            continue
        out.append(words)
        pending = ""
    assert not pending, f"unterminated shell line: {pending!r}"
    return out


def invocations(words: list[str]) -> list[list[str]]:
    """The argument lists of each `govrules` (or `…/bin/govrules`) command among the words of one line."""
    found = []
    for i, word in enumerate(words):
        if word != "govrules" and not word.endswith("/bin/govrules"):
            continue
        if i and words[i - 1] in NAMING:
            if words[i - 1] == "--entrypoint" and i + 2 < len(words):
                found.append(_until_stop(words[i + 2 :]))  # after the image's name
            continue
        args = _until_stop(words[i + 1 :])
        if args:
            found.append([re.sub(r"\$(\w+)", lambda m: SAMPLES.get(m.group(1), m.group(0)), a) for a in args])
    return found


def _until_stop(words: list[str]) -> list[str]:
    args: list[str] = []
    for j, word in enumerate(words):
        if word in STOPS or (word.isdigit() and j + 1 < len(words) and words[j + 1] in STOPS):
            break  # `2> file`: a redirection, not an argument
        args.append(word)
    return args


def unit_directives() -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for line in UNIT.read_text().splitlines():
        if "=" in line and not line.startswith(("#", ";", "[")):
            key, _, value = line.partition("=")
            values.setdefault(key.strip(), []).append(value.strip())
    return values


def unit_command() -> list[str]:
    """ExecStart with the unit's own Environment= values substituted, as systemd does."""
    env = dict(item.split("=", 1) for item in unit_directives()["Environment"])
    line = re.sub(r"\$\{(\w+)\}", lambda m: env[m.group(1)], unit_directives()["ExecStart"][0])
    return shlex.split(line)


def container_instructions() -> dict[str, str]:
    text = CONTAINERFILE.read_text().replace("\\\n", " ")
    out: dict[str, str] = {}
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, rest = line.strip().partition(" ")
            out[name] = f"{out[name]}\n{rest}" if name in out else rest.strip()
    return out


def container_command() -> list[str]:
    found = container_instructions()
    command: list[str] = json.loads(found["ENTRYPOINT"]) + json.loads(found["CMD"])
    return command


def command_lines() -> list[tuple[str, list[str]]]:
    found = []
    readme_api = section(README.read_text(), "## HTTP API")
    for name, text in (("docs/deploy.md", DOC.read_text()), ("README.md#http-api", readme_api)):
        for block in shell_blocks(text):
            for words in logical_lines(block):
                found += [(name, args) for args in invocations(words)]
    found.append(("deploy/govrules.service ExecStart", invocations(unit_command())[0]))
    found.append(("deploy/Containerfile ENTRYPOINT + CMD", invocations(container_command())[0]))
    return found


COMMAND_LINES = command_lines()


@pytest.mark.parametrize(("where", "argv"), COMMAND_LINES, ids=[" ".join(a)[:70] for _, a in COMMAND_LINES])
def test_every_command_line_parses(where: str, argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    try:
        args = build_parser(argv).parse_args(argv)
    except SystemExit:
        pytest.fail(f"{where}: `govrules {shlex.join(argv)}` does not parse: {capsys.readouterr().err}")
    assert args.command is not None, where


def test_the_recipes_hold_every_command_that_matters() -> None:
    commands = {tuple(argv[:2]) for _, argv in COMMAND_LINES}
    assert {
        ("token", "create"),
        ("token", "list"),
        ("token", "revoke"),
        ("audit", "verify"),
        ("audit", "export"),
    } <= commands
    assert sum(argv[0] == "serve" for _, argv in COMMAND_LINES) >= 6


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("User", "govrules"),
        ("StateDirectory", "govrules"),
        ("ExecReload", "/bin/kill -HUP $MAINPID"),
        ("KillSignal", "SIGTERM"),
        ("NoNewPrivileges", "yes"),
        ("ProtectSystem", "strict"),
        ("ReadWritePaths", "/var/lib/govrules"),
        ("PrivateTmp", "yes"),
        ("RestartPreventExitStatus", "2"),
    ],
)
def test_unit_sets(key: str, value: str) -> None:
    assert value in unit_directives().get(key, []), f"{key}={value} missing from {UNIT.name}"


def graceful_seconds() -> int:
    source = (ROOT / "src/govrules/server/serve_command.py").read_text()
    match = re.search(r'"timeout_graceful_shutdown":\s*(\d+)', source)
    assert match, "serve_command.py no longer sets timeout_graceful_shutdown: update docs/deploy.md"
    return int(match.group(1))


def test_stop_timeouts_leave_room_for_the_drain() -> None:
    grace = graceful_seconds()
    assert int(unit_directives()["TimeoutStopSec"][0]) > grace
    doc = DOC.read_text()
    assert f"(up to {grace} seconds)" in doc
    stop_timeout = re.search(r"--stop-timeout (\d+)", doc)
    assert stop_timeout and int(stop_timeout.group(1)) > grace


def test_systemd_analyze_verifies_the_unit(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    stub = tmp_path / "govrules"  # verify wants ExecStart's program to exist
    stub.write_text("#!/bin/sh\nexit 0\n")
    stub.chmod(0o755)
    unit = tmp_path / "govrules.service"
    unit.write_text(UNIT.read_text().replace("/opt/govrules/venv/bin/govrules", str(stub)))
    proc = subprocess.run([analyze, "verify", str(unit)], capture_output=True, text=True, timeout=60)
    ours = [line for line in proc.stderr.splitlines() if "govrules.service" in line]
    assert (proc.returncode, ours) == (0, []), proc.stderr


def test_containerfile_recipe() -> None:
    found = container_instructions()
    assert found["FROM"] == "python:3.11-slim"
    assert found["USER"] not in ("root", "0")
    assert json.loads(found["VOLUME"]) == ["/var/lib/govrules"]
    assert found["STOPSIGNAL"] == "SIGTERM"
    command = container_command()
    assert command[:4] == ["govrules", "serve", "--host", "0.0.0.0"]
    port = command[command.index("--port") + 1]
    assert found["EXPOSE"] == port
    assert f"http://127.0.0.1:{port}/healthz" in found["HEALTHCHECK"]
    assert "curl" not in found["HEALTHCHECK"]  # the slim image has none


def test_containerfile_copies_what_the_wheel_is_built_from() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    wheel = project["tool"]["hatch"]["build"]["targets"]["wheel"]
    needed = {"pyproject.toml", project["project"]["readme"], *wheel["force-include"]}
    needed |= {package.split("/")[0] for package in wheel["packages"]}
    copied = set()
    for line in container_instructions()["COPY"].splitlines():
        copied |= set(line.split()[:-1])
    assert needed <= copied, needed - copied
    assert all((ROOT / path).exists() for path in copied)


def test_the_doc_lists_every_route() -> None:
    pytest.importorskip("fastapi")
    from govrules.server.openapi import ROUTES

    table = section(DOC.read_text(), "## Endpoints")
    listed = set(re.findall(r"^\| `(GET|POST) (/[^`]*)`", table, re.M))
    served = {(spec["method"].upper(), spec["path"]) for spec in ROUTES.values()}
    assert listed - served == {("GET", "/docs")}  # FastAPI's own, with /openapi.json
    assert served <= listed, served - listed


def test_the_doc_lists_every_problem_type() -> None:
    sent = set()
    for path in (ROOT / "src/govrules/server").glob("*.py"):
        source = path.read_text()
        sent |= set(re.findall(r'Problem\(\s*(\d{3}),\s*"([a-z-]+)"', source))
        sent |= set(re.findall(r'(\d{3}): "([a-z-]+)"', source))
    table = section(DOC.read_text(), "## Errors: problem bodies and status codes")
    rows = re.findall(r"^\| (\d{3}) \| (.*)$", table, re.M)
    missing = [(status, slug) for status, slug in sorted(sent) if (status, f"`{slug}`") not in _cells(rows)]
    assert not missing, missing


def _cells(rows: list[tuple[str, str]]) -> set[tuple[str, str]]:
    """(status, `slug`) for every problem type named in a row of the status table."""
    return {
        (status, slug) for status, rest in rows for slug in re.findall(r"`[a-z-]+`", rest.split(" | ")[0])
    }


def test_the_doc_lists_every_metric() -> None:
    pytest.importorskip("prometheus_client")
    from govrules.server.metrics import Metrics

    names = set()
    for family in Metrics().registry.collect():
        names.add(f"{family.name}_total" if family.type == "counter" else family.name)
    table = section(DOC.read_text(), "## Metrics")
    assert set(re.findall(r"^\| `(govrules_\w+)`", table, re.M)) == names


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def govrules(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "NO_COLOR": "1"}
    command = [sys.executable, "-m", "govrules", *args]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def call(url: str, body: bytes | None = None, headers: dict[str, str] | None = None) -> tuple[int, Any, Any]:
    request = urllib.request.Request(url, body, headers or {}, method="POST" if body else "GET")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, err.headers, json.loads(err.read())


def serve(tmp: Path, port: int, log: Any) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    command = [sys.executable, "-m", "govrules", "serve", "--port", str(port)]
    proc = subprocess.Popen(command, cwd=tmp, env=env, stderr=log)
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).close()
            return proc
        except OSError:
            assert proc.poll() is None, "govrules serve ended before it answered /healthz"
            assert time.monotonic() < deadline, "govrules serve did not answer /healthz within 60 s"
            time.sleep(0.1)


def test_the_quick_path_end_to_end(tmp_path: Path) -> None:
    """docs/deploy.md's quick start, as a new user runs it: defaults for the token file and the decision log."""
    pytest.importorskip("uvicorn")
    created = govrules("token", "create", "--scope", "evaluate", "--name", "intake-portal", cwd=tmp_path)
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip()
    assert (tmp_path / "govrules-tokens.jsonl").stat().st_mode & 0o777 == 0o600
    port = free_port()
    url = f"http://127.0.0.1:{port}/v1/evaluate?as_of=2026-11-28"
    with (tmp_path / "serve.log").open("wb") as log:
        proc = serve(tmp_path, port, log)
        try:
            _healthcheck_of_the_image(port)
            yaml = {"Content-Type": "application/yaml"}
            status, headers, body = call(
                url, EXAMPLE.read_bytes(), {**yaml, "Authorization": f"Bearer {token}"}
            )
            assert (status, headers["x-decision-id"]) == (200, body["decision_id"])
            assert re.fullmatch(
                r"[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", body["decision_id"]
            )
            assert {"version", "as_of", "policy_set", "summary", "manifests"} <= set(body)
            status, headers, problem = call(url, EXAMPLE.read_bytes(), yaml)
            assert (status, problem["type"]) == (401, "urn:govrules:problem:unauthorized")
            assert headers["www-authenticate"] == 'Bearer realm="govrules"'
        finally:
            proc.send_signal(signal.SIGTERM)
            code = proc.wait(timeout=30)
    assert code == 0, (tmp_path / "serve.log").read_text()
    _access_log_as_documented((tmp_path / "serve.log").read_text(), token, body["decision_id"])
    verified = govrules("audit", "verify", "--db", "sqlite:govrules-decisions.db", cwd=tmp_path)
    assert (verified.returncode, verified.stderr) == (0, "")
    assert "holds: 1 records checked" in verified.stdout


def _healthcheck_of_the_image(port: int) -> None:
    """The Containerfile's HEALTHCHECK command, pointed at this server."""
    check = json.loads(re.search(r"CMD (\[.*\])", container_instructions()["HEALTHCHECK"]).group(1))  # type: ignore[union-attr]
    assert check[:2] == ["python", "-c"]
    code = check[2].replace("127.0.0.1:8000", f"127.0.0.1:{port}")
    assert subprocess.run([sys.executable, "-c", code], timeout=30).returncode == 0


def _access_log_as_documented(log: str, token: str, decision_id: str) -> None:
    table = section(DOC.read_text(), "## The access log")
    documented = set(re.findall(r"`(\w+)`", " ".join(re.findall(r"^\| (`[^|]*) \|", table, re.M))))
    lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    assert lines and all(set(line) == documented for line in lines)
    evaluated = [line for line in lines if line["route"] == "/v1/evaluate"]
    token_id = token.split("_")[1]
    assert [(e["status"], e["caller"], e["decision_id"]) for e in evaluated] == [
        (200, token_id, decision_id),
        (401, None, None),
    ]
