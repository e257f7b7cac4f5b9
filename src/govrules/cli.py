"""The `govrules` command line: argparse, exit codes, and nothing heavy at import time.

$ govrules check examples/ --as-of 2026-11-28
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from collections.abc import Sequence

from govrules import __version__

TYPE_CHECKING = False  # typing stays unimported at run time: start-up is a feature
if TYPE_CHECKING:
    from typing import Any, NoReturn

    from govrules.api import Engine
    from govrules.results import Report

EXIT_CODES = """exit codes:
  0  no blocking failure
  1  at least one blocking failure (a failed rule that is not advisory and that no valid waiver covers)
  2  the input could not be used (bad manifest, bad policy, bad flag, unreadable file)"""

STAGES = ("idea", "pilot", "program", "enterprise", "retired")
COMMANDS = ("check", "rules", "config", "schema", "init")
REPORT_FORMATS = ("auto", "text", "json", "sarif", "junit", "github", "gitlab", "markdown")


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """argparse's formatter, told the width up front: finding it itself imports shutil on every start."""

    def __init__(self, prog: str) -> None:
        try:
            width = int(os.environ.get("COLUMNS") or 0) or os.get_terminal_size().columns
        except (ValueError, OSError):
            width = 80
        super().__init__(prog, width=max(width - 2, 40))


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


def parse_date(text: str) -> dt.date:
    from govrules.dates import calendar_date

    value = calendar_date(text)
    if value is None:
        raise argparse.ArgumentTypeError(f"`{text}` is not a calendar date (write YYYY-MM-DD)")
    return value


class _FormatAction(argparse.Action):
    """`--format X` opens a report target; the `--output` after it, if any, names its file."""

    def __call__(self, parser: Any, namespace: Any, values: Any, option_string: Any = None) -> None:
        targets = list(getattr(namespace, "targets", None) or [])
        targets.append([values, None])
        namespace.targets = targets
        namespace.format = [*(namespace.format or []), values]


class _OutputAction(argparse.Action):
    def __call__(self, parser: Any, namespace: Any, values: Any, option_string: Any = None) -> None:
        targets = list(getattr(namespace, "targets", None) or [])
        if targets and targets[-1][1] is None:
            targets[-1][1] = values
        elif not targets:
            targets.append([None, values])  # the default format, to a file
        else:
            parser.error(f"`--output {values}` follows another --output: put a --format before each --output")
        namespace.targets = targets
        namespace.output = values


