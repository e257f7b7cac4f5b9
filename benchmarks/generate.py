"""A seeded generator of realistic, schema-valid `ai-project.yaml` manifests for the benchmarks.

Each manifest describes one plausible AI project: its stage (idea, pilot, program, enterprise or retired) with a
consistent history and gate decisions, jurisdictions, risk classification, datasets with and without personal
data, KPIs, reviews dated around 2025-2026, stakeholders, waivers and incidents. Most projects are kept in
reasonable order and a realistic share carry the usual defects (a stale review, a missing owner email, a
forgotten lawful basis, a gate without approver...), so that rules pass, fail and do not apply in believable
proportions. The output depends only on the seed and the index: manifest `i` of seed `s` is always the same text.

    $ python benchmarks/generate.py --seed 7 --count 2000 --out /tmp/corpus
    >>> from benchmarks.generate import generate             # or: import generate (from benchmarks/)
    >>> texts = generate(7, 3)                                # three YAML texts

Only the standard library and PyYAML are used.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import unicodedata
from pathlib import Path
from typing import Any

import yaml

AS_OF = dt.date(2026, 11, 28)  # the date the benchmarks evaluate at; the corpus is built around it
STAGES = ("idea", "pilot", "program", "enterprise")

FIRST = ("Ana", "Lee", "Claire", "Sofia", "Marta", "Jonas", "Tom", "Priya", "Omar", "Hannah", "Lucas", "Mei",
         "Kwame", "Elena", "Mateo", "Ingrid", "Yuki", "Fatima", "Pierre", "Noah", "Aisha", "Lars", "Giulia",
         "Rahul", "Chloé", "José", "Zoë", "Björn", "Nadia", "Felix", "Amara", "Diego", "Sven", "Léa", "Tariq")
LAST = ("Ruiz", "Chen", "Dubois", "Rossi", "Silva", "Weber", "Berger", "Patel", "Haddad", "Schmidt", "Martin",
        "Wang", "Mensah", "Popescu", "García", "Larsen", "Tanaka", "Khan", "Lefèvre", "Müller", "Okafor",
        "Nilsson", "Bianchi", "Gupta", "Moreau", "Fernández", "Novak", "Andersson", "Kowalski", "Brown")
BUSINESS_DEPTS = ("Customer Operations", "Marketing", "Finance", "HR", "Sales", "Operations", "Claims",
                  "Credit Risk", "Supply Chain", "Procurement", "Retail Banking", "Underwriting", "Logistics")
TECH_DEPTS = ("Data Science", "Engineering", "IT", "AI CoE", "Analytics")
FUNCTION_DEPTS = {"legal": "Legal", "privacy": "Privacy Office", "security": "Information Security",
                  "risk": "Risk Management", "compliance": "Compliance", "data": "Data Office", "hr": "HR",
                  "works_council": "Works Council", "finance": "Finance", "business": "Operations",
                  "it": "IT", "procurement": "Procurement", "ethics": "Ethics Board"}
EXEC_TITLES = ("COO", "CFO", "CHRO", "CIO", "CDO", "CMO", "Chief Risk Officer", "SVP Operations")

DOMAINS = (("customer_service", 16), ("marketing", 11), ("hr_employment", 8), ("credit", 6), ("insurance", 5),
           ("education", 2), ("healthcare", 4), ("legal", 3), ("finance_backoffice", 12), ("it_ops", 12),
           ("biometrics", 1), ("critical_infrastructure", 2), ("law_enforcement", 1), ("migration", 1),
           ("justice", 1), ("public_services", 3), ("other", 6))
ANNEX_III = {"biometrics": "1(a)", "critical_infrastructure": "2(a)", "education": "3(b)",
             "hr_employment": "4(a)", "credit": "5(b)", "insurance": "5(c)", "public_services": "5(a)",
             "law_enforcement": "6(d)", "migration": "7(b)", "justice": "8(a)"}
JURISDICTIONS = ((("EU",), 14), (("DE",), 8), (("FR", "DE"), 5), (("EU", "GB"), 8), (("US",), 14),
                 (("GB",), 6), (("US", "CA"), 5), (("NL", "BE", "LU"), 3), (("IN",), 3), (("SG",), 3),
                 (("BR",), 2), (("ES", "PT"), 3), (("EU", "US"), 8), (("AU",), 2), (("CH",), 2))
PURPOSE_OF = {"customer_service": "Drafts replies to support emails for agents to review and send.",
              "marketing": "Generates campaign copy variants and predicts their click-through rates.",
              "hr_employment": "Ranks incoming applications against the job profile for recruiters.",
              "credit": "Scores consumer credit applications for the underwriting team.",
              "insurance": "Estimates life and health insurance risk for new policies.",
              "education": "Grades written assignments and suggests feedback to teachers.",
              "healthcare": "Summarises clinical notes for care coordinators.",
              "legal": "Extracts obligations and renewal dates from supplier contracts.",
              "finance_backoffice": "Matches invoices to purchase orders and flags exceptions.",
              "it_ops": "Classifies and routes IT service tickets to resolver groups.",
              "biometrics": "Verifies employee identity from badge photos at building entry.",
              "critical_infrastructure": "Forecasts load on the regional electricity grid.",
              "law_enforcement": "Prioritises fraud referrals for the investigations unit.",
              "migration": "Triages visa application documents for completeness.",
              "justice": "Searches case law and drafts research memos for clerks.",
              "public_services": "Checks eligibility for social benefits from application forms.",
              "other": "Forecasts warehouse demand to plan staffing."}
PROCESS_OF = {"customer_service": "Tier-1 email support, EMEA", "marketing": "Campaign planning",
              "hr_employment": "Recruiting pipeline", "credit": "Loan origination", "insurance": "New business underwriting",
              "education": "Coursework assessment", "healthcare": "Care coordination", "legal": "Contract management",
              "finance_backoffice": "Procure-to-pay", "it_ops": "Incident management",
              "biometrics": "Building access", "critical_infrastructure": "Grid operations",
              "law_enforcement": "Fraud investigations", "migration": "Visa processing",
              "justice": "Legal research", "public_services": "Benefit applications"}
EMOTION_TEXT = "Detects emotions of employees in video interviews to rate engagement."
MODEL_TYPES = {"customer_service": ("llm",), "marketing": ("llm", "recommender", "classifier"),
               "hr_employment": ("ranker", "classifier", "llm"), "credit": ("classifier", "regressor"),
               "insurance": ("regressor", "classifier"), "education": ("llm", "classifier"),
               "healthcare": ("llm",), "legal": ("llm",), "finance_backoffice": ("classifier", "rules_plus_ml"),
               "it_ops": ("classifier", "llm"), "biometrics": ("vision",),
               "critical_infrastructure": ("forecasting",), "law_enforcement": ("classifier", "ranker"),
               "migration": ("vision", "classifier"), "justice": ("llm",), "public_services": ("classifier",),
               "other": ("forecasting", "regressor")}
FOUNDATION = (("gpt-4o", "OpenAI", ("2024-11-20", "2024-08-06")), ("claude-sonnet-4", "Anthropic", ("20250514",)),
              ("gemini-2.5-pro", "Google", ("002", "001")), ("llama-3.1-70b-instruct", "Meta", ("3.1",)),
              ("mistral-large", "Mistral AI", ("2411", "2407")))
VENDORS = ("Acme AI Ltd", "Northwind Analytics", "Contoso Cognitive", "Globex ML", "Initech Vision")
KPI_DEFS = (("aht", "Average handling time", "minutes", "decrease"),
            ("csat", "Customer satisfaction", "points", "increase"),
            ("first-contact", "First-contact resolution", "%", "increase"),
            ("cost-per-case", "Cost per case", "EUR", "decrease"),
            ("time-to-hire", "Time to hire", "days", "decrease"),
            ("default-rate", "Default rate", "%", "decrease"),
            ("auto-match", "Invoices auto-matched", "%", "increase"),
            ("ctr", "Click-through rate", "%", "increase"),
            ("mttr", "Mean time to resolve", "hours", "decrease"),
            ("forecast-error", "Forecast MAPE", "%", "decrease"))
RULE_IDS = ("OWN-001", "OWN-002", "OWN-003", "XFN-001", "XFN-002", "DATA-001", "DATA-003", "PRIV-001",
            "PRIV-003", "PRIV-005", "BIAS-001", "BIAS-002", "BIAS-003", "RISK-001", "RISK-003", "RISK-004",
            "SEC-001", "SEC-002", "SEC-003", "KPI-001", "KPI-002", "GATE-001", "GATE-002", "GATE-003",
            "MON-001", "MON-002", "MON-004", "LEARN-001", "LEARN-002", "DOC-001", "DOC-002", "DOC-003")


class _Gen:
    """Builds one manifest; every random choice goes through `self.r`, seeded from (seed, index)."""

    def __init__(self, seed: int, index: int) -> None:
        self.r = random.Random(f"govrules-bench:{seed}:{index}")
        self.index = index
        self.people: dict[str, dict[str, str]] = {}

    # ---- small helpers ----

    def p(self, probability: float) -> bool:
        return self.r.random() < probability

    def pick(self, items: Any) -> Any:
        return self.r.choice(items)

    def weighted(self, pairs: Any) -> Any:
        values, weights = zip(*pairs, strict=True)
        return self.r.choices(values, weights)[0]

    def day(self, start: dt.date, end: dt.date) -> dt.date:
        span = (end - start).days
        return start + dt.timedelta(days=self.r.randint(0, max(span, 0)))

    def recent(self, lo_days: int, hi_days: int) -> dt.date:
        """A date between hi_days and lo_days before AS_OF (negative lo_days reaches into the future)."""
        return AS_OF - dt.timedelta(days=self.r.randint(lo_days, hi_days))

    def person(self, department: str, role: str = "", valid: float = 0.97) -> dict[str, Any]:
        while True:
            first, last = self.pick(FIRST), self.pick(LAST)
            if f"{first} {last}" not in self.people:
                break
        out: dict[str, Any] = {"name": f"{first} {last}", "email": _email(first, last, valid, self.r)}
        if department:
            out["department"] = department if not self.p(0.08) else self.pick((department.lower(),
                                                                                f" {department}"))
        if role:
            out["role"] = role
        self.people[out["name"]] = out
        return out

    def link(self, folder: str, name: str, url: float = 0.8) -> str:
        if self.p(url):
            return f"https://wiki.corp.example/ai/{self.slug}/{folder}/{name}"
        return f"docs/{folder}/{name}.md"

    def evidence(self, status: str, when: dt.date, by: dict[str, Any], folder: str) -> dict[str, Any]:
        out: dict[str, Any] = {"status": status, "date": when, "by": by}
        if self.p(0.96):
            out["link"] = self.link(folder, f"{folder}-{when.isoformat()}")
        return out

    # ---- the manifest ----

    def build(self) -> dict[str, Any]:
        r = self.r
        self.domain = self.weighted(DOMAINS)
        self.stage = self.weighted((("idea", 14), ("pilot", 30), ("program", 24), ("enterprise", 20),
                                    ("retired", 12)))
        self.mature = {"idea": 0, "pilot": 1, "program": 2, "enterprise": 3, "retired": 2}[self.stage]
        self.care = r.betavariate(5, 1.6)  # how diligent this team is: most are careful, some are not
        self.jur = list(self.weighted(JURISDICTIONS))
        self.eu = any(j in _EU for j in self.jur)
        words = self.domain.replace("_", "-").split("-")[:2]
        self.slug = f"{'-'.join(words)}-{self.pick(('assist', 'copilot', 'scoring', 'triage', 'insights', 'bot'))}-{self.index:05d}"
        self.model_type = self.pick(MODEL_TYPES[self.domain])
        self.gen = self.model_type == "llm" or (self.model_type == "vision" and self.p(0.1))
        self.sourcing = self.weighted((("build", 50), ("buy", 35), ("partner", 15)))
        self.user_facing = self.p(0.75 if self.domain in ("customer_service", "education", "public_services")
                                  else 0.25)
        self.affects = self.domain in ANNEX_III or self.p(0.15)
        self.pd_likely = self.affects or self.domain in ("customer_service", "marketing", "healthcare") or self.p(0.2)

        doc: dict[str, Any] = {"manifest_version": self.pick(("1.0", "1.0", "1.0", "1.1"))}
        self.history, self.since = self.stage_history()
        doc["project"] = self.project()
        doc["stage"] = self.stage_block()
        doc["owners"] = self.owners()
        doc["ai_system"] = self.ai_system()
        doc["risk"] = self.risk()
        sections = (("data", self.data), ("privacy", self.privacy), ("fairness", self.fairness),
                    ("security", self.security), ("compliance", self.compliance), ("kpis", self.kpis),
                    ("business_case", self.business_case), ("gates", self.gates), ("monitoring", self.monitoring),
                    ("human_oversight", self.oversight), ("transparency", self.transparency),
                    ("incidents", self.incidents), ("learning", self.learning), ("documentation", self.docs),
                    ("waivers", self.waivers))
        for key, make in sections:
            value = make(doc)
            if value:
                doc[key] = value
        if self.p(0.1):
            doc["x-cost-center"] = f"CC-{r.randint(1000, 9999)}"
        return doc

    def stage_history(self) -> tuple[list[dict[str, Any]], dt.date]:
        r = self.r
        steps = {"idea": 1, "pilot": 2, "program": 3, "enterprise": 4, "retired": r.randint(2, 4)}[self.stage]
        if self.stage == "pilot":  # most pilots are inside their time box, some have overrun it
            age = r.randint(10, 175) if self.p(0.78) else r.randint(181, 400)
        elif self.stage == "idea":
            age = r.randint(5, 200)
        else:
            age = r.randint(20, 520)
        stages = list(STAGES[:steps]) + (["retired"] if self.stage == "retired" else [])
        history: list[dict[str, Any]] = []
        when = AS_OF - dt.timedelta(days=age)
        for stage in reversed(stages):
            history.append({"stage": stage, "date": when})
            when = when - dt.timedelta(days=r.randint(45, 220) if stage != "retired" else r.randint(60, 500))
        history.reverse()
        return history, history[-1]["date"]

    def project(self) -> dict[str, Any]:
        names = {"customer_service": "Customer Service Reply Assistant", "marketing": "Campaign Copy Studio",
                 "hr_employment": "Candidate Screening Assistant", "credit": "Consumer Credit Scoring",
                 "insurance": "Underwriting Risk Model", "education": "Assignment Feedback Helper",
                 "healthcare": "Clinical Notes Summariser", "legal": "Contract Obligation Extractor",
                 "finance_backoffice": "Invoice Matching", "it_ops": "Ticket Router",
                 "biometrics": "Badge Photo Verification", "critical_infrastructure": "Grid Load Forecaster",
                 "law_enforcement": "Fraud Referral Triage", "migration": "Visa Document Triage",
                 "justice": "Case Law Research Assistant", "public_services": "Benefit Eligibility Checker",
                 "other": "Warehouse Demand Forecaster"}
        out: dict[str, Any] = {"id": self.slug, "name": f"{names[self.domain]} {self.index}",
                               "description": PURPOSE_OF[self.domain]}
        if self.domain == "hr_employment" and self.p(0.05):
            out["description"] = EMOTION_TEXT
        if self.mature or self.p(0.4):
            if self.p(0.9 if self.mature else 0.5):
                out["business_process"] = PROCESS_OF.get(self.domain, "Operations planning")
            if self.p(0.95 if self.mature else 0.5):
                out["domain"] = self.domain
            if self.p(0.9 if self.mature else 0.4):
                out["intended_use"] = ("Staff review the AI output before it takes effect; used by "
                                       f"{self.pick(('agents', 'analysts', 'recruiters', 'underwriters', 'clerks'))}"
                                       " in their daily work.")
            if (self.mature >= 2 and self.p(0.85)) or self.p(0.15):
                out["out_of_scope_uses"] = self.r.sample(["legal advice", "medical diagnosis", "refunds above 500 EUR",
                                                          "decisions without human review", "use on minors"],
                                                         self.r.randint(1, 3))
        if self.p(0.97):
            out["jurisdictions"] = self.jur
        if self.domain == "public_services" or self.p(0.04):
            out["public_body"] = self.p(0.6)
        elif self.p(0.05):
            out["public_service"] = True
        return out

    def stage_block(self) -> dict[str, Any]:
        out: dict[str, Any] = {"current": self.stage, "since": self.since}
        if self.mature or self.p(0.5):
            hist = [dict(h) for h in self.history]
            if self.p(0.04) and len(hist) > 2:
                del hist[1]  # a skipped stage
            if self.p(0.03):
                out["since"] = self.since + dt.timedelta(days=self.r.randint(1, 20))
            if self.p(0.96 if self.mature else 0.3):
                out["history"] = hist
        if self.stage == "retired":
            out["retired_on"] = self.since
            if self.p(0.88):
                out["decommission_plan"] = self.link("decommission", "plan")
        return out

    def owners(self) -> dict[str, Any]:
        r = self.r
        self.small_team = self.p(0.07)  # a single team runs everything: few departments involved
        dept = self.pick(BUSINESS_DEPTS) if self.p(0.85) and not self.small_team else self.pick(TECH_DEPTS)
        business = self.person(dept, self.pick(("Head of Operations", "Product owner", "Line manager", "")),
                               valid=0.9 + 0.09 * self.care)
        if self.p(0.04):
            del business["department"]
        tech = self.person(business.get("department", "IT") if self.small_team else self.pick(TECH_DEPTS),
                           self.pick(("Tech lead", "ML engineer", "Solution architect")))
        self.business, self.tech = business, tech
        out: dict[str, Any] = {"business_owner": business, "technical_owner": tech}
        needs_sponsor = self.mature >= 2 or self.affects
        if self.p(0.9 if needs_sponsor else 0.3) and not self.small_team:
            sponsor = dict(business) if self.p(0.04) else self.person(self.pick((*BUSINESS_DEPTS, "Executive Office")))
            if self.p(0.93):
                sponsor["title"] = self.pick(EXEC_TITLES)
            out["executive_sponsor"] = sponsor
        stakeholders = []
        if (self.mature or self.p(0.3)) and not self.small_team:
            wanted = ["privacy"] if self.pd_likely else []
            wanted += ["legal", "risk"] if self.affects or self.p(0.3) else []
            wanted += ["procurement"] if self.sourcing != "build" and self.p(0.7) else []
            wanted += ["security"] if self.p(0.5) else []
            wanted += ["hr", "works_council"] if self.domain == "hr_employment" and self.p(0.8) else []
            wanted += r.sample(("compliance", "data", "finance", "business", "it", "ethics"), r.randint(0, 2))
            for function in dict.fromkeys(wanted):
                if not self.p(0.72 + 0.27 * self.care):
                    continue  # forgot to involve this function
                s = dict(self.person(FUNCTION_DEPTS[function]))
                s["function"] = function
                s["raci"] = self.weighted((("C", 60), ("R", 25), ("I", 15)))
                stakeholders.append(s)
            if stakeholders and self.p(0.3):
                stakeholders.append({"name": business["name"], "email": business["email"],
                                     "department": business.get("department", "Operations"),
                                     "function": "business", "raci": "A"})
            if stakeholders and self.p(0.03):
                stakeholders[0]["raci"] = "A"  # an accountable stakeholder who is not the business owner
        if stakeholders:
            out["stakeholders"] = stakeholders
        if self.mature >= 2 and self.p(0.4):
            out["steering_committee"] = {"name": f"{self.pick(('CX', 'Finance', 'HR', 'Ops'))} AI board",
                                         "cadence_days": self.pick((30, 60, 90)),
                                         "last_meeting": self.recent(3, 120)}
        return out

    def ai_system(self) -> dict[str, Any]:
        r = self.r
        out: dict[str, Any] = {"sourcing": self.sourcing}
        if self.sourcing != "build":
            out["provider"] = self.pick(VENDORS)
        out["model_type"] = self.model_type
        if self.gen or self.p(0.7):
            out["generative"] = self.gen
        if self.p(0.7):
            out["output_modalities"] = (["text"] if self.gen else
                                        [self.pick(("score", "decision"))] + (["text"] if self.p(0.2) else []))
        if self.gen:
            name, provider, versions = self.pick(FOUNDATION)
            version = self.pick(versions) if self.p(0.93) else self.pick(("latest", "*"))
            fm: dict[str, Any] = {"name": name, "version": version}
            if self.p(0.93):
                fm["provider"] = provider
            if self.p(0.7):
                fm["adopted_on"] = self.recent(20, 500)
            out["foundation_model"] = fm
            out["fine_tuned"] = self.p(0.15)
            out["rag"] = self.p(0.55)
        else:
            if self.p(0.6):
                out["fine_tuned"] = False
            if self.p(0.6):
                out["last_retrained_on"] = self.recent(10, 600)
        if self.p(0.5):
            out["hosting_regions"] = r.sample(["eu-west-1", "eu-central-1", "us-east-1", "westeurope"], r.randint(1, 2))
        if self.gen and self.p(0.3):
            out["uses_tools"] = True
        out["user_facing"] = self.user_facing
        if self.affects or self.p(0.5):
            out["affects_individuals"] = self.affects
        if (self.affects and self.p(0.7)) or self.p(0.2):
            out["profiling"] = self.affects and self.p(0.5)
        if self.p(0.75):
            out["autonomy_level"] = self.weighted((("assistive", 40), ("human_in_the_loop", 40),
                                                   ("human_on_the_loop", 15), ("autonomous", 5)))
        if self.eu and self.p(0.8):
            out["eu_role"] = self.weighted((("deployer", 55), ("provider", 15), ("provider_and_deployer", 25),
                                            ("none", 5)))
        return out

    def risk(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        annex = ANNEX_III.get(self.domain)
        self.eu_tier = None
        if self.eu and (self.mature or self.p(0.3)) and self.p(0.9):
            if annex and self.p(0.75):
                tier = "high"
            else:
                tier = self.weighted((("minimal", 45), ("limited", 40), ("out_of_scope", 12), ("prohibited", 1),
                                      ("high", 4)))
            if self.model_type == "llm" and self.user_facing and tier == "minimal":
                tier = "limited"
            eu: dict[str, Any] = {"tier": tier}
            if tier == "high":
                if annex and self.p(0.93):
                    eu["annex_iii"] = annex if self.p(0.95) else annex.replace("(", "").replace(")", "")
                else:
                    eu["annex_i_product"] = self.p(0.6)
            elif annex and self.p(0.8):
                eu["art6_3_exemption"] = {"claimed": True, "ground": self.pick(("a", "b", "c", "d"))}
                if self.p(0.85):
                    eu["art6_3_exemption"]["rationale"] = "Performs a narrow procedural task; a person decides."
            out["eu_ai_act"] = eu
            self.eu_tier = tier
        self.eu_high = self.eu and self.eu_tier == "high"
        if self.stage == "idea" and self.p(0.6):
            tier = "unassessed"
        elif self.eu_high or (self.affects and self.p(0.6)):
            tier = self.weighted((("high", 70), ("critical", 15), ("medium", 15)))
        else:
            tier = self.weighted((("low", 45), ("medium", 45), ("high", 10)))
        out["internal_tier"] = tier
        self.internal_tier = tier
        if tier != "unassessed":
            if self.p(0.85 + 0.1 * self.care):
                out["rationale"] = f"{self.domain.replace('_', ' ').capitalize()} use with {tier} impact on people."
            if self.p(0.9):
                out["assessed_on"] = self.recent(-5, 520)
            if self.p(0.85):
                out["assessed_by"] = self.person("Risk Management", "AI risk officer")
            if self.p(0.5):
                out["register"] = self.link("risk", "register")
        return out

    def data(self, doc: dict[str, Any]) -> dict[str, Any] | None:
        r = self.r
        self.datasets = []
        if not self.mature and not self.p(0.35):
            return None
        if (self.sourcing == "buy" and self.p(0.25)) or not self.p(0.4 + 0.55 * self.care + 0.05 * self.mature):
            return None
        purposes = (["training", "validation", "testing"] if not self.gen
                    else ["retrieval", "prompt_context"] + (["fine_tuning"] if self.p(0.2) else []))
        purposes += ["inference_input"] if self.p(0.5) else []
        purposes += ["logging"] if self.p(0.3) else []
        for i, purpose in enumerate(purposes[: r.randint(1, 5)]):
            ds: dict[str, Any] = {}
            if self.p(0.99):
                ds["id"] = f"ds-{purpose.replace('_', '-')}-{i + 1}"
            ds["name"] = f"{self.domain.replace('_', ' ').title()} {purpose.replace('_', ' ')} set"
            if self.p(0.99):
                ds["purpose"] = purpose
            if self.p(0.99):
                ds["source"] = self.weighted((("internal", 55), ("vendor", 15), ("public", 12),
                                              ("user_generated", 10), ("synthetic", 6), ("scraped", 2)))
            if self.p(0.95 + 0.045 * self.care):
                owner_dept = self.business.get("department", "IT") if self.small_team else self.pick(
                    ("Data Office", "Data Science", *BUSINESS_DEPTS[:4]))
                ds["owner"] = self.person(owner_dept, valid=0.99)
            personal = self.pd_likely and (purpose in ("inference_input", "logging", "training") or self.p(0.4))
            if self.p(0.96 + 0.04 * self.care):
                ds["personal_data"] = personal
            if personal:
                special = self.domain in ("healthcare", "biometrics") or self.p(0.06)
                if self.p(0.9):
                    ds["special_category"] = special
                if special:
                    ds["special_categories"] = ["health"] if self.domain != "biometrics" else ["biometric"]
                    if self.p(0.85):
                        ds["art9_condition"] = self.pick(("9(2)(a)", "9(2)(b)", "9(2)(h)"))
                if self.domain == "law_enforcement":
                    ds["criminal_data"] = True
                if self.p(0.85 + 0.13 * self.care):
                    ds["legal_basis"] = self.weighted((("6(1)(b)", 35), ("6(1)(f)", 35), ("6(1)(a)", 15),
                                                       ("6(1)(c)", 10), ("6(1)(e)", 5)))
                    if ds["legal_basis"] == "6(1)(a)":
                        consent: dict[str, Any] = {"required": True}
                        if self.p(0.85):
                            consent["mechanism"] = "Opt-in checkbox in the customer portal"
                        if self.p(0.6):
                            consent["withdrawal"] = "Privacy settings page"
                        ds["consent"] = consent
                if self.p(0.88):
                    ds["retention"] = ({"period_days": self.pick((90, 183, 365, 730))} if self.p(0.7)
                                       else {"policy": "RET-POL-7 (customer records)"})
                if self.p(0.4):
                    ds["residency"] = self.pick((["EU"], ["EU", "US"], ["DE"], ["US"]))
                if self.eu and self.p(0.2):
                    ds["transfers"] = [{"to": "US", "mechanism": self.pick(("scc", "dpf")),
                                        "reference": "DPA-2025-014"}]
            if ds.get("purpose") in ("training", "fine_tuning", "validation", "testing", "retrieval"):
                if self.p(0.6 + 0.38 * self.care):
                    ds["lineage"] = self.link("data", f"lineage-{i + 1}")
                if self.p(0.4):
                    ds["datasheet"] = self.link("data", f"datasheet-{i + 1}")
            if ds.get("source") in ("vendor", "public", "scraped") and self.p(0.7):
                ds["license"] = self.pick(("CC-BY-4.0", "Commercial licence LIC-2291", "ODbL-1.0"))
            if self.eu_high and purpose in ("training", "validation", "testing") and self.p(0.8):
                ds["quality_check"] = self.evidence(self.pick(("passed", "passed", "failed")), self.recent(5, 450),
                                                    self.person("Data Office"), "data-quality")
            self.datasets.append(ds)
        return {"datasets": self.datasets}

    @property
    def pd(self) -> bool:
        return any(d.get("personal_data") for d in self.datasets)

    def pilot_entry(self) -> dt.date | None:
        return next((h["date"] for h in self.history if h["stage"] == "pilot"), None)

    def privacy(self, doc: dict[str, Any]) -> dict[str, Any] | None:
        if not self.pd and not self.p(0.05):
            return None
        out: dict[str, Any] = {}
        sc = any(d.get("special_category") for d in self.datasets)
        required = sc or self.internal_tier in ("high", "critical") or self.eu_high or (
            self.gen and self.user_facing) or (self.affects and self.p(0.6))
        if self.p(0.82 + 0.15 * self.care):
            dpia: dict[str, Any] = {}
            declared = required if self.p(0.93) else not required
            if self.p(0.95):
                dpia["required"] = declared
            if declared:
                pilot = self.pilot_entry()
                if self.mature and self.p(0.75 + 0.2 * self.care):
                    dpia["status"] = "approved"
                    first = (pilot - dt.timedelta(days=self.r.randint(5, 60)) if pilot and self.p(0.85)
                             else (pilot or self.since) + dt.timedelta(days=self.r.randint(5, 90)))
                    latest = max(first, self.recent(10, 500))
                    dpia["date"] = latest
                    if latest != first or self.p(0.3):
                        dpia["first_approved_on"] = first
                    if self.p(0.95):
                        dpia["by"] = self.person("Privacy Office", "Data Protection Officer")
                    dpia["link"] = self.link("dpia", self.slug)
                    if self.p(0.5):
                        dpia["next_review"] = latest + dt.timedelta(days=365)
                    dpia["dpo_consulted"] = self.p(0.9)
                else:
                    dpia["status"] = self.pick(("planned", "in_progress"))
            else:
                dpia["status"] = "not_required"
                if self.p(0.85):
                    dpia["rationale"] = "Screening DP-SCR-112: no high-risk processing."
            out["dpia"] = dpia
        if self.mature and self.p(0.6 + 0.35 * self.care):
            out["ropa_entry"] = f"ROPA-{self.r.randint(1, 999):04d}"
        if self.affects and self.p(0.7):
            solely = self.p(0.2)
            ad: dict[str, Any] = {"solely_automated": solely}
            if solely:
                ad["art22_exception"] = self.pick(("contract", "law", "explicit_consent"))
                ad["safeguards"] = ["human_review", "contest", "express_view"][: self.r.randint(1, 3)]
            out["automated_decision"] = ad
        return out or None

    def fairness(self, doc: dict[str, Any]) -> dict[str, Any] | None:
        required = self.affects or self.eu_high or self.internal_tier in ("high", "critical") or (
            self.gen and self.user_facing and self.internal_tier in ("medium", "high", "critical"))
        if not self.mature or not (required or self.p(0.15)):
            return None
        if not self.p(0.7 + 0.28 * self.care):
            return None
        if not required and self.p(0.5):
            review: dict[str, Any] = {"status": "not_applicable"}
            if self.p(0.85):
                review["rationale"] = "Outputs are generic texts; no decisions about individuals."
            return {"review": review}
        status = self.weighted((("passed", 60), ("passed_with_mitigations", 18), ("in_progress", 15),
                                ("not_started", 4), ("failed", 2)))
        when = self.recent(-3, 420)
        reviewer = self.tech if self.p(0.05) else self.person("Risk Management", "Responsible AI Reviewer")
        review = {"status": status, "date": when, "by": reviewer}
        if self.p(0.8):
            review["link"] = self.link("fairness", f"review-{when.isoformat()}")
        out: dict[str, Any] = {"review": review}
        if status == "not_started":
            return out
        attrs = self.r.sample(["sex", "age_band", "disability", "ethnicity", "nationality"], self.r.randint(1, 3))
        if self.p(0.93):
            out["protected_attributes"] = attrs
        metrics = []
        for attr in attrs if self.p(0.9) else []:
            comparator = self.pick((">=", "<="))
            threshold = 0.8 if comparator == ">=" else 0.1
            good = self.p(0.95 if status == "passed" else 0.7)
            value = (round(self.r.uniform(0.8, 0.98), 2) if good else round(self.r.uniform(0.62, 0.79), 2)
                     ) if comparator == ">=" else (round(self.r.uniform(0.01, 0.1), 3) if good
                                                   else round(self.r.uniform(0.11, 0.25), 3))
            m: dict[str, Any] = {"name": "selection_rate_ratio" if comparator == ">=" else "equal_opportunity_gap",
                                 "attribute": attr, "comparator": comparator, "threshold": threshold, "value": value}
            if self.p(0.98):
                m["measured_on"] = when - dt.timedelta(days=self.r.randint(0, 20)) if self.p(0.99) else \
                    AS_OF + dt.timedelta(days=10)
            if self.p(0.02):
                del m["attribute"]
            metrics.append(m)
        if metrics:
            out["metrics"] = metrics
        if status == "passed_with_mitigations" or self.p(0.1):
            out["mitigations"] = [{"description": "Reweighted training data by age band",
                                   "status": self.pick(("done", "done", "planned"))}]
        return out

    def security(self, doc: dict[str, Any]) -> dict[str, Any] | None:
        if not self.mature and not self.p(0.2):
            return None
        if not self.p(0.8 + 0.2 * self.care):
            return None
        out: dict[str, Any] = {}
        if self.p(0.78 + 0.21 * self.care):
            status = self.weighted((("approved", 62), ("passed", 26), ("in_progress", 9), ("rejected", 3)))
            when = self.recent(0, 330) if self.p(0.75 + 0.2 * self.care) else self.recent(300, 700)
            out["review"] = self.evidence(status, when, self.person("Information Security", "Security Architect",
                                                                    valid=0.99), "security")
        if self.gen and self.p(0.5 + 0.45 * self.care):
            scope = ["prompt_injection", "jailbreak", "data_leakage"]
            if self.p(0.2):
                scope.remove(self.pick(scope))
            if self.user_facing and self.p(0.8):
                scope.append("system_prompt_leakage")
            if self.p(0.4):
                scope.append("excessive_agency")
            rt: dict[str, Any] = {"status": self.pick(("completed", "completed", "completed", "planned")),
                                  "date": self.recent(3, 300), "by": self.person("Information Security"),
                                  "scope": scope, "performed_by": "Internal AI red team"}
            if self.p(0.85):
                rt["link"] = self.link("red-team", "report")
            rt["open_findings"] = {"critical": 0 if self.p(0.93) else 1, "high": self.pick((0, 0, 0, 1, 2)),
                                   "medium": self.r.randint(0, 6)}
            out["red_team"] = rt
        if self.sourcing != "build" and self.p(0.6 + 0.35 * self.care):
            va = self.evidence(self.pick(("approved", "approved", "in_progress")), self.recent(0, 600),
                               self.person("Procurement"), "vendor")
            va["no_training_on_customer_data"] = self.p(0.9)
            va["dpa_signed"] = self.p(0.88)
            out["vendor_assessment"] = va
        return out or None

    def compliance(self, doc: dict[str, Any]) -> dict[str, Any] | None:
        if self.mature < 1 or not self.p(0.3 + 0.2 * self.mature):
            return None
        approvals = []
        areas = ["security"] + (["privacy"] if self.pd else []) + (["legal"] if self.eu or self.p(0.3) else [])
        areas += ["risk"] if self.internal_tier in ("high", "critical") else []
        for area in areas:
            if not self.p(0.7 + 0.28 * self.care):
                continue
            when = self.recent(10, 600)
            a: dict[str, Any] = {"area": area, "decision": self.weighted((("approved", 70),
                                                                         ("approved_with_conditions", 25),
                                                                         ("rejected", 5))),
                                 "date": when, "by": self.person(FUNCTION_DEPTS[area])}
            if self.p(0.9):
                a["link"] = self.link("approvals", area)
            if self.p(0.4):
                a["expires_on"] = when + dt.timedelta(days=self.pick((365, 730)))
            if a["decision"] == "approved_with_conditions":
                a["conditions"] = [{"description": "Re-test after the next model upgrade",
                                    "due": when + dt.timedelta(days=self.r.randint(30, 300)), "done": self.p(0.5)}]
            approvals.append(a)
        out: dict[str, Any] = {}
        if approvals:
            out["approvals"] = approvals
        if self.eu_high and self.p(0.6):
            pilot = self.pilot_entry() or self.since
            out["fria"] = {"status": self.pick(("approved", "approved", "in_progress")),
                           "date": pilot - dt.timedelta(days=self.r.randint(-20, 60)),
                           "link": self.link("fria", "assessment"), "required": True}
        if self.eu_high and self.p(0.7):
            ob: dict[str, Any] = {"instructions_for_use": self.link("eu", "instructions-for-use")}
            if self.p(0.6):
                ob["affected_persons_notice"] = self.link("eu", "notice")
            if self.domain == "hr_employment" and self.p(0.8):
                ob["workers_informed_on"] = (self.pilot_entry() or self.since) - dt.timedelta(days=self.r.randint(-10, 40))
            if self.p(0.4):
                ob.update({"qms": self.link("eu", "qms"), "conformity_assessment_date": self.recent(30, 400),
                           "eu_database_registration": f"EU-DB-{self.r.randint(10000, 99999)}"})
            out["eu_obligations"] = ob
        return out or None

    def kpis(self, doc: dict[str, Any]) -> list[dict[str, Any]] | None:
        if not self.mature and not self.p(0.3):
            return None
        if not self.p(0.55 + 0.4 * self.care):
            return None
        out = []
        for kid, name, unit, direction in self.r.sample(KPI_DEFS, self.r.randint(1, 4)):
            base_date = (self.pilot_entry() or self.since) - dt.timedelta(days=self.r.randint(0, 60))
            base = round(self.r.uniform(10, 100), 1)
            better = base * (1.25 if direction == "increase" else 0.75)
            if self.p(0.05):
                better = base * (0.9 if direction == "increase" else 1.1)  # target points the wrong way
            k: dict[str, Any] = {"id": kid, "name": name}
            if self.p(0.985):
                k["unit"] = unit
            if self.p(0.985):
                k["direction"] = direction
            owner = self.person(self.pick(BUSINESS_DEPTS), valid=0.99)
            if self.p(0.96):
                k["owner"] = owner["email"] if self.p(0.97) else owner["name"]
            pnl = (self.mature >= 2 and self.p(0.75)) or self.p(0.2)
            k["pnl_linked"] = pnl
            if pnl and self.p(0.9):
                k["pnl_line"] = self.pick(("Opex - customer service", "Revenue - lending", "Opex - IT", "COGS"))
            k["baseline"] = {"value": base, "date": base_date}
            if self.p(0.97):
                k["target"] = {"value": round(better, 1),
                               "date": base_date + dt.timedelta(days=self.pick((180, 365, 540)))}
            if self.mature >= 1 and self.p(0.75):
                k["current"] = {"value": round(self.r.uniform(min(base, better), max(base, better)), 1),
                                "date": self.recent(1, 200)}
            if self.p(0.96):
                k["measurement"] = {"method": "Weekly extract from the ticketing system",
                                    "source": self.pick(("ServiceNow", "Salesforce", "SAP", "Workday", "BigQuery")),
                                    "cadence": self.pick(("weekly", "monthly", "quarterly"))}
            out.append(k)
        return out

    def business_case(self, doc: dict[str, Any]) -> dict[str, Any] | None:
        if not self.mature and not self.p(0.25):
            return None
        if not self.p(0.6 + 0.38 * self.care):
            return None
        out: dict[str, Any] = {"expected_annual_value": {"amount": self.r.randint(50, 5000) * 1000,
                                                         "currency": self.pick(("EUR", "USD", "GBP"))}}
        if self.p(0.9):
            out["annual_cost"] = self.r.randint(20, 900) * 1000
        if self.p(0.5):
            out["one_off_cost"] = self.r.randint(50, 1500) * 1000
        if self.mature >= 2 and self.p(0.85):
            out["pnl_line"] = self.pick(("Opex - customer service", "Revenue - lending", "Opex - IT"))
            out["approved_by"] = self.person("Finance", "Finance business partner")
            out["approved_on"] = self.recent(30, 700)
        return out

    def gates(self, doc: dict[str, Any]) -> list[dict[str, Any]] | None:
        hist = doc["stage"].get("history")
        if not hist or len(hist) < 2:
            return None
        out = []
        for i, h in enumerate(hist[1:], start=1):
            if h["stage"] == "retired" or not self.p(0.85 + 0.13 * self.care):
                continue
            gid = f"G{i}"
            h["gate_id"] = gid
            g: dict[str, Any] = {"id": gid, "from": hist[i - 1]["stage"], "to": h["stage"],
                                 "decision": self.weighted((("go", 75), ("go_with_conditions", 22), ("extend", 3))),
                                 "date": h["date"] - dt.timedelta(days=self.r.randint(0, 10) if self.p(0.93)
                                                                  else self.r.randint(20, 60))}
            if self.p(0.96):
                g["approver"] = (self.tech if self.p(0.03) else
                                 self.person("Executive Office", self.pick(("Portfolio board chair", "CIO"))))
            g["criteria"] = [{"id": f"C{j + 1}", "description": d, "met": self.p(0.95),
                              "evidence": self.link("gates", f"{gid}-c{j + 1}")}
                             for j, d in enumerate(self.r.sample(["Business case approved", "Security review passed",
                                                                 "KPI baseline measured", "DPIA approved",
                                                                 "Retrospective held"], self.r.randint(1, 3)))]
            if g["decision"] == "go_with_conditions":
                g["conditions"] = [{"description": "Complete the red-team retest",
                                    "due": g["date"] + dt.timedelta(days=self.r.randint(30, 400)),
                                    "done": self.p(0.6)}]
            out.append(g)
        if self.stage == "pilot" and self.p(0.1):
            out.append({"id": "G-ext", "from": "pilot", "to": "pilot", "decision": "extend",
                        "date": self.recent(10, 150), "approver": self.person("Executive Office", "CIO")})
        return out or None

    def monitoring(self, doc: dict[str, Any]) -> dict[str, Any] | None:
        if self.mature < 1 and not self.p(0.1):
            return None
        if not self.p(0.6 + 0.1 * self.mature + 0.35 * self.care):
            return None
        out: dict[str, Any] = {}
        if self.p(0.85):
            out["plan"] = self.link("monitoring", "plan")
        if not self.gen and self.p(0.75):
            out["drift"] = {"enabled": self.p(0.9), "metrics": ["psi", "feature_drift"][: self.r.randint(1, 2)],
                            "threshold": 0.2}
        if (self.gen and self.p(0.7)) or self.p(0.2):
            out["slos"] = [{"name": self.pick(("groundedness", "hallucination_rate", "p95_latency_ms")),
                            "target": 0.95, "current": round(self.r.uniform(0.85, 0.99), 2), "window": "30d"}]
        if self.p(0.8):
            lg: dict[str, Any] = {"enabled": self.p(0.93)}
            if self.p(0.85):
                lg["retention_days"] = self.pick((30, 90, 183, 365, 730))
            lg["includes"] = ["inputs", "outputs", "overrides"][: self.r.randint(1, 3)]
            out["logging"] = lg
        if ((self.user_facing or self.affects) and self.p(0.9)) or self.p(0.2):
            fc: dict[str, Any] = {"type": self.pick(("in_app", "email", "form"))}
            if self.p(0.95):
                fc["link"] = self.link("feedback", "channel", url=0.9)
            if self.affects:
                fc["supports_contest"] = self.p(0.85)
            out["feedback_channel"] = fc
        if self.p(0.8):
            out["incident_process"] = self.link("ops", "incident-process")
        if self.p(0.85):
            out["last_review"] = self.recent(0, 200)
        if self.p(0.6):
            out["review_cadence_days"] = self.pick((30, 60, 90, 180))
        return out or None

    def oversight(self, doc: dict[str, Any]) -> dict[str, Any] | None:
        auto = doc["ai_system"].get("autonomy_level") in ("human_on_the_loop", "autonomous")
        if not (self.eu_high or self.affects or auto or self.p(0.25)) or not self.mature:
            return None
        if not self.p(0.75 + 0.24 * self.care):
            return None
        out: dict[str, Any] = {"mode": self.weighted((("review_before_effect", 55), ("spot_check", 30),
                                                      ("monitor_only", 12), ("none", 3))),
                               "can_override": self.p(0.96), "can_stop": self.p(0.95)}
        if self.eu_high and self.p(0.3):
            out["two_person_verification"] = True
        overseers = [{"role": self.pick(("Team lead", "Senior underwriter", "Duty manager"))}
                     for _ in range(self.r.randint(1, 3) if self.p(0.88) else 0)]
        for o in overseers:
            if self.p(0.96):
                o["trained_on"] = self.recent(-10, 600)
        if overseers:
            out["overseers"] = overseers
        return out

    def transparency(self, doc: dict[str, Any]) -> dict[str, Any] | None:
        if not self.mature or not (self.user_facing or self.gen) or not self.p(0.7 + 0.3 * self.care):
            return None
        out: dict[str, Any] = {}
        if self.user_facing:
            ad: dict[str, Any] = {"provided": self.p(0.96)}
            if self.p(0.94):
                ad["method"] = self.pick(("Banner in the chat window", "Footer on every AI-drafted email"))
            ad["first_interaction"] = self.p(0.93)
            out["ai_disclosure"] = ad
        if self.gen:
            publishes = self.p(0.3)
            out["publishes_content"] = publishes
            if publishes:
                cl: dict[str, Any] = {"machine_readable": self.p(0.8), "visible_label": self.p(0.7)}
                if self.p(0.85):
                    cl["method"] = "C2PA manifest"
                out["content_labelling"] = cl
                out["deep_fake"] = self.p(0.05)
        return out or None

    def incidents(self, doc: dict[str, Any]) -> list[dict[str, Any]] | None:
        n = self.weighted(((0, 70), (1, 18), (2, 8), (3, 4))) if self.mature else 0
        out = []
        for i in range(n):
            opened = self.recent(3, 420)
            severity = self.weighted((("low", 40), ("medium", 35), ("high", 20), ("critical", 5)))
            closed = self.p(0.7)
            inc: dict[str, Any] = {"id": f"INC-{self.r.randint(1000, 9999)}-{i}",
                                   "title": self.pick(("Wrong answers about refund policy", "Model drift on new segment",
                                                       "PII in logs", "Outage of the scoring API",
                                                       "Biased ranking reported by a user")),
                                   "opened_on": opened, "aware_on": opened, "severity": severity,
                                   "status": "closed" if closed else "open"}
            if self.eu and severity in ("high", "critical") and self.p(0.3):
                inc["serious_eu"] = True
                inc["serious_type"] = self.pick(("other", "other", "widespread_or_critical_infra", "death"))
                if self.p(0.8):
                    inc["reported_to_authority_on"] = opened + dt.timedelta(days=self.r.randint(1, 18))
            if (severity in ("high", "critical") or self.p(0.2)) and ((closed and self.p(0.85)) or self.p(0.4)):
                pm: dict[str, Any] = {"link": self.link("postmortems", inc["id"]),
                                      "date": opened + dt.timedelta(days=self.r.randint(3, 45))}
                pm["actions"] = [{"id": f"A{j + 1}", "owner": self.person("Engineering")["email"],
                                  "due": opened + dt.timedelta(days=self.r.randint(14, 200)),
                                  "status": "done" if self.p(0.7) else "open"}
                                 for j in range(self.r.randint(0, 3))]
                if not pm["actions"]:
                    del pm["actions"]
                inc["postmortem"] = pm
            out.append(inc)
        return out or None

    def learning(self, doc: dict[str, Any]) -> dict[str, Any] | None:
        if not self.mature or not self.p(0.65 + 0.35 * self.care):
            return None
        out: dict[str, Any] = {}
        retros = []
        dates = []
        pilot = self.pilot_entry()
        program = next((h["date"] for h in self.history if h["stage"] == "program"), None)
        if pilot and program and program > pilot and self.p(0.75 + 0.2 * self.care):
            dates.append(self.day(pilot, program))  # the retrospective before the promotion to program
        if self.p(0.55 + 0.43 * self.care):
            dates.append(self.recent(3, 85 if self.p(0.85) else 200))
        dates += [self.day(self.since, AS_OF) for _ in range(self.r.randint(0, 2))]
        for when in dates:
            retros.append({"date": when, "link": self.link("retros", "retro"),
                           "departments": self.r.sample(["Operations", "Data Science", "Legal", "Finance", "IT"],
                                                        self.r.randint(1, 3) if self.p(0.2) else self.r.randint(2, 3)),
                           "decisions": ["Tighten the prompt guardrails"]})
        if retros:
            out["retrospectives"] = sorted(retros, key=lambda x: x["date"])
        if self.user_facing or self.mature >= 2:
            fl: dict[str, Any] = {}
            if self.p(0.9):
                fl["sources"] = self.r.sample(["thumbs_rating", "agent_edits", "complaints", "surveys"],
                                              self.r.randint(1, 3))
            fl["review_cadence_days"] = self.pick((30, 60, 90))
            if self.p(0.9):
                fl["last_review"] = self.recent(0, 160)
            changes = [{"date": self.recent(5, 300), "change": "Prompt updated to cite the refund policy",
                        "material": self.p(0.2)} for _ in range(self.r.randint(0, 3))]
            if changes:
                fl["changes_from_feedback"] = changes
            out["feedback_loop"] = fl
        return out or None

    def docs(self, doc: dict[str, Any]) -> dict[str, Any] | None:
        if not self.mature or not self.p(0.5 + 0.45 * self.care):
            return None
        out: dict[str, Any] = {}
        if self.p(0.8):
            out["model_card" if self.sourcing == "build" else "system_card"] = self.link("cards", "card")
        if self.eu_high and self.p(0.8):
            out["instructions_for_use"] = self.link("eu", "instructions")
            if self.p(0.6):
                out["technical_documentation"] = self.link("eu", "technical-documentation")
        if self.p(0.5):
            out["architecture"] = self.link("arch", "overview")
        if self.p(0.5):
            out["runbook"] = self.link("ops", "runbook")
        return out or None

    def waivers(self, doc: dict[str, Any]) -> list[dict[str, Any]] | None:
        if not self.p(0.12 + 0.04 * self.mature):
            return None
        out = []
        for rule in self.r.sample(RULE_IDS, self.r.randint(1, 2)):
            granted = self.recent(-2, 400)
            w: dict[str, Any] = {"rule": rule, "reason": "Remediation planned for the next release"}
            if self.p(0.93):
                w["approver"] = (self.business if self.p(0.3) else
                                 self.person("AI Governance Office", "Head of AI governance"))
            w["granted_on"] = granted
            if self.p(0.94):
                w["expires_on"] = granted + dt.timedelta(days=self.pick((90, 180, 180, 365, 500)))
            if self.p(0.7):
                w["ticket"] = f"GOV-{self.r.randint(100, 999)}"
            out.append(w)
        return out


_EU = frozenset(["EU", "EEA", "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO"])


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def _email(first: str, last: str, valid: float, r: random.Random) -> str:
    good = f"{_ascii(first)}.{_ascii(last)}@corp.example"
    if r.random() < valid:
        return good if r.random() < 0.95 else good.replace("corp.example", "Corp.Example")
    return r.choice((f"{_ascii(first)} {_ascii(last)}", good.replace("@", " at "), "", "tbd"))


def _stringify_dates(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _stringify_dates(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_stringify_dates(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    """Writes every value out, as people do: no `&anchor` / `*alias` for values that occur twice."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def manifest(seed: int, index: int) -> dict[str, Any]:
    """The data of manifest `index` for `seed` (dates as `datetime.date`)."""
    return _Gen(seed, index).build()


