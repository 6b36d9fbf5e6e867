"""Shared fixtures: temporary workspaces, the shared real-data folder (skipped when absent).

Fixtures that only some test modules use live in ``tests/fixtures/`` and are registered here
through ``pytest_plugins``; helpers are imported from ``tests.fixtures.*``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

# the helpers' own assertions keep pytest's detailed messages
pytest.register_assert_rewrite("tests.fixtures")

from tests.fixtures.paths import SHARED  # noqa: E402

pytest_plugins = ["tests.fixtures.browser", "tests.fixtures.spark"]
# helpers, not tests: imported as tests.fixtures.*, never collected (nor their docstrings)
collect_ignore = ["fixtures"]


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


@pytest.fixture(scope="session")
def demo_workspace(tmp_path_factory) -> Path:
    """``ioscope demo`` on 10,000 simulated posts (every stage run): a small, complete workspace
    for tests that only read it (copy it before writing)."""
    from ioscope.demo import run_demo

    out = tmp_path_factory.mktemp("demo_ws")
    return Path(run_demo(out, posts=10_000, seed=5)["workspace"])
