"""Accounts with the rest of the pipeline: detection's flagged accounts, network signals, and
the account-scores section of ``ioscope evaluate``."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from ioscope.accounts import compute_signals, score
from ioscope.cli.main import app
from ioscope.workspace import Workspace
from tests.fixtures.accounts import load_simulation


@pytest.fixture(scope="module")
def detected(tmp_path_factory):
    from ioscope.detect import detect
    from ioscope.simulate import simulate

    d = tmp_path_factory.mktemp("pipeline")
    simulate(d / "sim", posts=20_000, seed=11)
    path = d / "case.duckdb"
    with Workspace.open(path) as ws:
        load_simulation(ws, d / "sim")
        detect(ws)
    return path, d / "sim" / "truth.csv"


def test_flagged_lists_detections(detected):
    path, _ = detected
    r = CliRunner().invoke(app, ["accounts", str(path), "--flagged", "--json"])
    assert r.exit_code == 0, r.output
    flagged = json.loads(r.output)["accounts"]
    with Workspace.open(path, read_only=True) as ws:
        members = ws.count("cluster_members")
    assert len(flagged) == members


def test_network_signals_and_evaluate_section(detected):
    from ioscope.evaluate import evaluate

    path, truth = detected
    with Workspace.open(path) as ws:
        compute_signals(ws)
        in_cluster = ws.sql(
            "SELECT count(*) FROM account_signals WHERE signal = 'cluster_size' AND value > 0"
        ).fetchall()[0][0]
        assert (
            in_cluster
            == ws.sql("SELECT count(DISTINCT account_id) FROM cluster_members").fetchall()[0][0]
        )
        score(ws, params={"method": "zscore"})
        result = evaluate(ws, truth)
    section = result["account_scores"]
    assert section["model_id"] == "unsupervised:zscore"
    assert section["roc_auc"] > 0.6 and "precision_at_10" in section
