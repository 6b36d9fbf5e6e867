"""Statistical properties of the organic background and of the hard negatives that docs/simulator.md
claims: heavy tails, daily and weekly cycles in local time, cascade timing and sizes, breaking news,
news bots, fan communities, and a calibration preset without any campaign."""

from __future__ import annotations

import json

import duckdb
import numpy as np
import pytest

from ioscope.simulate import simulate
from ioscope.simulate.vocab import REGIONS

POSTS = 150_000


@pytest.fixture(scope="module")
def calib(tmp_path_factory):
    d = tmp_path_factory.mktemp("calibration")
    summary = simulate(d, posts=POSTS, seed=21, preset="calibration")
    con = duckdb.connect()
    con.execute(f"CREATE VIEW p AS SELECT * FROM '{d / 'posts.parquet'}'")
    con.execute(f"CREATE VIEW a AS SELECT * FROM '{d / 'accounts.parquet'}'")
    con.execute("CREATE TABLE tz (location VARCHAR, off INTEGER)")
    con.executemany(
        "INSERT INTO tz VALUES (?, ?)",
        [(loc, r.utc_offset_min) for r in REGIONS for loc in r.locations],
    )
    doc = json.loads((d / "campaigns.json").read_text())
    return d, con, doc, summary


def _col(con, sql):
    return np.array([r[0] for r in con.execute(sql).fetchall()])


