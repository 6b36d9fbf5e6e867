"""A section's status comes from recorded runs: a killed detect reads as "not run", never as
"ran and found nothing" (docs/report.md, "Status of a section")."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from ioscope.ingest import ingest
from ioscope.report import build_report
from ioscope.simulate import simulate
from ioscope.web import create_app, get
from ioscope.workspace import Workspace

ROOT = Path(__file__).resolve().parents[1]

#: Runs `ioscope detect WS` in a fresh interpreter whose co-action ``store`` kills the process
#: (SIGKILL: no cleanup, no rollback handler) right after the first signal's edges are written
#: to the run's temporary twins: a deterministic point in the middle of the run.
KILL_AFTER_FIRST_SIGNAL = """
import os, signal, sys
import ioscope.detect.engine.runner as run
_store = run.store
def store(*args, **kwargs):
    out = _store(*args, **kwargs)
    os.kill(os.getpid(), signal.SIGKILL)
run.store = store
from ioscope.cli.main import main
sys.argv = ["ioscope", "detect", sys.argv[1]]
main()
"""


@pytest.fixture(scope="module")
def ingested(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("status")
    s = simulate(tmp / "sim", posts=6_000, seed=5, campaigns=3, format="cnt-csv")
    path = tmp / "ingested.duckdb"
    with Workspace.open(path) as ws:
        ingest(ws, [s["paths"]["posts"]])
    return path


def _copy(src: Path, dst: Path) -> Path:
    shutil.copy(src, dst)
    return dst


def _statuses(path: Path) -> dict:
    with Workspace.open(path, read_only=True) as ws:
        doc = json.loads(build_report(ws, format="json"))
    app = create_app(path)
    clusters = get(app, "/clusters.json")
    network = get(app, "/network.json")
    overview = get(app, "/")
    report_html = build_report(Workspace.open(path, read_only=True), format="html")
    app.state.ui.ws.close()
    return {
        "report": doc["sections"],
        "clusters": json.loads(clusters.text),
        "network": json.loads(network.text),
        "overview_html": overview.text,
        "report_html": report_html,
        "codes": (clusters.status, network.status, overview.status),
    }


def _main_cli_module() -> bool:
    try:
        from ioscope.cli.main import main  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.mark.skipif(not _main_cli_module(), reason="ioscope.cli.main not importable")
def test_killed_detect_reads_as_not_run(ingested, tmp_path):
    path = _copy(ingested, tmp_path / "killed.duckdb")
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    proc = subprocess.run(
        [sys.executable, "-c", KILL_AFTER_FIRST_SIGNAL, str(path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-2000:]
    with Workspace.open(path, read_only=True) as ws:
        assert ws.sql("SELECT count(*) FROM runs WHERE command = 'detect'").fetchone()[0] == 0
        # the run's tables are created in its final transaction only: nothing is left behind
        left = [
            t for t in ("edges", "edge_evidence", "clusters", "cluster_members") if ws.has_table(t)
        ]
    assert left == []
    s = _statuses(path)
    assert s["codes"] == (200, 200, 200)
    for section in (
        s["report"]["campaigns"],
        s["report"]["network"],
        s["clusters"]["data"],
        s["network"]["data"],
    ):
        assert section["status"] == "not_run", section
        assert "found no cluster" not in section["message"]
    for html in (s["report_html"], s["overview_html"]):
        assert "found no cluster" not in html
        assert "Coordination detection not run yet" in html


def test_result_tables_without_a_recorded_run_are_ignored(ingested, tmp_path):
    """Tables left by an interrupted run of an older ioscope (or made by hand): empty or not,
    they are named and ignored, never read as a negative finding."""
    path = _copy(ingested, tmp_path / "orphans.duckdb")
    with Workspace.open(path) as ws:
        ws.ensure("edges", "edge_evidence", "clusters", "cluster_members")
        ws.sql("INSERT INTO clusters (cluster_id, rank, size) VALUES (1, 1, 2)")
    s = _statuses(path)
    assert s["codes"] == (200, 200, 200)
    campaigns = s["report"]["campaigns"]
    assert campaigns["status"] == "not_run"
    assert campaigns["ignored_tables"] == ["edges", "edge_evidence", "clusters", "cluster_members"]
    assert "are ignored" in campaigns["message"]
    assert s["clusters"]["data"]["status"] == "not_run"
    assert "found no cluster" not in s["report_html"]
    assert "are ignored" in s["report_html"] and "are ignored" in s["overview_html"]
    # the status is read from runs, and that query is shown with the others
    assert any("runs" in q["tables"] for q in s["clusters"]["queries"])


def test_completed_runs_set_the_status(ingested, tmp_path):
    from ioscope.detect.pipeline import run_detect

    path = _copy(ingested, tmp_path / "raw.duckdb")
    with Workspace.open(path) as ws:
        run_detect(ws, mode="raw")
    raw = _statuses(path)
    assert raw["report"]["campaigns"]["status"] == "not_run"
    assert "raw" in raw["report"]["campaigns"]["message"]
    with Workspace.open(path) as ws:
        run_detect(ws)
        run_id, n = ws.sql(
            "SELECT (SELECT max(run_id) FROM runs WHERE command = 'detect'), "
            "(SELECT count(*) FROM clusters)"
        ).fetchone()
        ws.sql("DELETE FROM cluster_members")  # as a run that found nothing would leave them
        ws.sql("DELETE FROM clusters")
    assert n > 0
    none = _statuses(path)
    campaigns = none["report"]["campaigns"]
    assert campaigns["status"] == "empty" and campaigns["run_id"] == run_id
    assert "found no cluster" in campaigns["message"]
    assert none["clusters"]["data"]["status"] == "empty"


def test_detect_failing_mid_run_leaves_no_tables_and_reads_as_not_run(
    ingested, tmp_path, monkeypatch
):
    """A run that fails with an error (DuckDB out of memory under --memory-limit, disk full)
    rolls back: no result table, no runs row, "not run" everywhere."""
    import duckdb

    import ioscope.detect.engine.runner as run
    from ioscope.detect.pipeline import run_detect

    path = _copy(ingested, tmp_path / "oom.duckdb")
    real = run.store

    def store(*args, **kwargs):
        real(*args, **kwargs)
        raise duckdb.OutOfMemoryException("Out of Memory Error: could not allocate block")

    monkeypatch.setattr(run, "store", store)
    with Workspace.open(path) as ws:
        with pytest.raises(duckdb.OutOfMemoryException):
            run_detect(ws)
        # the run's temporary twins are gone from the connection too
        assert ws.sql("SELECT count(*) FROM duckdb_tables() WHERE temporary").fetchone()[0] == 0
    monkeypatch.undo()
    with Workspace.open(path, read_only=True) as ws:
        assert ws.sql("SELECT count(*) FROM runs WHERE command = 'detect'").fetchone()[0] == 0
        assert not any(
            ws.has_table(t) for t in ("edges", "edge_evidence", "clusters", "cluster_members")
        )
    s = _statuses(path)
    assert s["report"]["campaigns"]["status"] == "not_run"
    assert s["clusters"]["data"]["status"] == "not_run"
    assert "found no cluster" not in s["report_html"] + s["overview_html"]
