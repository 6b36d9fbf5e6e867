"""``ioscope accounts WS ...`` through the real CLI."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from ioscope.cli.main import app
from ioscope.workspace import Workspace
from tests.fixtures.accounts import synthetic, write_labels

runner = CliRunner()


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli")
    path = d / "case.duckdb"
    with Workspace.open(path) as ws:
        truth = synthetic(ws, organic=80, campaigns=3, size=8, posts=20, seed=4)
    return path, write_labels(d / "labels.csv", truth), truth


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_signals_train_score_show(case):
    path, labels, truth = case
    r = invoke("accounts", path, "signals", "--json")
    assert r.exit_code == 0, r.output
    assert "tz_mismatch" in json.loads(r.output)["signals"]
    r = invoke("accounts", path, "train", "--labels", labels, "-p", "max_iter=50", "--json")
    assert r.exit_code == 0, r.output
    model_id = json.loads(r.output)["model_id"]
    r = invoke("accounts", path, "score", "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["model_id"] == model_id and len(out["accounts"]) == len(truth)
    first = out["accounts"][0]
    assert {"account_id", "score", "top_signals"} <= set(first)
    assert all({"signal", "value", "contribution"} <= set(s) for s in first["top_signals"])
    r = invoke("accounts", path, "score", "-n", "3")
    assert r.exit_code == 0 and "Scored" in r.output
    r = invoke("accounts", path, "--json")  # latest scores
    assert r.exit_code == 0 and len(json.loads(r.output)["accounts"]) == len(truth)
    r = invoke("accounts", path, "show", truth[-1][0], "--json")
    assert r.exit_code == 0, r.output
    ev = json.loads(r.output)
    assert ev["account"]["account_id"] == truth[-1][0] and ev["signals"] and ev["scores"]
    r = invoke("accounts", path, "train", "--labels", labels, "-p", "max_iter=20")
    assert r.exit_code == 0 and "Cross-validated" in r.output and "ROC AUC" in r.output


def test_flagged_before_detection_is_a_clear_error(case):
    path, _, _ = case
    r = invoke("accounts", path, "--flagged", "--json")
    assert r.exit_code == 1
    err = json.loads(r.output)["error"]
    assert err["code"] == "stage_not_run" and "detection has not run" in err["message"]
    r = invoke("accounts", path, "--flagged")
    assert r.exit_code == 1 and "has not run" in r.output


def test_usage_errors(case, tmp_path):
    path, _, _ = case
    r = invoke("accounts", path, "score", "--method", "bogus", "--json")
    assert r.exit_code == 2 and json.loads(r.output)["error"]["code"] == "parameter"
    r = invoke("accounts", path, "train", "--labels", tmp_path / "missing.csv")
    assert r.exit_code == 1 and "No such label file" in r.output
    r = invoke("accounts", tmp_path / "nowhere.duckdb", "signals")
    assert r.exit_code == 1 and "No workspace" in r.output
