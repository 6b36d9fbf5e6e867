"""``ioscope evaluate`` and ``ioscope clusters`` on hand-made clusters and truth."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from ioscope.cli.main import app
from ioscope.evaluate import evaluate
from ioscope.workspace import Workspace
from tests.fixtures.signif import cluster, setup_groups

runner = CliRunner()


@pytest.fixture
def detected(ws_path, tmp_path):
    """Campaign c1 = a0..a5 (found, plus one organic intruder o1); c2 = b0..b3 (found half)."""
    with Workspace.open(ws_path) as ws:
        setup_groups(
            ws,
            [
                ("g1", [f"a{i}" for i in range(6)] + ["o1"], "co_repost", -10.0, 2),
                ("g2", ["b0", "b1"], "co_link", -5.0, 1),
                ("g3", ["o2", "o3"], "co_hashtag", -5.0, 1),
            ],
        )
        ws.con.execute(
            "INSERT INTO posts (platform, post_id, account_id, created_at, kind) "
            "VALUES ('x', 'pb2', 'b2', now(), 'post'), ('x', 'pb3', 'b3', now(), 'post')"
        )
        cluster(ws)
    truth = tmp_path / "truth.csv"
    lines = ["account_id,campaign_id,strategy"]
    lines += [f"a{i},c1,co_repost" for i in range(6)]
    lines += [f"b{i},c2,link_amplification" for i in range(4)]
    lines += ["o1,,", "o2,,", "o3,,", "gone,c3,copypasta"]
    truth.write_text("\n".join(lines) + "\n")
    return ws_path, truth


def test_evaluate_counts_accounts_pairs_and_clusters(detected):
    ws_path, truth = detected
    with Workspace.open(ws_path, read_only=True) as ws:
        r = evaluate(ws, truth)
    a = r["accounts"]
    assert (a["flagged"], a["true_positives"], a["positives"]) == (11, 8, 10)
    assert a["precision"] == pytest.approx(8 / 11) and a["recall"] == pytest.approx(0.8)
    assert a["f1"] == pytest.approx(2 * (8 / 11) * 0.8 / (8 / 11 + 0.8))
    assert a["positives_without_posts"] == 1
    assert r["strategies"]["link_amplification"] == {"accounts": 4, "flagged": 2, "recall": 0.5}
    assert 0 < r["clusters"]["ari"] < 1 and 0 < r["clusters"]["nmi"] < 1
    assert r["clusters"]["clusters"] == 3 and r["clusters"]["campaigns"] == 2
    assert "pairs" not in r  # sig_edges is not the edges table: no pair section


def test_evaluate_cli_json_and_text(detected):
    ws_path, truth = detected
    res = runner.invoke(app, ["evaluate", str(ws_path), "--truth", str(truth), "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert set(data["accounts"]) >= {"precision", "recall", "f1", "flagged", "positives"}
    assert set(data["clusters"]) >= {"ari", "nmi"}
    res = runner.invoke(app, ["evaluate", str(ws_path), "--truth", str(truth)])
    assert res.exit_code == 0 and "precision 0.727" in res.output


def test_evaluate_rejects_a_truth_file_without_accounts(detected, tmp_path):
    # a label file (account_id,label) is a truth file too, as for `accounts train --labels`;
    # a file naming no account column is not
    ws_path, _ = detected
    bad = tmp_path / "bad.csv"
    bad.write_text("user,campaign_id\na0,1\n")
    res = runner.invoke(app, ["evaluate", str(ws_path), "--truth", str(bad), "--json"])
    assert res.exit_code == 1
    assert json.loads(res.output)["error"]["code"] == "missing_column"
    labels = tmp_path / "labels.csv"
    labels.write_text("account_id,label\na0,1\na1,0\n")
    res = runner.invoke(app, ["evaluate", str(ws_path), "--truth", str(labels), "--json"])
    assert res.exit_code == 0 and json.loads(res.output)["truth"]["accounts"] == 2
    res = runner.invoke(app, ["evaluate", str(ws_path), "--truth", str(tmp_path / "no.csv")])
    assert res.exit_code == 1 and "No truth file" in res.output


def test_evaluate_before_detect_reports_nothing_flagged(ws_path, tmp_path):
    Workspace.open(ws_path).close()
    truth = tmp_path / "t.csv"
    truth.write_text("account_id,campaign_id\nx,c1\n")
    with Workspace.open(ws_path, read_only=True) as ws:
        r = evaluate(ws, truth)
    assert r["accounts"]["flagged"] == 0 and r["accounts"]["precision"] is None


def test_clusters_cli(detected):
    ws_path, _ = detected
    res = runner.invoke(app, ["clusters", str(ws_path), "--json", "--members"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert [c["rank"] for c in data] == [1, 2, 3] and data[0]["size"] == 7
    assert len(data[0]["members"]) == 7
    res = runner.invoke(app, ["clusters", str(ws_path), "-n", "1"])
    assert res.exit_code == 0 and "reposted the same 2 posts" in res.output


def test_clusters_cli_on_a_fresh_workspace(ws_path):
    Workspace.open(ws_path).close()
    res = runner.invoke(app, ["clusters", str(ws_path), "--json"])
    assert res.exit_code == 0 and json.loads(res.output) == []
    res = runner.invoke(app, ["clusters", str(ws_path)])
    assert res.exit_code == 0 and "No clusters" in res.output
