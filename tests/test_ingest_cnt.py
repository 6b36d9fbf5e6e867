"""cnt-csv details: repost prefixes, in-file duplicates (first occurrence wins)."""

from __future__ import annotations

from ioscope.ingest import ingest

ROWS = """message_id,user_id,username,repost_id,reply_id,message,timestamp,urls
1,u1,alice,,,Hello world #x,1600000000,
2,u2,bob,1,,RT @alice: Hello world #x,1600000030,
3,u3,carol,1,,Hello world #x,1600000040,
2,u2,bob,1,,a later copy of the same id,1600000050,
4,u4,dave,,,RT @alice: a post that quotes by hand,1600000060,
"""


def test_repost_prefix_and_duplicates(tmp_path, ws):
    f = tmp_path / "cnt.csv"
    f.write_text(ROWS)
    (r,) = ingest(ws, [f]).files
    # the second row of id 2 is a duplicate: read, counted, not ingested again
    assert (r.rows_read, r.rows_ingested, r.rows_duplicate, r.rows_quarantined, r.posts_new) == (
        5,
        4,
        1,
        0,
        4,
    )
    p = {x["post_id"]: x for x in ws.rows("SELECT * FROM posts")}
    assert p["2"]["text"] == p["3"]["text"] == p["1"]["text"] == "Hello world #x"
    assert (p["2"]["target_handle"], p["3"]["target_handle"]) == ("alice", None)
    assert p["2"]["source_line"] == 3  # the first occurrence of id 2
    assert p["4"]["kind"] == "post" and p["4"]["text"].startswith("RT @alice:")
    assert p["4"]["mentions"] == ["alice"] and p["2"]["mentions"] == []
