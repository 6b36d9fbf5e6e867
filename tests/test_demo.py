"""``ioscope demo``: the whole pipeline on bundled data, ending in a report (small run)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from ioscope.cli.main import app
from ioscope.demo import run_demo
from ioscope.workspace import Workspace

runner = CliRunner()


def test_demo_builds_workspace_and_report(tmp_path):
    result = run_demo(tmp_path / "demo", posts=20_000, seed=5)
    names = [s["name"] for s in result["steps"]]
    assert names == ["simulate", "ingest simulated posts", "ingest simulated ads",
                     "ingest HPSCI ads excerpt", "detect", "accounts score", "ads audit", "report"]
    assert all(s["status"] == "ok" or s["reason"] for s in result["steps"])
    html = (tmp_path / "demo" / "report.html").read_text()
    assert html.startswith("<!DOCTYPE html>") and 'id="ads"' in html
    with Workspace.open(result["workspace"], read_only=True) as ws:
        assert ws.count("posts") == 20_000
        hpsci = ws.sql("SELECT count(*) FROM ads WHERE platform <> 'twitter'").fetchone()[0]
        assert hpsci == 300  # the bundled excerpt of the real HPSCI ads
        assert ws.count("edges") > 0


def test_demo_cli_says_where_and_how_to_serve(tmp_path):
    r = runner.invoke(app, ["demo", str(tmp_path / "d"), "--posts", "10000", "--quiet"])
    assert r.exit_code == 0, r.output
    assert "report.html" in r.stdout and "ioscope serve" in r.stdout
    # a second run into the same folder replaces the outputs rather than adding to them
    r = runner.invoke(app, ["demo", str(tmp_path / "d"), "--posts", "10000", "--json"])
    assert r.exit_code == 0
    doc = json.loads(r.stdout)
    assert doc["report"].endswith("report.html") and doc["info"]["tables"]["posts"] == 10_000


@pytest.mark.slow
def test_demo_default_size(tmp_path):
    result = run_demo(tmp_path / "demo")
    assert result["seconds"] < 300
    assert all(s["status"] == "ok" for s in result["steps"])
