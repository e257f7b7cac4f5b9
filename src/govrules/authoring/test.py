"""`govrules policy test`: run policy test files and say which cases fail, with rule coverage.

Each case (format in `govrules.authoring.casefile`) is a manifest, a date and the verdicts the rules must give. It
is evaluated by `api.Engine` (one per set of parameters) in a fresh folder of its own, with the case's `files`
and a `.git` folder so links resolve inside it. A case fails when any expectation fails; its line names the test
file and line, the rule, what was expected and what came, and what the rule said.

Coverage (`--coverage`) counts what the cases proved, not what they merely touched: a rule is seen to pass, to
fail or not to apply when a case expected that verdict and got it; a `require` has decided a failure when it is
among the failing requires of a case that expected, and got, the rule to fail. Rule coverage is the share of
rules seen both to pass and to fail; `--min-coverage N` makes a lower share a failure (exit 1).

    $ govrules policy test tests/rules --min-coverage 100
    831 cases in 12 files: 831 passed
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import namedtuple

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

    from govrules.api import Engine
    from govrules.authoring.casefile import Case
    from govrules.diagnostics import Diagnostic
    from govrules.results import RuleResult

FORMATS = ("text", "json", "junit")


def configure(parser: argparse.ArgumentParser) -> None:
    from govrules.cli import add_policy_options, parse_date

    parser.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        help="test files (`*_test.yaml`), or folders: every `*.yaml` under them, but not under `bases/`",
    )
    add_policy_options(parser)
    parser.add_argument(
        "--as-of",
        type=parse_date,
        metavar="DATE",
        help="the evaluation date of cases that give none, in files that give none (default: 2026-11-28, "
        "fixed so that tests never depend on the day they run)",
    )
    parser.add_argument("--format", choices=FORMATS, default="text", help="output format (default: text)")
    parser.add_argument(
        "--output", metavar="FILE", help="write the report to FILE instead of standard output"
    )
    parser.add_argument(
        "--coverage",
        action="store_true",
        help="report per rule whether it was seen to pass, to fail and not to apply, and per `require` "
        "whether it decided a failure",
    )
    parser.add_argument(
        "--min-coverage",
        type=_percent,
        metavar="N",
        help="fail (exit 1) when fewer than N%% of the rules were seen both to pass and to fail",
    )
    parser.epilog = (
        "examples:\n"
        "  govrules policy test policies/\n"
        "  govrules policy test policies/privacy_test.yaml --policy policies/ --coverage\n"
        "  govrules policy test tests/rules --min-coverage 100 --format junit --output policy-tests.xml\n\n"
        "here exit code 1 means a case failed, or rule coverage is below --min-coverage; 2 that a test file or\n"
        "a policy could not be used (nothing ran)\n\n"
    ) + (parser.epilog or "")


def _percent(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 100:
        raise argparse.ArgumentTypeError(f"`{text}` is not a percentage from 0 to 100")
    return value


def run(args: argparse.Namespace) -> int:
    from govrules.authoring import testreport
    from govrules.diagnostics import GovrulesError

    try:
        suite = prepare(args)
    except GovrulesError as err:
        sys.stderr.write(err.format() + "\n")
        if args.format == "json":
            _write(testreport.render_error(err.diagnostics), args.output)
        return 2
    outcomes = suite.run()
    want = args.coverage or args.min_coverage is not None
    coverage = measure(suite.engine(None), outcomes, args.min_coverage) if want else None
    text = testreport.render(args.format, suite.files, outcomes, coverage, args.coverage)
    code = _write(text, args.output)
    if code:
        return code
    if coverage is not None and not coverage.met and args.format != "text":
        sys.stderr.write(testreport.below_minimum(coverage) + "\n")
    failed = any(o.status != "passed" for o in outcomes) or (coverage is not None and not coverage.met)
    return 1 if failed else 0


def _write(text: str, output: str | None) -> int:
    if not output:
        sys.stdout.write(text)
        return 0
    try:
        with open(output, "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as err:
        sys.stderr.write(f"govrules: error: cannot write `{output}`: {err.strerror or err}\n")
        return 2
    return 0


# ---- preparing: the policies, the test files, and every problem with them before anything runs ----


class Suite:
    """The cases of every test file, checked against the policies, and the engines they need."""

    def __init__(self, policies: Sequence[str] | None, params: dict[str, object]) -> None:
        self.policies, self.params = policies, params
        self.engines: dict[str, Engine] = {}
        self.files: list[tuple[str, list[Case]]] = []

    def engine(self, case: Case | None) -> Engine:
        from govrules.api import Engine
        from govrules.diagnostics import GovrulesError

        params = {**self.params, **(case.params if case else {})}
        key = repr(sorted(params.items(), key=lambda kv: kv[0]))
        if key not in self.engines:
            try:
                self.engines[key] = Engine.load(self.policies, params)
            except GovrulesError as err:
                if case is None or not case.params:
                    raise
                here = case.span("params")
                raise GovrulesError([d._replace(span=d.span or here) for d in err.diagnostics]) from None
        return self.engines[key]

    @property
    def cases(self) -> list[Case]:
        return [case for _, cases in self.files for case in cases]

    def run(self) -> list[Outcome]:
        import tempfile

        with tempfile.TemporaryDirectory(prefix="govrules-policy-test-") as root:
            return [
                run_case(self.engine(case), case, os.path.join(root, str(n) if case.files else "shared"))
                for n, case in enumerate(self.cases)
            ]  # a case with files has a folder of its own; the others share an empty one


def prepare(args: argparse.Namespace) -> Suite:
    """Read the settings, load the policies and every test file; raise GovrulesError with every problem."""
    from govrules.authoring import casefile
    from govrules.cli import settings_from
    from govrules.diagnostics import GovrulesError

    args.format, fmt = None, args.format  # the settings' report format is not this tool's
    try:
        settings = settings_from(args)
    finally:
        args.format = fmt
    policies = settings["policies"].value if settings["policies"] else None
    suite = Suite(policies, {name: s.value for name, s in settings["params"].items()})
    suite.engine(None)
    paths, problems = casefile.find_test_files(args.paths)
    sources: dict[str, Any] = {}
    for path in sorted(paths, key=casefile.display):
        try:
            cases = casefile.load(path, args.as_of or casefile.DEFAULT_AS_OF)
        except GovrulesError as err:
            problems.extend(err.diagnostics)
            sources.update(err.sources)
            continue
        if cases is None:
            continue  # a manifest next to the test files
        suite.files.append((casefile.display(path), cases))
    if not problems:
        for case in suite.cases:
            try:
                suite.engine(case)
            except GovrulesError as err:
                problems.extend(err.diagnostics)
    if not problems and not suite.cases:
        problems.append(casefile._diag("GR600", "no test cases found", None, "give test files with `cases:`"))
    if problems:
        raise GovrulesError(problems, sources)
    return suite


# ---- running a case ----


class Problem(namedtuple("Problem", "rule check expected got said")):
    """One expectation that failed: what the rule said is `said`, a tuple of (manifest line or 0, message)."""

    __slots__ = ()
    rule: str
    check: str
    expected: object
    got: object
    said: tuple[tuple[int, str], ...]


class Outcome(namedtuple("Outcome", "case status problems diagnostics results")):
    """`status`: passed, failed (an expectation failed) or error (the manifest could not be evaluated)."""

    __slots__ = ()
    case: Case
    status: str
    problems: tuple[Problem, ...]
    diagnostics: tuple[Diagnostic, ...]
    results: dict[str, RuleResult]


def run_case(engine: Engine, case: Case, folder: str) -> Outcome:
    from govrules.diagnostics import GovrulesError
    from govrules.manifest.loader import load_text

    os.makedirs(os.path.join(folder, ".git"), exist_ok=True)
    for rel in case.files:
        target = os.path.join(folder, rel)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "w", encoding="utf-8") as handle:
            handle.write("evidence\n")
    path = os.path.join(folder, "ai-project.yaml")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(case.text)
    try:
        doc = load_text(case.text, case.manifest_name)
    except GovrulesError as err:
        return Outcome(case, "error", (), err.diagnostics, {})
    report = engine.check_document(doc, case.as_of, case.stage, path)
    errors = tuple(d for d in report.diagnostics if d.severity == "error")
    if errors:
        return Outcome(case, "error", (), errors, {})
    results = {r.rule: r for r in report.results}
    problems = tuple(compare(case.checks, results))
    return Outcome(case, "failed" if problems else "passed", problems, (), results)


def compare(checks: dict[str, dict[str, Any]], results: dict[str, RuleResult]) -> list[Problem]:
    """Every expectation of a case that the results do not meet, rule by rule in the order first named."""
    from govrules.diagnostics import did_you_mean

    order = list(dict.fromkeys(rule for table in checks.values() for rule in table))
    out: list[Problem] = []
    for rule in order:
        r = results.get(rule)
        if r is None:
            hint = did_you_mean(rule, results)
            check = next(c for c, table in checks.items() if rule in table)
            out.append(Problem(rule, check, checks[check][rule], None, ((0, hint),) if hint else ()))
            continue
        for check, table in checks.items():
            if rule not in table:
                continue
            want = table[rule]
            got = _observed(check, want, r)
            if not (want in str(got) if check == "message" else got == want):
                out.append(Problem(rule, check, want, got, _said(r)))
    return out


def _observed(check: str, want: Any, r: RuleResult) -> object:
    if check == "expect":
        return r.verdict.value
    if check == "blocking":
        return r.blocking
    if check == "failing":
        return [f.position + 1 for f in r.failures]
    if check == "location" and isinstance(want, list):
        return [f.location.line for f in r.failures]
    if check == "location":
        return r.location.line if r.location else None
    if check == "message":
        return r.message
    return len(r.notes)


def _said(r: RuleResult) -> tuple[tuple[int, str], ...]:
    if r.failures:
        return tuple((f.location.line, f.message) for f in r.failures)
    return ((0, r.message),) if r.message else ()


# ---- coverage ----


class RuleCoverage(namedtuple("RuleCoverage", "rule passed failed not_applicable requires decided")):
    """What the cases proved of one rule; `not_applicable` is None for a rule without `when`; `requires` are
    the clauses' texts and `decided` the 1-based positions of those seen to decide a failure."""

    __slots__ = ()
    rule: str
    passed: bool
    failed: bool
    not_applicable: bool | None
    requires: tuple[str, ...]
    decided: frozenset[int]

    @property
    def lacks(self) -> list[str]:
        return [name for name, seen in (("pass", self.passed), ("fail", self.failed)) if not seen]


