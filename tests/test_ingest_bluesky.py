"""bluesky: AppView feeds and searches, Jetstream events, repository records, tables."""

from __future__ import annotations

import orjson
import pytest

from ioscope.ingest import detect_format, ingest
from tests.fixtures.samples.bluesky import (
    ALICE,
    BOB,
    BOB_POST,
    CAROL,
    CAROL_POST,
    DAVE,
    DAVE_REC,
    PLAIN,
    QUOTE,
    QUOTE_MEDIA,
    REPLY,
    author_feed,
    jetstream,
    record,
    uri,
    view,
)

BS = "bluesky-samples"


def test_bluesky_author_feed(tmp_path, ws):
    f = tmp_path / "feed.jsonl"
    f.write_bytes(orjson.dumps(author_feed()) + b"\n")
    assert detect_format(str(f)) == "bluesky"
    (r,) = ingest(ws, [f]).files
    assert (r.rows_read, r.rows_ingested, r.rows_quarantined) == (6, 6, 0)
    p = {x["post_id"]: x for x in ws.rows("SELECT * FROM posts")}
    plain = p[PLAIN["uri"]]
    assert plain["account_id"] == ALICE and plain["handle"] == "alice.bsky.social"
    assert plain["hashtags"] == ["vote"] and plain["mentions"] == ["bob.bsky.social"]
    assert plain["urls"] == ["https://ex.am/ple?utm_source=bsky", "https://card.example.org/x"]
    assert plain["domains"] == ["ex.am", "example.org"]
    assert (plain["like_count"], plain["repost_count"], plain["quote_count"]) == (4, 3, 1)
    assert str(plain["created_at"]) == "2024-11-14 09:17:52.738000" and plain["language"] == "en"
    rp = p[uri(ALICE, "r1", "app.bsky.feed.repost")]
    assert (
        rp["kind"],
        rp["account_id"],
        rp["target_post_id"],
        rp["target_account_id"],
        rp["target_handle"],
    ) == ("repost", ALICE, CAROL_POST["uri"], CAROL, "carol.bsky.social")
    assert rp["text"] == "Carol's words #News" and rp["hashtags"] == ["news"]
    assert str(rp["created_at"]) == "2024-11-15 10:00:00"
    assert f"repost:{ALICE}:{BOB_POST['uri']}" in p  # no reason.uri: a stable synthetic id
    reply = p[REPLY["uri"]]
    assert (
        reply["kind"],
        reply["target_post_id"],
        reply["target_account_id"],
        reply["target_handle"],
    ) == ("reply", BOB_POST["uri"], BOB, "bob.bsky.social")
    for q in (QUOTE, QUOTE_MEDIA):
        got = p[q["uri"]]
        assert (
            got["kind"],
            got["target_post_id"],
            got["target_account_id"],
            got["target_handle"],
        ) == ("quote", DAVE_REC["uri"], DAVE, "dave.example.com")
    refs = {x["post_id"]: x for x in ws.rows("SELECT * FROM referenced_posts")}
    assert set(refs) == {CAROL_POST["uri"], BOB_POST["uri"], DAVE_REC["uri"]}
    assert refs[DAVE_REC["uri"]]["text"] == "Dave said so"
    assert {a["account_id"] for a in ws.rows("SELECT * FROM accounts")} == {ALICE}
    (a,) = ws.rows("SELECT * FROM accounts")
    assert a["display_name"] == "Alice" and str(a["created_at"]) == "2023-05-01 00:00:00"
    assert {a["account_id"] for a in ws.rows("SELECT * FROM referenced_accounts")} == {
        BOB,
        CAROL,
        DAVE,
    }


def test_bluesky_search_page_equals_feed_posts(tmp_path, ws):
    f = tmp_path / "search.json"
    f.write_bytes(orjson.dumps({"posts": [PLAIN, QUOTE], "cursor": "25", "hitsTotal": 2}))
    (r,) = ingest(ws, [f], format="bluesky").files
    assert (r.rows_read, r.rows_ingested) == (2, 2)
    kinds = dict(ws.sql("SELECT post_id, kind FROM posts").fetchall())
    assert kinds == {PLAIN["uri"]: "post", QUOTE["uri"]: "quote"}


def test_bluesky_jetstream(tmp_path, ws):
    f = tmp_path / "jetstream.jsonl"
    f.write_bytes(b"\n".join(orjson.dumps(e) for e in jetstream()) + b"\nnot json\n")
    assert detect_format(str(f)) == "bluesky"
    (r,) = ingest(ws, [f]).files
    assert (r.rows_read, r.rows_ingested, r.rows_quarantined) == (6, 2, 4)
    p = {x["post_id"]: x for x in ws.rows("SELECT * FROM posts")}
    post = p[uri(CAROL, "j1")]
    assert post["text"] == "from the firehose #Jet" and post["hashtags"] == ["jet"]
    assert post["account_id"] == CAROL
    rp = p[uri(CAROL, "j2", "app.bsky.feed.repost")]
    assert (rp["kind"], rp["target_post_id"], rp["target_account_id"]) == (
        "repost",
        PLAIN["uri"],
        ALICE,
    )
    assert str(rp["created_at"]) == "2024-09-09 19:46:02.102000"
    reasons = [x["reason"] for x in ws.rows("SELECT reason FROM quarantine ORDER BY source_line")]
    assert "app.bsky.feed.like" in reasons[0] and "delete" in reasons[1]
    assert "identity" in reasons[2] and "malformed JSON" in reasons[3]


