"""The simulator's paid campaigns are found in the ads and attributed to their campaigns.

The coordination clusters here are the planted campaigns themselves (a stand-in for the
detection stage, which has its own tests against the same truth): what is tested is that the
audit joins ads, promoted posts, reposts and cluster members correctly.
"""

from __future__ import annotations

import json

import pytest

from ioscope.ads import audit
from ioscope.ingest import ingest

simulate = pytest.importorskip("ioscope.simulate").simulate


@pytest.fixture(scope="module")
def sim(tmp_path_factory):
    out = tmp_path_factory.mktemp("sim")
    summary = simulate(out, posts=30_000, seed=7, format="cnt-csv")
    return summary, json.loads((out / "campaigns.json").read_text())


def _plant_clusters(ws, campaigns):
    ws.sql(
        "CREATE TABLE cluster_members (cluster_id VARCHAR, platform VARCHAR, account_id VARCHAR)"
    )
    for c in campaigns["campaigns"]:
        ws.con.executemany(
            "INSERT INTO cluster_members VALUES (?, 'twitter', ?)",
            [(c["campaign_id"], m) for m in c["members"]],
        )


def test_paid_campaigns_found_and_attributed(sim, ws):
    summary, campaigns = sim
    rep = ingest(ws, [summary["paths"]["posts"], summary["paths"]["ads"]])
    ads_file = rep.files[1]
    assert ads_file.format == "promoted-csv" and ads_file.rows_quarantined == 0
    assert ws.count("ads") == summary["counts"]["ads"]
    buyers = {a: c for c in campaigns["campaigns"] for a in c["advertiser_ids"]}
    assert any(
        c["strategy"] == "paid_promotion" and c["advertiser_ids"] for c in campaigns["campaigns"]
    )

    before = audit(ws)
    assert before["organic"]["available"] is False
    by_adv = {a["advertiser_id"]: a for a in before["advertisers"]}
    for adv, c in buyers.items():
        row = by_adv[adv]  # every campaign advertiser is found among the ads' advertisers
        country = c["parameters"]["audience_country"]
        assert row["definite"].get(country) == row["ads"], (adv, row["countries"])
    organic = set(campaigns["hard_negatives"]["organic_advertisers"])
    assert organic <= set(by_adv) and not organic & set(buyers)

    _plant_clusters(ws, campaigns)
    org = audit(ws)["organic"]
    assert org["available"] is True
    in_clusters = {r["advertiser_id"]: r["clusters"] for r in org["advertisers_in_clusters"]}
    assert in_clusters == {a: [c["campaign_id"]] for a, c in buyers.items()}
    amplified = org["amplified_promoted_posts"]
    paid_ids = {
        c["campaign_id"] for c in campaigns["campaigns"] if c["strategy"] == "paid_promotion"
    }
    own = [
        p
        for p in amplified
        if p["advertiser_id"] in buyers
        and buyers[p["advertiser_id"]]["campaign_id"] in p["clusters"]
    ]
    assert {buyers[p["advertiser_id"]]["campaign_id"] for p in own} >= paid_ids
    assert all(p["reposts_by_cluster_members"] >= p["cluster_accounts"] > 0 for p in amplified)
