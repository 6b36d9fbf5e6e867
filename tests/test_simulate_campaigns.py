"""Each planted strategy leaves the trace it is modelled on, with the evasion knobs respected."""

from __future__ import annotations

import json
import re

import duckdb
import numpy as np
import pytest

from ioscope.simulate import simulate

JITTER_S, PARTICIPATION, MIXING = 30.0, 0.7, 0.3


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    d = tmp_path_factory.mktemp("campaigns")
    simulate(
        d,
        posts=120_000,
        seed=5,
        campaigns=8,
        campaign_size_min=20,
        campaign_size_max=80,
        jitter=JITTER_S,
        participation=PARTICIPATION,
        organic_mixing=MIXING,
        account_traits=0.0,
    )
    con = duckdb.connect()
    con.execute(f"CREATE VIEW p AS SELECT * FROM '{d / 'posts.parquet'}'")
    con.execute(f"CREATE VIEW a AS SELECT * FROM '{d / 'accounts.parquet'}'")
    con.execute(f"CREATE VIEW ads AS SELECT * FROM read_csv('{d / 'ads.csv'}', all_varchar=true)")
    doc = json.loads((d / "campaigns.json").read_text())
    by = {c["strategy"]: c for c in doc["campaigns"]}
    assert len(by) == 8
    return con, doc, by


def _members(con, c, name="m"):
    con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT unnest(?) account_id", [c["members"]])


def _mine(where: str = "TRUE") -> str:
    return f"SELECT * FROM p WHERE account_id IN (SELECT account_id FROM m) AND {where}"


def test_members_mix_in_organic_posts(run):
    con, doc, _ = run
    total = planted = 0
    for c in doc["campaigns"]:
        _members(con, c)
        total += con.execute(f"SELECT count(*) FROM ({_mine()})").fetchone()[0]
        planted += c["posts"]
    assert abs((total - planted) / total - MIXING) < 0.08


def test_co_repost_bursts_within_the_jitter(run):
    con, _, by = run
    c = by["co_repost"]
    _members(con, c)
    amplifiers = len(c["members"]) - len(c["sources"])
    # posts reposted by a good part of the members (camouflage reposts are scattered)
    rows = con.execute(f"""SELECT target_post_id, count(*) n,
                                  list(epoch(created_at) ORDER BY created_at) ts
                           FROM ({_mine("kind = 'repost'")}) GROUP BY 1
                           HAVING count(*) >= {0.3 * amplifiers}""").fetchall()
    assert len(rows) >= 0.8 * c["cues"]
    spreads = [np.percentile(np.array(ts) - ts[0], 90) for _, _, ts in rows]
    assert np.median(spreads) < 60 + 5 * JITTER_S  # seconds to minutes, not hours
    share = np.mean([n for _, n, _ in rows]) / amplifiers
    assert abs(share - PARTICIPATION) < 0.12  # partial participation
    # some cues are posts of the favoured outlets, the rest the campaign's own sources
    targets = {r[0] for r in rows}
    authors = {
        r[0]
        for r in con.execute(
            f"SELECT DISTINCT account_id FROM p WHERE post_id IN {tuple(targets)}"
        ).fetchall()
    }
    assert authors <= set(c["sources"]) | set(c["parameters"]["amplified_outlets"])
    assert authors & set(c["sources"])


def test_link_amplification_posts_url_variants(run):
    con, _, by = run
    c = by["link_amplification"]
    _members(con, c)
    posts = _mine("kind = 'post'")
    urls = [r[0] for r in con.execute(f"SELECT unnest(urls) FROM ({posts})").fetchall()]
    domains = c["parameters"]["domains"]
    own = [u for u in urls if any(d in u for d in domains)]
    assert own
    assert any("utm_" in u or "fbclid" in u or "gclid" in u for u in own)
    assert any(
        re.match(r"https://(bit\.ly|ow\.ly|buff\.ly|tinyurl\.com|is\.gd|t\.ly)/", u) for u in urls
    )
    norm = con.execute(f"""SELECT count(DISTINCT u), count(DISTINCT n) FROM (SELECT unnest(urls) u,
                           unnest(urls_normalized) n FROM ({_mine("kind = 'post'")}))""").fetchone()
    assert norm[0] > 1.3 * norm[1]  # many strings for the same normalized link


def _jaccard(a: str, b: str) -> float:
    x, y = set(a.lower().split()), set(b.lower().split())
    return len(x & y) / len(x | y)


def test_copypasta_is_near_duplicate_text(run):
    con, _, by = run
    c = by["copypasta"]
    _members(con, c)
    tags = c["parameters"]["hashtags"]
    rows = con.execute(f"""SELECT epoch(created_at), text FROM ({_mine(f"list_has_any(hashtags, {tags})")})
                           ORDER BY created_at""").fetchall()
    assert len(rows) > 50
    t = np.array([r[0] for r in rows])
    sims = [
        _jaccard(rows[i][1], rows[i + 1][1]) for i in range(len(rows) - 1) if t[i + 1] - t[i] < 60
    ]
    assert np.median(sims) > 0.6
    assert np.mean([s < 1.0 for s in sims]) > 0.5  # edited, not identical
    emoji = sum(
        bool(re.search("[\U0001f300-\U0001faff\u2700-\u27bf\u203c\u26a0]", r[1])) for r in rows
    )
    assert emoji > 0.3 * len(rows)


