"""``ioscope ads`` records its run: parameters, version and the hashes of the ads' input files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ioscope import __version__
from ioscope.ads import audit, run_audit
from ioscope.cli.main import app
from ioscope.errors import ParameterError
from ioscope.ingest import ingest
from ioscope.workspace import Workspace, file_sha256

FIX = Path(__file__).parent / "fixtures" / "ads"


def _runs(ws, command="ads"):
    return ws.rows("SELECT * FROM runs WHERE command = ? ORDER BY started_at", [command])


def test_run_audit_records_parameters_version_and_input_hashes(ws):
    f = FIX / "promoted.csv"
    ingest(ws, [f])
    result = run_audit(ws, split="2016-11-08", platform="twitter")
    (row,) = _runs(ws)
    assert row["run_id"] == result["run_id"] and row["status"] == "ok"
    assert row["ioscope_version"] == __version__
    params = json.loads(row["parameters"])
    assert params == {"split": "2016-11-08", "platform": "twitter", "top": 0}
    inputs = json.loads(row["inputs"])
    assert inputs == [{"path": str(f), "sha256": file_sha256(f), "size": f.stat().st_size}]
    assert result["inputs"] == inputs
    counts = json.loads(row["row_counts"])
    assert counts == {"ads": ws.count("ads"), "advertisers": result["totals"]["advertisers"]}
    # the recorded audit is the plain audit plus its run
    plain = audit(ws, split="2016-11-08", platform="twitter")
    assert {k: v for k, v in result.items() if k not in ("run_id", "inputs")} == plain


def test_run_audit_of_another_platform_names_no_input(ws):
    ingest(ws, [FIX / "promoted.csv"])
    result = run_audit(ws, platform="no-such-platform")
    assert result["totals"]["ads"] == 0 and result["inputs"] == []
    assert json.loads(_runs(ws)[0]["inputs"]) == []


def test_failed_audit_records_nothing(ws):
    ingest(ws, [FIX / "promoted.csv"])
    with pytest.raises(ParameterError):
        run_audit(ws, split="not-a-date")
    assert _runs(ws) == []


def test_cli_ads_records_one_run_per_call(ws_path):
    with Workspace.open(ws_path) as ws:
        ingest(ws, [FIX / "promoted.csv"])
    runner = CliRunner()
    assert runner.invoke(app, ["ads", str(ws_path), "--json"]).exit_code == 0
    assert runner.invoke(app, ["ads", str(ws_path), "--split", "2016-11-08"]).exit_code == 0
    assert runner.invoke(app, ["ads", str(ws_path), "--split", "bad", "--json"]).exit_code == 2
    with Workspace.open(ws_path, read_only=True) as ws:
        runs = _runs(ws)
    assert [json.loads(r["parameters"])["split"] for r in runs] == [None, "2016-11-08"]
