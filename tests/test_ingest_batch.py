"""Ingest keeps count of every record and handles real collections as they come: duplicates,
re-ingest, batches (folders, standard input, unsupported files), all-quarantined files,
compliance events, CooRTweet's wide format and implausible dates."""

from __future__ import annotations

import csv
import gzip
import io
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ioscope.cli.main import app
from ioscope.detect import detect
from ioscope.errors import (
    InputFormatError,
    NotFoundError,
    StageNotRunError,
    UnknownFormatError,
    UsageError,
)
from ioscope.info import workspace_info
from ioscope.ingest import detect_format, ingest, ingest_workspace
from ioscope.workspace import Workspace

FIX = Path(__file__).parent / "fixtures" / "ingest"
TWARC = "twitter-v2-twarc-fixtures"
HEADER = "message_id,user_id,username,repost_id,reply_id,message,timestamp,urls\n"
CNT = (
    HEADER + "1,10,a,,,hello,1620000000,\n"
    "2,11,b,,,hello too,1620000005,\n"
    "2,11,b,,,hello too,1620000005,\n"
    "3,12,c,,,,1620000009,\n"
)


def balanced(r) -> bool:
    return r.rows_read == r.rows_ingested + r.rows_duplicate + r.rows_quarantined


# -- duplicates and re-ingest ------------------------------------------------------------------
def test_duplicates_are_counted_and_reingest_adds_nothing(tmp_path, ws):
    f = tmp_path / "cnt.csv"
    f.write_text(CNT)
    (r,) = ingest(ws, [f]).files
    # line 4 repeats line 3; line 5 has no text but is a post (no quarantine); none lost
    assert (r.rows_read, r.rows_ingested, r.rows_duplicate, r.rows_quarantined) == (4, 3, 1, 0)
    bad = tmp_path / "bad.csv"
    bad.write_text(CNT.replace("1620000009", "not a time"))
    ingest(ws, [bad])
    posts, quarantined = ws.count("posts"), ws.count("quarantine")
    assert quarantined == 1
    again = ingest(ws, [f, bad])
    for r in again.files:
        assert balanced(r) and r.posts_new == 0 and r.quarantine_new == 0
    assert [(r.rows_duplicate, r.rows_quarantined) for r in again.files] == [(4, 0), (3, 1)]
    assert ws.count("posts") == posts and ws.count("quarantine") == quarantined


def test_counts_in_json_info_and_report(tmp_path, ws_path):
    f = tmp_path / "cnt.csv"
    f.write_text(CNT)
    res = CliRunner().invoke(app, ["ingest", str(ws_path), str(f), "--json"])
    assert res.exit_code == 0, res.output
    (d,) = json.loads(res.stdout)["files"]
    assert (d["rows_read"], d["rows_ingested"], d["rows_duplicate"], d["rows_quarantined"]) == (
        4,
        3,
        1,
        0,
    )
    with Workspace.open(ws_path, read_only=True) as ws:
        (s,) = workspace_info(ws)["sources"]
        assert (s["rows_read"], s["rows_ingested"], s["rows_duplicate"]) == (4, 3, 1)
        from ioscope.report.data.overview import analysed
        from ioscope.report.trace import Tracer

        (src,) = analysed(Tracer(ws))["sources"]
        assert (
            src["rows_read"],
            src["rows_ingested"],
            src["rows_duplicate"],
            src["rows_quarantined"],
        ) == (4, 3, 1, 0)


def test_ira_exact_duplicates_are_reported(shared_data, ws):
    """The FiveThirtyEight IRA files hold exact copies of tweets (22,945 over the 8 files; 6 in
    tweets_Unknown): each is reported as a duplicate, not dropped silently."""
    f = shared_data / "fivethirtyeight-ira-tweets-by-author" / "tweets_Unknown.csv.gz"
    (r,) = ingest(ws, [f]).files
    assert (r.rows_read, r.rows_ingested, r.rows_duplicate, r.rows_quarantined) == (
        13902,
        13896,
        6,
        0,
    )
    assert r.posts_new == ws.count("posts") == r.rows_ingested
    # independently: rows whose tweet (author, minute, text: the reader's key when the file
    # has no tweet id) an earlier row already had
    with gzip.open(f, "rt", encoding="utf-8") as fh:
        keys = [
            (row["author_id"].lower(), row["publish_date"], row["content"])
            for row in csv.DictReader(fh)
        ]
    assert len(keys) - len(set(keys)) == 6


