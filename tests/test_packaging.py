"""The wheel ships grammar/, schemas/ and policies/ and works outside the source tree."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

from helpers import MINIMAL

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_installs_and_checks_outside_the_source_tree(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(ROOT)],
        check=True,
        capture_output=True,
        text=True,
        timeout=600,
    )
    wheel = next(dist.glob("govrules-*.whl"))
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    # the dependencies come from this test's own environment (plain path entries: its .pth files, such as an
    # editable govrules, are not processed), so the wheel is the only govrules the new venv can import
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (Path(site) / "_deps.pth").write_text("\n".join(sorted(ours)) + "\n")
    subprocess.run(
        [str(python), "-m", "pip", "install", "--no-deps", "-q", str(wheel)], check=True, timeout=600
    )
    work = tmp_path / "project"
    work.mkdir()
    (work / "ai-project.yaml").write_text(MINIMAL)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["GOVRULES_CACHE_DIR"] = str(tmp_path / "cache")
    proc = subprocess.run(
        [str(env_dir / "bin" / "govrules"), "check", ".", "--as-of", "2026-11-28", "--format", "json"],
        cwd=work,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode in (0, 1), proc.stderr
    assert '"rules": [' in proc.stdout
    where = subprocess.run(
        [str(python), "-c", "import govrules.resources as r; print(r.data_path('policies'))"],
        cwd=work,
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout.strip()
    assert str(env_dir) in where and (Path(where) / "own.gov").is_file()
    shutil.rmtree(env_dir)
