"""The floor: 20 rules of the starter pack written by hand in plain Python over the loaded manifest dict.

This is the reference point of DESIGN §6: what a careful programmer would write for the same rules without any
engine. `evaluate(d, as_of)` takes a manifest as loaded and normalised (dates are `datetime.date`) and returns,
for each rule of `RULES` in that order, `None` when the rule does not apply, or the tuple of its `require`
outcomes (booleans), with exactly the semantics of the DSL rules in `policies/` (a missing value never raises and
compares false; `x is present` means given and not empty; `lower` strips and lowercases text; `distinct` drops
missing and empty items; `earliest`/`latest` ignore missing items).

The 20 rules are two rules of each of ten families — OWN, XFN, PRIV, BIAS, RISK, SEC, KPI, GATE, MON, LEARN. The
engine side (`engine_for_floor`) is the bundled pack itself, parsed from `policies/*.gov`, with every parameter and
`let` of the pack and, of its rules, exactly these 20: the rules' text is the pack's, so a change to one of them
shows up in the self-check instead of drifting. Together they use formats (`is email`), dates (comparisons with
`as_of`, date arithmetic, `age`, `earliest`, `latest`, `coalesce`), quantifiers (`every`, `some`, nested), counts
(`count` of lists and of filtered comprehensions), membership (`in`, `not in`, `contains any`, `contains all`),
`distinct`, and `matches`. (DATA and DOC are left out: DATA-003 calls `link_exists`, which depends on the file
system, not on the dict.)

The floor returns what the self-check compares, the `require` outcomes; the compiled engine also works out each
rule's enforcement level (escalations) and its `advise` clauses, which the floor does not.

    $ python benchmarks/floor.py --count 2000     # self-check against the compiled engine
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

RULES = ("OWN-001", "OWN-003", "XFN-001", "XFN-002", "PRIV-001", "PRIV-003", "BIAS-001", "BIAS-003",
         "RISK-002", "RISK-003", "SEC-001", "SEC-003", "KPI-001", "KPI-002", "GATE-001", "GATE-003",
         "MON-003", "MON-004", "LEARN-001", "LEARN-002")

Outcome = tuple[bool, ...] | None
E: dict[str, Any] = {}

# ---- parameters (policies/common.gov defaults) ----

EU_JURISDICTIONS = frozenset(("EU", "EEA", "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR",
                              "HU", "IE", "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES",
                              "SE", "IS", "LI", "NO"))
MAX_AGE_SECURITY = dt.timedelta(days=365)
RETRO_MAX_GAP = dt.timedelta(days=120)
RETRO_MAX_GAP_SCALED = dt.timedelta(days=90)
PILOT_MAX_DAYS = dt.timedelta(days=180)
POSTMORTEM_DUE_DAYS = dt.timedelta(days=30)
MIN_DEPARTMENTS_PILOT = 2
MIN_DEPARTMENTS_SCALED = 3

AT_LEAST_PILOT = frozenset(("pilot", "program", "enterprise"))
AT_LEAST_PROGRAM = frozenset(("program", "enterprise"))
HIGH_TIERS = frozenset(("high", "critical"))
MEDIUM_UP = frozenset(("medium", "high", "critical"))
ANNEX_III_DOMAINS = frozenset(("biometrics", "critical_infrastructure", "education", "hr_employment", "credit",
                               "insurance", "public_services", "law_enforcement", "migration", "justice"))
LEGAL_BASES = frozenset(("6(1)(a)", "6(1)(b)", "6(1)(c)", "6(1)(d)", "6(1)(e)", "6(1)(f)"))
FAIRNESS_PASSED = frozenset(("passed", "passed_with_mitigations"))
OVERSIGHT_MODES = frozenset(("review_before_effect", "spot_check", "monitor_only"))

# The pack's patterns, written for Python's `re` with RE2's meaning (`$` is the very end of the text).
_SPACE = re.compile(r"\s")  # Python's `\s` in a text pattern is `str.isspace`
_ANNEX_POINT = re.compile(r"[1-8]\([a-e]\)\Z")
_EMOTION = re.compile(r"(?i)\bemotion(s|al)?[ -]?(recognition|detection|inference|analysis|analytics|ai|tracking|"
                      r"monitoring|scoring)|\b(recogni[sz]|detect|infer|read|analy[sz]|identif|monitor|track|classif|"
                      r"measur|assess|gaug)[a-z]*\s+([a-z'-]+\s+){0,4}emotion|\baffective (computing|recognition|analysis)")


def present(v: Any) -> bool:
    return v is not None and v != "" and v != [] and v != {}


def is_email(v: Any) -> bool:
    """The built-in format: one `@`, no white space, something before it, a dot inside the domain."""
    if not isinstance(v, str) or v.count("@") != 1:
        return False
    local, domain = v.split("@")
    return (local != "" and "." in domain and domain[0] != "." and domain[-1] != "."
            and _SPACE.search(v) is None)


def lower(v: Any) -> Any:
    return v.strip().lower() if isinstance(v, str) else None


def le(a: Any, b: Any) -> bool:
    return a is not None and b is not None and a <= b


def evaluate(d: dict[str, Any], as_of: dt.date) -> list[Outcome]:
    """The 20 rules over one manifest, in the order of `RULES`."""
    out: list[Outcome] = []
    project = d.get("project") or E
    stage = d.get("stage") or E
    owners = d.get("owners") or E
    ai = d.get("ai_system") or E
    risk = d.get("risk") or E
    eu_act = risk.get("eu_ai_act") or E
    datasets = (d.get("data") or E).get("datasets") or ()
    stakeholders = owners.get("stakeholders") or ()
    business_owner = owners.get("business_owner") or E
    history = stage.get("history") or ()
    current = stage.get("current")
    since = stage.get("since")

    # ---- derived facts (the lets of common.gov that these rules use) ----
    at_least_pilot = current in AT_LEAST_PILOT
    at_least_program = current in AT_LEAST_PROGRAM
    active = current is not None and current != "retired"
    first_use_on = pilot_on = program_on = None
    for h in history:
        h_stage, h_date = h.get("stage"), h.get("date")
        if h_date is None or h_stage not in AT_LEAST_PILOT:
            continue
        if first_use_on is None or h_date < first_use_on:
            first_use_on = h_date
        if h_stage == "pilot" and (pilot_on is None or h_date < pilot_on):
            pilot_on = h_date
        elif h_stage == "program" and (program_on is None or h_date < program_on):
            program_on = h_date
    jurisdictions = project.get("jurisdictions")
    eu = jurisdictions is not None and any(j in EU_JURISDICTIONS for j in jurisdictions)
    tier = eu_act.get("tier")
    eu_high = eu and tier == "high"
    pd = any(ds.get("personal_data") for ds in datasets)
    gen = ai.get("generative") == True  # noqa: E712 -- the DSL's `== true` is Python's `==`
    internal_tier = risk.get("internal_tier")
    hightier = internal_tier in HIGH_TIERS or eu_high
    affects = ai.get("affects_individuals")
    user_facing = ai.get("user_facing")
    engaged = {s.get("function") for s in stakeholders if s.get("raci") in ("R", "A", "C")}
    review = (d.get("fairness") or E).get("review") or E
    review_status = review.get("status")
    fairness_required = affects or eu_high or internal_tier in HIGH_TIERS or (
        gen and user_facing and internal_tier in MEDIUM_UP)

    # OWN-001 Accountable business owner named
    if active:
        out.append((present(business_owner.get("name")), is_email(business_owner.get("email")),
                    present(business_owner.get("department"))))
    else:
        out.append(None)

    # OWN-003 Executive sponsor for scaled or high-risk projects
    if at_least_program or (at_least_pilot and hightier):
        sponsor = owners.get("executive_sponsor")
        s = sponsor or E
        sponsor_email = s.get("email")
        out.append((present(s.get("name")),
                    not present(sponsor) or is_email(sponsor_email),
                    not present(sponsor) or present(s.get("title")),
                    not present(sponsor_email) or _ne(lower(sponsor_email), lower(business_owner.get("email")))))
    else:
        out.append(None)

    # XFN-001 Minimum cross-department involvement
    if at_least_pilot:
        departments = {lower(business_owner.get("department")),
                       lower((owners.get("technical_owner") or E).get("department")),
                       lower((owners.get("executive_sponsor") or E).get("department"))}
        departments.update(lower(s.get("department")) for s in stakeholders)
        departments.update(lower((ds.get("owner") or E).get("department")) for ds in datasets)
        departments.discard(None)
        departments.discard("")
        n = len(departments)
        out.append((n >= MIN_DEPARTMENTS_PILOT, not at_least_program or n >= MIN_DEPARTMENTS_SCALED))
    else:
        out.append(None)

    # XFN-002 Required control functions engaged for the risk profile
    if at_least_pilot:
        bought = ai.get("sourcing") in ("buy", "partner")
        annex_iii = eu_act.get("annex_iii")
        employment = eu_high and isinstance(annex_iii, str) and annex_iii.startswith("4(")
        deployer = ai.get("eu_role") in ("deployer", "provider_and_deployer")
        accountable = [s for s in stakeholders if s.get("raci") == "A"]
        bo_email = lower(business_owner.get("email"))
        out.append((not pd or "privacy" in engaged,
                    not hightier or "legal" in engaged,
                    not hightier or "risk" in engaged or "compliance" in engaged,
                    not bought or "procurement" in engaged or "security" in engaged,
                    not (employment and deployer) or ("hr" in engaged and "works_council" in engaged),
                    len(accountable) <= 1,
                    all(_eq(lower(s.get("email")), bo_email) for s in accountable)))
    else:
        out.append(None)

    # PRIV-001 Lawful basis recorded for personal data
    if pd:
        out.append((all(ds.get("legal_basis") in LEGAL_BASES for ds in datasets if ds.get("personal_data")),
                    all(present((ds.get("consent") or E).get("mechanism")) for ds in datasets
                        if ds.get("personal_data") and ds.get("legal_basis") == "6(1)(a)")))
    else:
        out.append(None)

    # PRIV-003 DPIA decided, and approved where required
    if pd and active:
        dpia = (d.get("privacy") or E).get("dpia") or E
        required, status = dpia.get("required"), dpia.get("status")
        by_profile = (any(ds.get("special_category") or ds.get("criminal_data") for ds in datasets)
                      or (affects and ai.get("profiling")) or hightier or (gen and user_facing))
        due = (by_profile or required == True) and at_least_pilot  # noqa: E712
        approved_due = due and status == "approved"
        if approved_due:
            first_approval = dpia.get("first_approved_on")
            if not present(first_approval):
                first_approval = dpia.get("date") if present(dpia.get("date")) else None
            use_on = since if first_use_on is None else first_use_on if since is None else min(first_use_on, since)
        out.append((present(required) and present(status),
                    required != False or present(dpia.get("rationale")),  # noqa: E712
                    not due or status == "approved",
                    not approved_due or (le(dpia.get("date"), as_of) and is_email((dpia.get("by") or E).get("email"))),
                    not approved_due or le(first_approval, use_on)))
    else:
        out.append(None)

    # BIAS-001 Fairness review completed where required
    if at_least_pilot and fairness_required:
        reviewer_email = (review.get("by") or E).get("email")
        out.append((review_status in FAIRNESS_PASSED
                    or (current == "pilot" and not eu_high and review_status == "in_progress"),
                    review_status not in FAIRNESS_PASSED
                    or (le(review.get("date"), as_of) and is_email(reviewer_email)),
                    not present(reviewer_email)
                    or _ne(lower(reviewer_email), lower((owners.get("technical_owner") or E).get("email")))))
    else:
        out.append(None)

    # BIAS-003 Fairness metrics declared and within thresholds
    if present(review_status) and review_status != "not_applicable":
        fairness = d.get("fairness") or E
        metrics = fairness.get("metrics") or ()
        mitigated = review_status == "passed_with_mitigations" and any(
            x.get("status") == "done" for x in fairness.get("mitigations") or ())
        within = True
        if not mitigated:
            for m in metrics:
                comparator, value, threshold = m.get("comparator"), m.get("value"), m.get("threshold")
                if value is None or threshold is None or not (
                        (comparator == ">=" and value >= threshold) or (comparator == "<=" and value <= threshold)):
                    within = False
                    break
        out.append((present(fairness.get("protected_attributes")),
                    review_status not in ("passed", "passed_with_mitigations", "failed") or len(metrics) >= 1,
                    all(present(m.get("name")) and present(m.get("attribute")) and present(m.get("comparator"))
                        and present(m.get("threshold")) and present(m.get("value")) for m in metrics),
                    all(le(m.get("measured_on"), as_of) for m in metrics),
                    within))
    else:
        out.append(None)

    # RISK-002 No prohibited AI practice
    if active:
        emotion = project.get("domain") == "hr_employment" and (
            _search(_EMOTION, project.get("description")) or _search(_EMOTION, project.get("intended_use")))
        out.append((tier != "prohibited", not emotion))
    else:
        out.append(None)

    # RISK-003 Annex III consistency
    if eu and at_least_pilot:
        exemption = eu_act.get("art6_3_exemption") or E
        annex_not_high = project.get("domain") in ANNEX_III_DOMAINS and tier != "high"
        out.append((tier != "high" or _search(_ANNEX_POINT, eu_act.get("annex_iii"), anchored=True)
                    or bool(eu_act.get("annex_i_product")),
                    not annex_not_high or bool(exemption.get("claimed") and present(exemption.get("ground"))
                                               and present(exemption.get("rationale"))),
                    not annex_not_high or ai.get("profiling") == False  # noqa: E712
                    or (not present(ai.get("profiling")) and affects == False)))  # noqa: E712
    else:
        out.append(None)

    # SEC-001 Security review current
    if at_least_pilot:
        security_review = (d.get("security") or E).get("review")
        sr = security_review or E
        when = sr.get("date")
        out.append((sr.get("status") in ("approved", "passed"),
                    not present(security_review) or le(when, as_of),
                    not present(security_review) or (is_email((sr.get("by") or E).get("email"))
                                                     and present(sr.get("link"))),
                    not present(when) or (isinstance(when, dt.date) and as_of - when <= MAX_AGE_SECURITY)))
    else:
        out.append(None)

    # SEC-003 Foundation model version pinned
    if gen and at_least_pilot:
        fm = ai.get("foundation_model") or E
        version = fm.get("version")
        out.append((present(fm.get("name")) and present(fm.get("provider")),
                    present(version),
                    lower(version) not in ("latest", "*")))
    else:
        out.append(None)

    kpis = d.get("kpis") or ()
    # KPI-001 Outcome KPIs exist and link to P&L when scaling
    if at_least_pilot:
        out.append((len(kpis) >= 1,
                    not (at_least_program and kpis) or any(k.get("pnl_linked") and present(k.get("pnl_line"))
                                                           for k in kpis)))
    else:
        out.append(None)

    # KPI-002 KPIs fully specified with baseline and target
    if at_least_pilot:
        owner_ok = unit_ok = measured_ok = baseline_ok = target_ok = order_ok = past_ok = True
        for k in kpis:
            measurement = k.get("measurement") or E
            baseline = k.get("baseline") or E
            target = k.get("target") or E
            b_date: Any = baseline.get("date")
            t_date: Any = target.get("date")
            owner_ok = owner_ok and is_email(k.get("owner"))
            unit_ok = unit_ok and present(k.get("unit")) and present(k.get("direction"))
            measured_ok = measured_ok and present(measurement.get("method")) and present(
                measurement.get("source")) and present(measurement.get("cadence"))
            baseline_ok = baseline_ok and present(baseline.get("value")) and present(b_date)
            target_ok = target_ok and present(target.get("value")) and present(t_date)
            if present(b_date):
                past_ok = past_ok and b_date <= as_of
                if present(t_date):
                    order_ok = order_ok and b_date < t_date
        out.append((owner_ok, unit_ok, measured_ok, baseline_ok, target_ok, order_ok, past_ok))
    else:
        out.append(None)

    # GATE-001 Stage history is valid (applies to every manifest)
    seen: dict[Any, int] = {}
    for h in history:
        seen[h.get("stage")] = seen.get(h.get("stage"), 0) + 1
    ordered = True
    for h in history:
        later = _LATER.get(h.get("stage"))
        if later is not None and not all(le(h.get("date"), g.get("date")) for g in history
                                         if g.get("stage") in later):
            ordered = False
            break
    allowed = _UP_TO.get(current)
    if allowed is not None:
        within_current = all(h.get("stage") in allowed for h in history)
    elif current == "enterprise":
        within_current = all(_ne(h.get("stage"), "retired") for h in history)
    else:
        within_current = True
    out.append((le(since, as_of) and all(le(h.get("date"), as_of) for h in history),
                not (_ne(current, "idea") or present(stage.get("history")))
                or any(_eq(h.get("stage"), current) and _eq(h.get("date"), since) for h in history),
                all(le(h.get("date"), since) for h in history),
                within_current,
                ordered,
                all(h.get("stage") is not None and seen[h.get("stage")] == 1 for h in history),
                all(_PREVIOUS.get(h.get("stage")) is None or _PREVIOUS[h.get("stage")] in seen for h in history),
                current != "retired" or (le(stage.get("retired_on"), as_of)
                                         and present(stage.get("decommission_plan")))))

    # GATE-003 Pilots are time-boxed
    if current == "pilot":
        start = as_of - PILOT_MAX_DAYS
        out.append((le(as_of - since if isinstance(since, dt.date) else None, PILOT_MAX_DAYS)
                    or any(g.get("to") == "pilot" and g.get("decision") in ("extend", "go_with_conditions")
                           and le(start, g.get("date")) and le(g.get("date"), as_of)
                           for g in d.get("gates") or ()),))
    else:
        out.append(None)

    # MON-003 Feedback and concern-reporting channel
    if at_least_pilot and (user_facing or affects):
        channel = (d.get("monitoring") or E).get("feedback_channel") or E
        out.append((present(channel.get("type")), present(channel.get("link")),
                    not affects or bool(channel.get("supports_contest"))))
    else:
        out.append(None)

    # MON-004 Human oversight is designed and staffed
    if at_least_pilot and (eu_high or affects or ai.get("autonomy_level") in ("human_on_the_loop", "autonomous")):
        oversight = d.get("human_oversight") or E
        overseers = oversight.get("overseers")
        out.append((oversight.get("mode") in OVERSIGHT_MODES, bool(oversight.get("can_override")),
                    bool(oversight.get("can_stop")), present(overseers),
                    all(le(o.get("trained_on"), as_of) for o in overseers or ())))
    else:
        out.append(None)

    # LEARN-001 Post-mortems and corrective actions
    incidents: Any = d.get("incidents")
    if present(incidents):
        cutoff = as_of - POSTMORTEM_DUE_DAYS
        pm_ok = pm_date_ok = actions_ok = overdue_ok = True
        for i in incidents:
            postmortem = i.get("postmortem")
            pm = postmortem or E
            opened = i.get("opened_on")
            if (i.get("severity") in HIGH_TIERS or i.get("serious_eu")) and (
                    i.get("status") == "closed" or (opened is not None and opened < cutoff)):
                pm_ok = pm_ok and present(pm.get("link"))
                if present(postmortem):
                    pm_date_ok = pm_date_ok and le(pm.get("date"), opened + POSTMORTEM_DUE_DAYS
                                                   if opened is not None else None)
            for a in pm.get("actions") or ():
                due = a.get("due")
                actions_ok = actions_ok and present(a.get("owner")) and present(due)
                overdue_ok = overdue_ok and not (a.get("status") == "open" and due is not None and due < as_of)
        out.append((pm_ok, pm_date_ok, actions_ok, overdue_ok))
    else:
        out.append(None)

    # LEARN-002 Regular retrospectives across functions
    if at_least_pilot:
        retros = (d.get("learning") or E).get("retrospectives") or ()
        dates = [r.get("date") for r in retros if r.get("date") is not None]
        latest = max(dates) if dates else None
        scaled = at_least_program and latest is not None
        out.append((len(retros) >= 1,
                    latest is None or as_of - latest <= RETRO_MAX_GAP,
                    not scaled or as_of - latest <= RETRO_MAX_GAP_SCALED,  # type: ignore[operator]
                    not scaled or any(_eq(r.get("date"), latest) and _distinct_count(r.get("departments")) >= 2
                                      for r in retros),
                    not (at_least_program and pilot_on is not None) or any(
                        le(pilot_on, r.get("date")) and (program_on is None or le(r.get("date"), program_on))
                        for r in retros)))
    else:
        out.append(None)
    return out


_LATER = {"idea": frozenset(("pilot", "program", "enterprise", "retired")),
          "pilot": frozenset(("program", "enterprise", "retired")),
          "program": frozenset(("enterprise", "retired")), "enterprise": frozenset(("retired",))}
_PREVIOUS = {"pilot": "idea", "program": "pilot", "enterprise": "program"}
_UP_TO: dict[Any, frozenset[str]] = {"idea": frozenset(("idea",)), "pilot": frozenset(("idea", "pilot")),
          "program": frozenset(("idea", "pilot", "program"))}  # the stages a history may hold (enterprise: not retired)


def _eq(a: Any, b: Any) -> bool:
    return a is not None and b is not None and a == b


def _ne(a: Any, b: Any) -> bool:
    return a is not None and b is not None and a != b


def _search(pattern: re.Pattern[str], text: Any, anchored: bool = False) -> bool:
    if not isinstance(text, str):
        return False
    return (pattern.match(text) if anchored else pattern.search(text)) is not None


def _distinct_count(items: Any) -> int:
    return len({x for x in (lower(i) for i in items or ()) if x is not None and x != ""})


# ---- self-check: the floor against the compiled engine ----


def pack_files(root: Path) -> list[str]:
    """The bundled pack's policy files (`policies/*.gov`), as `Engine.load()` finds them."""
    from govrules.api import policy_files

    return policy_files([root / "policies"])


