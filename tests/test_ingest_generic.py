"""Generic csv and parquet readers: column mappings, conversions, errors, the simulator's parquet."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from ioscope.cli.main import app
from ioscope.errors import MissingColumnError, UsageError
from ioscope.ingest import detect_format, ingest, parse_mapping

MAPPED = """id,user,name,when,body,type,tags,links,likes
p1,u1,Alice,2020-09-13T12:26:40Z,first post #x,tweet,a;b,"http://a.com/x,https://b.com/?utm_medium=s",5
p2,u2,Bob,1600000100,same words,retweet,,,
p3,u1,Alice,9/13/2020 12:30,a comment,comment,"[c, d]",[],"1,234"
p4,u3,Carol,soon,bad time,post,,,
"""
MAP = (
    "post_id=id,account_id=user,handle=name,created_at=when,text=body,kind=type,"
    "hashtags=tags,urls=links,like_count=likes"
)


@pytest.fixture
def mapped_csv(tmp_path):
    f = tmp_path / "export.csv"
    f.write_text(MAPPED)
    return f


def test_mapped_csv(mapped_csv, ws):
    (r,) = ingest(
        ws, [mapped_csv], format="csv", mapping=parse_mapping(MAP), platform="twitter"
    ).files
    assert (r.rows_read, r.rows_ingested, r.rows_quarantined) == (4, 3, 1)
    p = {x["post_id"]: x for x in ws.rows("SELECT * FROM posts")}
    assert str(p["p1"]["created_at"]) == "2020-09-13 12:26:40"
    assert str(p["p2"]["created_at"]) == "2020-09-13 12:28:20"
    assert str(p["p3"]["created_at"]) == "2020-09-13 12:30:00"
    assert [p[k]["kind"] for k in ("p1", "p2", "p3")] == ["post", "repost", "reply"]
    assert p["p1"]["hashtags"] == ["a", "b"] and p["p3"]["hashtags"] == ["c", "d"]
    assert p["p2"]["hashtags"] == []  # the mapped column is the source's list, even when empty
    assert p["p1"]["urls"] == ["http://a.com/x", "https://b.com/?utm_medium=s"]
    assert p["p1"]["urls_normalized"] == ["http://a.com/x", "https://b.com"]
    assert (p["p1"]["like_count"], p["p3"]["like_count"]) == (5, 1234)
    assert p["p1"]["platform"] == "twitter" and p["p1"]["handle"] == "Alice"
    (q,) = ws.rows("SELECT * FROM quarantine")
    assert (q["source_line"], q["field"]) == (5, "when") and "'soon'" in q["reason"]
    assert ws.count("accounts") == 2  # the author of the quarantined row is not collected


def test_unknown_source_column_names_file_and_column(mapped_csv, ws):
    with pytest.raises(MissingColumnError, match=r"export\.csv.*'nope'"):
        ingest(ws, [mapped_csv], format="csv", mapping={"post_id": "nope"}, platform="x")
    with pytest.raises(UsageError, match="'poster' is not a canonical column"):
        ingest(ws, [mapped_csv], format="csv", mapping={"poster": "id"}, platform="x")
    with pytest.raises(UsageError, match="--platform"):
        ingest(ws, [mapped_csv], format="csv", mapping=parse_mapping(MAP))
    with pytest.raises(MissingColumnError, match="needs 'created_at'"):
        ingest(
            ws,
            [mapped_csv],
            format="csv",
            mapping={"post_id": "id", "account_id": "user"},
            platform="x",
        )
    assert ws.count("posts") == 0 and ws.count("runs") == 0


def test_accounts_csv_and_canonical_header_sniffed(tmp_path, ws):
    acc = tmp_path / "users.csv"
    acc.write_text("uid,screen,fans,since\n10,ann,1200,2019-01-02\n11,ben,,\n,nobody,1,\n")
    (r,) = ingest(
        ws,
        [acc],
        format="csv",
        platform="bluesky",
        mapping=parse_mapping("account_id=uid,handle=screen,followers=fans,created_at=since"),
    ).files
    assert (r.rows_read, r.rows_ingested, r.rows_quarantined, r.accounts_new) == (3, 2, 1, 2)
    a = {x["account_id"]: x for x in ws.rows("SELECT * FROM accounts")}
    assert a["10"]["followers"] == 1200 and str(a["10"]["created_at"]) == "2019-01-02 00:00:00"
    assert a["11"]["followers"] is None and a["10"]["platform"] == "bluesky"
    canon = tmp_path / "canonical.csv"
    canon.write_text(
        "platform,post_id,account_id,created_at,kind,text,mentions\n"
        "mastodon,1,10,2021-01-01 00:00:00,post,hi @x,x y\n"
    )
    assert detect_format(str(canon)) == "csv"
    ingest(ws, [canon])
    assert ws.rows("SELECT platform, mentions FROM posts") == [
        {"platform": "mastodon", "mentions": ["x", "y"]}
    ]


def test_parquet_with_mapping_and_native_types(tmp_path, ws):
    f = tmp_path / "posts.parquet"
    pq.write_table(
        pa.table(
            {
                "id": pa.array([1, 2, 3], pa.int64()),
                "author": ["a", "b", "a"],
                "ts": pa.array(
                    [datetime(2022, 1, 1, 12, tzinfo=UTC), None, datetime(2022, 1, 2, tzinfo=UTC)],
                    pa.timestamp("ms", "UTC"),
                ),
                "tags": pa.array([["One", "#two"], [], None], pa.list_(pa.string())),
                "parent": [None, "1", "1"],
                "what": ["post", "share", "quote"],
            }
        ),
        f,
    )
    assert detect_format(str(f)) == "parquet"
    (r,) = ingest(
        ws,
        [f],
        mapping=parse_mapping(
            "post_id=id,account_id=author,created_at=ts,hashtags=tags,target_post_id=parent,kind=what"
        ),
        platform="facebook",
    ).files
    assert (r.rows_read, r.rows_ingested, r.rows_quarantined) == (3, 2, 1)
    p = {x["post_id"]: x for x in ws.rows("SELECT * FROM posts")}
    assert (
        p["1"]["hashtags"] == ["one", "two"] and str(p["1"]["created_at"]) == "2022-01-01 12:00:00"
    )
    assert (p["3"]["kind"], p["3"]["target_post_id"], p["3"]["source_line"]) == ("quote", "1", 3)
    assert p["3"]["hashtags"] == []  # a null list: extracted from the (empty) text
    (q,) = ws.rows("SELECT * FROM quarantine")
    assert (q["source_line"], q["field"]) == (2, "created_at")


def test_simulator_parquet_needs_no_mapping(tmp_path, ws):
    from ioscope.simulate import simulate

    out = simulate(tmp_path / "sim", posts=3000, seed=3, campaigns=2)
    posts, accounts = out["paths"]["posts"], out["paths"]["accounts"]
    report = ingest(ws, [accounts, posts])
    assert [f.format for f in report.files] == ["parquet", "parquet"]
    n_posts, n_acc = out["counts"]["posts"], out["counts"]["accounts"]
    assert report.files[1].rows_read == report.files[1].posts_new == n_posts
    assert report.files[0].accounts_new == n_acc and ws.count("accounts") == n_acc
    cols = "post_id, account_id, created_at, kind, target_post_id, hashtags, urls"
    con = duckdb.connect()
    want = con.execute(f"SELECT {cols} FROM read_parquet('{posts}') ORDER BY post_id").fetchall()
    assert ws.sql(f"SELECT {cols} FROM posts ORDER BY post_id").fetchall() == want


def test_cli_map_and_platform(mapped_csv, ws_path):
    res = CliRunner().invoke(
        app,
        [
            "ingest",
            str(ws_path),
            str(mapped_csv),
            "--format",
            "csv",
            "--map",
            MAP,
            "--platform",
            "twitter",
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["totals"]["rows_read"] == 4 and data["files"][0]["rows_quarantined"] == 1
    res = CliRunner().invoke(
        app,
        [
            "ingest",
            str(ws_path),
            str(mapped_csv),
            "--format",
            "csv",
            "--map",
            "post_id=nope",
            "--platform",
            "x",
            "--json",
        ],
    )
    assert res.exit_code == 1
    err = json.loads(res.stdout)["error"]
    assert err["code"] == "missing_column" and "nope" in err["message"]