def test_telegram_desktop_non_object_entries_are_counted(ws):
    """A Telegram Desktop export whose messages array holds a string, a number, null and a
    one-line message: every entry is read; the non-objects are quarantined, not dropped."""
    (r,) = ingest(ws, [FIX / "telegram_desktop_nonobject.json"]).files
    assert (r.rows_read, r.rows_ingested, r.rows_quarantined) == (6, 3, 3)
    reasons = [
        x[0] for x in ws.sql("SELECT reason FROM quarantine ORDER BY source_line").fetchall()
    ]
    assert reasons == [
        "not a message: the record is a JSON string",
        "not a message: the record is a JSON number",
        "not a message: the record is a JSON null",
    ]
    assert sorted(x[0] for x in ws.sql("SELECT text FROM posts").fetchall()) == [
        "compact",
        "first",
        "third",
    ]


# -- batches -----------------------------------------------------------------------------------
def twarc_folder(shared_data, tmp_path) -> Path:
    """A copy of the twarc fixtures folder: tweets, an empty file, counts, lists, compliance."""
    d = tmp_path / "twarc"
    shutil.copytree(shared_data / TWARC, d)
    return d


def test_folder_is_walked_and_every_problem_reported_at_once(shared_data, tmp_path, ws_path):
    d = twarc_folder(shared_data, tmp_path)
    with pytest.raises(UnknownFormatError) as e:
        ingest_workspace(ws_path, [d])
    msg = e.value.message
    for name in ("counts.jsonl.gz", "lists.jsonl.gz", "PROVENANCE.md", "UPSTREAM_LICENSE"):
        assert name in msg
    assert "empty.json.gz" not in msg  # an empty file is not a problem: it is listed as skipped
    assert "--skip-unsupported" in e.value.hint
    assert not ws_path.exists()  # a failed first ingest leaves no workspace behind


def test_skip_unsupported_ingests_the_rest_and_records_the_skipped(shared_data, tmp_path, ws_path):
    d = twarc_folder(shared_data, tmp_path)
    rep = ingest_workspace(ws_path, [d], skip_unsupported=True)
    skipped = {Path(s["path"]).name: s["reason"] for s in rep.skipped}
    assert set(skipped) == {
        "counts.jsonl.gz",
        "lists.jsonl.gz",
        "PROVENANCE.md",
        "UPSTREAM_LICENSE",
        "empty.json.gz",
    }
    assert "tweet counts" in skipped["counts.jsonl.gz"]
    assert all(balanced(r) for r in rep.files)
    with Workspace.open(ws_path, read_only=True) as ws:
        assert ws.count("posts") == 1109
        assert ws.count("compliance_events") == 3  # 2 tweets, 1 user (its line is repeated)
        (counts,) = ws.sql("SELECT row_counts FROM runs").fetchone()
        assert {Path(s["path"]).name for s in json.loads(counts)["skipped"]} == set(skipped)


def test_directory_argument_never_says_no_such_file(tmp_path, ws_path):
    d = tmp_path / "in"
    d.mkdir()
    (d / "a.csv").write_text(CNT)
    res = CliRunner().invoke(app, ["ingest", str(ws_path), str(d), "-q"])
    assert res.exit_code == 0, res.output
    res = CliRunner().invoke(app, ["ingest", str(ws_path), str(tmp_path / "none.csv")])
    assert res.exit_code == 1 and "No such file or folder" in " ".join(res.output.split())


def test_stdin_with_and_without_format(tmp_path, ws):
    rep = ingest(ws, ["-"], stdin=io.BytesIO(CNT.encode()))
    (r,) = rep.files
    assert (r.path, r.format, r.rows_read, r.posts_new) == ("<stdin>", "cnt-csv", 4, 3)
    assert ws.sql("SELECT DISTINCT source_file FROM posts").fetchall() == [("<stdin>",)]
    (inputs,) = ws.sql("SELECT inputs FROM runs").fetchone()
    assert json.loads(inputs)[0]["path"] == "<stdin>"
    lines = (FIX / "v1_stream_notices.jsonl").read_bytes()
    (r,) = ingest(ws, ["-"], format="twitter-v1", stdin=io.BytesIO(lines)).files
    assert r.format == "twitter-v1" and r.posts_new == 2


def test_stdin_on_the_command_line(tmp_path, ws_path):
    res = CliRunner().invoke(app, ["ingest", str(ws_path), "-", "--json"], input=CNT)
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["files"][0]["path"] == "<stdin>"


