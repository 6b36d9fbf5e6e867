"""twitter-v2: twarc2 pages (flattened or not), users lookups, and what is not tweets."""

from __future__ import annotations

import orjson
import pytest

from ioscope.errors import SchemaError, UnknownFormatError
from ioscope.ingest import detect_format, ingest
from ioscope.workspace import Workspace
from tests.fixtures.samples.twitter_v2 import ORIG, RT, USERS, flattened, page, tweet

TWARC = "twitter-v2-twarc-fixtures"
NOT_POSTS = (
    "counts.jsonl.gz",
    "lists.jsonl.gz",
    "tweets_compliance.jsonl.gz",
    "users_compliance.jsonl.gz",
)
#: files that are neither posts nor compliance events: refused before anything is read
NOT_RECORDS = ("counts.jsonl.gz", "lists.jsonl.gz")


def table_rows(ws: Workspace) -> dict:
    cols = "* EXCLUDE (source_file, source_line, run_id)"
    return {
        t: ws.rows(f"SELECT {cols} FROM {t} ORDER BY ALL")
        for t in ("posts", "accounts", "referenced_posts", "referenced_accounts")
    }


def test_v2_page_kinds_targets_and_entities(tmp_path, ws):
    f = tmp_path / "page.jsonl"
    f.write_bytes(orjson.dumps(page()) + b"\n" + b'{"errors": [{"title": "x"}]}\n')
    assert detect_format(str(f)) == "twitter-v2"
    (r,) = ingest(ws, [f]).files
    assert (r.rows_read, r.rows_ingested, r.rows_quarantined) == (4, 4, 0)
    p = {x["post_id"]: x for x in ws.rows("SELECT * FROM posts")}
    rt = p["20"]
    assert (rt["kind"], rt["target_post_id"], rt["target_account_id"], rt["target_handle"]) == (
        "repost",
        "10",
        "1",
        "alice",
    )
    assert rt["text"] == "Original #Tag https://t.co/x" and rt["mentions"] == []
    assert rt["hashtags"] == ["tag"] and rt["urls"] == ["https://example.com/a?fbclid=1"]
    assert rt["urls_normalized"] == ["https://example.com/a"]  # the photo link is not a URL share
    assert p["30"]["kind"] == "quote" and p["30"]["target_post_id"] == "10"
    assert p["40"]["kind"] == "reply" and p["40"]["target_account_id"] == "3"
    assert p["40"]["target_handle"] == "carol"
    assert p["50"]["text"] == "The long note text #Note" and p["50"]["hashtags"] == ["note"]
    assert (rt["like_count"], rt["repost_count"], rt["view_count"], rt["client"]) == (
        3,
        1,
        50,
        "Twitter Web App",
    )
    assert {a["account_id"] for a in ws.rows("SELECT * FROM accounts")} == {"2", "3"}
    assert ws.rows(
        "SELECT followers, following, post_count FROM accounts WHERE account_id = '2'"
    ) == [{"followers": 5, "following": 6, "post_count": 7}]
    assert [x["post_id"] for x in ws.rows("SELECT * FROM referenced_posts")] == ["10"]
    assert {a["account_id"] for a in ws.rows("SELECT * FROM referenced_accounts")} == {"1", "4"}


def test_v2_flattened_equals_pages(tmp_path):
    a, b = tmp_path / "noflat.jsonl", tmp_path / "flat.jsonl"
    a.write_bytes(orjson.dumps(page()) + b"\n")
    b.write_bytes(b"\n".join(orjson.dumps(t) for t in flattened()) + b"\n")
    got = []
    for f in (a, b):
        with Workspace.open(tmp_path / (f.stem + ".duckdb")) as ws:
            assert detect_format(str(f)) == "twitter-v2"
            ingest(ws, [f])
            got.append(table_rows(ws))
    # flattened output has no user for an unmentioned, non-authoring 'dave'
    got[0]["referenced_accounts"] = [
        r for r in got[0]["referenced_accounts"] if r["account_id"] != "4"
    ]
    assert got[0] == got[1]


def test_v2_bad_lines_and_items_are_quarantined(tmp_path, ws):
    f = tmp_path / "mixed.jsonl"
    lines = [
        orjson.dumps(
            {
                "data": [RT, {"start": "x", "end": "y", "tweet_count": 3}, 7],
                "includes": {"users": USERS, "tweets": [ORIG]},
            }
        ),
        b'{"data": {"id": "99", "author_id": "2", "text": "cut',
        b'"just a string"',
        orjson.dumps({"data": tweet("60", "2", "no time", created_at=None)}),
    ]
    f.write_bytes(b"\n".join(lines))
    (r,) = ingest(ws, [f]).files
    assert (r.rows_read, r.rows_ingested, r.rows_quarantined) == (6, 1, 5)
    q = sorted((x["source_line"], x["reason"]) for x in ws.rows("SELECT * FROM quarantine"))
    assert [line for line, _ in q] == [1, 1, 2, 3, 4]
    reasons = " | ".join(r for _, r in q)
    for part in (
        "tweet-counts",
        "a JSON number",
        "malformed JSON",
        "a JSON string",
        "missing or unparseable time",
    ):
        assert part in reasons


