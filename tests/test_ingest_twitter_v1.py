"""twitter-v1: API v1.1 tweets as JSON lines or one JSON array."""

from __future__ import annotations

import gzip
import json

import orjson
import pytest

from ioscope.errors import InputFormatError
from ioscope.ingest import detect_format, ingest
from tests.fixtures.samples.twitter_v1 import ORIGINAL, QUOTE, RETWEET_OF_QUOTE, lines_fixture

V1_DIR = "twitter-v1-geotagged-election-2016/election"


def test_v1_lines_kinds_targets_entities(tmp_path, ws):
    f = tmp_path / "tweets.jsonl"
    f.write_bytes(b"\n".join(lines_fixture()) + b"\n")
    assert detect_format(str(f)) == "twitter-v1"
    (r,) = ingest(ws, [f]).files
    # the delete notice (line 6) is a compliance event, not a quarantined record
    assert (r.rows_read, r.rows_ingested, r.rows_quarantined) == (10, 7, 3)
    posts = {p["post_id"]: p for p in ws.rows("SELECT * FROM posts")}
    assert set(posts) == {"1", "2", "3", "4", "5", "6"}
    rt = posts["3"]
    assert (rt["kind"], rt["target_post_id"], rt["target_account_id"], rt["target_handle"]) == (
        "repost",
        "2",
        "103",
        "carol",
    )
    assert rt["text"] == "Look at this" and rt["mentions"] == []
    assert posts["2"]["kind"] == "quote" and posts["2"]["target_account_id"] == "102"
    assert posts["1"]["urls"] == ["https://News.example.com/a?utm_source=tw"]
    assert posts["1"]["urls_normalized"] == ["https://news.example.com/a"]
    assert posts["1"]["hashtags"] == ["vote"] and posts["1"]["client"] == "Twitter for iPhone"
    long = posts["4"]
    assert long["text"] == "The full long text #Long @bob"
    assert long["hashtags"] == ["long"] and long["mentions"] == ["bob"] and long["urls"] == []
    assert posts["5"]["kind"] == "reply" and posts["5"]["target_post_id"] == "4"
    assert posts["5"]["target_handle"] == "alice" and posts["5"]["mentions"] == ["alice"]
    manual = posts["6"]
    assert (manual["kind"], manual["target_handle"], manual["text"]) == (
        "repost",
        "dave",
        "old style retweet",
    )
    assert posts["1"]["like_count"] == 3 and str(posts["1"]["created_at"]) == "2016-11-05 01:22:44"
    q = {x["source_line"]: x["reason"] for x in ws.rows("SELECT * FROM quarantine")}
    assert set(q) == {7, 8, 10}
    assert "malformed JSON" in q[7] and "array" in q[8]
    assert ws.sql(
        "SELECT object_kind, object_id, action, source_line FROM compliance_events"
    ).fetchall() == [("post", "9", "delete", 6)]
    assert q[10] == "missing account id"
    acc = {a["account_id"]: a for a in ws.rows("SELECT * FROM accounts")}
    assert set(acc) == {"101", "102", "103"}
    assert acc["101"]["followers"] == 10 and acc["101"]["profile_url"] == "https://example.org/me"
    assert str(acc["101"]["created_at"]) == "2015-01-18 15:50:54"
    # the quoted original is collected too, so nothing is left only referenced
    assert ws.count("referenced_posts") == 0 and ws.count("referenced_accounts") == 0


def test_v1_embedded_statuses_are_referenced(tmp_path, ws):
    f = tmp_path / "rt.jsonl"
    f.write_bytes(orjson.dumps(RETWEET_OF_QUOTE) + b"\n")
    ingest(ws, [f])
    assert ws.count("posts") == 1 and ws.count("accounts") == 1
    refs = {p["post_id"]: p for p in ws.rows("SELECT * FROM referenced_posts")}
    assert set(refs) == {"1", "2"} and refs["2"]["kind"] == "quote"
    assert refs["1"]["hashtags"] == ["vote"]
    assert {a["account_id"] for a in ws.rows("SELECT * FROM referenced_accounts")} == {"102", "103"}


def test_v1_array_gives_the_same_tables(tmp_path, ws_path):
    from ioscope.workspace import Workspace

    good = [orjson.loads(x) for x in lines_fixture()[:5]]
    lines, array = tmp_path / "a.jsonl", tmp_path / "a.json.gz"
    lines.write_bytes(b"\n".join(orjson.dumps(t) for t in good))
    with gzip.open(array, "wb") as g:
        g.write(json.dumps([{"_id": {"$oid": "x"}, **t} for t in good], indent=2).encode())
    cols = "* EXCLUDE (source_file, source_line, run_id)"
    out = []
    for f in (lines, array):
        with Workspace.open(tmp_path / f"{f.name}.duckdb") as ws:
            assert ingest(ws, [f]).files[0].format == "twitter-v1"
            out.append(ws.rows(f"SELECT {cols} FROM posts ORDER BY post_id"))
            assert [
                r["source_line"] for r in ws.rows("SELECT source_line FROM posts ORDER BY post_id")
            ] == [1, 2, 3, 4, 5]
    assert out[0] == out[1] and len(out[0]) == 5


def test_v1_truncated_array_is_a_clear_error(tmp_path, ws):
    f = tmp_path / "cut.json"
    f.write_bytes(orjson.dumps([ORIGINAL, QUOTE])[:-40])
    with pytest.raises(InputFormatError, match="cut.json.*malformed JSON array"):
        ingest(ws, [f], format="twitter-v1")
    assert ws.count("posts") == 0


def test_v1_real_sample(shared_data, ws):
    files = sorted((shared_data / V1_DIR).glob("*.json.gz"))
    assert len(files) == 22
    rep = ingest(ws, files)
    assert {f.format for f in rep.files} == {"twitter-v1"}
    t = rep.totals
    assert (t["rows_read"], t["rows_ingested"], t["rows_quarantined"]) == (9244, 9244, 0)
    # expectations computed independently from the raw records
    raw = [tw for f in files for tw in orjson.loads(gzip.decompress(f.read_bytes()))]
    ids = {tw["id_str"] for tw in raw}
    quoted = {tw["quoted_status"]["id_str"] for tw in raw if "quoted_status" in tw} - ids
    kinds = dict(ws.sql("SELECT kind, count(*) FROM posts GROUP BY 1").fetchall())
    assert kinds == {"post": 4504, "quote": 2933, "reply": 1807}  # 6 replies that quote are quotes
    assert ws.count("posts") == len(ids) == 9244
    assert ws.count("accounts") == 6228
    assert (
        ws.sql(
            "SELECT count(*) FROM accounts WHERE created_at IS NULL OR followers IS NULL "
            "OR display_name IS NULL"
        ).fetchall()[0][0]
        == 0
    )
    assert ws.count("referenced_posts") == len(quoted)
    extended = {
        tw["id_str"]: tw["extended_tweet"]["full_text"] for tw in raw if "extended_tweet" in tw
    }
    got = dict(ws.sql("SELECT post_id, text FROM posts").fetchall())
    assert len(extended) == 580 and all(got[k] == v for k, v in extended.items())
    lo, hi = ws.sql("SELECT min(created_at), max(created_at) FROM posts").fetchall()[0]
    assert (str(lo), str(hi)) == ("2016-11-04 23:14:48", "2016-11-11 06:57:54")
    bad = ws.sql("SELECT count(*) FROM posts WHERE list_contains(domains, 't.co')").fetchall()
    assert bad[0][0] == 0  # expanded_url everywhere, never the t.co wrapper