def test_failed_ingest_leaves_no_new_workspace(tmp_path, ws_path):
    f = tmp_path / "bad.csv"
    f.write_text(HEADER + "1,10,a,,,x,not a time,\n")
    with pytest.raises(InputFormatError):
        ingest_workspace(ws_path, [f])
    assert list(tmp_path.glob(ws_path.name + "*")) == []
    # an existing workspace is kept as it was
    good = tmp_path / "good.csv"
    good.write_text(CNT)
    ingest_workspace(ws_path, [good])
    with pytest.raises(InputFormatError):
        ingest_workspace(ws_path, [f])
    with Workspace.open(ws_path, read_only=True) as ws:
        assert ws.count("posts") == 3 and ws.count("runs") == 1


def test_detect_refuses_an_empty_or_missing_workspace(tmp_path, ws_path):
    res = CliRunner().invoke(app, ["detect", str(tmp_path / "missing.duckdb")])
    assert res.exit_code == 1 and "No workspace" in res.output
    assert not (tmp_path / "missing.duckdb").exists()
    Workspace.open(ws_path).close()
    res = CliRunner().invoke(app, ["detect", str(ws_path), "--json"])
    assert res.exit_code == 1
    assert json.loads(res.stdout)["error"]["code"] == StageNotRunError.code


def test_all_quarantined_is_an_error_naming_the_likely_format(tmp_path, ws):
    """A CooRTweet file read as twitter-v1 quarantines every line (none is JSON): an error that
    names coortweet; --allow-all-quarantined accepts it."""
    f = tmp_path / "coortweet.csv"
    f.write_text(
        "object_id,account_id,content_id,timestamp_share\na,u1,a,1600000000\nb,u2,c,1600000010\n"
    )
    with pytest.raises(InputFormatError, match="all 3 records were quarantined") as e:
        ingest(ws, [f], format="twitter-v1")
    assert "try --format coortweet" in e.value.message
    assert "--allow-all-quarantined" in e.value.hint
    assert ws.count("runs") == 0 and ws.count("quarantine") == 0
    (r,) = ingest(ws, [f], format="twitter-v1", allow_all_quarantined=True).files
    assert r.rows_quarantined == r.rows_read == 3


def test_unknown_named_format_is_a_usage_error(tmp_path, ws):
    f = tmp_path / "a.csv"
    f.write_text(CNT)
    with pytest.raises(UsageError, match="Unknown format 'nope'"):
        ingest(ws, [f], format="nope")
    with pytest.raises(NotFoundError, match="No such file or folder"):
        ingest(ws, [tmp_path / "missing.csv"])


# -- compliance events ---------------------------------------------------------------------------
def test_v1_stream_notices_become_compliance_events(ws):
    (r,) = ingest(ws, [FIX / "v1_stream_notices.jsonl"]).files
    assert (r.rows_read, r.rows_ingested, r.rows_quarantined, r.compliance_events_new) == (
        8,
        6,
        2,
        4,
    )
    ev = {
        (e["object_kind"], e["object_id"], e["action"]): e
        for e in ws.rows("SELECT * FROM compliance_events")
    }
    assert set(ev) == {
        ("post", "1001", "delete"),
        ("account", "12", "scrub_geo"),
        ("post", "1003", "withhold"),
        ("account", "14", "withhold"),
    }
    d = ev[("post", "1001", "delete")]
    assert (d["account_id"], str(d["event_at"]), d["source_line"]) == (
        "11",
        "2016-11-09 14:00:00",
        2,
    )
    assert ev[("post", "1003", "withhold")]["countries"] == ["DE", "FR"]
    assert ev[("account", "12", "scrub_geo")]["up_to_post_id"] == "1002"
    reasons = [
        x[0] for x in ws.sql("SELECT reason FROM quarantine ORDER BY source_line").fetchall()
    ]
    assert "limit" in reasons[0] and reasons[1] == "compliance notice delete without an id"
    again = ingest(ws, [FIX / "v1_stream_notices.jsonl"]).files[0]
    assert again.compliance_events_new == 0 and again.rows_duplicate == 6
    assert ws.count("compliance_events") == 4 and ws.count("quarantine") == 2
    info = workspace_info(ws)["compliance_events"]
    assert info["events"] == 4 and info["deleted_posts_held"] == 1


