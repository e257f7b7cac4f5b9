"""`govrules token create|list|revoke`: manage the API's bearer tokens in the token file (see `server.tokens`).

`create` prints the new token once, on standard output alone (or in `{"id", "name", "scope", "token"}` with
`--format json`), so a script can capture it; `list` shows ids, names, scopes and creation times, never a secret
or a hash; `revoke` removes tokens by id. None of them needs the `server` extra. Each warns when other users may
read or write the token file.

    $ govrules token create --scope evaluate --name intake-portal --tokens /etc/govrules/tokens.jsonl
"""

from __future__ import annotations

import argparse
import json
import sys

from govrules.server.tokens import DEFAULT_TOKENS_FILE, SCOPES, TokenError, TokenStore, exposed_mode

TYPE_CHECKING = False
if TYPE_CHECKING:
    from govrules.server.tokens import Scope

EXIT_CODES = """exit codes:
  0  done
  2  the input could not be used (bad flag or name, missing or malformed token file, unknown token id)"""

EXAMPLES = """examples:
  govrules token create --scope evaluate --name intake-portal
  govrules token create --scope admin --name ops --format json
  govrules token list --tokens /etc/govrules/tokens.jsonl
  govrules token revoke 3f9a1c0b7d2e"""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.epilog = EXAMPLES + "\n\n" + EXIT_CODES
    actions = parser.add_subparsers(dest="token_action", metavar="ACTION")
    kinds = (
        ("create", "create a token and print it once (only its salted hash is stored)", _configure_create),
        ("list", "list the tokens: id, name, scope, created (never a secret)", _configure_list),
        ("revoke", "remove tokens by id, so the API no longer accepts them", _configure_revoke),
    )
    for name, text, add_arguments in kinds:
        action = actions.add_parser(name, help=text, description=text, formatter_class=parser.formatter_class)
        add_arguments(action)
        action.add_argument(
            "--tokens",
            metavar="FILE",
            default=DEFAULT_TOKENS_FILE,
            help=f"the token file (default: {DEFAULT_TOKENS_FILE} in the working directory)",
        )
        lines = [line for line in EXAMPLES.splitlines()[1:] if f" token {name} " in line + " "]
        action.epilog = "examples:\n" + "\n".join(lines) + "\n\n" + EXIT_CODES


def _configure_create(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--scope",
        choices=SCOPES,
        default="evaluate",
        help="evaluate: the evaluation endpoints; admin: everything (default: evaluate)",
    )
    parser.add_argument(
        "--name",
        metavar="NAME",
        help="a label for logs and `token list`, e.g. intake-portal (default: the scope)",
    )
    _add_format(parser)


def _configure_list(parser: argparse.ArgumentParser) -> None:
    _add_format(parser)


def _configure_revoke(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "ids", nargs="+", metavar="ID", help="the token ids to revoke (see `govrules token list`)"
    )


def _add_format(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format", choices=("text", "json"), default="text", help="output format (default: text)"
    )


def run(args: argparse.Namespace) -> int:
    action = getattr(args, "token_action", None)
    if action is None:
        sys.stderr.write(
            "govrules token: error: name an action: create, list or revoke (see `govrules token --help`)\n"
        )
        return 2
    path: str = args.tokens
    _warn_if_exposed(path, rewritten=action != "list")
    try:
        if action == "create":
            return _create(path, args.scope, args.name or args.scope, args.format)
        if action == "list":
            return _list(path, args.format)
        return _revoke(path, args.ids)
    except TokenError as err:
        sys.stderr.write(err.format() + "\n")
        return 2


def _create(path: str, scope: Scope, name: str, fmt: str) -> int:
    from govrules.server.tokens import create_token

    caller, token = create_token(path, scope, name)
    if fmt == "json":
        out = {"id": caller.token_id, "name": caller.name, "scope": caller.scope, "token": token}
        sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
        return 0
    sys.stderr.write(
        f"created token `{caller.token_id}` (`{caller.name}`, scope {caller.scope}) in `{path}`; "
        "it is shown once, below: store it now, it cannot be shown again\n"
    )
    sys.stdout.write(token + "\n")
    return 0


def _list(path: str, fmt: str) -> int:
    records = TokenStore.load(path).records()
    rows = [
        {"id": r.caller.token_id, "name": r.caller.name, "scope": r.caller.scope, "created": r.created}
        for r in records
    ]
    if fmt == "json":
        sys.stdout.write(json.dumps(rows, indent=2, ensure_ascii=False) + "\n")
        return 0
    if not rows:
        sys.stderr.write(
            f"no tokens in `{path}`\n    hint: create one with `govrules token create --tokens {path}`\n"
        )
        return 0
    head = {"id": "ID", "name": "NAME", "scope": "SCOPE", "created": "CREATED"}
    widths = {key: max(len(row[key]) for row in [head, *rows]) for key in head}
    for row in [head, *rows]:
        sys.stdout.write("  ".join(row[key].ljust(widths[key]) for key in head).rstrip() + "\n")
    return 0


def _revoke(path: str, ids: list[str]) -> int:
    from govrules.server.tokens import revoke_tokens

    for caller in revoke_tokens(path, ids):
        sys.stdout.write(f"revoked token `{caller.token_id}` (`{caller.name}`, scope {caller.scope})\n")
    return 0


def _warn_if_exposed(path: str, rewritten: bool) -> None:
    mode = exposed_mode(path)
    if mode is None:
        return
    fix = "create and revoke rewrite it with mode 0600" if rewritten else f"restrict it: `chmod 600 {path}`"
    sys.stderr.write(
        f"govrules token: warning: other users may read or write the token file `{path}` (mode {mode:04o})\n"
        f"    hint: {fix}\n"
    )
