"""Dependencies point one way (STYLE.md): each third-party library lives behind one module."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "govrules"

# third-party import -> the only modules allowed to import it
OWNERS = {
    "lark": {"lang/parser.py"},
    "yaml": {"manifest/loader.py"},
    "jsonschema": {"manifest/schema.py"},
    "re2": {"engine/builtins.py"},
    "fastjsonschema": {"manifest/schema.py"},
    "fastapi": {"server/"},
    "uvicorn": {"server/"},
    "psycopg": {"server/audit_postgres.py"},
    "orjson": {"server/"},
    "prometheus_client": {"server/metrics.py"},
}
# package -> packages it must not import
FORBIDDEN = {
    "span.py": {"govrules.diagnostics", "govrules.lang", "govrules.engine", "govrules.api", "govrules.cli"},
    "diagnostics.py": {
        "govrules.lang",
        "govrules.manifest",
        "govrules.engine",
        "govrules.api",
        "govrules.cli",
    },
    "lang/": {"govrules.engine", "govrules.manifest", "govrules.api", "govrules.cli", "govrules.reporters"},
    "manifest/": {"govrules.engine", "govrules.lang", "govrules.api", "govrules.cli", "govrules.reporters"},
    "engine/": {"govrules.api", "govrules.cli", "govrules.reporters", "govrules.server"},
    "reporters/": {"govrules.engine", "govrules.lang", "govrules.manifest", "govrules.api", "govrules.cli"},
    "catalogue.py": {"govrules.api", "govrules.cli", "govrules.reporters", "govrules.server"},
    "cli.py": {"govrules.server"},
}


def imports_of(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_dependencies_point_one_way() -> None:
    problems = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        for name in imports_of(path):
            top = name.split(".")[0]
            owners = OWNERS.get(top)
            if owners and not any(rel == o or rel.startswith(o) for o in owners):
                problems.append(f"{rel} imports {name}")
            for scope, banned in FORBIDDEN.items():
                if (rel == scope or rel.startswith(scope)) and any(name.startswith(b) for b in banned):
                    problems.append(f"{rel} imports {name}")
    assert problems == []
