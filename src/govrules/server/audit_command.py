"""`govrules audit verify|export`: check the decision log's hash chain, or write its records out as JSON lines.

Runs without the `server` extra (no FastAPI here); a PostgreSQL log needs psycopg (`govrules[postgresql]`). Exit
codes: 0 the chain holds (export: written); 1 it does not, and the first bad record is named; 2 a usage error or a
database that cannot be read.

    $ govrules audit verify --db sqlite:govrules-decisions.db
    $ govrules audit verify --db postgresql://auditor@db/govrules --expect-head 3f2a...e9 --format json
    $ govrules audit export --db sqlite:govrules-decisions.db --since 1200 --output decisions.jsonl
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile

EXAMPLES = """examples:
  govrules audit verify
  govrules audit verify --db sqlite:/var/lib/govrules/decisions.db --expect-head HASH
  govrules audit verify --db postgresql://auditor@db.internal/govrules --format json
  govrules audit export --db sqlite:govrules-decisions.db --since 1200 --output decisions.jsonl
"""
EXIT_CODES = """exit codes:
  0  the chain holds (export: the records were written)
  1  the chain does not hold: the first altered, removed or reordered record is named
  2  the input could not be used (bad flag, no decision log at --db, a database that cannot be read)
"""
DB_HELP = "the decision log: sqlite:FILE, a file path or postgresql://... (default: {default})"


def configure(parser: argparse.ArgumentParser) -> None:
    from govrules.cli import counted
    from govrules.server.audit import DEFAULT_DB_URL

    parser.epilog = f"{EXAMPLES}\n{EXIT_CODES}"
    actions = parser.add_subparsers(dest="audit_action", metavar="ACTION", parser_class=type(parser))
    verify = actions.add_parser(
        "verify",
        help="walk the hash chain and name the first altered, removed or reordered record",
        description="Walk the decision log's hash chain; print the records checked and the head hash (keep it: "
        "--expect-head HASH later fails if records after it were cut from the end).",
        epilog=f"{EXAMPLES}\n{EXIT_CODES}",
        formatter_class=parser.formatter_class,
    )
    verify.add_argument(
        "--db", default=DEFAULT_DB_URL, metavar="URL", help=DB_HELP.format(default=DEFAULT_DB_URL)
    )
    verify.add_argument(
        "--expect-head",
        type=_hash,
        metavar="HASH",
        help="fail unless the record with this hash (a head printed earlier) is still in the chain",
    )
    verify.add_argument("--format", choices=("text", "json"), default="text", help="output (default: text)")
    export = actions.add_parser(
        "export",
        help="write the records as JSON lines, in chain order",
        description="Write the decision log's records as JSON lines in chain order, each with its report.",
        epilog=f"{EXAMPLES}\n{EXIT_CODES}",
        formatter_class=parser.formatter_class,
    )
    export.add_argument(
        "--db", default=DEFAULT_DB_URL, metavar="URL", help=DB_HELP.format(default=DEFAULT_DB_URL)
    )
    export.add_argument("--output", metavar="FILE", help="write to FILE instead of standard output")
    export.add_argument(
        "--since",
        type=counted("a record number"),
        default=0,
        metavar="SEQ",
        help="only the records after seq SEQ (default: all)",
    )


def _hash(text: str) -> str:
    value = text.strip().lower()
    if len(value) != 64 or any(c not in "0123456789abcdef" for c in value):
        raise argparse.ArgumentTypeError(f"expected a record hash (64 hexadecimal digits), got `{text}`")
    return value


def run(args: argparse.Namespace) -> int:
    from govrules.server.audit import DecisionLogError

    action = getattr(args, "audit_action", None)
    if action is None:
        sys.stderr.write(
            "govrules audit: error: name an action, `verify` or `export` (see `govrules audit --help`)\n"
        )
        return 2
    try:
        return _verify(args) if action == "verify" else _export(args)
    except DecisionLogError as err:
        sys.stderr.write(f"govrules audit {action}: error: {err}\n")
        return 2


def _verify(args: argparse.Namespace) -> int:
    from govrules.server.audit import display_url, verify

    result = verify(args.db, expect_head=args.expect_head)
    shown = display_url(args.db)
    if args.format == "json":
        sys.stdout.write(json.dumps({"db": shown, **result.to_json()}, indent=2) + "\n")
        return 0 if result.ok else 1
    problem = result.problem
    if problem is None:
        sys.stdout.write(
            f"the decision log `{shown}` holds: {result.records} records checked\n"
            f"head: seq {result.head_seq}, hash {result.head_hash}\n"
        )
        return 0
    where = f"seq {problem.seq}" + (f" (decision `{problem.decision_id}`)" if problem.decision_id else "")
    sys.stdout.write(
        f"the decision log `{shown}` does not hold at {where}: {problem.kind}: {problem.message}\n"
        f"intact before it: {result.records} records, head seq {result.head_seq}, hash {result.head_hash}\n"
    )
    return 1


def _export(args: argparse.Namespace) -> int:
    from govrules.server.audit import export

    if not args.output:
        export(args.db, sys.stdout, since=args.since)
        return 0
    target = os.path.abspath(args.output)
    try:
        handle, temporary = tempfile.mkstemp(dir=os.path.dirname(target), prefix=".govrules-export-")
    except OSError as err:
        sys.stderr.write(
            f"govrules audit export: error: cannot write `{args.output}`: {err.strerror or err}\n"
        )
        return 2
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            count = export(args.db, out, since=args.since)
        os.replace(temporary, target)
    except OSError as err:
        sys.stderr.write(
            f"govrules audit export: error: cannot write `{args.output}`: {err.strerror or err}\n"
        )
        return 2
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    sys.stderr.write(f"wrote {count} records to {args.output}\n")
    return 0