def engine_for_floor(root: Path) -> Any:
    """The bundled pack cut down to the floor's rules: every file of `policies/` parsed, every `param` and `let`
    kept, and of the rules only those of `RULES` (the pack's own text for them); then checked and compiled as
    `Engine.load` does. Stops when the pack lacks one of `RULES`."""
    from govrules.api import Engine
    from govrules.engine.checker import check_policies
    from govrules.engine.compiler import compile_policies
    from govrules.engine.types import manifest_type
    from govrules.engine.waivers import WaiverSettings
    from govrules.lang import ast
    from govrules.lang.parser import parse_policy
    from govrules.manifest.schema import manifest_schema, schema_date_paths

    wanted = frozenset(RULES)
    policies = []
    for path in pack_files(root):
        policy = parse_policy(Path(path).read_text("utf-8"), os.path.relpath(path, root))
        items = tuple(item for item in policy.items if not isinstance(item, ast.Rule) or item.id in wanted)
        policies.append(policy._replace(items=items))
    checked = check_policies(policies, manifest_type(manifest_schema()))
    engine = Engine(compile_policies(checked, schema_date_paths()), WaiverSettings())
    ids = rule_ids(engine)
    if sorted(ids) != sorted(RULES):
        raise SystemExit(f"floor: the pack has {sorted(ids)} of the floor's rules {RULES}")
    return engine


