"""`govrules explain RULE-ID`: a rule's metadata and its logic in plain words, or its trace over a manifest.

`explain_rule(engine, rule_id, doc, as_of, stage)` is the pure function (the HTTP API reuses it): it returns one
dict, `{"rule": ..., "evaluation": ... or None}`, that the text and JSON outputs both render. With a manifest,
the verdict, enforcement, waiver and blocking come from the same evaluation `govrules check` runs
(`Engine.check_document`), and the trace beside them (each `when`, `require` and `advise` with its outcome, the
manifest values it read with their line:col, the lets it used, the deciding value of a false one) from the
explainer, which re-reads the manifest over the rule's AST.

    $ govrules explain PRIV-003 --manifest examples/hr-cv-screening/ai-project.yaml --as-of 2026-11-28
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys

TYPE_CHECKING = False  # typing stays unimported at run time: start-up is a feature
if TYPE_CHECKING:
    from typing import Any

    from govrules.api import Engine
    from govrules.manifest.loader import LocatedDocument

EXAMPLES = """examples:
  govrules explain PRIV-003
  govrules explain PRIV-003 --manifest examples/hr-cv-screening/ai-project.yaml --as-of 2026-11-28
  govrules explain GATE-002 --manifest ai-project.yaml --stage program --format json"""


def configure(parser: argparse.ArgumentParser) -> None:
    from govrules.cli import STAGES, add_policy_options, parse_date

    parser.add_argument("rule_id", metavar="RULE-ID", help="the rule to explain, e.g. PRIV-003")
    add_policy_options(parser)
    parser.add_argument(
        "--manifest",
        metavar="FILE",
        help="trace the rule over this manifest: each condition and the values read",
    )
    parser.add_argument(
        "--as-of", type=parse_date, metavar="DATE", help="evaluate as of this date (default: today, UTC)"
    )
    parser.add_argument("--stage", choices=STAGES, help="evaluate as if the project were at this stage")
    parser.add_argument(
        "--format", choices=("text", "json"), default="text", help="output format (default: text)"
    )
    parser.epilog = EXAMPLES + "\n\n" + (parser.epilog or "")


def run(args: argparse.Namespace) -> int:
    from govrules.cli import engine_from, settings_from
    from govrules.diagnostics import GovrulesError
    from govrules.manifest.loader import load_manifest

    fmt, args.format = args.format, None  # the explanation's format is not a report's
    if args.manifest is None and (args.as_of or args.stage):
        sys.stderr.write("govrules explain: error: `--as-of` and `--stage` need `--manifest FILE`\n")
        return 2
    try:
        engine = engine_from(settings_from(args))
        doc = None
        if args.manifest is not None:
            from govrules.api import display_path

            doc = load_manifest(args.manifest, display_path(args.manifest))
        as_of = args.as_of or dt.datetime.now(dt.UTC).date()
        data = explain_rule(engine, args.rule_id, doc, as_of, args.stage, args.manifest)
    except GovrulesError as err:
        sys.stderr.write(err.format() + "\n")
        return 2
    if fmt == "json":
        sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    else:
        from govrules.authoring.explain_text import render_text

        sys.stdout.write(render_text(data))
    evaluation = data["evaluation"]
    return 1 if evaluation is not None and evaluation["blocking"] else 0


def explain_rule(
    engine: Engine,
    rule_id: str,
    doc: LocatedDocument | None = None,
    as_of: dt.date | None = None,
    stage: str | None = None,
    path: str | None = None,
) -> dict[str, Any]:
    """The rule's metadata and logic; with `doc` (as loaded, not yet validated), its evaluation as of `as_of`
    (default: today) at `stage`. `path` is the manifest's file, for repository-relative evidence links.
    Raises `GovrulesError` for an unknown rule (with the nearest id) or a manifest that cannot be used."""
    from govrules.authoring.explain_trace import describe_rule, trace_rule
    from govrules.diagnostics import Diagnostic, GovrulesError, did_you_mean

    ids = [r.id for r in engine.compiled.rules]
    if rule_id not in ids:
        upper = rule_id.upper()
        hint = f"did you mean `{upper}`?" if upper in ids else did_you_mean(upper, ids)
        raise GovrulesError(
            [
                Diagnostic(
                    "GR505",
                    "error",
                    f"unknown rule `{rule_id}`",
                    None,
                    hint or "name a rule of the policy set (`govrules rules` lists them)",
                )
            ]
        )
    out: dict[str, Any] = {"rule": describe_rule(engine, rule_id), "evaluation": None}
    if doc is not None:
        when = as_of or dt.datetime.now(dt.UTC).date()
        out["evaluation"] = trace_rule(engine, rule_id, doc, when, stage, os.fspath(path) if path else None)
    return out