def counted(what: str, least: int = 0) -> Any:
    """An argparse type for a whole number, at least `least`: `type=counted("a number of processes", 0)`."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = least - 1
        if value < least:
            raise argparse.ArgumentTypeError(f"expected {what} ({least} or more), got `{text}`")
        return value

    return parse


def parse_param(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"`{text}` is not NAME=VALUE")
    return name.strip(), value.strip()


def _add_tools(sub: Any, argv: Sequence[str]) -> None:
    """The authoring tools (govrules.authoring): configured only when one of them runs, listed always."""
    from govrules.authoring import POLICY_TOOLS, TOP_LEVEL_TOOLS

    wanted = [a for a in argv if not a.startswith("-")][:2]
    if POLICY_TOOLS:
        policy = sub.add_parser(
            "policy",
            help="author policies: " + ", ".join(name for name, _, _ in POLICY_TOOLS),
            description="Tools for policy authors.",
            epilog=EXIT_CODES,
            formatter_class=_Formatter,
        )
        tools = policy.add_subparsers(dest="tool", metavar="TOOL", parser_class=_Parser)
        for name, module, text in POLICY_TOOLS:
            _add_tool(tools, name, module, text, wanted[:1] == ["policy"] and wanted[1:] == [name])
    for name, module, text in TOP_LEVEL_TOOLS:
        _add_tool(sub, name, module, text, wanted[:1] == [name])


def _add_tool(sub: Any, name: str, module: str, text: str, configure: bool) -> None:
    parser = sub.add_parser(name, help=text, description=text, epilog=EXIT_CODES, formatter_class=_Formatter)
    parser.set_defaults(tool_module=module)
    if configure:
        import importlib

        importlib.import_module(module).configure(parser)


def build_parser(argv: Sequence[str] = ()) -> argparse.ArgumentParser:
    parser = _Parser(
        prog="govrules",
        description="Policy-as-code governance rules for AI projects.",
        epilog=EXIT_CODES,
        formatter_class=_Formatter,
    )
    parser.add_argument("--version", action="version", version=f"govrules {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    # only the command that runs gets its parser built (13 parsers cost ~10 ms of a pre-commit hook's start);
    # without a known command, all of them are, for the help and the error message
    wanted = next((a for a in argv if not a.startswith("-")), None)
    if wanted in ("check", None) or wanted not in COMMANDS:
        check = sub.add_parser(
            "check",
            help="evaluate ai-project.yaml manifests against the policies",
            description="Evaluate manifests (files, or folders searched for ai-project.yaml).",
            epilog="examples:\n  govrules check .\n  govrules check services/assistant --stage program\n"
            "  govrules check . --as-of 2026-11-28 --format json --output report.json\n"
            "  govrules check . --format github --format sarif --output govrules.sarif\n\n" + EXIT_CODES,
            formatter_class=_Formatter,
        )
        check.add_argument(
            "paths", nargs="*", default=["."], metavar="PATH", help="manifest files or folders (default: .)"
        )
        add_policy_options(check)
        check.add_argument(
            "--as-of", type=parse_date, metavar="DATE", help="evaluate as of this date (default: today, UTC)"
        )
        check.add_argument("--stage", choices=STAGES, help="evaluate as if the project were at this stage")
        check.add_argument(
            "--format",
            action=_FormatAction,
            choices=REPORT_FORMATS,
            help="report format; repeatable, each followed by its own --output (default: auto: github under "
            "GitHub Actions, coloured text on a terminal, plain text otherwise)",
        )
        check.add_argument(
            "--fail-on",
            choices=("advisory", "soft", "hard"),
            help="the lowest enforcement whose failures block (default: soft)",
        )
        check.add_argument(
            "--output",
            action=_OutputAction,
            metavar="FILE",
            help="write the report of the --format before it to FILE (default: standard output)",
        )
    if wanted in ("rules", None) or wanted not in COMMANDS:
        rules = sub.add_parser(
            "rules",
            help="list the active rules with their metadata and parameters",
            description="List the active rules: metadata, applicability, logic, references and parameters.",
            epilog="examples:\n  govrules rules\n  govrules rules --format markdown --output docs/rules.md\n"
            "  govrules rules --format json --param max_age_dpia=180\n\n" + EXIT_CODES,
            formatter_class=_Formatter,
        )
        add_policy_options(rules)
        rules.add_argument(
            "--format",
            choices=("text", "json", "markdown"),
            default="text",
            help="output format (default: text; markdown is docs/rules.md)",
        )
        rules.add_argument(
            "--output", metavar="FILE", help="write the listing to FILE instead of standard output"
        )
    if wanted not in COMMANDS:  # the authoring tools, `report`, or no command (help)
        _add_tools(sub, argv)
    if wanted in ("config", None) or wanted not in COMMANDS:
        config = sub.add_parser(
            "config",
            help="show the effective configuration and where each value comes from",
            description="Show the configuration in force: each value with its source (file:line, a flag, or the "
            "default). Flags given here are applied as `govrules check` would apply them.",
            epilog="examples:\n  govrules config\n  govrules config --format json --fail-on hard\n\n"
            + EXIT_CODES,
            formatter_class=_Formatter,
        )
        add_policy_options(config)
        config.add_argument("--format", choices=("text", "json"), help="output format (default: text)")
        config.add_argument("--fail-on", choices=("advisory", "soft", "hard"), help="as for `check`")
    if wanted in ("schema", None) or wanted not in COMMANDS:
        schema = sub.add_parser(
            "schema",
            help="print the manifest JSON Schema (for editors and other tools)",
            description="Print the JSON Schema (2020-12) of ai-project.yaml.",
            epilog="example:\n  govrules schema --output .govrules/ai-project.schema.json\n\n" + EXIT_CODES,
            formatter_class=_Formatter,
        )
        schema.add_argument(
            "--output", metavar="FILE", help="write the schema to FILE instead of standard output"
        )
    if wanted in ("init", None) or wanted not in COMMANDS:
        init = sub.add_parser(
            "init",
            help="write a commented starter ai-project.yaml",
            description="Write a commented ai-project.yaml that passes the schema, with the sections the rules ask "
            "for at the given stage, and the schema next to it (.govrules/) so editors complete and validate "
            "fields.",
            epilog="examples:\n  govrules init --name 'Invoice extraction'\n  govrules init --stage pilot "
            "--output services/assistant/ai-project.yaml\n\n" + EXIT_CODES,
            formatter_class=_Formatter,
        )
        init.add_argument(
            "--stage", choices=STAGES[:4], default="idea", help="the project's stage (default: idea)"
        )
        init.add_argument("--name", default="My AI project", help="the project's name")
        init.add_argument("--id", help="the project's id (default: from the name)")
        init.add_argument(
            "--output", default="ai-project.yaml", metavar="FILE", help="where (default: ./ai-project.yaml)"
        )
        init.add_argument(
            "--as-of",
            type=parse_date,
            metavar="DATE",
            help="the date written as stage.since (default: today)",
        )
        init.add_argument(
            "--schema-url",
            metavar="URL",
            help="point editors at this schema URL instead of writing a local copy",
        )
        init.add_argument("--force", action="store_true", help="overwrite an existing file")
    return parser


def add_policy_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="read this configuration file (default: the nearest .govrules.toml or pyproject.toml "
        "with [tool.govrules], walking up from the working directory)",
    )
    parser.add_argument(
        "--policy",
        action="append",
        metavar="PATH",
        help="a .gov file or folder of them; repeatable (default: the bundled pack)",
    )
    parser.add_argument(
        "--param",
        action="append",
        type=parse_param,
        metavar="NAME=VALUE",
        default=[],
        help="override a rule parameter, e.g. waiver_max_days=180 (a number of days for durations)",
    )


def run() -> None:
    """The console entry point: run, flush, and leave without tearing the interpreter down (start-up and exit
    time are a feature for a pre-commit hook; nothing is left to clean up once output is flushed)."""
    code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:
        code = code or 1
    os._exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    if args.command == "policy" and getattr(args, "tool", None) is None:
        sys.stderr.write("govrules policy: error: name a tool (see `govrules policy --help`)\n")
        return 2
    try:
        if getattr(args, "tool_module", None):
            import importlib

            code: int = importlib.import_module(args.tool_module).run(args)
            return code
        handler = {"rules": _rules, "config": _config, "schema": _schema, "init": _init}.get(
            args.command, _check
        )
        return handler(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 1
    except ModuleNotFoundError as err:
        sys.stderr.write(
            f"govrules: error: a package govrules needs is missing: `{err.name}`\n"
            "    hint: reinstall govrules with its dependencies: `python -m pip install govrules`\n"
        )
        return 2
    except Exception as err:  # the last guard: a user never sees a traceback
        if os.environ.get("GOVRULES_DEBUG"):
            raise
        sys.stderr.write(
            f"govrules: internal error: {type(err).__name__}: {err}\n"
            "    hint: this is a bug in govrules; rerun with GOVRULES_DEBUG=1 and report the output\n"
        )
        return 2


def settings_from(args: argparse.Namespace) -> dict[str, Any]:
    """The effective settings, each as (value, source): flags win over the configuration file, which wins
    over the defaults."""
    from govrules.config import Setting, config_value, load_config

    config = load_config(os.getcwd(), args.config)
    params = dict(config.params or {})
    for name, raw in args.param:
        params[name] = Setting(config_value(raw), "--param")
    flag_format = getattr(args, "format", None)
    if isinstance(flag_format, list):
        flag_format = flag_format[0] if len(flag_format) == 1 else ",".join(flag_format)
    return {
        "file": config.file,
        "policies": Setting(args.policy, "--policy") if args.policy else config.policies,
        "params": params,
        "disable": dict(config.disable or {}),
        "format": Setting(flag_format, "--format")
        if flag_format
        else config.format or Setting("auto" if args.command == "check" else "text", "default"),
        "fail_on": Setting(args.fail_on, "--fail-on")
        if getattr(args, "fail_on", None)
        else config.fail_on or Setting("soft", "default"),
    }


def engine_from(settings: dict[str, Any]) -> Engine:
    from govrules.api import Engine

    policies = settings["policies"].value if settings["policies"] else None
    params = {name: s.value for name, s in settings["params"].items()}
    disabled = {rule: s.value for rule, s in settings["disable"].items()}
    return Engine.load(policies, params, disabled, settings["fail_on"].value)


def _check(args: argparse.Namespace) -> int:
    from govrules.diagnostics import GovrulesError

    as_of = args.as_of or dt.datetime.now(dt.UTC).date()
    try:
        settings = settings_from(args)
    except GovrulesError as err:
        sys.stderr.write(err.format() + "\n")
        return 2
    try:
        targets = _targets(getattr(args, "targets", None) or [], settings["format"].value)
    except ValueError as err:
        sys.stderr.write(f"govrules: error: {err}\n")
        return 2
    try:
        engine = engine_from(settings)
    except GovrulesError as err:
        sys.stderr.write(err.format() + "\n")
        if "json" not in [fmt for fmt, _ in targets]:
            return 2
        from govrules.results import Report

        report = Report(
            as_of, "", (), {}, (), args.stage, err.diagnostics
        )  # the machine reader gets JSON too
    else:
        report = engine.check(args.paths, as_of, args.stage)
    loaded = bool(report.policy_hash)
    for fmt, output in targets:
        if not loaded and fmt != "json":
            continue  # the policy errors are on standard error already
        code = emit(_render(report, fmt, output), output)
        if code:
            return code
        if fmt == "github" and os.environ.get("GITHUB_STEP_SUMMARY"):
            _append_summary(report, os.environ["GITHUB_STEP_SUMMARY"])
    return report.exit_code


def _targets(given: list[list[str | None]], default: str) -> list[tuple[str, str | None]]:
    """The reports to write: (format, file or None for standard output), in the order given."""
    pairs = [(fmt or default, out) for fmt, out in given] or [(default, None)]
    if sum(1 for _, out in pairs if out is None) > 1:
        raise ValueError("only one --format can go to standard output: give the others an --output FILE")
    return [(_resolve(fmt, out), out) for fmt, out in pairs]


def _resolve(fmt: str, output: str | None) -> str:
    if fmt != "auto":
        return fmt
    if os.environ.get("GITHUB_ACTIONS") == "true" and output is None:
        return "github"
    return "text"


def _render(report: Report, fmt: str, output: str | None) -> str:
    import importlib

    if fmt == "text":
        from govrules.reporters import text

        return text.render(report, color=_color(output))
    module = importlib.import_module(f"govrules.reporters.{fmt}")
    if fmt in ("sarif", "gitlab", "github"):  # these name files from the repository root
        rendered: str = module.render(report, prefix=_repo_prefix())
    else:
        rendered = module.render(report)
    return rendered


def _repo_prefix() -> str:
    """The working directory relative to the repository root (the nearest folder with `.git`), or ""."""
    here = start = os.getcwd()
    while not os.path.exists(os.path.join(here, ".git")):
        parent = os.path.dirname(here)
        if parent == here:
            return ""
        here = parent
    rel = os.path.relpath(start, here)
    return "" if rel == "." else rel.replace(os.sep, "/")


def _append_summary(report: Report, path: str) -> None:
    from govrules.reporters import github

    try:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(github.summary(report))
    except OSError as err:
        sys.stderr.write(
            f"govrules: warning: cannot append the job summary to `{path}`: {err.strerror or err}\n"
        )


def _rules(args: argparse.Namespace) -> int:
    from govrules.catalogue import catalogue, render
    from govrules.diagnostics import GovrulesError

    fmt, args.format = args.format, None  # the listing's format is not the report's
    try:
        engine = engine_from(settings_from(args))
    except GovrulesError as err:
        sys.stderr.write(err.format() + "\n")
        return 2
    return emit(render(catalogue(engine.compiled), fmt), args.output)


def _config(args: argparse.Namespace) -> int:
    import json

    from govrules.config import Setting
    from govrules.diagnostics import GovrulesError

    fmt, args.format = args.format or "text", None
    try:
        settings = settings_from(args)
        engine = engine_from(
            settings
        )  # proves the configuration loads: unknown parameters and rules are errors
    except GovrulesError as err:
        sys.stderr.write(err.format() + "\n")
        return 2
    policies = settings["policies"] or Setting(["(the bundled pack)"], "default")
    rows: list[tuple[str, object, str]] = [
        ("policies", policies.value, policies.source),
        ("format", settings["format"].value, settings["format"].source),
        ("fail_on", settings["fail_on"].value, settings["fail_on"].source),
    ]
    for name, value in sorted(engine.compiled.params.items()):
        given = settings["params"].get(name)
        rows.append((f"params.{name}", value, given.source if given else "default"))
    for rule, s in sorted(settings["disable"].items()):
        rows.append((f"disable.{rule}", s.value, s.source))
    if fmt == "json":
        from govrules.reporters.json import _value

        data = {
            "file": settings["file"],
            "settings": [{"key": k, "value": _value(v), "source": src} for k, v, src in rows],
        }
        return emit(json.dumps(data, indent=2, ensure_ascii=False) + "\n", None)
    from govrules.lang.printer import print_literal_value

    lines = [f"# configuration file: {settings['file'] or '(none found)'}"]
    shown = [(k, print_literal_value(tuple(v) if isinstance(v, list) else v), src) for k, v, src in rows]
    width = min(max(len(k) + len(v) for k, v, _ in shown) + 3, 48)
    lines += [f"{f'{k} = {v}':<{width}}  # {src}" for k, v, src in shown]
    return emit("\n".join(lines) + "\n", None)


def _schema(args: argparse.Namespace) -> int:
    from govrules.resources import read_data

    return emit(read_data("schemas", "ai-project.schema.json").decode("utf-8"), args.output)


def _init(args: argparse.Namespace) -> int:
    from govrules.resources import read_data
    from govrules.scaffold import SCHEMA_FILE, manifest_text, slug

    if os.path.exists(args.output) and not args.force:
        sys.stderr.write(
            f"govrules: error: `{args.output}` already exists\n    hint: choose another --output, or add --force\n"
        )
        return 2
    today = args.as_of or dt.datetime.now(dt.UTC).date()
    folder = os.path.dirname(os.path.abspath(args.output))
    schema = args.schema_url or SCHEMA_FILE
    text = manifest_text(args.stage, today, schema, args.id or slug(args.name), args.name)
    try:
        os.makedirs(folder, exist_ok=True)
        if not args.schema_url:
            os.makedirs(os.path.join(folder, os.path.dirname(SCHEMA_FILE)), exist_ok=True)
            with open(os.path.join(folder, SCHEMA_FILE), "w", encoding="utf-8") as handle:
                handle.write(read_data("schemas", "ai-project.schema.json").decode("utf-8"))
        with open(args.output, "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as err:
        sys.stderr.write(f"govrules: error: cannot write `{args.output}`: {err.strerror or err}\n")
        return 2
    sys.stdout.write(
        f"wrote {args.output} ({args.stage} stage); next: fill in the placeholders and run "
        f"`govrules check {os.path.dirname(args.output) or '.'}`\n"
    )
    return 0


def emit(text: str, output: str | None) -> int:
    if output:
        try:
            with open(output, "w", encoding="utf-8") as handle:
                handle.write(text)
        except OSError as err:
            sys.stderr.write(f"govrules: error: cannot write `{output}`: {err.strerror or err}\n")
            return 2
    else:
        sys.stdout.write(text)
    return 0


def _color(output: str | None) -> bool:
    if output or os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return sys.stdout.isatty()
