"""Co-action signals on the simulator's planted campaigns: each strategy's members are linked by
the signal that matches it (recall), and those links are stronger than the organic ones."""

from __future__ import annotations

import json
from collections import defaultdict

import pytest

from ioscope.detect import detect
from ioscope.ingest import ingest
from ioscope.workspace import Workspace

STRATEGY_SIGNAL = {
    "co_repost": "co_repost",
    "link_amplification": "co_link",
    "reply_swarm": "co_reply",
    "hashtag_flooding": "co_hashtag",
    "copypasta": "near_duplicate_text",
}


@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    from ioscope.simulate import simulate

    out = tmp_path_factory.mktemp("sim")
    summary = simulate(out, posts=20_000, seed=2, format="cnt-csv")
    campaigns = json.loads(open(summary["paths"]["campaigns"]).read())["campaigns"]
    ws = Workspace.open(out / "ws.duckdb")
    ingest(ws, [summary["paths"]["posts"]])
    # one window, the campaigns' own tempo (seconds): the default's longer scales add the edges
    # of slower organic co-actions (co_link's share of campaign edges falls from 0.044 to 0.020),
    # which the significance test judges (tests/test_scales.py)
    report = detect(ws, signals=sorted(set(STRATEGY_SIGNAL.values())), window="60s")
    yield ws, campaigns, report
    ws.close()


def test_planted_campaigns_are_linked_by_their_signal(simulated):
    ws, campaigns, _ = simulated
    member_of = {m: c["campaign_id"] for c in campaigns for m in c["members"]}
    for c in campaigns:
        signal = STRATEGY_SIGNAL.get(c["strategy"])
        if signal is None:
            continue
        linked = set()
        for a, b in ws.sql(
            "SELECT account_1, account_2 FROM edges WHERE signal = ?", [signal]
        ).fetchall():
            if member_of.get(a) == member_of.get(b) == c["campaign_id"]:
                linked |= {a, b}
        recall = len(linked) / len(c["members"])
        assert recall >= 0.5, (c["campaign_id"], c["strategy"], signal, recall)


def test_campaign_edges_outweigh_organic_ones(simulated):
    ws, campaigns, _ = simulated
    member_of = {m: c["campaign_id"] for c in campaigns for m in c["members"]}
    weights = defaultdict(list)
    for signal, a, b, w in ws.sql(
        "SELECT signal, account_1, account_2, weight FROM edges"
    ).fetchall():
        inside = member_of.get(a) is not None and member_of.get(a) == member_of.get(b)
        weights[(signal, inside)].append(w)
    for signal in ("co_link", "co_reply", "co_hashtag"):
        inside, outside = weights[(signal, True)], weights[(signal, False)]
        assert inside, signal
        share_inside = len(inside) / (len(inside) + len(outside))
        assert share_inside > 0.02, (signal, share_inside)
