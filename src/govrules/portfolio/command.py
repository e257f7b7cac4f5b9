"""`govrules report`: the portfolio report over every manifest found, as Markdown, one HTML page or JSON.

Exit codes: 0 the report was written (it is information: failures in it do not fail the run); 2 the input could
not be used (bad flag or policy, unreadable history or output, a path without manifests, a manifest that cannot be
evaluated; the report is still written when there is one, listing what was unusable).

    $ govrules report examples/ --as-of 2026-11-28 --format html --output portfolio.html
    $ govrules report . --format json --history .govrules/history   # stores <as_of>.json, adds a trend section
    $ govrules report repos/ --jobs 0 --format json --output portfolio.json   # every core; the same JSON
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import os
import sys

FORMATS = ("markdown", "html", "json")


def configure(parser: argparse.ArgumentParser) -> None:
    from govrules.cli import add_policy_options, counted, parse_date

    parser.add_argument(
        "paths", nargs="*", default=["."], metavar="PATH", help="manifests or folders (default: .)"
    )
    parser.add_argument(
        "--as-of", type=parse_date, metavar="DATE", help="evaluate as of this date (default: today)"
    )
    parser.add_argument(
        "--format", choices=FORMATS, default="markdown", help="output format (default: markdown)"
    )
    parser.add_argument(
        "--output", metavar="FILE", help="write the report to FILE instead of standard output"
    )
    parser.add_argument(
        "--history",
        metavar="DIR",
        help="store this run's JSON summary as DIR/<as_of>.json and add a trend over every summary there",
    )
    parser.add_argument(
        "--jobs",
        type=counted("a number of processes, 0 for every core"),
        default=1,
        metavar="N",
        help="evaluate the manifests in N processes; 0 uses every core (default: 1)",
    )
    add_policy_options(parser)
    parser.epilog = (
        "examples:\n"
        "  govrules report examples/ --as-of 2026-11-28\n"
        "  govrules report . --format html --output portfolio.html\n"
        "  govrules report repos/ --format json --history reports/history\n"
        "  govrules report repos/ --jobs 0 --format json --output portfolio.json\n\n"
        "exit codes:\n"
        "  0  the report was written (findings in it do not fail the run)\n"
        "  2  the input could not be used (flag, policy, path, manifest, history or output)\n"
    )


def run(args: argparse.Namespace) -> int:
    from govrules.cli import emit, engine_from, settings_from
    from govrules.diagnostics import GovrulesError
    from govrules.portfolio import render_html, render_json, render_markdown, trend
    from govrules.portfolio.summary import portfolio

    fmt, args.format = args.format, None  # the report's format is not a check format
    if not hasattr(args, "command"):
        args.command = "report"
    as_of = args.as_of or dt.datetime.now(dt.UTC).date()
    try:
        settings = settings_from(args)
        engine = engine_from(settings)
        jobs = getattr(args, "jobs", 1)
        load = functools.partial(engine_from, settings)
        summary = portfolio(engine, args.paths, as_of, jobs, load)
    except GovrulesError as err:
        sys.stderr.write(err.format() + "\n")
        return 2
    if args.history:
        try:
            trend.store(summary, args.history, render_json.render(summary))
            summary["trend"] = trend.read(args.history)
        except OSError as err:
            sys.stderr.write(f"govrules: error: cannot use history `{args.history}`: {err.strerror or err}\n")
            return 2
    renderer = {"markdown": render_markdown.render, "html": render_html.render, "json": render_json.render}[
        fmt
    ]
    code = emit(renderer(summary), args.output)
    if code:
        return code
    if args.output:
        sys.stderr.write(f"wrote {os.fspath(args.output)} ({summary['totals']['manifests']} manifests)\n")
    return 2 if summary["unusable"] else 0
