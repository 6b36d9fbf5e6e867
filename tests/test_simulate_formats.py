"""The simulator's files: exact columns of every format, truth for every account, consistent ads."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from ioscope.model.table import get_table
from ioscope.simulate import simulate
from ioscope.simulate.batch import accounts_schema, posts_schema
from ioscope.simulate.media import MEDIA_FIELD, PICTURE_FIELD
from ioscope.simulate.writers import CNT_COLUMNS, IO_TWEET_COLUMNS, IO_USER_COLUMNS

ADS_HEADER = (
    "ad_id,advertiser_id,advertiser_name,post_id,start_date,end_date,spend,currency,"
    "impressions,clicks,targeting"
)
TARGETING_KINDS = {
    "location",
    "exclude_location",
    "language",
    "age",
    "gender",
    "interest",
    "follower_lookalike",
    "custom_audience",
}
POSTS, SEED = 30_000, 11


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    out = {}
    for fmt in ("parquet", "cnt-csv", "io-archive"):
        d = tmp_path_factory.mktemp(fmt)
        simulate(d, posts=POSTS, seed=SEED, format=fmt, campaign_size_max=60)
        out[fmt] = d
    return out


def _header(path: Path) -> str:
    return path.read_text(encoding="utf-8").split("\n", 1)[0]


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_parquet_has_exactly_the_canonical_columns_media_and_pictures(runs):
    posts = pq.read_table(runs["parquet"] / "posts.parquet")
    accounts = pq.read_table(runs["parquet"] / "accounts.parquet")
    assert posts.column_names == get_table("posts").column_names + ["media"]
    assert accounts.column_names == get_table("accounts").column_names + ["profile_image"]
    assert posts.schema.equals(posts_schema().append(MEDIA_FIELD))
    assert accounts.schema.equals(accounts_schema().append(PICTURE_FIELD))
    assert posts.num_rows == POSTS
    assert set(posts["platform"].to_pylist()) == {"twitter"}
    assert set(posts["kind"].to_pylist()) == {"post", "repost", "reply", "quote"}


def test_parquet_is_referentially_sound(runs):
    p = runs["parquet"] / "posts.parquet"
    a = runs["parquet"] / "accounts.parquet"
    con = duckdb.connect()
    one = lambda sql: con.execute(sql).fetchone()  # noqa: E731
    assert one(f"SELECT count(DISTINCT post_id) = count(*) FROM '{p}'")[0]
    assert (
        one(f"SELECT count(*) FROM '{p}' WHERE account_id NOT IN (SELECT account_id FROM '{a}')")[0]
        == 0
    )
    # every target exists, is older, and its author is the target account
    bad = one(f"""SELECT count(*) FILTER (WHERE t.post_id IS NULL),
                         count(*) FILTER (WHERE t.created_at >= x.created_at),
                         count(*) FILTER (WHERE t.account_id <> x.target_account_id)
                  FROM '{p}' x LEFT JOIN '{p}' t ON t.post_id = x.target_post_id
                  WHERE x.kind <> 'post'""")
    assert bad == (0, 0, 0)
    assert (
        one(f"SELECT count(*) FROM '{p}' WHERE (kind = 'post') <> (target_post_id IS NULL)")[0] == 0
    )
    # reposts carry the text and entities of what they repost
    assert (
        one(f"""SELECT count(*) FROM '{p}' x JOIN '{p}' t ON t.post_id = x.target_post_id
                   WHERE x.kind = 'repost' AND (x.text <> t.text OR x.urls <> t.urls)""")[0]
        == 0
    )
    # a handle is always known, and accounts exist before they post
    assert one(f"SELECT count(*) FROM '{p}' WHERE handle IS NULL")[0] == 0
    assert (
        one(f"""SELECT count(*) FROM '{p}' x JOIN '{a}' y USING (account_id)
                   WHERE x.created_at < y.created_at""")[0]
        == 0
    )


def test_cnt_csv_columns_and_values(runs):
    path = runs["cnt-csv"] / "posts.csv"
    assert _header(path) == ",".join(CNT_COLUMNS)
    rows = _rows(path)
    assert len(rows) == POSTS
    ids = {r["message_id"] for r in rows}
    for r in rows[:5000]:
        assert r["timestamp"].isdigit()
        assert not (r["repost_id"] and r["reply_id"])
        for target in (r["repost_id"], r["reply_id"]):
            assert target == "" or target in ids
        if r["repost_id"]:
            assert r["message"].startswith("RT @")
        assert all(u.startswith(("http://", "https://", "HTTPS://")) for u in r["urls"].split())


def test_io_archive_columns(runs):
    tweets, users = runs["io-archive"] / "tweets.csv", runs["io-archive"] / "users.csv"
    assert _header(tweets).split(",") == list(IO_TWEET_COLUMNS) and len(IO_TWEET_COLUMNS) == 31
    assert _header(users).split(",") == list(IO_USER_COLUMNS) == list(IO_TWEET_COLUMNS[1:11])
    rows = _rows(tweets)
    assert len(rows) == POSTS
    list_literal = re.compile(r"^\[('[^']*'(, '[^']*')*)?\]$")
    for r in rows[:5000]:
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", r["tweet_time"])
        assert re.fullmatch(r"\d{4}-\d\d-\d\d", r["account_creation_date"])
        assert r["is_retweet"] in ("True", "False")
        assert (r["is_retweet"] == "True") == bool(r["retweet_tweetid"])
        for col in ("hashtags", "urls", "user_mentions"):
            assert list_literal.match(r[col]), (col, r[col])
        assert r["like_count"].endswith(".0")
    user_ids = {u["userid"] for u in _rows(users)}
    assert {r["userid"] for r in rows} <= user_ids


def test_every_format_holds_the_same_posts(runs):
    pq_ids = set(
        pq.read_table(runs["parquet"] / "posts.parquet", columns=["post_id"])["post_id"].to_pylist()
    )
    cnt_ids = {r["message_id"] for r in _rows(runs["cnt-csv"] / "posts.csv")}
    io_ids = {r["tweetid"] for r in _rows(runs["io-archive"] / "tweets.csv")}
    assert pq_ids == cnt_ids == io_ids
    for name in ("truth.csv", "ads.csv"):
        assert (runs["parquet"] / name).read_bytes() == (runs["cnt-csv"] / name).read_bytes()
    docs = [json.loads((runs[f] / "campaigns.json").read_text()) for f in ("parquet", "cnt-csv")]
    for d in docs:
        del d["parameters"]["format"]
    assert docs[0] == docs[1]


def test_truth_covers_every_account(runs):
    truth = _rows(runs["parquet"] / "truth.csv")
    assert _header(runs["parquet"] / "truth.csv") == "account_id,campaign_id,strategy"
    accounts = set(pq.read_table(runs["parquet"] / "accounts.parquet")["account_id"].to_pylist())
    assert [r["account_id"] for r in truth] and {r["account_id"] for r in truth} == accounts
    assert len(truth) == len(accounts)
    doc = json.loads((runs["parquet"] / "campaigns.json").read_text())
    members = {m: (c["campaign_id"], c["strategy"]) for c in doc["campaigns"] for m in c["members"]}
    for r in truth:
        if r["account_id"] in members:
            assert (r["campaign_id"], r["strategy"]) == members[r["account_id"]]
        else:
            assert r["campaign_id"] == "" and r["strategy"] == ""
    assert {c["strategy"] for c in doc["campaigns"]} == {
        "co_repost",
        "link_amplification",
        "copypasta",
        "hashtag_flooding",
        "reply_swarm",
        "synchronized_posting",
        "creation_burst",
        "paid_promotion",
    }
    for c in doc["campaigns"]:
        assert set(c) >= {
            "campaign_id",
            "strategy",
            "members",
            "parameters",
            "time_span",
            "advertiser_ids",
            "posts",
            "cues",
        }


def test_ads_are_promoted_csv_and_attributable(runs):
    path = runs["parquet"] / "ads.csv"
    assert _header(path) == ADS_HEADER
    ads = _rows(path)
    assert ads
    posts = pq.read_table(runs["parquet"] / "posts.parquet", columns=["post_id", "account_id"])
    author = dict(zip(posts["post_id"].to_pylist(), posts["account_id"].to_pylist()))
    doc = json.loads((runs["parquet"] / "campaigns.json").read_text())
    owner = {a: c["campaign_id"] for c in doc["campaigns"] for a in c["advertiser_ids"]}
    organic = set(doc["hard_negatives"]["organic_advertisers"])
    assert owner and organic and not (set(owner) & organic)
    assert any(c["strategy"] == "paid_promotion" and c["advertiser_ids"] for c in doc["campaigns"])
    for ad in ads:
        assert author[ad["post_id"]] == ad["advertiser_id"]
        assert ad["advertiser_id"] in owner or ad["advertiser_id"] in organic
        assert (
            re.fullmatch(r"\d{4}-\d\d-\d\d", ad["start_date"])
            and ad["end_date"] >= ad["start_date"]
        )
        assert re.fullmatch(r"\d+\.\d\d", ad["spend"]) and re.fullmatch(r"[A-Z]{3}", ad["currency"])
        assert int(ad["clicks"]) <= int(ad["impressions"])
        kinds = {c.split(":", 1)[0] for c in ad["targeting"].split(";")}
        assert "location" in kinds and kinds <= TARGETING_KINDS
    assert len({a["ad_id"] for a in ads}) == len(ads)


def test_cnt_csv_and_ads_ingest_cleanly(runs, tmp_path):
    """The readers of the foundation take the files as they are, and normalize links as we do."""
    from ioscope.ingest import ingest
    from ioscope.workspace import Workspace

    with Workspace.open(tmp_path / "ws.duckdb") as ws:
        report = ingest(ws, [runs["cnt-csv"] / "posts.csv", runs["cnt-csv"] / "ads.csv"])
    d = report.to_dict()
    assert [f["format"] for f in d["files"]] == ["cnt-csv", "promoted-csv"]
    assert d["totals"]["rows_quarantined"] == 0 and d["files"][0]["rows_ingested"] == POSTS
    con = duckdb.connect(str(tmp_path / "ws.duckdb"), read_only=True)
    diff = con.execute(f"""SELECT count(*) FROM posts w JOIN '{runs["parquet"] / "posts.parquet"}' p
                           USING (post_id) WHERE w.urls_normalized <> p.urls_normalized
                           OR w.domains <> p.domains""").fetchone()[0]
    assert diff == 0
