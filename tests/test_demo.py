"""``ioscope demo``: the whole pipeline on bundled data, ending in a report (one small run)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

import ioscope.cli.demo as cli_demo
from ioscope.cli.main import app
from ioscope.demo import run_demo
from ioscope.workspace import Workspace

runner = CliRunner()

STEPS = [
    "simulate",
    "ingest simulated posts",
    "ingest simulated ads",
    "ingest HPSCI ads excerpt",
    "detect",
    "accounts score",
    "ads audit",
    "report",
]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    (out / "demo.duckdb").write_text("left over from an earlier run")  # must be replaced
    return run_demo(out, posts=10_000, seed=5)


def test_demo_runs_every_stage_and_writes_the_report(demo):
    assert [s["name"] for s in demo["steps"]] == STEPS
    assert all(s["status"] == "ok" for s in demo["steps"]), demo["steps"]
    html = open(demo["report"], encoding="utf-8").read()
    assert html.startswith("<!DOCTYPE html>") and 'id="ads"' in html
    assert "not run yet" not in html.split('id="limitations"')[0]
    with Workspace.open(demo["workspace"], read_only=True) as ws:
        assert ws.count("posts") == 10_000
        hpsci = ws.sql("SELECT count(*) FROM ads WHERE platform <> 'twitter'").fetchone()[0]
        assert hpsci == 300  # the bundled excerpt of the real HPSCI ads
        assert ws.count("edges") > 0 and ws.count("account_scores") > 0
        assert [r[0] for r in ws.sql("SELECT command FROM runs ORDER BY started_at").fetchall()][
            -1
        ] != "report"  # the report reads, it does not write


def test_demo_cli_says_where_and_how_to_serve(demo, monkeypatch, tmp_path):
    monkeypatch.setattr(cli_demo, "run_demo", lambda *a, **k: demo)
    r = runner.invoke(app, ["demo", str(tmp_path / "d"), "--quiet"])
    assert r.exit_code == 0, r.output
    assert demo["report"] in r.stdout and f"ioscope serve {demo['workspace']}" in r.stdout
    r = runner.invoke(app, ["demo", str(tmp_path / "d"), "--json"])
    assert r.exit_code == 0 and json.loads(r.stdout)["report"] == demo["report"]


@pytest.mark.slow
def test_demo_default_size(tmp_path):
    result = run_demo(tmp_path / "demo")
    assert result["seconds"] < 300
    assert all(s["status"] == "ok" for s in result["steps"])
    with Workspace.open(result["workspace"], read_only=True) as ws:
        assert ws.count("clusters") > 0
