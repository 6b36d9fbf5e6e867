"""Shared fixtures: temporary workspaces, the shared real-data folder (skipped when absent)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# ../shared beside the checkout; worktrees live one level deeper (/work/wt/NAME beside /work/shared)
SHARED = Path(os.environ.get("IOSCOPE_SHARED") or next(
    (p for p in (ROOT.parent / "shared", ROOT.parent.parent / "shared") if (p / "data").is_dir()),
    ROOT.parent / "shared"))


@pytest.fixture
def shared_data() -> Path:
    """``../shared/data`` beside the project; tests that need it skip with a reason when absent."""
    path = SHARED / "data"
    if not path.is_dir():
        pytest.skip(f"real sample data not present at {path} (only in the development checkout)")
    return path


@pytest.fixture
def ws_path(tmp_path: Path) -> Path:
    return tmp_path / "case.duckdb"


@pytest.fixture
def ws(ws_path: Path):
    from ioscope.workspace import Workspace

    w = Workspace.open(ws_path)
    yield w
    w.close()


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def demo_workspace(tmp_path_factory) -> Path:
    """``ioscope demo`` on 10,000 simulated posts (every stage run): a small, complete workspace
    for tests that only read it (copy it before writing)."""
    from ioscope.demo import run_demo

    out = tmp_path_factory.mktemp("demo_ws")
    return Path(run_demo(out, posts=10_000, seed=5)["workspace"])
