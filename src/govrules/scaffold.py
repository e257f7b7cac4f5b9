"""`govrules init`: a commented starter manifest that passes the schema, for a given stage.

An idea-stage manifest holds only the core fields (about twenty lines); later stages add, commented, the
sections the default rules ask for at that stage, with placeholders to replace. The first line points editors
(the YAML language server of VS Code, JetBrains, Neovim…) at the manifest schema, so fields complete and
validate as they are typed.

    >>> # manifest_text("pilot", dt.date(2026, 11, 28), "schema.json") -> str
"""

from __future__ import annotations

import datetime as dt
import re

STAGES = ("idea", "pilot", "program", "enterprise")
SCHEMA_FILE = ".govrules/ai-project.schema.json"

_CORE = """\
# yaml-language-server: $schema={schema}
# The governance manifest of this AI project. Check it:        govrules check .
# See what the next stage gate needs:                           govrules check --stage {next_stage} .
manifest_version: "1.0"

project:
  # a stable slug, unique in the portfolio
  id: {project_id}
  name: {name}
  description: >-
    What is built, for whom, and what it changes in the business process.
{project_extra}
stage:
  current: {stage}
  since: {today}
{stage_extra}
owners:
  business_owner:                 # the accountable line-of-business manager (not the tech lead)
    name: Business Owner
    email: business.owner@example.com
    department: Customer Operations
  technical_owner:
    name: Technical Owner
    email: technical.owner@example.com
    department: Data Science
{owners_extra}
ai_system:
  sourcing: buy                   # build | buy | partner
  model_type: llm                 # llm, classifier, regressor, ranker, recommender, vision, speech, ...
  user_facing: false              # do people interact with it directly?
{ai_extra}
risk:
  # unassessed, then low | medium | high | critical once assessed
  internal_tier: {tier}
{risk_extra}"""

_PILOT_PROJECT = """\
  business_process: The workflow the AI is embedded in
  domain: customer_service        # drives the EU AI Act Annex III check
  intended_use: >-
    Who uses it, for what task, and where.
  jurisdictions: [EU]             # ISO 3166 codes, or EU
"""

_PILOT_OWNERS = """\
  stakeholders:                   # the cross-functional group: function and RACI (R, A, C, I)
    - {name: Privacy Lead, email: privacy.lead@example.com, department: Privacy Office, function: privacy, raci: C}
    - {name: Security Lead, email: security.lead@example.com, department: Information Security, function: security, raci: C}
"""

_PILOT_AI = """\
  generative: true
  affects_individuals: false      # are outputs used in decisions about specific people?
  autonomy_level: human_in_the_loop
"""

_PILOT_RISK = """\
  rationale: Why this tier.
  assessed_on: {today}
  assessed_by: {{name: Risk Assessor, email: risk.assessor@example.com, department: AI Governance Office}}
  eu_ai_act:
    tier: minimal                 # prohibited | high | limited | minimal | out_of_scope

data:
  datasets: []                    # every dataset: id, purpose, source, owner, personal_data (true/false)

kpis:                             # at least one outcome KPI with a baseline and a target
  - id: main-kpi
    name: The business outcome this project must move
    unit: minutes
    direction: decrease
    owner: business.owner@example.com
    baseline: {{value: 10, date: {today}}}
    target: {{value: 8, date: {target}}}
    measurement: {{method: How it is measured, source: Where the numbers come from, cadence: monthly}}

business_case:
  expected_annual_value: {{amount: 100000, currency: EUR}}
  annual_cost: 40000

security:
  review: {{status: planned}}       # approved or passed, with date, by and link, before the pilot

monitoring:
  incident_process: docs/incident-runbook.md

learning:
  retrospectives: []              # {{date, link, departments, decisions}} after each milestone
"""


def manifest_text(
    stage: str, today: dt.date, schema: str, project_id: str = "my-ai-project", name: str = "My AI project"
) -> str:
    later = stage != "idea"
    history = ""
    if later:
        entries = STAGES[: STAGES.index(stage) + 1]
        rows = "".join(f"    - {{stage: {s}, date: {today.isoformat()}}}\n" for s in entries)
        history = "  history:                        # every stage entered, oldest first\n" + rows
    next_stage = STAGES[min(STAGES.index(stage) + 1, len(STAGES) - 1)]
    target = today.replace(year=today.year + 1) if not (today.month == 2 and today.day == 29) else today
    text = _CORE.format(
        schema=schema,
        next_stage=next_stage,
        project_id=project_id,
        name=name,
        stage=stage,
        today=today.isoformat(),
        tier="low" if later else "unassessed",
        project_extra=_PILOT_PROJECT if later else "",
        stage_extra=history,
        owners_extra=_PILOT_OWNERS if later else "",
        ai_extra=_PILOT_AI if later else "",
        risk_extra=_PILOT_RISK.format(today=today.isoformat(), target=target.isoformat()) if later else "",
    )
    return re.sub(r"\n{3,}", "\n\n", text).rstrip("\n") + "\n"


def slug(text: str) -> str:
    out = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return out or "my-ai-project"
