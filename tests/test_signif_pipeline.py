"""The calibrated ``ioscope detect``: planted groups found, organic noise and the simulator's
calibration preset left alone, empty and tiny workspaces handled, raw mode kept."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from ioscope.cli.main import app
from ioscope.detect import detect, flagged_accounts, list_clusters
from ioscope.errors import UsageError
from ioscope.evaluate import evaluate
from ioscope.ingest import ingest
from ioscope.simulate import simulate
from ioscope.workspace import Workspace
from tests.fixtures.detect import load, planted, post

runner = CliRunner()


@pytest.fixture
def planted_ws(ws):
    rows, truth = planted(seed=3, groups=2, size=5, events=8, noise=40, noise_posts=600)
    load(ws, rows)
    return ws, truth


def test_planted_groups_are_the_flagged_accounts(planted_ws):
    ws, truth = planted_ws
    report = detect(ws)
    assert report.to_dict()["mode"] == "calibrated"
    flagged = {a["account_id"] for a in flagged_accounts(ws)}
    assert flagged == {m for group in truth for m in group}
    clusters = [c for c in list_clusters(ws) if c["kind"] == "campaign"]
    assert sorted(c["size"] for c in clusters) == [5, 5]
    assert all(c["density"] == 1.0 and c["explanation"] for c in clusters)
    assert "accounts reposted the same 8 posts" in " ".join(c["explanation"] for c in clusters)
    tested = ws.sql(
        "SELECT count(*), count(p_value), count(*) FILTER (WHERE significant) FROM edges"
    ).fetchone()
    assert tested[0] == tested[1] and tested[2] > 0
    noise = ws.sql(
        "SELECT count(*) FROM edges WHERE significant AND (account_1 LIKE 'n%' "
        "OR account_2 LIKE 'n%')"
    ).fetchone()[0]
    assert noise == 0
    run = ws.last_runs(1)[0]
    params = json.loads(run["parameters"])
    assert params["mode"] == "calibrated" and params["significance"]["fdr"] == 0.01
    assert json.loads(run["row_counts"])["significance"]["flagged_accounts"] == 10


def test_raw_mode_keeps_the_edges_and_empties_the_clusters(planted_ws):
    ws, _ = planted_ws
    detect(ws)
    assert flagged_accounts(ws)
    report = detect(ws, mode="raw")
    assert "significance" not in report.to_dict()
    assert ws.sql("SELECT count(*), count(p_value) FROM edges").fetchone()[1] == 0
    assert flagged_accounts(ws) == [] and list_clusters(ws) == []
    with pytest.raises(UsageError):
        detect(ws, mode="raw", fdr=0.05)


def test_a_stricter_fdr_flags_no_more(planted_ws):
    ws, _ = planted_ws
    detect(ws, fdr=0.05)
    loose = {a["account_id"] for a in flagged_accounts(ws)}
    detect(ws, fdr=1e-6)
    strict = {a["account_id"] for a in flagged_accounts(ws)}
    assert strict <= loose


def test_empty_and_tiny_workspaces_give_empty_results(ws):
    report = detect(ws)
    assert report.flagged == 0 and report.clusters == []
    load(
        ws,
        [
            post("p1", "a", 0, "repost", target="x"),
            post("p2", "b", 5, "repost", target="x"),
            post("p3", "c", 9, text="hello"),
        ],
    )
    report = detect(ws)
    assert report.flagged == 0 and flagged_accounts(ws) == []


def _simulated(tmp_path, **knobs):
    out = tmp_path / "sim"
    s = simulate(out, format="cnt-csv", **knobs)
    ws = Workspace.open(tmp_path / "case.duckdb")
    ingest(ws, [s["paths"]["posts"]])
    return ws, s["paths"]["truth"]


def test_calibration_preset_flags_at_most_the_nominal_share(tmp_path):
    ws, truth = _simulated(tmp_path, posts=30_000, seed=11, preset="calibration")
    with ws:
        detect(ws)
        result = evaluate(ws, truth)
        accounts = ws.sql("SELECT count(DISTINCT account_id) FROM posts").fetchone()[0]
    assert result["accounts"]["positives"] == 0
    assert result["accounts"]["flagged"] <= 0.01 * accounts


def test_simulated_campaigns_are_found_with_high_precision(tmp_path):
    ws, truth = _simulated(
        tmp_path,
        posts=40_000,
        seed=1,
        campaigns=5,
        campaign_share=0.1,
        strategies="co_repost,copypasta,link_amplification,reply_swarm,hashtag_flooding",
    )
    with ws:
        detect(ws)
        r = evaluate(ws, truth)
    assert r["accounts"]["precision"] >= 0.95 and r["accounts"]["recall"] >= 0.9
    assert r["clusters"]["ari"] > 0.8


def test_detect_cli_runs_calibrated_by_default_and_raw_on_request(planted_ws, ws_path):
    ws, _ = planted_ws
    ws.close()
    res = runner.invoke(app, ["detect", str(ws_path), "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["mode"] == "calibrated" and data["flagged_accounts"] == 10
    assert {"tested_edges", "significant_edges", "flagged_accounts"} <= set(data["significance"])
    res = runner.invoke(app, ["detect", str(ws_path)])
    assert res.exit_code == 0 and "10 accounts flagged" in " ".join(res.output.split())
    res = runner.invoke(app, ["detect", str(ws_path), "--raw", "--json"])
    assert res.exit_code == 0 and "mode" not in json.loads(res.output)
    res = runner.invoke(app, ["detect", str(ws_path), "--raw", "--fdr", "0.1", "--json"])
    assert res.exit_code == 2 and json.loads(res.output)["error"]["code"] == "usage"
    res = runner.invoke(app, ["detect", str(ws_path), "--fdr", "2", "--json"])
    assert res.exit_code == 2 and "The 'fdr' parameter of detect must be" in res.output


def test_window_sweep_and_auto_window(planted_ws, ws_path):
    ws, _ = planted_ws
    ws.close()
    fast = ["--signals", "co_repost,co_link"]
    res = runner.invoke(
        app, ["detect", str(ws_path), "--window-sweep", "10s,60s,10m", "--json", *fast]
    )
    assert res.exit_code == 0, res.output
    rows = json.loads(res.output)["window_sweep"]
    assert [r["window"] for r in rows] == [10, 60, 600]
    assert rows[1]["flagged"] == 10 and rows[1]["jaccard_previous"] is not None
    assert all(r["raw_accounts"] >= r["flagged"] for r in rows)
    with Workspace.open(ws_path, read_only=True) as w:  # no --window: ends with the default
        params = json.loads(w.last_runs(1)[0]["parameters"])  # run, one 60 s window
        assert params["per_signal"]["co_repost"]["window"] == 60 and "scales" not in params
    res = runner.invoke(
        app, ["detect", str(ws_path), "--window-sweep", "10s", "--scales", "1m,10m,1h", *fast]
    )
    assert res.exit_code == 0, res.output
    with Workspace.open(ws_path, read_only=True) as w:  # with --scales: the multi-scale run
        params = json.loads(w.last_runs(1)[0]["parameters"])
        assert params["scales"] == [60, 600, 3600]
        assert params["per_signal"]["co_repost"]["window"] == 3600
    res = runner.invoke(
        app, ["detect", str(ws_path), "--window-sweep", "10s", "--window", "60s", *fast]
    )
    assert res.exit_code == 0, res.output
    with Workspace.open(ws_path, read_only=True) as w:  # ends with the --window (60 s) run
        params = json.loads(w.last_runs(1)[0]["parameters"])
        assert params["per_signal"]["co_repost"]["window"] == 60 and "scales" not in params
    res = runner.invoke(app, ["detect", str(ws_path), "--window-sweep", "10s,60s", *fast])
    assert res.exit_code == 0 and "Window sweep" in res.output
    res = runner.invoke(app, ["detect", str(ws_path), "--window", "auto", "--json", *fast])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["window_estimate"]["signal"] == "co_repost"
