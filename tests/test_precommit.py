"""The pre-commit hook, as a project would use it: `pre-commit try-repo` against this checkout.

Slow (pre-commit builds govrules into its own virtualenv, about a minute), so one test covers the whole story:
the hook blocks a failing manifest with located findings, and passes once it is fixed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import ROOT

IDEA = (ROOT / "tests" / "rules" / "bases" / "idea.yaml").read_text()


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_hook_blocks_a_failing_manifest_and_passes_a_fixed_one(tmp_path: Path) -> None:
    repo = tmp_path / "project"
    (repo / "service").mkdir(parents=True)
    git(repo, "init", "-q")
    manifest = repo / "service" / "ai-project.yaml"
    manifest.write_text(IDEA.replace("daan.jansen@corp.example", "daan.jansen-at-corp"))
    (repo / "README.md").write_text("not a manifest\n")
    git(repo, "add", ".")
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.org",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.org",
        "NO_COLOR": "1",
    }

    def try_repo() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), "govrules"],
            cwd=repo,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )

    blocked = try_repo()
    assert blocked.returncode == 1, blocked.stdout + blocked.stderr
    assert "service/ai-project.yaml:14:12: high OWN-001 the business owner's email" in blocked.stdout
    manifest.write_text(IDEA)
    git(repo, "add", ".")
    passed = try_repo()
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "govrules" in passed.stdout and "Passed" in passed.stdout