def test_bluesky_repository_records(tmp_path, ws):
    f = tmp_path / "records.json"
    f.write_bytes(
        orjson.dumps(
            {
                "records": [
                    {"uri": PLAIN["uri"], "cid": "c", "value": PLAIN["record"]},
                    {
                        "uri": uri(ALICE, "l1", "app.bsky.feed.like"),
                        "cid": "c",
                        "value": {"$type": "app.bsky.feed.like", "subject": {"uri": "x"}},
                    },
                ]
            }
        )
    )
    (r,) = ingest(ws, [f], format="bluesky").files
    assert (r.rows_read, r.rows_ingested, r.rows_quarantined) == (2, 1, 1)
    (p,) = ws.rows("SELECT * FROM posts")
    assert p["account_id"] == ALICE and p["mentions"] == ["bob.bsky.social"]
    assert "like" in ws.rows("SELECT reason FROM quarantine")[0]["reason"]


def test_bluesky_mentions_without_facets_keep_dotted_handles(tmp_path, ws):
    rec = view(ALICE, "alice.bsky.social", "n1", record("cc @robot-rosie.bsky.social and @x.com!"))
    f = tmp_path / "nofacets.json"
    f.write_bytes(orjson.dumps([rec]))
    ingest(ws, [f], format="bluesky")
    assert ws.rows("SELECT mentions FROM posts")[0]["mentions"] == [
        "robot-rosie.bsky.social",
        "x.com",
    ]


POST_TABLES = {
    "part01_posts.parquet": (8959, 1),
    "part02_archive.parquet": (1413, 15),
    "part04_engagement_summary.csv": (241, 2),
    "part06_corpus.parquet": (498, 6),
    "part07_media_summary.csv": (810, 6),
    "part08_posts.csv": (150, 1),
    "part08_gold_labels.csv": (60, 1),
    "part09_feed_posts.parquet": (749, 426),
}
ACCOUNT_TABLES = {"part01_followers.csv": 1713, "part01_follows.csv": 116, "part03_nodes.csv": 101}
NOT_POSTS = (
    "part03_edges.csv",
    "part04_case_study_likes.csv",
    "part05_daily_counts.csv",
    "part07_images_manifest.csv",
    "part10_stream_sample.csv",
    "part10_stream_summary.csv",
)


def test_bluesky_sample_post_tables(shared_data, ws_path):
    from ioscope.workspace import Workspace

    d = shared_data / BS
    for name, (rows, authors) in POST_TABLES.items():
        with Workspace.open(ws_path.with_name(name + ".duckdb")) as ws:
            assert detect_format(str(d / name)) == "bluesky", name
            (r,) = ingest(ws, [d / name]).files
            dup = 3 if name == "part09_feed_posts.parquet" else 0  # three posts in two feeds
            assert (r.rows_read, r.rows_ingested, r.rows_duplicate, r.rows_quarantined) == (
                rows,
                rows - dup,
                dup,
                0,
            ), name
            assert (
                ws.sql("SELECT count(DISTINCT account_id) FROM posts").fetchall()[0][0] == authors
            )
            assert (
                ws.sql(
                    "SELECT count(*) FROM posts WHERE post_id NOT LIKE 'at://did:%' "
                    "OR account_id NOT LIKE 'did:%'"
                ).fetchall()[0][0]
                == 0
            )
            if name == "part09_feed_posts.parquet":
                assert ws.count("posts") == 746  # three posts appear in two feeds
            if name == "part02_archive.parquet":
                # mentions are DIDs in the table: handles come from the text instead
                assert (
                    ws.sql("SELECT count(*) FROM posts WHERE len(mentions) > 0").fetchall()[0][0]
                    > 0
                )
                assert (
                    ws.sql(
                        "SELECT count(*) FROM posts WHERE list_bool_or(list_transform("
                        "mentions, lambda m: m LIKE 'did:%'))"
                    ).fetchall()[0][0]
                    == 0
                )
                assert (
                    ws.sql("SELECT count(*) FROM posts WHERE len(urls) > 0").fetchall()[0][0] == 747
                )
                assert (
                    ws.sql("SELECT count(*) FROM posts WHERE len(hashtags) > 0").fetchall()[0][0]
                    == 179
                )
            if name == "part07_media_summary.csv":
                assert (
                    ws.sql("SELECT count(*) FROM posts WHERE len(urls) > 0").fetchall()[0][0] == 625
                )


def test_bluesky_sample_accounts_and_refusals(shared_data, ws):
    d = shared_data / BS
    for name, n in ACCOUNT_TABLES.items():
        (r,) = ingest(ws, [d / name]).files
        assert (r.format, r.rows_read, r.rows_ingested) == ("bluesky", n, n)
    (ny,) = ws.rows("SELECT * FROM accounts WHERE handle = 'nytimes.com'")
    assert (ny["account_id"], ny["followers"], ny["following"], ny["post_count"]) == (
        "did:plc:eclio37ymobqex2ncko63h4r",
        1326483,
        116,
        37642,
    )
    for name in NOT_POSTS:
        with pytest.raises(Exception) as e:
            ingest(ws, [d / name], format="bluesky")
        assert type(e.value).__name__ == "SchemaError" and name in str(e.value)
