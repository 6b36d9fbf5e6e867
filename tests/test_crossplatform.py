"""One operation on two platforms: the simulator's cross-platform campaigns are found as single
clusters spanning both, and the report shows the platforms and the pivots that tie them."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from ioscope.detect import detect
from ioscope.evaluate import evaluate
from ioscope.ingest import ingest
from ioscope.report import build_report, collect
from ioscope.simulate import simulate
from ioscope.workspace import Workspace

SIGNALS = ["co_link", "co_media", "near_duplicate_text"]


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    d = tmp_path_factory.mktemp("xp")
    s = simulate(d / "sim", format="parquet", posts=30_000, seed=1, campaigns=2,
                 campaign_share=0.1, strategies="link_amplification,copypasta",
                 second_platform_share=0.4)
    path = d / "case.duckdb"
    with Workspace.open(path) as ws:
        ingest(ws, [s["paths"]["posts"], s["paths"]["accounts"]])
        detect(ws, signals=SIGNALS)
    campaigns = json.loads(Path(s["paths"]["campaigns"]).read_text())["campaigns"]
    return path, s["paths"]["truth"], campaigns


def test_each_campaign_is_one_cluster_on_both_platforms(case):
    path, truth, campaigns = case
    with Workspace.open(path, read_only=True) as ws:
        r = evaluate(ws, truth)["accounts"]
        # measured (seed 1): precision 1.0, recall 1.0 of 104 members
        assert r["precision"] >= 0.95 and r["recall"] >= 0.9, r
        for c in campaigns:
            rows = ws.sql("SELECT cluster_id, platform, count(*) FROM cluster_members "
                          "WHERE account_id IN (SELECT unnest(?)) GROUP BY ALL",
                          [c["members"]]).fetchall()
            clusters = Counter()
            for cid, _, n in rows:
                clusters[cid] += n
            main, n_main = clusters.most_common(1)[0]
            assert n_main >= 0.9 * len(c["members"]), (c["campaign_id"], rows)
            assert {p for cid, p, _ in rows if cid == main} == {"twitter", "bluesky"}


def test_report_shows_platforms_and_pivots(case, tmp_path):
    path, _, _ = case
    with Workspace.open(path, read_only=True) as ws:
        details = collect(ws, format="json")["sections"]["campaigns"]["details"]
        assert details
        seen = set()
        for d in details:
            want = dict(ws.sql("SELECT platform, count(*) FROM cluster_members "
                               "WHERE cluster_id = ? GROUP BY 1", [d["cluster_id"]]).fetchall())
            assert {r["platform"]: r["accounts"] for r in d["platforms"]} == want
            assert len(want) == 2
            signals = {p["signal"] for p in d["pivots"]}
            assert "co_media" in signals, signals  # the operation's images, on both platforms
            seen |= signals
            edges = ws.sql("""SELECT count(*) FROM edges e
                JOIN cluster_members a ON a.platform = e.platform_1 AND a.account_id = e.account_1
                JOIN cluster_members b ON b.platform = e.platform_2 AND b.account_id = e.account_2
                WHERE a.cluster_id = ? AND b.cluster_id = ? AND e.significant
                  AND e.platform_1 <> e.platform_2""",
                           [d["cluster_id"], d["cluster_id"]]).fetchone()[0]
            assert sum(p["edges"] for p in d["pivots"]) == edges
            assert d["pivot_items"]
        assert "co_link" in seen  # the link campaign's shared links
        html = build_report(ws, tmp_path / "r.html")
        md = build_report(ws, tmp_path / "r.md", format="md")
    assert "Spans 2 platforms" in html and "Pivots: edges between members on different" in html
    assert "#### Platforms and pivots" in md


def test_handles_used_on_two_platforms_are_pivots(ws):
    """Two members of a planted group post on bluesky under the handles that two other members
    use on twitter ('g0m0.bsky.social' beside 'g0m0'): the cluster lists both handles."""
    from tests.fixtures.detect import load, planted

    rows, _ = planted(seed=3, groups=1, size=6, events=8, noise=20, noise_posts=300)
    twins = {"g0m4": "g0m0.bsky.social", "g0m5": "g0m1.bsky.social"}
    for r in rows:
        if r["account_id"] in twins:
            r["platform"], r["handle"] = "bluesky", twins[r["account_id"]]
    load(ws, rows)
    detect(ws)
    details = collect(ws, format="json")["sections"]["campaigns"]["details"]
    (d,) = [d for d in details if len(d.get("platforms", [])) == 2]
    got = {h["handle"]: (h["platforms"], h["accounts"], h["members"]) for h in d["handle_pivots"]}
    assert got == {"g0m0": (2, 2, ["bluesky:g0m4", "twitter:g0m0"]),
                   "g0m1": (2, 2, ["bluesky:g0m5", "twitter:g0m1"])}
