"""The simulator's campaign tempo: members act in turn, a given time apart, in few events."""

from __future__ import annotations

import csv

import numpy as np
import pyarrow.parquet as pq

from ioscope.simulate import simulate
from ioscope.simulate.campaigns import _in_turn


def test_members_act_in_turn_tempo_apart():
    rng = np.random.default_rng(2)
    a = rng.integers(0, 50, 400)
    d = _in_turn(rng, a, 600_000.0)
    for action in np.unique(a):
        gaps = np.diff(np.r_[0, np.sort(d[a == action])])
        assert gaps[0] == 0
        assert np.all((gaps[1:] >= 300_000 - 1) & (gaps[1:] <= 900_000))
    assert not _in_turn(rng, a, 0.0).any()


def test_a_slow_small_campaign_has_its_events_and_tempo(tmp_path):
    s = simulate(
        tmp_path,
        posts=20_000,
        seed=3,
        campaigns=2,
        strategies="co_repost",
        campaign_size_min=6,
        campaign_size_max=6,
        campaign_events=5,
        tempo="20m",
        participation=1.0,
        jitter="0s",
        organic_mixing=0.0,
    )
    with open(s["paths"]["truth"]) as f:
        members = {r["account_id"]: r["campaign_id"] for r in csv.DictReader(f) if r["campaign_id"]}
    posts = pq.read_table(s["paths"]["posts"]).to_pylist()
    reposts = [p for p in posts if p["account_id"] in members and p["kind"] == "repost"]
    by_target: dict = {}
    for p in reposts:
        by_target.setdefault((members[p["account_id"]], p["target_post_id"]), []).append(p)
    assert len(by_target) == 2 * 5  # five events per campaign
    spans = []
    for rows in by_target.values():
        t = sorted(r["created_at"].timestamp() for r in rows)
        spans.append(t[-1] - t[0])
        assert len(rows) == 5  # every amplifier (6 members less one source) took part
    # four gaps of 10 to 30 minutes each, plus under a minute of reaction time
    assert all(40 * 60 - 60 <= x <= 120 * 60 + 60 for x in spans)


def test_headline_bots_post_their_outlets_headlines(tmp_path):
    import json

    s = simulate(tmp_path, posts=20_000, seed=5, campaigns=0, news_bots=6, headline_bots=1.0)
    doc = json.loads(open(s["paths"]["campaigns"]).read())
    bots = doc["hard_negatives"]["news_bots"]
    assert bots and all(b["headlines"] for b in bots)
    posts = pq.read_table(s["paths"]["posts"]).to_pylist()
    outlet_texts = {}
    for p in posts:
        outlet_texts.setdefault(p["account_id"], set()).add(p["text"])
    for b in bots:
        mine = [p for p in posts if p["account_id"] == b["account_id"]]
        assert mine and all(p["kind"] == "post" for p in mine)
        # each of its posts is one of its outlet's headlines, word for word
        assert all(p["text"] in outlet_texts[b["outlet_id"]] for p in mine)