def compare(engine: Any, corpus: list[dict[str, Any]], as_of: dt.date) -> list[str]:
    """Differences between the floor and the compiled engine (restricted to `RULES`) over `corpus`."""
    from govrules.engine.builtins import Context

    ctx = Context(as_of)
    order = [RULES.index(rule_id) for rule_id in rule_ids(engine)]
    problems: list[str] = []
    for n, data in enumerate(corpus):
        floor = evaluate(data, as_of)
        outcomes, _levels = engine.compiled.evaluate(data, as_of, ctx)
        for pos, outcome in zip(order, outcomes, strict=True):
            want = None if outcome is None else tuple(outcome[0])
            if floor[pos] != want:
                problems.append(f"manifest #{n} {RULES[pos]}: engine {want}, floor {floor[pos]}")
    return problems


def thinned(corpus: list[dict[str, Any]], seed: int, rate: float = 0.12) -> list[dict[str, Any]]:
    """Copies of the manifests with keys dropped at random (at every depth): stresses missing-value semantics."""
    import random

    rng = random.Random(f"floor-thin:{seed}")

    def thin(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: thin(v) for k, v in value.items() if rng.random() >= rate}
        if isinstance(value, list):
            return [thin(v) for v in value]
        return value

    return [thin(data) for data in corpus]


