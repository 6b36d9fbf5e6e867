"""FiveThirtyEight IRA tweets: the real by-author sample with authors.csv, and the original layout."""

from __future__ import annotations

import gzip

import pytest

from ioscope.ingest import detect_format, ingest
from tests.fixtures.samples.fivethirtyeight import ORIGINAL

FTE = "fivethirtyeight-ira-tweets-by-author"


@pytest.fixture
def fearmonger(shared_data, ws):
    d = shared_data / FTE
    report = ingest(ws, [d / "tweets_Fearmonger.csv.gz", d / "authors.csv"])
    return ws, report


def test_by_author_counts_and_kinds(fearmonger):
    ws, report = fearmonger
    tweets, authors = report.files
    assert tweets.format == authors.format == "fivethirtyeight"
    assert (tweets.rows_read, tweets.rows_ingested, tweets.rows_quarantined) == (11140, 11140, 0)
    assert tweets.posts_new == 11140 and tweets.accounts_new == 125
    assert (authors.rows_read, authors.rows_quarantined, authors.accounts_new) == (2856, 0, 2731)
    kinds = dict(ws.sql("SELECT kind, count(*) FROM posts GROUP BY 1").fetchall())
    assert kinds == {"post": 9671, "repost": 1279, "quote": 190}
    lo, hi = ws.sql("SELECT min(created_at), max(created_at) FROM posts").fetchone()
    assert (str(lo), str(hi)) == ("2014-12-10 08:34:00", "2017-02-13 22:29:00")


def test_retweet_prefix_becomes_target_handle(fearmonger):
    ws, _ = fearmonger
    (row,) = ws.rows("SELECT * FROM posts WHERE target_handle IS NOT NULL")
    assert row["target_handle"] == "PatrioticChoice" and row["kind"] == "repost"
    assert row["text"].startswith("MT @jphilman0206: @HillaryClinton 'No individual")
    assert row["urls"] == ["https://t.co/YTuh7MJ53k"] and row["domains"] == ["t.co"]


def test_authors_join_tweets(fearmonger):
    ws, _ = fearmonger
    assert ws.count("accounts") == 2856
    # every tweet's author is an account, with its hand-coded category as an attribute
    assert (
        ws.sql(
            "SELECT count(*) FROM posts p JOIN accounts a USING (platform, account_id)"
        ).fetchone()[0]
        == 11140
    )
    cats = ws.sql("""SELECT DISTINCT x.value FROM posts p JOIN account_attributes x
                     ON x.platform = p.platform AND x.account_id = p.account_id
                     AND x.name = 'account_category'""").fetchall()
    assert cats == [("Fearmonger",)]
    acc = ws.rows("SELECT * FROM accounts WHERE account_id = '1d_nicole_'")[0]
    assert acc["handle"] == "1D_Nicole_" and acc["followers"] == 40 and acc["post_count"] == 395
    split = ws.rows("SELECT account_id, handle FROM accounts WHERE handle = '4MySquad' ORDER BY 1")
    assert [r["account_id"] for r in split] == ["4mysquad3312143142", "4mysquad4036537452"]


def test_idempotent_and_order_independent(shared_data, fearmonger, tmp_path):
    ws, _ = fearmonger
    d = shared_data / FTE
    snapshot = {
        t: ws.rows(f"SELECT * EXCLUDE (run_id, source_file, source_line) FROM {t} ORDER BY ALL")
        for t in ("posts", "accounts", "account_attributes")
    }
    again = ingest(ws, [d / "tweets_Fearmonger.csv.gz", d / "authors.csv"])
    assert again.totals["posts_new"] == 0 and again.totals["accounts_new"] == 0
    for t, rows in snapshot.items():
        assert (
            ws.rows(f"SELECT * EXCLUDE (run_id, source_file, source_line) FROM {t} ORDER BY ALL")
            == rows
        ), t
    from ioscope.workspace import Workspace

    with Workspace.open(tmp_path / "reverse.duckdb") as other:
        ingest(other, [d / "authors.csv", d / "tweets_Fearmonger.csv.gz"])
        for t, rows in snapshot.items():
            assert (
                other.rows(
                    f"SELECT * EXCLUDE (run_id, source_file, source_line) FROM {t} ORDER BY ALL"
                )
                == rows
            ), t


def test_original_layout(tmp_path, ws):
    f = tmp_path / "IRAhandle_tweets_1.csv.gz"
    with gzip.open(f, "wt", encoding="utf-8") as g:
        g.write(ORIGINAL)
    assert detect_format(str(f)) == "fivethirtyeight"
    (r,) = ingest(ws, [f]).files
    assert (r.rows_read, r.rows_ingested, r.rows_quarantined) == (4, 3, 1)
    posts = {p["post_id"]: p for p in ws.rows("SELECT * FROM posts")}
    first = posts["914580356430536707"]
    assert first["account_id"] == "10_gop" and first["handle"] == "10_GOP"
    assert str(first["created_at"]) == "2017-10-01 19:58:00" and first["kind"] == "post"
    assert first["urls"] == ["https://www.example.com/story?utm_source=tw"]
    assert first["urls_normalized"] == ["https://www.example.com/story"]
    assert first["hashtags"] == ["news"]
    rt1, rt2 = posts["914621840496189440"], posts["914700000000000000"]
    assert rt1["kind"] == rt2["kind"] == "repost"
    assert rt1["target_handle"] == "someone" and rt2["target_handle"] is None
    assert rt1["text"] == rt2["text"] == "Same text everywhere https://t.co/abc"
    attrs = dict(
        ws.sql("SELECT name, value FROM account_attributes WHERE account_id = '10_gop'").fetchall()
    )
    assert attrs["account_category"] == "RightTroll"
    assert attrs["alt_external_id"] == "905874659358453760"
    acc = ws.rows("SELECT * FROM accounts WHERE account_id = '10_gop'")[0]
    assert (acc["followers"], acc["following"], acc["post_count"]) == (9637, 1054, 254)
    (q,) = ws.rows("SELECT * FROM quarantine")
    assert q["field"] == "publish_date" and "not a date" in q["reason"] and q["source_line"] == 5