def test_twarc_compliance_files(shared_data, ws):
    d = shared_data / TWARC
    assert detect_format(str(d / "tweets_compliance.jsonl.gz")) == "twitter-compliance"
    assert detect_format(str(d / "users_compliance.jsonl.gz")) == "twitter-compliance-users"
    t, u = ingest(ws, [d / "tweets_compliance.jsonl.gz", d / "users_compliance.jsonl.gz"]).files
    assert (t.rows_read, t.rows_ingested, t.rows_duplicate) == (2, 2, 0)
    assert (u.rows_read, u.rows_ingested, u.rows_duplicate) == (2, 1, 1)
    rows = ws.rows(
        "SELECT object_kind, object_id, reason, event_at, object_created_at "
        "FROM compliance_events ORDER BY source_file, source_line"
    )
    assert [(r["object_kind"], r["object_id"], r["reason"]) for r in rows] == [
        ("post", "1170025343920402432", "protected"),
        ("post", "1170147183095664640", "deactivated"),
        ("account", "1482680858", "protected"),
    ]
    assert str(rows[1]["event_at"]) == "2021-08-17 17:26:15.788000"


def test_honor_deletions_leaves_deleted_posts_out(ws):
    """Two accounts repost the same three posts within seconds; one of the reposts is deleted.
    With --honor-deletions the co_repost edge loses that shared item."""
    tweets = []
    for i, target in enumerate(("900", "901", "902")):
        for j, user in enumerate(("21", "22")):
            tweets.append(
                {
                    "id_str": f"{1000 + 10 * i + j}",
                    "text": f"RT @x: t{i}",
                    "created_at": f"Wed Nov 09 01:2{i}:0{j} +0000 2016",
                    "user": {"id_str": user, "screen_name": f"u{user}"},
                    "retweeted_status": {
                        "id_str": target,
                        "text": f"t{i}",
                        "created_at": "Wed Nov 09 01:00:00 +0000 2016",
                        "user": {"id_str": "5", "screen_name": "x"},
                    },
                }
            )
    tweets.append(
        {
            "delete": {
                "status": {"id_str": "1000", "user_id_str": "21"},
                "timestamp_ms": "1478700000000",
            }
        }
    )
    path = Path(ws.path).with_name("rt.jsonl")
    path.write_text("\n".join(json.dumps(t) for t in tweets) + "\n")
    ingest(ws, [path])

    def weight(**kw) -> int:
        detect(ws, signals=["co_repost"], mode="raw", **kw)
        return ws.sql("SELECT max(weight) FROM edges").fetchone()[0]

    assert weight() == 3
    assert weight(honor_deletions=True) == 2
    assert ws.count("posts") == 6  # the posts stay; detection leaves them out
    (p,) = ws.sql(
        "SELECT parameters FROM runs WHERE command = 'detect' ORDER BY started_at DESC LIMIT 1"
    ).fetchone()
    assert json.loads(p)["honor_deletions"] is True


# -- CooRTweet wide format -----------------------------------------------------------------------
def test_coortweet_wide_format(ws):
    f = FIX / "coortweet_wide.csv"
    assert detect_format(str(f)) == "coortweet-wide"
    (r,) = ingest(ws, [f]).files
    # 10 rows: 7 posts, 2 continuation rows of posts 100 and 200, 1 account without a platform
    assert (r.rows_read, r.rows_ingested, r.rows_duplicate, r.rows_quarantined) == (10, 7, 2, 1)
    p = {(x["platform"], x["post_id"]): x for x in ws.rows("SELECT * FROM posts")}
    assert set(p) == {
        ("facebook", "100"),
        ("facebook", "200"),
        ("twitter", "100"),
        ("twitter", "400"),
        ("twitter", "500"),
        ("facebook", "101"),
        ("facebook", "201"),
    }
    fb200 = p[("facebook", "200")]
    assert fb200["urls_normalized"] == fb200["urls"] == ["url_id:7", "url_id:8"]
    assert fb200["domains"] == ["domain_id:30", "domain_id:31"]
    assert p[("facebook", "100")]["hashtags"] == ["hashtag_id:55"]
    assert ws.sql(
        "SELECT platform, post_id, media_id, media_item FROM post_media ORDER BY 1, 2"
    ).fetchall() == [
        ("facebook", "200", "phash_id:900", "phash_id:900"),
        ("twitter", "400", "phash_id:900", "phash_id:900"),
    ]
    (q,) = ws.rows("SELECT * FROM quarantine")
    assert (q["source_line"], q["field"]) == (11, "platform")