def test_hashtag_flooding_plays_synchronized_games(run):
    con, _, by = run
    c = by["hashtag_flooding"]
    _members(con, c)
    rows = con.execute(f"""SELECT hashtags[1] g, count(DISTINCT account_id) n, count(*) posts,
                                  epoch(max(created_at) - min(created_at)) span
                           FROM ({_mine("len(hashtags) >= 2")}) WHERE hashtags[2] IN {tuple(c["parameters"]["hashtags"])}
                           GROUP BY 1 HAVING count(*) >= 5""").fetchall()
    assert len(rows) >= 0.8 * c["cues"]
    assert np.median([r[1] for r in rows]) >= 0.5 * len(c["members"])
    assert np.median([r[2] / r[1] for r in rows]) > 1.3  # flooding: several posts per member
    assert np.median([r[3] for r in rows]) < 15 * 60


def test_reply_swarms_hit_prominent_accounts(run):
    con, doc, by = run
    c = by["reply_swarm"]
    _members(con, c)
    rows = con.execute(f"""SELECT target_post_id, any_value(target_account_id), count(DISTINCT account_id),
                                  epoch(max(created_at) - min(created_at))
                           FROM ({_mine("kind = 'reply'")}) GROUP BY 1
                           HAVING count(*) >= {0.3 * len(c["members"])}""").fetchall()
    assert len(rows) >= 0.8 * c["cues"]
    prominent = set(doc["hard_negatives"]["prominent_accounts"]) | set(
        doc["hard_negatives"]["news_outlets"]
    )
    assert {r[1] for r in rows} <= prominent
    assert np.median([r[3] for r in rows]) < 30 * 60


def test_synchronized_posting_shares_time_not_content(run):
    con, _, by = run
    c = by["synchronized_posting"]
    _members(con, c)
    bins = con.execute(f"""SELECT count(DISTINCT account_id), count(DISTINCT text), count(*),
                                  count(DISTINCT urls) FILTER (WHERE len(urls) > 0),
                                  count(*) FILTER (WHERE len(urls) > 0)
                           FROM ({_mine("kind = 'post'")})
                           GROUP BY floor(epoch(created_at) / 120) HAVING count(DISTINCT account_id) >= 5""").fetchall()
    assert len(bins) >= 0.8 * c["cues"]
    assert all(b[1] == b[2] for b in bins)  # nothing copied
    assert all(b[3] == b[4] for b in bins)  # no link shared


def test_creation_burst_accounts(run):
    con, doc, by = run
    c = by["creation_burst"]
    _members(con, c)
    p = c["parameters"]
    assert p["creation_burst"] and p["handle_style"]
    lo, hi = con.execute(
        "SELECT epoch(min(created_at)), epoch(max(created_at)) FROM a "
        "WHERE account_id IN (SELECT account_id FROM m)"
    ).fetchone()
    assert hi - lo <= doc["parameters"]["creation_burst_days"] * 86400 + 1
    handles = [
        r[0]
        for r in con.execute(
            "SELECT handle FROM a WHERE account_id IN (SELECT account_id FROM m)"
        ).fetchall()
    ]
    if p["handle_style"] == "persona_prefix":
        assert all(h.startswith(p["handle_stem"]) for h in handles)
    elif p["handle_style"] == "default_suggestion":
        assert np.mean([bool(re.search(r"\d{5}$", h)) for h in handles]) > 0.9
    else:
        assert np.mean([p["handle_stem"][:3] in h for h in handles]) > 0.5
    for r in c["renames"]:
        before = con.execute(f"""SELECT count(*) FILTER (WHERE handle <> '{r["old_handle"]}'),
                                        count(*) FILTER (WHERE handle <> '{r["handle"]}')
                                 FROM p WHERE account_id = '{r["account_id"]}'
                                 AND created_at < TIMESTAMP '{r["renamed_at"][:19]}'""").fetchone()
        assert before[0] == 0  # posts before the rename carry the old handle


def test_paid_promotion_buys_ads(run):
    con, doc, by = run
    c = by["paid_promotion"]
    assert c["advertiser_ids"] and set(c["advertiser_ids"]) <= set(c["sources"])
    rows = con.execute(
        f"SELECT DISTINCT currency FROM ads WHERE advertiser_id IN {tuple(c['advertiser_ids']) + ('',)}"
    ).fetchall()
    assert {r[0] for r in rows} == {c["parameters"]["currency"]}
    n_promoted = con.execute(f"""SELECT count(DISTINCT post_id) FROM ads
                                 WHERE advertiser_id IN {tuple(c["advertiser_ids"]) + ("",)}""").fetchone()[
        0
    ]
    assert n_promoted == c["cues"]
    lookalike = con.execute(
        "SELECT count(*) FROM ads WHERE targeting LIKE '%follower_lookalike:@%'"
    ).fetchone()[0]
    assert lookalike > 0


def test_campaign_actions_stay_in_their_time_span(run):
    con, _, by = run
    for s in ("co_repost", "reply_swarm", "hashtag_flooding"):
        c = by[s]
        _members(con, c)
        tags = c["parameters"]["hashtags"]
        lo, hi = (c["time_span"][k][:19] for k in ("start", "end"))
        outside = con.execute(f"""SELECT count(*) FROM ({_mine(f"list_has_any(hashtags, {tags})")})
                                  WHERE created_at < TIMESTAMP '{lo}'
                                  OR created_at > TIMESTAMP '{hi}' + INTERVAL 1 HOUR""").fetchone()[
            0
        ]
        assert outside == 0, s
