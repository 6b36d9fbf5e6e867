"""Account signals on hand-made accounts whose signal values are known in advance."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pytest

from ioscope.accounts import FAMILIES, SIGNALS, compute_signals
from ioscope.accounts.rhythm import REFERENCE_DAY, implied_offsets
from ioscope.errors import IncompatibleWorkspaceError, NotFoundError, ParameterError, UsageError
from ioscope.model.detect import EDGES
from ioscope.model.signif import CLUSTER_MEMBERS, CLUSTERS
from tests.fixtures.accounts import T0, account, insert, post


def values(ws, signal: str) -> dict[str, float]:
    return dict(
        ws.sql(
            "SELECT account_id, value FROM account_signals WHERE signal = ?", [signal]
        ).fetchall()
    )


def detail(ws, account_id: str, signal: str) -> dict:
    ((d,),) = ws.sql(
        "SELECT detail FROM account_signals WHERE account_id = ? AND signal = ?",
        [account_id, signal],
    ).fetchall()
    return json.loads(d)


def human_times(n: int, utc_offset: int, seed: int = 0) -> list[dt.datetime]:
    rng = np.random.default_rng(seed)
    p = REFERENCE_DAY / REFERENCE_DAY.sum()
    hours = rng.choice(24, size=n, p=p)
    return [
        T0
        + dt.timedelta(
            days=int(rng.integers(7)), hours=int(h) - utc_offset, minutes=int(rng.integers(60))
        )
        for h in hours
    ]


def test_implied_offset_recovers_each_shift():
    for off in range(-11, 13):
        day = np.roll(REFERENCE_DAY, -off)  # utc[u] = local[u + off]
        assert implied_offsets(day[None, :])[0][0] == off


def test_rhythm_time_zone_mismatch_and_regularity(ws):
    accs = [
        account("moscow_in_tn", location="Nashville, TN"),
        account("real_tn", location="Nashville, TN"),
        account("clock", location="Москва"),
        account("short"),
    ]
    posts = [post("moscow_in_tn", i, t) for i, t in enumerate(human_times(400, 3))]
    posts += [post("real_tn", i, t) for i, t in enumerate(human_times(400, -6, seed=1))]
    posts += [post("clock", i, T0 + dt.timedelta(hours=i)) for i in range(24 * 7)]
    posts += [post("short", i, T0 + dt.timedelta(hours=i)) for i in range(5)]
    insert(ws, accs, posts)
    compute_signals(ws, families=["rhythm"])
    mism, implied = values(ws, "tz_mismatch"), values(ws, "implied_utc_offset")
    assert implied["moscow_in_tn"] == 3 and mism["moscow_in_tn"] == 9
    assert implied["real_tn"] == -6 and mism["real_tn"] == 0
    assert "short" not in implied  # fewer than rhythm_min_posts posts
    d = detail(ws, "moscow_in_tn", "tz_mismatch")
    assert d["claim"] == "Nashville, TN" and d["claimed_utc_offset"] == [-6, -6]
    # one post every hour: flat day, no sleep, perfectly periodic gaps
    assert values(ws, "hour_entropy")["clock"] == pytest.approx(1.0)
    assert values(ws, "sleep_gap")["clock"] == 0
    assert values(ws, "burstiness")["clock"] == pytest.approx(-1.0)
    assert values(ws, "gap_entropy")["clock"] == pytest.approx(0.0)
    assert values(ws, "weekend_share")["clock"] == pytest.approx(2 / 7)
    assert values(ws, "sleep_gap")["real_tn"] >= 1


def test_creation_burst(ws):
    accs = [
        account(f"bg{i}", created_at=dt.datetime(2013, 1, 1) + dt.timedelta(days=7 * i))
        for i in range(100)
    ]
    accs += [
        account(f"batch{i}", created_at=dt.datetime(2014, 6, 1, 12) + dt.timedelta(minutes=i))
        for i in range(20)
    ]
    insert(ws, accs, [])
    compute_signals(ws, families=["creation"])
    v = values(ws, "creation_burst")
    assert min(v[f"batch{i}"] for i in range(20)) > 5
    assert max(v[f"bg{i}"] for i in range(100) if abs(i - 74) > 2) < 1.5
    d = detail(ws, "batch0", "creation_burst")
    assert d["created_within_window"] == 19


def test_language_mismatch_and_shares(ws):
    insert(
        ws,
        [account("a", language="ru"), account("b", language="en-GB"), account("c")],
        [post("a", i, T0, language=lang) for i, lang in enumerate(["en", "en", "English", "ru"])]
        + [post("b", i, T0, language=lang) for i, lang in enumerate(["en", "en", "en", "und"])]
        + [post("c", i, T0, language="de") for i in range(3)],
    )
    compute_signals(ws, families=["language"])
    mm = values(ws, "language_mismatch")
    assert mm == {"a": 0.75, "b": 0.0}  # 'English' counts as en; 'und' is ignored
    assert values(ws, "main_language_share") == {"a": 0.75, "b": 1.0, "c": 1.0}
    assert detail(ws, "a", "language_mismatch")["post_languages"][0] == {
        "language": "en",
        "posts": 3,
    }


def test_clients(ws):
    clients = ["IFTTT", "Hootsuite Inc.", "Twitter for Android", "Twitter Web Client"]
    insert(ws, [account("a")], [post("a", i, T0, client=c) for i, c in enumerate(clients)])
    compute_signals(ws, families=["clients"])
    assert values(ws, "automation_client_share") == {"a": 0.5}
    assert values(ws, "mobile_client_share") == {"a": 0.25}
    assert values(ws, "client_count") == {"a": 4}


def test_identity(ws):
    bio = "Proud patriot. Love my country and my family"
    accs = [
        account(f"n{i}", handle=f"news_{i:04d}", display_name="News Today", description=bio)
        for i in range(3)
    ]
    accs += [
        account(
            "jane",
            handle="JaneDoe",
            display_name="Jane Doe",
            description=None,
            location="Boston, MA",
        ),
        account("x", handle="x", source_file="other.csv"),
    ]  # source without bios
    posts = [
        post("n0", 0, T0, handle="news_0000"),
        post("n0", 1, T0 + dt.timedelta(days=1), handle="fresh_name"),
    ]
    insert(ws, accs, posts)
    compute_signals(ws, families=["identity"])
    assert values(ws, "handle_digits")["n1"] == 4 and values(ws, "handle_digits")["jane"] == 0
    assert values(ws, "handle_template") == {"n0": 2, "n1": 2, "n2": 2, "jane": 0, "x": 0}
    assert values(ws, "renames") == {"n0": 1, "n1": 0, "n2": 0, "jane": 0, "x": 0}
    assert detail(ws, "n0", "renames")["handles"] == ["fresh_name", "news_0000"]
    assert values(ws, "duplicate_description") == {"n0": 2, "n1": 2, "n2": 2, "jane": 0}
    assert values(ws, "empty_bio") == {"n0": 0, "n1": 0, "n2": 0, "jane": 1}
    assert "x" not in values(ws, "default_profile")
    assert values(ws, "default_profile")["jane"] == pytest.approx(0.5)  # bio empty, location set
    assert values(ws, "name_handle_distance")["jane"] == pytest.approx(0.0)
    assert values(ws, "name_handle_distance")["n1"] > 0.2


def test_content_diet(ws, monkeypatch):
    import pyarrow as pa

    import ioscope.accounts.content as content

    monkeypatch.setattr(
        content,
        "state_media_table",
        lambda: pa.table({"domain": ["rt.com"], "country": ["RU"], "outlet": ["RT"]}),
    )
    posts = [
        post(
            "a",
            0,
            T0,
            kind="repost",
            hashtags=["x"],
            urls=["https://rt.com/a"],
            mentions=["someone"],
            domains=["rt.com"],
        ),
        post(
            "a",
            1,
            T0,
            kind="reply",
            hashtags=["x"],
            urls=["https://bbc.co.uk/b"],
            domains=["bbc.co.uk"],
        ),
        post("a", 2, T0, hashtags=["x", "y"], urls=["https://rt.com/c"], domains=["rt.com"]),
        post("a", 3, T0, kind="quote"),
    ]
    insert(ws, [account("a")], posts)
    compute_signals(ws, families=["content"])
    one = {s.name: values(ws, s.name)["a"] for s in content.SIGNALS}
    assert one == {
        "repost_share": 0.25,
        "reply_share": 0.25,
        "quote_share": 0.25,
        "link_share": 0.75,
        "mention_share": 0.25,
        "hashtags_per_post": 1.0,
        "hashtag_diversity": 0.5,
        "domain_concentration": pytest.approx(2 / 3),
        "state_media_share": pytest.approx(2 / 3),
    }
    d = detail(ws, "a", "state_media_share")
    assert d["state_media_domains"] == ["rt.com"] and d["countries"] == ["RU"]


def test_audience(ws):
    insert(
        ws,
        [
            account(
                "a",
                followers=9,
                following=999,
                post_count=3650,
                created_at=dt.datetime(2015, 11, 7),
            )
        ],
        [post("a", 0, T0)],
    )
    compute_signals(ws, families=["audience"])
    assert values(ws, "follower_ratio")["a"] == pytest.approx(-2.0)
    assert values(ws, "lifetime_posts")["a"] == pytest.approx(np.log10(3651))
    assert values(ws, "account_age_days")["a"] == pytest.approx(366.0)
    assert values(ws, "posts_per_day")["a"] == pytest.approx(3650 / 366)


def test_network_from_coordination_tables(ws):
    insert(ws, [account(a) for a in "abcd"], [])
    ws.ensure(EDGES, CLUSTERS, CLUSTER_MEMBERS)  # as detect writes them: the declared columns
    ws.sql(
        "INSERT INTO edges (signal, platform_1, account_1, platform_2, account_2, significant) "
        "VALUES ('co_repost','twitter','a','twitter','b',true), "
        "('co_link','twitter','a','twitter','c',true), ('co_link','twitter','b','twitter','c',false)"
    )
    ws.sql("INSERT INTO clusters (cluster_id, rank, size) VALUES (1, 1, 3)")
    ws.sql(
        "INSERT INTO cluster_members (cluster_id, platform, account_id) "
        "VALUES (1,'twitter','a'), (1,'twitter','b'), (1,'twitter','c')"
    )
    compute_signals(ws, families=["network"])
    assert values(ws, "cluster_size") == {"a": 3, "b": 3, "c": 3, "d": 0}
    assert values(ws, "coordination_degree") == {"a": 2, "b": 1, "c": 1, "d": 0}


def test_network_from_edges_alone(ws):
    insert(ws, [account(a) for a in "ab"], [])
    ws.ensure(EDGES, CLUSTERS, CLUSTER_MEMBERS)  # a detect run that made no cluster
    ws.sql(
        "INSERT INTO edges (signal, platform_1, account_1, platform_2, account_2) "
        "VALUES ('co_link','twitter','a','twitter','b')"
    )
    compute_signals(ws, families=["network"])
    assert values(ws, "coordination_degree") == {"a": 1, "b": 1}


def test_network_on_detect_tables_of_an_earlier_ioscope_is_one_clear_error(ws):
    """The account families trust the declared schema: a cluster_members table without a
    declared column is the report's error naming the command to re-run, not a fallback."""
    insert(ws, [account(a) for a in "ab"], [])
    ws.ensure(EDGES, CLUSTERS)
    ws.sql("CREATE TABLE cluster_members (cluster_id INTEGER, account_id VARCHAR)")
    with pytest.raises(IncompatibleWorkspaceError) as e:
        compute_signals(ws, families=["network"])
    assert "cluster_members" in str(e.value) and "platform" in str(e.value)
    assert "ioscope detect" in e.value.hint


