"""`govrules serve`: run the evaluation API with uvicorn (needs the `server` extra).

The configuration is checked before the server binds its port — tokens readable, policies valid, decision log
writable — so a mistake is one clear message and exit code 2, not a crash loop. One worker gets the app object
itself (and reloads on SIGHUP); several workers each build the app from the same settings (uvicorn's supervisor
restarts them on SIGHUP). SIGTERM and Ctrl-C drain the requests in flight, then the decision log.

    govrules serve --port 8000 --tokens /etc/govrules/tokens.jsonl --db sqlite:/var/lib/govrules/decisions.db
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from typing import Any

EXAMPLES = """\
examples:
  govrules token create --scope evaluate --name intake-portal     # once: prints the secret
  govrules serve --port 8000
  govrules serve --workers 4 --db postgresql://govrules@db/govrules --tokens /etc/govrules/tokens.jsonl
  curl -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/yaml" \\
       --data-binary @ai-project.yaml http://127.0.0.1:8000/v1/evaluate
"""
SERVE_EXIT_CODES = """\
exit codes:
  0  the server stopped cleanly (SIGTERM or Ctrl-C: requests in flight were answered first)
  2  usage or configuration error: bad flags, token file, policies or decision log; the server extra missing
"""
MISSING = (
    "govrules: error: `govrules serve` needs the server extra (FastAPI and uvicorn)\n"
    "    hint: install it with `python -m pip install 'govrules[server]'`\n"
)


def configure(parser: argparse.ArgumentParser) -> None:
    from govrules.cli import add_policy_options, counted
    from govrules.server.audit import DEFAULT_DB_URL
    from govrules.server.tokens import DEFAULT_TOKENS_FILE

    parser.epilog = EXAMPLES + "\n" + SERVE_EXIT_CODES
    add_policy_options(parser)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    parser.add_argument(
        "--port", type=counted("a port number", 1), default=8000, help="port to listen on (default: 8000)"
    )
    parser.add_argument(
        "--workers",
        type=counted("a number of worker processes", 1),
        default=1,
        help="worker processes (default: 1)",
    )
    parser.add_argument(
        "--db", default=DEFAULT_DB_URL, metavar="URL", help=f"decision log (default: {DEFAULT_DB_URL})"
    )
    parser.add_argument(
        "--tokens",
        default=DEFAULT_TOKENS_FILE,
        metavar="FILE",
        help=f"token file (default: {DEFAULT_TOKENS_FILE})",
    )
    parser.add_argument(
        "--fail-on", choices=("advisory", "soft", "hard"), help="the lowest enforcement that blocks"
    )
    parser.add_argument(
        "--max-body",
        type=counted("a number of bytes", 1),
        default=1 << 20,
        metavar="BYTES",
        help="largest body (default: 1 MiB)",
    )
    parser.add_argument(
        "--max-batch",
        type=counted("a number of manifests", 1),
        default=100,
        metavar="N",
        help="manifests per batch (default: 100)",
    )
    parser.add_argument("--no-access-log", action="store_true", help="do not write the JSON access log")


def run(args: argparse.Namespace) -> int:
    try:
        import fastapi  # noqa: F401
        import uvicorn
    except ModuleNotFoundError:
        sys.stderr.write(MISSING)
        return 2
    settings = _settings(args)
    if settings is None:
        return 2
    from govrules.server.settings import ENV

    logging_config = _logging()
    common: dict[str, Any] = {
        "host": args.host,
        "port": args.port,
        "access_log": False,  # ours is the JSON access log
        "log_config": logging_config,
        "timeout_graceful_shutdown": 30,
        "server_header": False,
    }
    # uvicorn drains the requests in flight on SIGTERM, then raises the signal again: this handler makes that a
    # clean exit (0) instead of death by signal
    signal.signal(signal.SIGTERM, _stopped)
    try:
        if args.workers > 1:
            os.environ[ENV] = settings.to_env()
            target = "govrules.server.serve_command:app_from_env"
            uvicorn.run(target, factory=True, workers=args.workers, **common)
            return 0
        app = _app(settings)
        if app is None:
            return 2
        uvicorn.run(app, **common)
    except _Stopped:
        pass
    return 0


class _Stopped(Exception):
    pass


def _stopped(signum: int, frame: object) -> None:
    raise _Stopped


def app_from_env() -> Any:
    """The app factory each worker process calls (`--workers N`)."""
    from govrules.server.app import create_app
    from govrules.server.settings import ServerSettings

    return create_app(ServerSettings.from_env())


def _settings(args: argparse.Namespace) -> Any:
    from govrules.cli import settings_from
    from govrules.diagnostics import GovrulesError
    from govrules.server.evaluation import PolicyConfig
    from govrules.server.settings import ServerSettings

    try:
        config = settings_from(args)
    except GovrulesError as err:
        sys.stderr.write(err.format() + "\n")
        return None
    policy = PolicyConfig(
        config["policies"].value if config["policies"] else None,
        {name: s.value for name, s in config["params"].items()},
        {rule: s.value for rule, s in config["disable"].items()},
        config["fail_on"].value,
    )
    settings = ServerSettings(
        policy,
        args.db,
        args.tokens,
        max_body=args.max_body,
        max_batch=args.max_batch,
        access_log=not args.no_access_log,
        sighup=args.workers == 1,
        freeze_heap=True,
    )
    if args.workers > 1:  # prove the configuration in the supervisor first; the workers build their own apps
        app = _app(settings)
        if app is None:
            return None
        app.state.govrules.log.close()
    return settings


def _app(settings: Any) -> Any:
    from govrules.diagnostics import GovrulesError
    from govrules.server.app import create_app
    from govrules.server.audit import DecisionLogError
    from govrules.server.tokens import TokenError

    try:
        return create_app(settings)
    except GovrulesError as err:
        sys.stderr.write(err.format() + "\n")
    except TokenError as err:
        sys.stderr.write(err.format() + "\n")
    except DecisionLogError as err:
        sys.stderr.write(f"govrules: error: {err}\n")
    return None


def _logging() -> dict[str, Any]:
    """Server messages (start, stop, reload, internal errors) as text lines on standard error; the JSON access
    log is written by the app itself (`app.AccessLog`)."""
    handler = {"class": "logging.StreamHandler", "formatter": "default", "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"default": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
        "handlers": {"default": handler},
        "loggers": {
            "govrules.server": {"handlers": ["default"], "level": "INFO", "propagate": False},
            "uvicorn": {"handlers": ["default"], "level": "INFO", "propagate": False},
            "uvicorn.error": {"level": "INFO"},
        },
    }
