"""Rule test tables (tests/rules/*.yaml): manifests built from named bases plus small edits, with the verdict
each rule must give.

A case file holds optional `bases` (derived from another base by edits) and `cases`:

    bases:
      pilot_pd: {from: program, set: {stage.current: pilot}, unset: [kpis[1]]}
    cases:
      - name: OWN-001 fails without a business owner email
        from: pilot_pd                 # a base of this file or of tests/rules/bases/NAME.yaml
        set: {owners.business_owner.email: not-an-email}
        unset: [owners.business_owner.department, "owners.stakeholders[0]"]  # quote paths with [n] in flow lists
        append: {owners.stakeholders: {name: X, ...}}
        as_of: 2026-11-28              # default 2026-11-28
        stage: program                 # optional: evaluate as if promoted (--stage)
        params: {max_age_dpia: 200}    # optional rule parameter overrides
        expect: {OWN-001: fail}        # verdict per rule: pass, fail, not_applicable, waived
        blocking: {OWN-001: true}      # optional
        failing: {OWN-001: [2]}        # optional: the failing requires, 1-based, in order
        message: {OWN-001: "email"}    # optional: a substring of the rule's message
        notes: {OWN-002: 1}            # optional: number of advisory notes
        files: [docs/dpia.md]          # optional: files created next to the manifest

Paths are dotted with `[n]` list indexes; `set` creates missing mappings on the way.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from pathlib import Path
from typing import Any

import yaml

RULES = Path(__file__).parent / "rules"
BASES = RULES / "bases"
DEFAULT_AS_OF = dt.date(2026, 11, 28)
_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def steps(path: str) -> list[str | int]:
    out: list[str | int] = []
    for name, index in _STEP.findall(path):
        out.append(int(index) if index else name)
    return out


def _parent(doc: Any, path: str, create: bool) -> tuple[Any, str | int]:
    parts = steps(path)
    node = doc
    for part in parts[:-1]:
        if isinstance(part, int):
            node = node[part]
        else:
            if part not in node or node[part] is None:
                if not create:
                    raise KeyError(path)
                node[part] = {}
            node = node[part]
    return node, parts[-1]


def edit(doc: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    doc = copy.deepcopy(doc)
    for path in spec.get("unset") or ():
        node, last = _parent(doc, path, create=False)
        del node[last]
    for path, value in (spec.get("set") or {}).items():
        node, last = _parent(doc, path, create=True)
        node[last] = copy.deepcopy(value)
    for path, value in (spec.get("append") or {}).items():
        node, last = _parent(doc, path, create=True)
        if isinstance(node, dict) and node.get(last) is None:
            node[last] = []
        node[last].append(copy.deepcopy(value))
    return doc


def shared_base(name: str) -> dict[str, Any]:
    path = BASES / f"{name}.yaml"
    if not path.is_file():
        raise LookupError(f"no base `{name}` (tests/rules/bases/{name}.yaml)")
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def build(name: str, local: dict[str, dict[str, Any]], seen: tuple[str, ...] = ()) -> dict[str, Any]:
    if name in seen:
        raise LookupError(f"bases loop: {' -> '.join((*seen, name))}")
    spec = local.get(name)
    if spec is None:
        return shared_base(name)
    return edit(build(spec["from"], local, (*seen, name)), spec)


def load_file(path: Path) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(test id, manifest, case) for every case of one file."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    local = data.get("bases") or {}
    out = []
    for case in data.get("cases") or ():
        manifest = edit(build(case["from"], local), case)
        out.append((f"{path.stem}: {case['name']}", manifest, case))
    return out


def all_cases() -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    return [c for path in sorted(RULES.glob("*.yaml")) for c in load_file(path)]


def as_of(case: dict[str, Any]) -> dt.date:
    value = case.get("as_of", DEFAULT_AS_OF)
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def dump(manifest: dict[str, Any]) -> str:
    return yaml.safe_dump(manifest, sort_keys=False, allow_unicode=True)