def test_co_link_finds_edges_from_url_ids(ws):
    """fb_1 and fb_2 share url 7 within 30 s and url 8 within 20 s: one co_link edge of weight 2
    (tw_3 shares url 7 too, within the window of both)."""
    ingest(ws, [FIX / "coortweet_wide.csv"])
    detect(ws, signals=["co_link"], mode="raw", window="60s", min_weight=2)
    edges = ws.sql("SELECT account_1, account_2, weight FROM edges ORDER BY 1, 2").fetchall()
    assert ("fb_1", "fb_2", 2) in edges
    items = {x[0] for x in ws.sql("SELECT item FROM edge_evidence").fetchall()}
    assert {"url_id:7", "url_id:8"} <= items


def test_coortweet_german_elections_sample(shared_data, ws):
    f = shared_data / "coortweet-coordination-samples" / "german_elections.csv.gz"
    assert detect_format(str(f)) == "coortweet-wide"
    (r,) = ingest(ws, [f]).files
    assert balanced(r) and r.rows_read == 218971
    # 194,323 posts by the sample's documentation; a post id is per platform
    assert ws.count("posts") == r.posts_new == 194323
    assert dict(ws.sql("SELECT platform, count(*) > 0 FROM posts GROUP BY 1").fetchall()) == {
        "facebook": True,
        "twitter": True,
    }
    # the sample documents 58,317 accounts: 3 of them appear only on the 3 rows without a post
    # id, which are quarantined
    assert r.rows_quarantined == 3
    assert (
        ws.sql("SELECT count(*) FROM quarantine WHERE reason = 'missing post id'").fetchone()[0]
        == 3
    )
    assert ws.count("accounts") == 58317 - 3
    assert ws.sql("SELECT count(*) FROM posts WHERE len(urls_normalized) > 0").fetchone()[0] > 0


# -- plausible dates -----------------------------------------------------------------------------
def test_implausible_dates_are_quarantined(tmp_path, ws):
    f = tmp_path / "dates.csv"
    f.write_text(
        HEADER + "1,10,a,,,fine,2021-05-01T10:00:00Z,\n"
        "2,10,a,,,far future,9999-12-31T00:00:00Z,\n"
        "3,10,a,,,before twitter,1990-06-01T00:00:00Z,\n"
    )
    (r,) = ingest(ws, [f], platform="twitter").files
    assert (r.rows_read, r.rows_ingested, r.rows_quarantined) == (3, 1, 2)
    q = ws.rows(
        "SELECT source_file, source_line, field, reason FROM quarantine ORDER BY source_line"
    )
    assert [(x["source_file"], x["source_line"], x["field"]) for x in q] == [
        (str(f), 3, "created_at"),
        (str(f), 4, "created_at"),
    ]
    assert q[0]["reason"].startswith("implausible time 9999-12-31 00:00:00 for twitter")
    assert "2006-03-21" in q[1]["reason"]


def test_report_shows_deletion_activity_per_cluster(ws):
    from ioscope.model.signif import CLUSTER_MEMBERS
    from ioscope.report.data.clusters import _deletions
    from ioscope.report.trace import Tracer

    ingest(ws, [FIX / "v1_stream_notices.jsonl"])
    ws.ensure(CLUSTER_MEMBERS)
    ws.sql(
        "INSERT INTO cluster_members (cluster_id, platform, account_id) VALUES "
        "(1, 'twitter', '11'), (1, 'twitter', '14'), (2, 'twitter', '12')"
    )
    d = _deletions(Tracer(ws), 1)
    assert [
        (str(r["day"]), r["object_kind"], r["action"], r["events"]) for r in d["deletions"]
    ] == [("2016-11-09", "post", "delete", 1), ("None", "account", "withhold", 1)]
    assert d["n_deletion_events"] == 2
    # cluster 2: bob's geo scrubbing (an account event); post 1003 is not collected
    assert [r["action"] for r in _deletions(Tracer(ws), 2)["deletions"]] == ["scrub_geo"]


def test_whitespace_and_cut_gzip_files_are_classified(tmp_path, ws):
    blank = tmp_path / "blank.jsonl"
    blank.write_text("\n  \n")
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(gzip.compress(b'{"a": 1}\n' * 1000)[:40])
    good = tmp_path / "a.csv"
    good.write_text(CNT)
    with pytest.raises(InputFormatError, match="cut short") as e:  # damaged, not unsupported
        ingest(ws, [blank, cut, good])
    assert "cut.jsonl.gz" in e.value.message and "of the compressed file" in e.value.message
    rep = ingest(ws, [blank, cut, good], skip_unsupported=True)
    assert {Path(s["path"]).name: s["reason"][:12] for s in rep.skipped} == {
        "blank.jsonl": "empty file (",
        "cut.jsonl.gz": "the gzip str",
    }