def test_activity_is_heavy_tailed(calib):
    _, con, _, _ = calib
    n = np.sort(_col(con, "SELECT count(*) FROM p GROUP BY account_id"))[::-1]
    top = n[: max(1, len(n) // 100)].sum() / n.sum()
    assert top > 0.15, top  # the 1 % most active accounts write over 15 % of the posts
    assert n[0] > 50 * np.median(n)


def test_followers_are_heavy_tailed(calib):
    _, con, doc, _ = calib
    special = set(
        doc["hard_negatives"]["news_outlets"]
        + doc["hard_negatives"]["prominent_accounts"]
        + [h for c in doc["hard_negatives"]["fan_communities"] for h in c["hubs"]]
    )
    con.execute("CREATE OR REPLACE TABLE special AS SELECT unnest(?) account_id", [sorted(special)])
    f = np.sort(
        _col(
            con,
            "SELECT followers FROM a WHERE followers > 0 AND account_id NOT IN "
            "(SELECT account_id FROM special)",
        ).astype(float)
    )[::-1]
    k = len(f) // 50
    hill = 1.0 / np.mean(np.log(f[:k] / f[k]))  # Hill estimator of the tail exponent
    assert 0.6 < hill < 2.5, hill
    assert np.percentile(f, 99) > 30 * np.median(f)


def test_accounts_were_created_over_years_before_the_period(calib):
    _, con, _, _ = calib
    years, late = con.execute(
        "SELECT count(DISTINCT year(created_at)), "
        "count(*) FILTER (WHERE created_at >= TIMESTAMP '2024-03-01') FROM a"
    ).fetchone()
    assert years >= 10 and late == 0


def _local_hours(con) -> np.ndarray:
    return _col(
        con,
        """SELECT hour(p.created_at + to_minutes(tz.off)) FROM p JOIN a USING (account_id)
                        JOIN tz ON a.location = tz.location WHERE p.kind = 'post'""",
    )


def test_daily_cycle_in_local_time(calib):
    _, con, _, _ = calib
    h = np.bincount(_local_hours(con), minlength=24) / 1.0
    night, evening = h[[3, 4, 5]].mean(), h[[19, 20, 21]].mean()
    assert night < 0.45 * evening, (night, evening)
    assert np.argmax(h) in range(17, 24)


def test_weekly_cycle_in_local_time(calib):
    _, con, _, _ = calib
    rows = con.execute("""SELECT dayofweek(p.created_at + to_minutes(tz.off)) d, count(*),
                                 count(DISTINCT CAST(p.created_at + to_minutes(tz.off) AS DATE))
                          FROM p JOIN a USING (account_id) JOIN tz ON a.location = tz.location
                          WHERE p.kind = 'post' GROUP BY 1""").fetchall()
    per_day = {d: n / days for d, n, days in rows}
    weekend = (per_day[0] + per_day[6]) / 2
    weekday = np.mean([per_day[d] for d in range(1, 6)])
    assert weekend < 0.95 * weekday, (weekend, weekday)


def test_repost_cascade_timing(calib):
    _, con, _, summary = calib
    d = _col(
        con,
        """SELECT epoch(x.created_at - t.created_at) FROM p x JOIN p t
                     ON t.post_id = x.target_post_id WHERE x.kind = 'repost'""",
    )
    median = summary["parameters"]["repost_delay"]
    assert (d > 0).all()
    assert 0.4 * median < np.median(d) < 2.0 * median, np.median(d)
    assert np.mean(d < 6 * 3600) > 0.85  # most reposts within minutes to hours
    assert np.mean(d > 86_400) > 0.001  # and a long tail


def test_cascade_sizes_are_heavy_tailed(calib):
    _, con, _, _ = calib
    sizes = _col(
        con,
        """SELECT count(x.post_id) FROM p t LEFT JOIN p x
                         ON x.target_post_id = t.post_id AND x.kind = 'repost'
                         WHERE t.kind = 'post' GROUP BY t.post_id""",
    )
    assert np.mean(sizes == 0) > 0.5  # most posts are never reposted
    assert sizes.max() > 50 * np.median(sizes[sizes > 0])


def test_breaking_news_is_a_burst_of_unrelated_accounts(calib):
    _, con, doc, _ = calib
    events = doc["hard_negatives"]["breaking_news"]
    assert len(events) == 6
    e = events[0]
    fast = con.execute(f"""SELECT count(DISTINCT x.account_id) FROM p x JOIN p t ON t.post_id = x.target_post_id
                           WHERE x.target_post_id = '{e["post_id"]}'
                           AND x.created_at <= t.created_at + INTERVAL 60 SECOND""").fetchone()[0]
    assert fast >= 1000, fast  # over a thousand accounts repost it within a minute
    tagged, variants, norms = con.execute(f"""
        SELECT count(*) FILTER (WHERE list_contains(hashtags, '{e["hashtag"]}')
                                AND created_at <= TIMESTAMP '{e["time"][:19]}' + INTERVAL 5 MINUTE),
               count(DISTINCT urls[1]) FILTER (WHERE list_contains(urls_normalized, '{e["url"]}')),
               count(*) FILTER (WHERE list_contains(urls_normalized, '{e["url"]}'))
        FROM p WHERE kind = 'post'""").fetchone()
    assert tagged >= 300 and norms >= 100 and variants >= 5


def test_news_bots_repost_their_outlet_after_a_fixed_delay(calib):
    _, con, doc, _ = calib
    bots = doc["hard_negatives"]["news_bots"]
    assert len(bots) == 24
    for b in bots[:8]:
        rows = con.execute(f"""SELECT t.account_id, epoch(x.created_at - t.created_at) FROM p x
                               JOIN p t ON t.post_id = x.target_post_id
                               WHERE x.account_id = '{b["account_id"]}'""").fetchall()
        if len(rows) < 5:
            continue
        assert {r[0] for r in rows} == {b["outlet_id"]}
        d = np.array([r[1] for r in rows])
        assert np.percentile(d, 95) - np.percentile(d, 5) < 10
        assert abs(np.median(d) - b["delay_s"]) < 3


def test_fan_communities_share_hubs_and_hashtags(calib):
    _, con, doc, _ = calib
    comms = doc["hard_negatives"]["fan_communities"]
    assert len(comms) == 8
    c = comms[0]
    con.execute("CREATE OR REPLACE TABLE m AS SELECT unnest(?) account_id", [c["members"]])
    tagged, any_tag = (
        con.execute(f"""SELECT count(*) FILTER (WHERE list_has_any(hashtags, {c["hashtags"]})),
                                             count(*) FILTER (WHERE len(hashtags) > 0)
                                      FROM p WHERE kind = 'post' AND account_id IN (SELECT * FROM m)""").fetchone()
    )
    assert tagged > 0.3 * any_tag
    hubs = c["hubs"]
    inside, total = (
        con.execute(f"""SELECT count(*) FILTER (WHERE account_id IN (SELECT * FROM m)), count(*)
                                    FROM p WHERE kind = 'repost' AND target_account_id IN {tuple(hubs) + ("",)}
                                    """).fetchone()
    )
    base = con.execute(
        "SELECT avg((account_id IN (SELECT * FROM m))::INT) FROM p WHERE kind = 'repost'"
    ).fetchone()[0]
    assert total > 0 and inside / total > 5 * base  # fans repost their own hubs
    party = c["parties"][0]
    n = con.execute(f"""SELECT count(DISTINCT account_id) FROM p WHERE list_contains(hashtags, '{party["hashtag"]}')
                        AND created_at BETWEEN TIMESTAMP '{party["time"][:19]}' - INTERVAL 10 MINUTE
                        AND TIMESTAMP '{party["time"][:19]}' + INTERVAL 1 HOUR""").fetchone()[0]
    assert n >= 0.8 * party["participants"]


def test_calibration_preset_has_no_campaign_at_all(calib):
    d, con, doc, summary = calib
    assert doc["campaigns"] == [] and summary["counts"]["campaign_accounts"] == 0
    truth = (d / "truth.csv").read_text().splitlines()
    assert truth[0] == "account_id,campaign_id,strategy"
    assert all(line.endswith(",,") for line in truth[1:])
    assert len(truth) - 1 == con.execute("SELECT count(*) FROM a").fetchone()[0]
    ads = (d / "ads.csv").read_text().splitlines()[1:]
    organic = set(doc["hard_negatives"]["organic_advertisers"])
    assert ads and all(line.split(",")[1] in organic for line in ads)
    assert doc["hard_negatives"]["organic_renames"] > 0


def test_no_account_reposts_the_same_post_twice(calib):
    _, con, _, _ = calib
    dup = con.execute("""SELECT count(*) FROM (SELECT account_id, target_post_id FROM p
                         WHERE kind = 'repost' GROUP BY ALL HAVING count(*) > 1)""").fetchone()[0]
    n = con.execute("SELECT count(*) FROM p WHERE kind = 'repost'").fetchone()[0]
    assert dup < 1e-4 * n