class Coverage(namedtuple("Coverage", "rules minimum")):
    __slots__ = ()
    rules: tuple[RuleCoverage, ...]
    minimum: float | None

    def share(self, what: str) -> tuple[int, int]:
        """(covered, total) for `rules` (pass and fail), `requires` or `not_applicable`."""
        if what == "rules":
            return sum(1 for r in self.rules if not r.lacks), len(self.rules)
        if what == "requires":
            return sum(len(r.decided) for r in self.rules), sum(len(r.requires) for r in self.rules)
        scoped = [r for r in self.rules if r.not_applicable is not None]
        return sum(1 for r in scoped if r.not_applicable), len(scoped)

    @property
    def met(self) -> bool:
        covered, total = self.share("rules")
        return self.minimum is None or covered * 100 >= self.minimum * total


def measure(engine: Engine, outcomes: Sequence[Outcome], minimum: float | None) -> Coverage:
    seen: dict[str, set[str]] = {}
    decided: dict[str, set[int]] = {}
    for o in outcomes:
        if o.status == "error":
            continue
        wrong = {p.rule for p in o.problems if p.check == "expect"}
        for rule, want in o.case.checks["expect"].items():
            if rule in wrong:
                continue
            seen.setdefault(rule, set()).add(want)
            if want == "fail":
                decided.setdefault(rule, set()).update(f.position + 1 for f in o.results[rule].failures)
    rules = tuple(
        RuleCoverage(
            info.id,
            "pass" in seen.get(info.id, ()),
            "fail" in seen.get(info.id, ()),
            ("not_applicable" in seen.get(info.id, ())) if info.applies_when else None,
            tuple(info.requires),
            frozenset(decided.get(info.id, ())),
        )
        for info in engine.compiled.rules
    )
    return Coverage(rules, minimum)
