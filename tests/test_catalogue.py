"""`govrules rules`: the catalogue of the active pack, and docs/rules.md kept current."""

from __future__ import annotations

import json

from helpers import ROOT, run_cli

# the 50 rules of the default catalogue (../shared/data/manifest-model.md §3.2)
CATALOGUE = {
    "OWN": 3,
    "XFN": 2,
    "DATA": 4,
    "PRIV": 6,
    "BIAS": 3,
    "RISK": 7,
    "SEC": 4,
    "KPI": 5,
    "GATE": 4,
    "MON": 5,
    "LEARN": 3,
    "DOC": 4,
}
IDS = [f"{fam}-{n:03d}" for fam, count in CATALOGUE.items() for n in range(1, count + 1)]


def listing() -> dict:
    code, out, err = run_cli("rules", "--format", "json", cwd=ROOT)
    assert code == 0, err
    return json.loads(out)


def test_every_catalogue_rule_is_in_the_pack_in_catalogue_order() -> None:
    rules = listing()["rules"]
    assert [r["id"] for r in rules] == IDS


def test_every_rule_cites_references_and_says_how_to_fix_it() -> None:
    for rule in listing()["rules"]:
        assert rule["references"], rule["id"]
        assert rule["remediation"].strip(), rule["id"]
        assert rule["requires"], rule["id"]
        assert all(r["message"] for r in rule["requires"]), rule["id"]


def test_parameters_name_the_rules_that_read_them_and_show_overrides() -> None:
    code, out, err = run_cli("rules", "--format", "json", "--param", "max_age_dpia=200", cwd=ROOT)
    assert code == 0, err
    params = {p["name"]: p for p in json.loads(out)["parameters"]}
    dpia = params["max_age_dpia"]
    assert (dpia["value"], dpia["default"], dpia["overridden"]) == ("200 days", "365 days", True)
    assert "PRIV-004" in dpia["used_by"]
    assert all(p["doc"] for p in params.values())


def test_text_listing_ends_with_the_counts() -> None:
    code, out, _ = run_cli("rules", cwd=ROOT)
    assert code == 0
    assert out.rstrip().splitlines()[-1] == f"{len(IDS)} rules, {len(listing()['parameters'])} parameters"


def test_docs_rules_md_is_current() -> None:
    code, out, err = run_cli("rules", "--format", "markdown", cwd=ROOT)
    assert code == 0, err
    current = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert out == current, "docs/rules.md is stale: run `govrules rules --format markdown --output docs/rules.md`"


def test_an_unknown_parameter_is_refused() -> None:
    code, _, err = run_cli("rules", "--param", "max_age_dpai=3", cwd=ROOT)
    assert code == 2
    assert "max_age_dpia" in err
