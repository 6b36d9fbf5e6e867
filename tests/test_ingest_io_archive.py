"""Twitter Information Operations archive: a fixture built from the published 31-column schema."""

from __future__ import annotations

import csv
import gzip

import pytest

from ioscope.ingest import detect_format, ingest
from ioscope.ingest.formats.io_archive import TWEET_COLUMNS, USER_COLUMNS
from tests.fixtures.samples.io_archive import ANNA, HASH, HASHED, NO_ID, PAT, TWEETS


def _write(path, columns, rows, gz=False):
    opener = gzip.open if gz else open
    with opener(path, "wt", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, columns, restval="")
        w.writeheader()
        w.writerows(rows)
    return path


@pytest.fixture
def archive(tmp_path, ws):
    tweets = _write(
        tmp_path / "ira_tweets_csv_hashed.csv.gz",
        TWEET_COLUMNS,
        [{**u, **t} for u, t in TWEETS],
        gz=True,
    )
    users = _write(tmp_path / "ira_users_csv_hashed.csv", USER_COLUMNS, [ANNA, HASH, PAT, NO_ID])
    assert detect_format(str(tweets)) == detect_format(str(users)) == "io-archive"
    return ws, ingest(ws, [tweets, users])


def test_counts(archive):
    ws, report = archive
    tweets, users = report.files
    # one tweet id appears twice: the second is counted as a duplicate, not as ingested
    assert (
        tweets.rows_read,
        tweets.rows_ingested,
        tweets.rows_duplicate,
        tweets.rows_quarantined,
    ) == (7, 5, 1, 1)
    assert tweets.posts_new == 5
    assert (users.rows_read, users.rows_ingested, users.rows_quarantined) == (4, 3, 1)
    assert ws.count("accounts") == 4
    q = {(r["source_file"][-6:], r["source_line"]): r for r in ws.rows("SELECT * FROM quarantine")}
    assert set(q) == {("csv.gz", 8), ("ed.csv", 6)}
    assert q["csv.gz", 8]["field"] == "tweet_time" and "yesterday" in q["csv.gz", 8]["reason"]
    assert q["ed.csv", 6]["field"] == "account_id"  # users file: the record without a userid


def test_posts_mapping(archive):
    ws, _ = archive
    p = {r["post_id"]: r for r in ws.rows("SELECT * FROM posts")}
    assert p["501"]["kind"] == "post" and p["501"]["client"] == "Twitter Web Client"
    assert p["501"]["hashtags"] == ["syria", "news"] and p["501"]["source_line"] == 2
    assert p["501"]["urls_normalized"] == ["https://example.com/a"]
    assert (
        p["501"]["like_count"],
        p["501"]["repost_count"],
        p["501"]["reply_count"],
        p["501"]["quote_count"],
    ) == (3, 4, 2, 1)
    assert str(p["501"]["created_at"]) == "2016-05-01 10:00:00"
    rt = p["502"]
    assert (rt["kind"], rt["target_post_id"], rt["target_account_id"], rt["target_handle"]) == (
        "repost",
        "501",
        "1001",
        "anna_p",
    )
    assert rt["text"] == p["501"]["text"] and rt["account_id"] == HASHED
    reply = p["503"]
    assert (reply["kind"], reply["target_post_id"], reply["target_account_id"]) == (
        "reply",
        "501",
        "1001",
    )
    assert reply["mentions"] == ["anna_p"] and reply["hashtags"] == ["truth"]
    assert reply["text"] == "@anna_p so true,\nsad #truth"
    quote = p["504"]
    assert (quote["kind"], quote["target_post_id"]) == ("quote", "999")
    assert quote["hashtags"] == ["news", "syria"] and quote["domains"] == ["bbc.co.uk"]
    assert quote["source_line"] == 7  # after the three-line record
    assert p["506"]["source_line"] == 10 and p["506"]["language"] == "es"


def test_accounts_from_users_and_tweets(archive):
    ws, _ = archive
    a = {r["account_id"]: r for r in ws.rows("SELECT * FROM accounts")}
    anna = a["1001"]
    assert (anna["handle"], anna["location"], anna["language"], anna["followers"]) == (
        "anna_p",
        "Moscow, Russia",
        "ru",
        1520,
    )
    assert str(anna["created_at"]) == "2014-03-02 00:00:00"
    assert anna["source_file"].endswith("users_csv_hashed.csv")  # the users file is the profile
    assert a["1003"]["source_file"].endswith("tweets_csv_hashed.csv.gz")  # nothing new in it
    assert a["1003"]["display_name"] == 'Pat "The Patriot" Lee'
    assert a["1003"]["description"] == "Line one\nline two"
    other = a["2001"]  # known only from its tweet: the tweet row's user columns
    assert (other["handle"], other["followers"], other["language"]) == ("other", 7, "es")


def test_reingest_changes_nothing(tmp_path, archive):
    ws, _ = archive
    before = {t: ws.rows(f"SELECT * FROM {t} ORDER BY ALL") for t in ("posts", "accounts")}
    again = ingest(
        ws, [tmp_path / "ira_tweets_csv_hashed.csv.gz", tmp_path / "ira_users_csv_hashed.csv"]
    )
    assert again.totals["posts_new"] == again.totals["accounts_new"] == 0
    assert {t: ws.rows(f"SELECT * FROM {t} ORDER BY ALL") for t in before} == before
