"""Fusion, Leiden clusters, their scores and explanations, and the flagged-accounts reader."""

from __future__ import annotations

import json

import pytest

from ioscope.detect.results import flagged_accounts, list_clusters
from ioscope.detect.significance.fusion import communities, fuse
from tests.fixtures.signif import EDGE_INSERT
from tests.fixtures.signif import cluster as _cluster
from tests.fixtures.signif import setup_groups as _setup


def test_two_planted_groups_become_two_ranked_clusters(ws):
    big = [f"a{i:02d}" for i in range(8)]
    small = ["b1", "b2", "b3"]
    _setup(ws, [("g1", big, "co_repost", -12.0, 4), ("g2", small, "co_link", -4.0, 2)])
    ws.con.execute(
        EDGE_INSERT + " ('co_hashtag', 'x', 'a00', 'x', 'a01', -8, NULL, NULL)"
    )  # a second signal inside the big group
    n, kept, counts = _cluster(ws)
    assert n == 28 + 3 and kept == 2
    assert counts == {"clusters": 2, "cluster_members": 11, "mirror_clusters": 0}
    clusters = list_clusters(ws, members=True)
    first, second = clusters
    assert first["rank"] == 1 and first["size"] == 8 and first["density"] == 1.0
    assert first["signals"] == ["co_repost", "co_hashtag"]
    assert {m["account_id"] for m in first["members"]} == set(big)
    assert second["signals"] == ["co_link"] and second["size"] == 3
    assert first["score"] > second["score"]
    assert "8 accounts reposted the same 4 posts" in first["explanation"]
    assert "p = 1e-12" in first["explanation"]
    details = first["details"]["signals"]["co_repost"]
    assert details["items"] == 4 and details["top_items"][0]["accounts"] == 8
    assert first["coordination"] == 1.0


def test_flagged_accounts_explain_each_member(ws):
    _setup(ws, [("g1", ["a", "b", "c"], "co_repost", -9.0, 3)])
    _cluster(ws)
    flagged = flagged_accounts(ws)
    assert [f["account_id"] for f in flagged] == ["a", "b", "c"]
    a = flagged[0]
    assert a["handle"] == "h_a" and a["degree"] == 2 and a["cluster_rank"] == 1
    assert a["explanation"].startswith("Reposted the same 3 posts as 2 other members")
    assert a["coordinated_posts"] == 3 and a["posts"] == 3
    assert {p["account_id"] for p in a["details"]["top_partners"]} == {"b", "c"}
    json.dumps(flagged, default=str)


def test_clusters_below_min_size_are_dropped_and_nothing_is_empty(ws):
    _setup(ws, [("g1", ["a", "b"], "co_repost", -9.0, 1)])
    _, kept, counts = _cluster(ws, min_size=3)
    assert kept == 0 and counts["clusters"] == 0
    assert flagged_accounts(ws) == [] and list_clusters(ws) == []


def test_reading_a_workspace_without_detection_gives_empty_lists(ws):
    assert flagged_accounts(ws) == [] and list_clusters(ws) == []


def test_leiden_is_deterministic_for_a_seed(ws):
    groups = [(f"g{k}", [f"g{k}m{i}" for i in range(5)], "co_repost", -6.0, 1) for k in range(4)]
    _setup(ws, groups)
    ws.con.execute(
        EDGE_INSERT + " ('co_link', 'x', 'g0m0', 'x', 'g1m0', -3, NULL, "
        "NULL), ('co_link', 'x', 'g2m0', 'x', 'g3m0', -3, NULL, NULL)"
    )
    fuse(ws.con, "sig_edges")
    runs = []
    for _ in range(2):
        communities(ws.con, seed=3)
        runs.append(ws.con.execute("SELECT * FROM _fus_members ORDER BY ALL").fetchall())
    assert runs[0] == runs[1]
    assert len({r[2] for r in runs[0]}) == 4


@pytest.mark.parametrize("log10_p", [-400.0, -0.5])
def test_extreme_p_values_are_formatted(ws, log10_p):
    _setup(ws, [("g1", ["a", "b"], "co_text", log10_p, 1)])
    _cluster(ws)
    text = list_clusters(ws)[0]["explanation"]
    # far in the tail a p-value is printed as the bound double precision supports
    assert ("p < 1e-16" in text) if log10_p < -300 else ("p = 0.32" in text)
    assert "1e-400" not in text and "1e-300" not in text
    row = list_clusters(ws)[0]
    assert row["min_p_value"] > 0 and row["p_value"] > 0  # never an underflow to 0


def test_feed_bots_of_one_outlet_are_labelled_mirrors_and_not_flagged(ws):
    _setup(
        ws,
        [
            ("bots", ["b1", "b2", "b3"], "co_repost", -30.0, 5),
            ("camp", ["c1", "c2", "c3"], "co_repost", -10.0, 3),
        ],
    )
    ws.con.execute("UPDATE posts SET target_account_id = 'outlet' WHERE account_id LIKE 'b%'")
    ws.con.execute(
        "INSERT INTO accounts (platform, account_id, handle) VALUES ('x', 'outlet', 'TheWire')"
    )
    _, _, counts = _cluster(ws)
    assert counts["mirror_clusters"] == 1
    clusters = list_clusters(ws)
    assert [c["kind"] for c in clusters] == ["campaign", "mirror"]  # campaigns rank first
    assert "Automated mirrors of one account (@TheWire)" in clusters[1]["explanation"]
    assert {f["account_id"] for f in flagged_accounts(ws)} == {"c1", "c2", "c3"}
    mirror = list_clusters(ws, members=True)[1]
    assert {m["account_id"] for m in mirror["members"]} == {"b1", "b2", "b3"}