def render(seed: int, index: int) -> str:
    """Manifest `index` for `seed` as YAML text; about one in five writes its dates quoted."""
    gen = _Gen(seed, index)
    data = gen.build()
    if gen.r.random() < 0.2:
        data = _stringify_dates(data)  # dumped quoted, as people who quote their dates write them
    header = f"# ai-project.yaml for {data['project']['name']} (generated: seed {seed}, #{index})\n"
    return header + yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=120,
                              default_flow_style=False)


def generate(seed: int, count: int) -> list[str]:
    """`count` manifests as YAML texts, deterministic for `seed`."""
    return [render(seed, i) for i in range(count)]


def write(seed: int, count: int, out: Path) -> list[Path]:
    """Write manifest i to `out/NNNNN/ai-project.yaml`; return the paths."""
    paths = []
    for i in range(count):
        folder = out / f"{i:05d}"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "ai-project.yaml"
        path.write_text(render(seed, i), encoding="utf-8")
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Generate realistic ai-project.yaml manifests for benchmarks.")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default: 7)")
    parser.add_argument("--count", type=int, default=10_000, help="number of manifests (default: 10000)")
    parser.add_argument("--out", type=Path, required=True, help="folder to write NNNNN/ai-project.yaml into")
    args = parser.parse_args(argv)
    write(args.seed, args.count, args.out)
    print(f"wrote {args.count} manifests to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