def test_skips_what_the_data_cannot_support(ws):
    insert(ws, [account("a")], [post("a", 0, T0)])
    rep = compute_signals(ws)
    assert {"creation", "rhythm", "language", "clients", "network"} <= set(rep.skipped)
    assert "no account has a creation date" in rep.skipped["creation"]
    assert "repost_share" in rep.signals


def test_scores_are_signed_robust_z(ws):
    insert(ws, [account(f"a{i}", followers=10 * (i + 1), following=10) for i in range(9)], [])
    compute_signals(ws, families=["audience"])
    rows = dict(ws.sql("SELECT account_id, score FROM account_signals").fetchall())
    # follower_ratio has direction −1: the fewest followers scores highest
    assert max(rows, key=rows.get) == "a0" and rows["a4"] == 0


def test_recompute_replaces_only_its_signals_and_is_deterministic(ws):
    insert(
        ws,
        [account("a", followers=1, following=2, language="en")],
        [post("a", i, T0 + dt.timedelta(hours=i), language="en") for i in range(3)],
    )
    compute_signals(ws)
    first = ws.rows("SELECT * EXCLUDE (run_id) FROM account_signals ORDER BY ALL")
    compute_signals(ws, families=["language"])
    assert ws.rows("SELECT * EXCLUDE (run_id) FROM account_signals ORDER BY ALL") == first
    runs = ws.sql("SELECT DISTINCT run_id FROM account_signals").fetchall()
    assert len(runs) == 2


