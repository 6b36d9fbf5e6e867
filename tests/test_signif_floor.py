"""Honest significance and counts: the null's floor (no expected = 0, no p = 0 from a handful of
shared items), the cluster ranking (a large dense ring above 2-account pairs of the same p) and
detect's totals (counted from the tables, not from the capped list of clusters)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from ioscope.cli.main import app
from ioscope.detect import detect
from ioscope.detect.results import list_clusters
from ioscope.detect.significance.nullmodel import fit_null
from ioscope.detect.significance.stats import conditional_log_p
from ioscope.ingest import ingest
from ioscope.simulate import simulate
from ioscope.workspace import Workspace
from tests.fixtures.detect import load, planted
from tests.fixtures.signif import cluster as _cluster
from tests.fixtures.signif import setup_groups as _setup

runner = CliRunner()


def test_a_masked_stratum_leaves_a_floor_not_a_zero(ws):
    """Two accounts repost the same 4 posts on a day when nobody else co-acts; once they are
    masked out of the background (robust null), the stratified λ of their pair is 0. The floor
    (one stratum for the whole period, plus a pseudo-count) keeps λ > 0 and p plausible."""
    rng = np.random.default_rng(3)
    rows = [(0, f"x{k}", 86400 + 3600 * k) for k in range(4)]
    rows += [(1, f"x{k}", 86400 + 3600 * k + 10) for k in range(4)]
    for i in range(200):  # the same day, organic accounts repost posts nobody else reposts
        rows.append((2 + i % 40, f"own{i}", 86400 + int(rng.integers(0, 86400))))
    for i in range(400):  # organic accounts 2..41 on days 2-5: popular posts, co-actions
        rows.append((2 + i % 40, f"pop{i % 25}", 86400 * (2 + i % 4) + int(rng.integers(0, 50))))
    ws.con.execute("CREATE TABLE acts (aid BIGINT, item VARCHAR, t DOUBLE)")
    ws.con.executemany("INSERT INTO acts VALUES (?, ?, ?)", rows)
    ws.con.execute("""CREATE TABLE prs AS SELECT x.aid AS a1, y.aid AS a2, x.t AS t1, y.t AS t2
        FROM acts x JOIN acts y ON x.item = y.item AND x.aid < y.aid
        AND abs(x.t - y.t) <= 60""")
    null = fit_null(ws.con, "acts", window=60.0, stratum=86400.0, n_accounts=42)
    i, j = np.array([0]), np.array([1])
    assert null.expected(i, j)[0] > 0
    masked = null.masked(ws.con, "prs", np.array([0, 1]))
    assert masked.expected(i, j)[0] == 0.0  # the artefact the floor removes
    lam = np.maximum(masked.expected(i, j), masked.floor(i, j))
    assert lam[0] > 0
    log10_p = conditional_log_p(np.array([4.0]), lam, 2)[0] / np.log(10)
    assert -30 < log10_p < -2  # beyond chance, not 1e-300


def test_telegram_pair_of_six_near_duplicate_texts_has_a_plausible_p(ws, shared_data):
    files = sorted((shared_data / "telegram-ru-news-channels" / "raw").glob("*.json.gz"))
    ingest(ws, files, format="telegram")
    detect(ws, signals="near_duplicate_text")
    assert (
        ws.sql("SELECT count(*) FROM edges WHERE expected <= 0 OR p_value <= 0").fetchone()[0] == 0
    )
    e = ws.rows("""SELECT weight, expected, p_value, observed_expected FROM edges
        WHERE account_1 = '-1001101170442' AND account_2 = '-1001394050290'""")[0]
    assert e["weight"] == 6 and e["expected"] > 0.01  # was 0.0, hence p = 0
    assert 1e-12 < e["p_value"] < 1e-3
    assert e["observed_expected"] == pytest.approx(e["weight"] / e["expected"])


def test_demo_like_simulation_has_no_zero_expectation_nor_zero_p(tmp_path):
    # the demo's seed with more campaign accounts: before the floor, 48 co_link edges had
    # expected = 0 and 7 had p = 0 (co_link and co_hashtag)
    s = simulate(tmp_path / "sim", posts=30_000, seed=2016, campaign_share=0.3)
    with Workspace.open(tmp_path / "w.duckdb") as ws:
        ingest(ws, [s["paths"]["posts"], s["paths"]["accounts"]])
        detect(ws)
        n, zero_e, zero_p, tiny, sig = ws.sql("""SELECT count(*),
            count(*) FILTER (WHERE expected = 0), count(*) FILTER (WHERE p_value = 0),
            count(*) FILTER (WHERE weight <= 6 AND log10_p < -300
                               AND signal NOT IN ('creation_burst', 'promoted_amplification')),
            count(*) FILTER (WHERE significant) FROM edges""").fetchone()
        assert n > 1000 and sig > 0
        assert zero_e == 0 and zero_p == 0 and tiny == 0
        assert (
            ws.sql(
                "SELECT count(*) FROM edges WHERE significant AND observed_expected IS NULL"
            ).fetchone()[0]
            == 0
        )


def test_a_large_dense_ring_outranks_pairs_with_the_same_p(ws):
    ring = [f"r{i:02d}" for i in range(20)]
    pairs = [(f"{c}1", f"{c}2") for c in "edcba"]
    _setup(
        ws,
        [("ring", ring, "co_repost", -10.0, 3)]
        + [(f"pair{k}", list(p), "co_repost", -10.0, 3) for k, p in enumerate(pairs)],
    )
    _cluster(ws, seed=1)
    first = list_clusters(ws)
    assert first[0]["size"] == 20 and first[0]["score"] > first[1]["score"]
    # the five pairs tie on score: broken by their first member, whatever Leiden's numbering
    assert [c["size"] for c in first[1:]] == [2] * 5
    order = [
        sorted(m["account_id"] for m in list_clusters(ws, members=True)[i]["members"])[0]
        for i in range(1, 6)
    ]
    assert order == ["a1", "b1", "c1", "d1", "e1"]
    ws.con.execute("DELETE FROM cluster_members")
    ws.con.execute("DELETE FROM clusters")
    _cluster(ws, seed=7)
    assert [(c["size"], c["score"]) for c in list_clusters(ws)] == [
        (c["size"], c["score"]) for c in first
    ]


def test_detect_counts_every_cluster_not_the_listed_twenty(ws, ws_path):
    rows, truth = planted(seed=5, groups=23, size=3, events=6, noise=30, noise_posts=400)
    load(ws, rows)
    ws.close()
    res = runner.invoke(app, ["detect", str(ws_path), "--signals", "co_repost", "--json"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.output)
    assert d["clusters_total"] == d["cluster_totals"]["campaign_clusters"] == 23
    assert d["clusters_listed"] == len(d["clusters"]) == 20 and d["clusters_truncated"]
    assert d["flagged_accounts"] == 69
    res = runner.invoke(app, ["detect", str(ws_path), "--signals", "co_repost"])
    assert res.exit_code == 0
    assert "69 accounts flagged in 23 campaign clusters" in " ".join(res.output.split())
    res = runner.invoke(app, ["clusters", str(ws_path), "-n", "5"])
    assert res.exit_code == 0
    assert "18 more clusters, 54 more flagged accounts" in " ".join(res.output.split())


def test_a_large_ring_of_moderate_p_outranks_a_pair_beyond_printed_precision(ws):
    """A 2-account pair at p = 1e-60 (printed "< 1e-16") does not bury a 30-account ring whose
    every link is at p = 1e-5: beyond 1e-16 the score, like the reader, tells p-values no more
    apart."""
    ring = [f"r{i:02d}" for i in range(30)]
    _setup(
        ws,
        [("ring", ring, "co_hashtag", -5.0, 2), ("pair", ["p1", "p2"], "creation_burst", -60.0, 2)],
    )
    _cluster(ws)
    ranked = list_clusters(ws)
    assert [c["size"] for c in ranked] == [30, 2]
    assert ranked[1]["score"] == pytest.approx(16.0)