@pytest.mark.parametrize("name", NOT_RECORDS)
def test_v2_not_posts_are_refused(shared_data, ws, name):
    """Tweet counts and lists are refused when the inputs are classified, before any work (the
    compliance files are read as compliance events: tests/test_ingest_batch.py)."""
    f = shared_data / TWARC / name
    assert detect_format(str(f)) == "twitter-v2"
    with pytest.raises(
        UnknownFormatError, match="tweet counts, not posts|Twitter lists, not posts"
    ):
        ingest(ws, [f])
    assert ws.count("runs") == 0
    with pytest.raises(SchemaError, match="not tweets or users"):  # the reader, named, refuses too
        ingest(ws, [f], format="twitter-v2")


def test_v2_real_fixture_counts(shared_data, ws_path):
    d = shared_data / TWARC
    expected = {
        "brexit": 100,
        "kpop": 100,
        "2sets": 200,
        "entities_test": 474,
        "flat": 100,
        "noflat": 100,
        "withheld": 215,
        "media_policy_violation_on": 100,
        "media_policy_violation_off": 100,
    }
    with Workspace.open(ws_path) as ws:
        for name, n in expected.items():
            rep = ingest(ws, [d / f"{name}.jsonl.gz"])
            assert rep.files[0].format == "twitter-v2"
            assert (rep.totals["rows_read"], rep.totals["rows_quarantined"]) == (n, 0), name

        def ids(name: str) -> set:
            return {
                r[0]
                for r in ws.sql(
                    "SELECT post_id FROM posts WHERE source_file LIKE ?", [f"%/{name}.jsonl.gz"]
                ).fetchall()
            }

        # posts first seen in brexit/kpop keep that source; 2sets adds nothing new
        assert len(ids("brexit") | ids("kpop")) == 200 and not ids("2sets")

        def authors(name: str) -> int:
            return ws.sql(
                "SELECT count(DISTINCT account_id) FROM posts WHERE source_file LIKE ?",
                [f"%/{name}.jsonl.gz"],
            ).fetchall()[0][0]

        assert authors("entities_test") == 425 and authors("withheld") == 107
        assert authors("media_policy_violation_on") == 1
        # six authors were suspended, so the page's includes have no user for them
        no_handle = ws.sql(
            "SELECT DISTINCT source_file, source_line FROM posts WHERE handle IS NULL"
        )
        assert [(f.rsplit("/", 1)[1], n) for f, n in no_handle.fetchall()] == [
            ("withheld.jsonl.gz", 5)
        ]
        assert (
            ws.sql("SELECT count(*) FROM accounts WHERE created_at IS NULL").fetchall()[0][0] == 6
        )


def test_v2_flat_and_noflat_fixtures_give_identical_tables(shared_data, tmp_path):
    got = []
    for name in ("flat", "noflat"):
        with Workspace.open(tmp_path / f"{name}.duckdb") as ws:
            ingest(ws, [shared_data / TWARC / f"{name}.jsonl.gz"])
            got.append(table_rows(ws))
    assert got[0] == got[1]
    assert [len(got[0][t]) for t in got[0]] == [100, 96, 64, 82]


def test_v2_streaming_error_line_and_users_lookup(shared_data, ws):
    rep = ingest(ws, [shared_data / TWARC / "streaming_output_with_error.jsonl.gz"])
    r = rep.files[0]
    assert (r.rows_read, r.rows_ingested, r.rows_quarantined) == (8, 7, 1)
    (q,) = ws.rows("SELECT * FROM quarantine")
    assert q["source_line"] == 8 and q["reason"].startswith("malformed JSON")
    assert '"author_id": "1021159080151404544"' in q["raw"]
    rep = ingest(ws, [shared_data / TWARC / "users.jsonl.gz"])
    r = rep.files[0]
    assert (r.rows_read, r.rows_ingested, r.rows_quarantined) == (96, 96, 0)
    assert r.accounts_new == 91 and r.posts_new == 0 and r.referenced_posts_new == 52


def test_v2_all_fixtures_hold_1109_unique_tweets(shared_data, ws):
    files = [
        f
        for f in sorted((shared_data / TWARC).glob("*.gz"))
        if f.name not in NOT_POSTS and f.name != "empty.json.gz"
    ]
    rep = ingest(ws, files)
    t = rep.totals
    assert t["rows_read"] == t["rows_ingested"] + t["rows_duplicate"] + t["rows_quarantined"]
    assert ws.count("posts") == 1109