def test_same_result_with_one_and_two_threads(ws, tmp_path):
    from tests.fixtures.accounts import synthetic

    synthetic(ws, organic=60, campaigns=2, size=8, seed=3)
    ws.sql("SET threads = 1")
    compute_signals(ws)
    one = ws.rows("SELECT * EXCLUDE (run_id) FROM account_signals ORDER BY ALL")
    ws.sql("SET threads = 2")
    compute_signals(ws)
    assert ws.rows("SELECT * EXCLUDE (run_id) FROM account_signals ORDER BY ALL") == one


def test_parameters_are_validated(ws):
    insert(ws, [account("a")], [])
    with pytest.raises(
        ParameterError,
        match="The 'rhythm_min_posts' parameter of accounts "
        "signals must be an integer ≥ 2. Got '1' instead.",
    ):
        compute_signals(ws, params={"rhythm_min_posts": 1})
    with pytest.raises(ParameterError, match="has no parameter 'nope'"):
        compute_signals(ws, params={"nope": 1})
    with pytest.raises(UsageError, match="Unknown signal family 'nope'"):
        compute_signals(ws, families=["nope"])


def test_empty_workspace_is_an_error(ws):
    with pytest.raises(NotFoundError, match="has no accounts"):
        compute_signals(ws)


def test_every_signal_and_family_is_documented():
    """docs/accounts.md's signal reference is generated (tests/test_docs.py keeps it fresh)."""
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "docs" / "accounts.md").read_text()
    for fam in FAMILIES.values():
        assert f"### `{fam.name}` — " in text, fam.name
    for name in SIGNALS:
        assert f"`{name}`" in text
    for fam in FAMILIES.values():
        assert fam.doc and fam.sources, fam.name


def test_stale_signals_are_recomputed_with_their_parameters(ws, tmp_path):
    from ioscope.accounts.compute import ensure_signals
    from ioscope.ingest import ingest

    insert(
        ws,
        [account("a", followers=1, following=2)],
        [post("a", i, T0 + dt.timedelta(hours=i)) for i in range(5)],
    )
    assert ensure_signals(ws) is True and ensure_signals(ws) is False
    compute_signals(ws, families=["rhythm"], params={"rhythm_min_posts": 5})
    assert "a" in values(ws, "sleep_gap")
    f = tmp_path / "more.csv"
    f.write_text(
        "message_id,user_id,username,repost_id,reply_id,message,timestamp,urls\n"
        "9,b,bee,,,hello,1600000000,\n"
    )
    ingest(ws, [f])
    assert ensure_signals(ws) is True
    assert "a" in values(ws, "sleep_gap")  # rhythm_min_posts=5 kept
    assert "b" in values(ws, "repost_share")  # the new account has signals
