from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import os  # noqa: E402
import tempfile  # noqa: E402

# tests never touch the user's cache; subprocesses inherit this too
os.environ.setdefault("GOVRULES_CACHE_DIR", tempfile.mkdtemp(prefix="govrules-test-cache-"))
