"""The cache only ever makes a run faster: damaged or stale entries are rebuilt, never trusted."""

from __future__ import annotations

import datetime as dt
import os
import pickle
from pathlib import Path

import pytest

from govrules.api import Engine
from helpers import MINIMAL

POLICY = """\
rule OWN-001 "business owner named" {
  severity high
  enforcement hard
  references "NIST AI RMF GOVERN 2.1"
  remediation "name the business owner"
  require owners.business_owner.email is email
}
"""
AS_OF = dt.date(2026, 11, 28)


@pytest.fixture()
def setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path, Path]:
    cache = tmp_path / "cache"
    monkeypatch.setenv("GOVRULES_CACHE_DIR", str(cache))
    policy = tmp_path / "p.gov"
    policy.write_text(POLICY)
    manifest = tmp_path / "ai-project.yaml"
    manifest.write_text(MINIMAL.replace("ana@corp.example", "ana-at-corp"))
    return cache, policy, manifest


def entries(cache: Path) -> list[Path]:
    return sorted(cache.glob("policies-*.bin"))


def verdict(policy: Path, manifest: Path) -> tuple[str, int, str]:
    report = Engine.load([policy]).check_file(manifest, AS_OF)
    result = report.results[0]
    assert result.location is not None
    return result.verdict.value, result.location.line, result.failures[0].found


def test_second_load_comes_from_the_cache_with_the_same_result(setup: tuple[Path, Path, Path]) -> None:
    cache, policy, manifest = setup
    first = verdict(policy, manifest)
    assert len(entries(cache)) == 1
    assert (
        verdict(policy, manifest)
        == first
        == ("fail", 5, 'found `owners.business_owner.email` is "ana-at-corp"')
    )


def test_a_damaged_entry_is_rebuilt(setup: tuple[Path, Path, Path]) -> None:
    cache, policy, manifest = setup
    first = verdict(policy, manifest)
    entries(cache)[0].write_bytes(os.urandom(256))
    assert verdict(policy, manifest) == first


def test_an_entry_whose_ast_cannot_be_unpacked_is_checked_again(setup: tuple[Path, Path, Path]) -> None:
    cache, policy, manifest = setup
    first = verdict(policy, manifest)
    entry = entries(cache)[0]
    payload = list(pickle.loads(entry.read_bytes()))
    payload[-1] = b"not a pickle of the AST"
    entry.write_bytes(pickle.dumps(tuple(payload)))
    assert verdict(policy, manifest) == first


def test_a_changed_policy_misses_the_cache(setup: tuple[Path, Path, Path]) -> None:
    cache, policy, manifest = setup
    verdict(policy, manifest)
    policy.write_text(POLICY.replace("is email", "is present"))
    assert Engine.load([policy]).check_file(manifest, AS_OF).results[0].verdict.value == "pass"
    assert len(entries(cache)) == 2