def rule_ids(engine: Any) -> tuple[str, ...]:
    """The ids of an engine's rules in evaluation order (`engine.compiled.rules`, or `engine.checked.rules`)."""
    rules = getattr(engine.compiled, "rules", None)
    if rules is None:
        rules = engine.checked.rules
    return tuple(rule.id for rule in rules)


def schema_date_paths() -> Any:
    """The schema's date fields, in the form `normalise_dates` takes."""
    from govrules.manifest import schema

    if hasattr(schema, "schema_date_paths"):
        return schema.schema_date_paths()
    from govrules.engine import types  # the API before `schema_date_paths` existed

    paths = types.date_paths(types.manifest_type(schema.manifest_schema()))  # type: ignore[attr-defined]
    return frozenset(paths)


def load_corpus(texts: list[str]) -> list[dict[str, Any]]:
    """YAML texts to manifest dicts as the engine sees them: C loader, then the schema's dates normalised."""
    import yaml

    from govrules.manifest.schema import normalise_dates

    paths = schema_date_paths()
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    out = []
    for text in texts:
        data = yaml.load(text, Loader=loader)
        normalise_dates(data, paths)
        out.append(data)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Check the hand-written floor against the compiled engine.")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date(2026, 11, 28))
    args = parser.parse_args(argv)
    here = Path(__file__).resolve().parent
    sys.path[:0] = [str(here.parent / "src"), str(here)]
    os.environ.setdefault("GOVRULES_CACHE_DIR", os.path.join(tempfile.gettempdir(), "govrules-bench-cache"))
    from generate import generate

    engine = engine_for_floor(here.parent)
    corpus = load_corpus(generate(args.seed, args.count))
    problems = compare(engine, corpus, args.as_of)
    print(f"floor self-check: {len(corpus)} manifests x {len(RULES)} rules, {len(problems)} differences")
    thin = compare(engine, thinned(corpus, args.seed), args.as_of)
    print(f"floor self-check: the same manifests with ~12% of keys dropped, {len(thin)} differences")
    for line in (problems + thin)[:20]:
        print(line)
    return 1 if problems or thin else 0


if __name__ == "__main__":
    raise SystemExit(main())
