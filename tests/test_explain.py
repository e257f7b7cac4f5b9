"""`govrules explain`: plain words (a table), golden outputs, errors (a table), and the trace's verdict equal to
`govrules check`'s over every example manifest. Regenerate goldens with GOVRULES_UPDATE_GOLDEN=1."""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from govrules.api import Engine
from govrules.authoring.explain import explain_rule
from govrules.diagnostics import GovrulesError
from govrules.lang.parser import parse_policy
from govrules.lang.words import say
from govrules.manifest.loader import load_manifest, load_text
from helpers import CASES, ROOT, rule, run_cli

GOLDEN = Path(__file__).parent / "golden" / "explain"
TABLE = yaml.safe_load((CASES / "explain.yaml").read_text(encoding="utf-8"))
AS_OF = dt.date(2026, 11, 28)
EXAMPLES = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "examples").glob("*/ai-project.yaml"))
SAMPLE = ("OWN-001", "XFN-001", "DATA-001", "PRIV-001", "PRIV-003", "BIAS-001", "RISK-005", "SEC-001", "KPI-002",
          "GATE-002", "GATE-004", "MON-001", "LEARN-002", "DOC-003")  # fmt: skip


@functools.cache
def engine() -> Engine:
    return Engine.load()


def golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("GOVRULES_UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


# ---- plain words ----


@pytest.mark.parametrize("case", TABLE["words"], ids=lambda c: c["note"])
def test_words(case: dict[str, Any]) -> None:
    policy = parse_policy(rule(f"require {case['expr']}"), "t.gov")
    expr = policy.items[0].requires[0].expr
    assert say(expr) == case["want"]


def test_words_are_deterministic_and_total_over_the_pack() -> None:
    checked = engine().compiled.checked()
    params = dict(engine().compiled.params)
    lets = [let.name for let in checked.lets]
    for r in checked.rules:
        for node in (*r.when, *(c.expr for c in (*r.requires, *r.advice))):
            text = say(node, params, lets)
            assert text and text == say(node, params, lets)


@pytest.mark.parametrize("rule_id", ["PRIV-001", "PRIV-003", "GATE-003", "RISK-005"])
def test_plain_explanation_matches_golden(rule_id: str) -> None:
    code, out, err = run_cli("explain", rule_id, cwd=ROOT)
    assert (code, err) == (0, "")
    golden(f"{rule_id.lower()}.txt", out)


# ---- the trace ----


@pytest.mark.parametrize(("fmt", "suffix"), [("text", "txt"), ("json", "json")])
def test_failing_example_trace_matches_golden(fmt: str, suffix: str) -> None:
    manifest = "examples/hr-cv-screening/ai-project.yaml"
    args = ("explain", "PRIV-003", "--manifest", manifest, "--as-of", "2026-11-28", "--format", fmt)
    code, out, err = run_cli(*args, cwd=ROOT)
    assert (code, err) == (1, "")  # the rule blocks: as `govrules check` would exit
    golden(f"priv-003-hr-cv-screening.{suffix}", out)


def test_trace_names_the_deciding_value_and_where_it_was_read() -> None:
    doc = load_manifest(ROOT / "examples/hr-cv-screening/ai-project.yaml", "ai-project.yaml")
    ev = explain_rule(engine(), "PRIV-003", doc, AS_OF)["evaluation"]
    failing = [c for c in ev["requires"] if not c["outcome"]]
    assert [c["message"] for c in failing] == ["a DPIA is required but is not approved"]
    deciding = failing[0]["deciding"]
    assert deciding["path"] == "privacy.dpia.status"
    assert (deciding["location"]["line"], deciding["location"]["column"]) == (95, 13)
    read = {r["path"]: r for r in failing[0]["reads"]}["privacy.dpia.status"]
    assert (read["value"], read["location"]["line"], read["location"]["column"]) == ('"in_progress"', 95, 13)
    assert {x["name"]: x["value"] for x in failing[0]["lets"]} == {
        "dpia_needed": "true",
        "at_least_pilot": "true",
    }
    assert (ev["verdict"], ev["blocking"], ev["enforcement"]["in_force"]) == ("fail", True, "hard")


@pytest.mark.parametrize("stage", [None, "program"])
@pytest.mark.parametrize("manifest", EXAMPLES)
def test_verdict_equals_check(manifest: str, stage: str | None) -> None:
    report = engine().check_file(ROOT / manifest, AS_OF, stage)
    results = {r.rule: r for r in report.results}
    for rule_id in SAMPLE:
        doc = load_manifest(ROOT / manifest, manifest)
        ev = explain_rule(engine(), rule_id, doc, AS_OF, stage, str(ROOT / manifest))["evaluation"]
        want = results[rule_id]
        assert (ev["verdict"], ev["blocking"]) == (want.verdict.value, want.blocking), rule_id
        # the trace agrees on its own: a false `when` is not_applicable, a false `require` a failure
        traced = "not_applicable" if not ev["applies"] else "pass"
        if ev["applies"] and not all(c["outcome"] for c in ev["requires"]):
            traced = "fail"
        assert traced == {"waived": "fail"}.get(want.verdict.value, want.verdict.value), rule_id
        if ev["applies"]:
            assert [i for i, c in enumerate(ev["advice"]) if not c["outcome"]] == [
                n.position for n in want.notes
            ]
            assert ev["enforcement"]["in_force"] == want.enforcement, rule_id


def test_verdict_equals_check_on_the_command_line() -> None:
    code, out, _ = run_cli("check", "examples", "--as-of", "2026-11-28", "--format", "json", cwd=ROOT)
    assert code == 1
    verdicts = {
        (m["path"], r["rule"]): r["verdict"] for m in json.loads(out)["manifests"] for r in m["results"]
    }
    for manifest, rule_id in [
        ("examples/hr-cv-screening/ai-project.yaml", "BIAS-001"),
        ("examples/invoice-extraction-waived/ai-project.yaml", "KPI-002"),
        ("examples/idea-demand-forecast/ai-project.yaml", "RISK-005"),
    ]:
        args = ("explain", rule_id, "--manifest", manifest, "--as-of", "2026-11-28", "--format", "json")
        _, out, err = run_cli(*args, cwd=ROOT)
        assert err == ""
        assert json.loads(out)["evaluation"]["verdict"] == verdicts[(manifest, rule_id)]


def test_waiver_status() -> None:
    path = ROOT / "examples/invoice-extraction-waived/ai-project.yaml"
    ev = explain_rule(engine(), "KPI-002", load_manifest(path, "m.yaml"), AS_OF)["evaluation"]
    assert (ev["verdict"], ev["waiver"]["status"], ev["blocking"]) == ("waived", "waived", False)
    assert ev["waiver"]["covering"]["approver"] == "priya.nair@corp.example"
    ev = explain_rule(engine(), "KPI-002", load_manifest(path, "m.yaml"), dt.date(2027, 3, 2))["evaluation"]
    assert ev["waiver"]["status"] == "invalid"
    assert [p["code"] for p in ev["waiver"]["problems"]] == ["GR512"]


def test_api_errors_are_located() -> None:
    with pytest.raises(GovrulesError) as err:
        explain_rule(engine(), "PRIV-03")
    assert "did you mean `PRIV-003`?" in err.value.format()
    doc = load_text("manifest_version: '1.0'\n", "m.yaml")
    with pytest.raises(GovrulesError) as err:
        explain_rule(engine(), "PRIV-003", doc, AS_OF)
    assert all(d.span is not None and d.span.file == "m.yaml" for d in err.value.diagnostics)


@pytest.mark.parametrize("case", TABLE["errors"], ids=lambda c: c["note"])
def test_errors(case: dict[str, Any]) -> None:
    code, out, err = run_cli(*case["args"], cwd=ROOT)
    assert (code, out) == (case["code"], "")
    if "stderr" in case:
        assert err == case["stderr"]
    else:
        assert case["stderr_has"] in err
    assert "Traceback" not in err


def test_an_explainer_is_freed_without_the_cyclic_collector(monkeypatch: pytest.MonkeyPatch) -> None:
    """No reference cycle: a batch run must not keep every explainer and its located document until a collection."""
    import gc
    import weakref

    from govrules.engine import explain

    made: list[weakref.ref[explain.Explainer]] = []
    init = explain.Explainer.__init__

    def counted(self: explain.Explainer, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        made.append(weakref.ref(self))

    monkeypatch.setattr(explain.Explainer, "__init__", counted)
    engine = Engine.load(None)
    example = ROOT / "examples" / "credit-scoring" / "ai-project.yaml"
    gc.collect()
    gc.disable()
    try:
        engine.check([str(example)], dt.date(2026, 11, 28))
        assert made and all(ref() is None for ref in made)
    finally:
        gc.enable()
