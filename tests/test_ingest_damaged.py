"""Damaged files: each case is a small file in tests/fixtures/damaged (see its README) that once
lost, altered or hid records; now the damaged record is quarantined (file, line, field, reason)
or the file is refused naming the byte offset, and every other record is read as it stands."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
from pathlib import Path

import pytest

from ioscope.errors import InputFormatError
from ioscope.ingest import detect_format, ingest
from ioscope.workspace import Workspace

FIX = Path(__file__).parent / "fixtures" / "damaged"
ADS = Path(__file__).parent / "fixtures" / "ads"


@pytest.fixture
def mem():
    with Workspace.open(":memory:") as ws:
        yield ws


def _one(ws, path, fmt=None):
    (r,) = ingest(ws, [path], format=fmt).files
    assert r.rows_read == r.rows_ingested + r.rows_quarantined
    return r


def _quarantine(ws) -> list[dict]:
    return ws.rows(
        "SELECT source_file, source_line, field, reason, raw FROM quarantine ORDER BY source_line"
    )


def _complete_records(path: Path) -> list[dict]:
    """The file's complete records, parsed by Python's csv module (the independent reference);
    the last, cut, record is left out."""
    text = path.read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text[: text.rindex("\n") + 1], newline="")))
    return rows


# -- a file cut inside a quoted field ----------------------------------------------------------
def test_io_archive_cut_inside_a_quoted_field(mem):
    f = FIX / "io_archive_tweets_cut.csv"
    r = _one(mem, f, "io-archive")
    want = _complete_records(f)
    assert (r.rows_read, r.rows_ingested, r.rows_quarantined) == (len(want) + 1, len(want), 1)
    (q,) = _quarantine(mem)
    size = f.stat().st_size
    last_start = f.read_bytes().rindex(b"\n") + 1
    assert q["source_file"] == str(f) and q["field"] == "record"
    assert q["source_line"] == len(want) + 2
    assert f"byte {last_start:,}" in q["reason"] and "cut short" in q["reason"]
    assert q["raw"] == f.read_bytes()[last_start:size].decode("utf-8")
    got = {p["post_id"]: p for p in mem.rows("SELECT post_id, text, hashtags, urls FROM posts")}
    for rec in want:  # every complete record as Python's csv module reads it, nothing shifted
        post = got[rec["tweetid"]]
        assert post["urls"] is not None and all(u.startswith("http") for u in post["urls"])
        assert [h.lower() for h in post["hashtags"] or []] == [
            h.strip(" '").lower() for h in rec["hashtags"].strip("[]").split(",") if h.strip()
        ]
        if rec["is_retweet"] == "False":
            assert post["text"] == rec["tweet_text"]


def test_hpsci_ads_cut_inside_a_quoted_field(mem):
    f = FIX / "hpsci_cut" / "ads.csv"
    r = _one(mem, f, "hpsci-ads")
    want = _complete_records(f)
    assert (r.rows_ingested, r.rows_quarantined) == (len(want), 1)
    got = {a["ad_id"]: a for a in mem.rows("SELECT ad_id, creative_text, spend_raw FROM ads")}
    for rec in want:
        assert got[rec["id"]]["creative_text"] == rec["text"]
        assert got[rec["id"]]["spend_raw"] == (rec["spend_amount"] or None)
    (q,) = _quarantine(mem)
    text = f.read_text(encoding="utf-8")
    assert "ends inside a quoted field" in q["reason"] and q["raw"] == text[text.rindex("\n") + 1 :]
    assert q["raw"].split(",")[0] not in got


# -- a cut gzip stream is refused, never read as empty -----------------------------------------
@pytest.mark.parametrize(
    "name,fmt",
    [
        ("twitter_v1_cut.jsonl.gz", "twitter-v1"),
        ("twitter_v2_cut.jsonl.gz", "twitter-v2"),
        ("bluesky_cut.jsonl.gz", "bluesky"),
        ("telegram_cut.json.gz", "telegram"),
    ],
)
@pytest.mark.parametrize("given", [True, False])
def test_small_cut_gzip_json_is_refused_with_its_offset(name, fmt, given, mem):
    f = FIX / name
    with pytest.raises(InputFormatError) as err:
        ingest(mem, [f], format=fmt if given else None)
    msg = err.value.message
    assert str(f) in msg and "cut short" in msg
    assert f"at byte {f.stat().st_size:,} of the compressed file" in msg
    if not given:
        assert detect_format(str(f)) == fmt  # recognised from what the cut stream holds
    assert mem.sql("SELECT count(*) FROM posts").fetchall()[0][0] == 0


def test_damaged_gzip_csv_is_refused_with_its_offset(tmp_path, mem):
    import gzip

    data = gzip.compress((FIX / "io_archive_tweets_cut.csv").read_bytes(), mtime=0)
    f = tmp_path / "tweets.csv.gz"
    f.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputFormatError, match=rf"at byte {len(data) // 2:,} of the compressed"):
        ingest(mem, [f], format="io-archive")


# -- ads readers ------------------------------------------------------------------------------
def _meta_baseline() -> dict[str, dict]:
    with Workspace.open(":memory:") as ws:
        ingest(ws, [ADS / "meta_ads_archive.json"], format="meta-ad-library")
        return {a["ad_id"]: a for a in ws.rows("SELECT * FROM ads")}


@pytest.mark.parametrize(
    "name,field,reason",
    [
        ("meta_spend_not_a_number.json", "spend.lower_bound", "spend lower bound is not a number"),
        ("meta_deep_nesting.json", "record", "nested more than 1,024 levels deep"),
        ("meta_bad_byte.json", "record", "not valid UTF-8"),
    ],
)
def test_meta_damaged_ad_is_quarantined_and_the_others_kept(name, field, reason, mem):
    base = _meta_baseline()
    r = _one(mem, FIX / name, "meta-ad-library")
    assert r.rows_read == 4  # the fixture's four records, the damaged one among them
    q = [x for x in _quarantine(mem) if reason in x["reason"]]
    assert len(q) == 1 and q[0]["field"] == field
    got = {a["ad_id"]: a for a in mem.rows("SELECT * FROM ads")}
    assert len(got) == len(base) - 1  # the damaged ad (the first) and no other
    for ad_id, ad in got.items():
        skip = ("source_file", "source_line", "run_id", "ingested_at")  # the file differs
        assert {k: v for k, v in ad.items() if k not in skip} == {
            k: v for k, v in base[ad_id].items() if k not in skip
        }


def test_google_semicolon_export_reads_like_the_comma_one(tmp_path, mem):
    comma = tmp_path / "comma"
    shutil.copytree(ADS / "google", comma)
    with Workspace.open(":memory:") as ref:
        ingest(ref, [comma / "google-political-ads-creative-stats.csv"])
        want = ref.rows(
            "SELECT ad_id, advertiser_name, start_at, end_at, spend_lower, "
            "spend_upper, currency FROM ads ORDER BY ad_id"
        )
    f = FIX / "google_semicolon" / "google-political-ads-creative-stats.csv"
    assert detect_format(str(f)) == "google-political-ads"
    _one(mem, f)
    got = mem.rows(
        "SELECT ad_id, advertiser_name, start_at, end_at, spend_lower, spend_upper, "
        "currency FROM ads ORDER BY ad_id"
    )
    assert got == want and all(a["advertiser_name"] and a["start_at"] for a in got)


def test_spend_that_is_not_a_number_quarantines_the_ad(tmp_path, mem):
    rows = list(
        csv.reader(
            io.StringIO(
                (FIX / "hpsci_cut" / "ads.csv").read_text("utf-8")[
                    : (FIX / "hpsci_cut" / "ads.csv").read_text("utf-8").rindex("\n") + 1
                ]
            )
        )
    )
    rows[3][7] = "1.000,5 RUB"
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    f = tmp_path / "ads.csv"
    f.write_text(out.getvalue(), encoding="utf-8")
    r = _one(mem, f, "hpsci-ads")
    (q,) = _quarantine(mem)
    assert q["field"] == "spend_amount" and "'1.000,5 RUB'" not in q["reason"]
    assert "1.000,5 RUB" in q["reason"]
    assert r.rows_ingested == len(rows) - 2
    gdir = tmp_path / "g"
    shutil.copytree(ADS / "google", gdir)
    g = gdir / "google-political-ads-creative-stats.csv"
    g.write_text(g.read_text("utf-8").replace(",100,1000,,", ",about 100,1000,,"), "utf-8")
    with Workspace.open(":memory:") as ws:
        ingest(ws, [g])
        q = ws.rows("SELECT source_line, field, reason FROM quarantine WHERE source_line = 2")
        assert q == [
            {
                "source_line": 2,
                "field": "Spend_Range_Min_USD",
                "reason": "Spend_Range_Min_USD is not a number: about 100",
            }
        ]


# -- short rows and bad bytes in the generic and Bluesky-table readers -------------------------
@pytest.mark.parametrize(
    "name,fmt,ids",
    [
        ("generic_short_row_bad_byte.csv", "csv", ["p1", "p4"]),
        (
            "bluesky_table_short_row_bad_byte.csv",
            "bluesky",
            ["at://did:plc:a1/app.bsky.feed.post/1", "at://did:plc:a4/app.bsky.feed.post/4"],
        ),
    ],
)
def test_short_row_and_bad_byte_quarantine_one_record_each(name, fmt, ids, mem):
    r = _one(mem, FIX / name, fmt)
    assert (r.rows_read, r.rows_ingested, r.rows_quarantined) == (4, 2, 2)
    q = _quarantine(mem)
    assert [x["source_line"] for x in q] == [3, 4]
    assert "missing columns" in q[0]["reason"] and "invalid encoding" in q[1]["reason"]
    assert q[1]["field"] == "text"
    assert [p["post_id"] for p in mem.rows("SELECT post_id FROM posts ORDER BY source_line")] == ids
    assert mem.rows("SELECT text FROM posts ORDER BY source_line")[-1]["text"] in (
        "last, quoted",
        "four, quoted",
    )
    if fmt == "csv":
        assert r.dialect == {"delimiter": ",", "quote": '"', "escape": '"', "sniffed": True}


def test_generic_reader_records_a_sniffed_semicolon(tmp_path, mem):
    f = tmp_path / "posts.csv"
    f.write_text(
        "platform;post_id;account_id;created_at;text\n"
        'twitter;p1;u1;2020-01-01T00:00:00Z;"a; b, c"\n',
        encoding="utf-8",
    )
    r = _one(mem, f, "csv")
    assert r.dialect["delimiter"] == ";" and r.dialect["sniffed"]
    assert mem.rows("SELECT text FROM posts") == [{"text": "a; b, c"}]
    run = mem.rows("SELECT row_counts FROM runs WHERE command = 'ingest'")[-1]["row_counts"]
    assert '"delimiter": ";"' in run or "'delimiter': ';'" in str(run)


# -- an unterminated quote in the middle of a file ---------------------------------------------
CNT_HEADER = "message_id,user_id,username,repost_id,reply_id,message,timestamp,urls\n"


def _cnt(i: int, text: str) -> str:
    return f'{i},u{i},n{i},,,"{text}",{1600000000 + i},\n'


@pytest.mark.parametrize(
    "bad", ['2,u2,n2,,,"never closed,1600000002,\n', '2,u2,n2,,,"closed"too early,1600000002,\n']
)
def test_an_unterminated_quote_does_not_swallow_the_next_records(bad, tmp_path, mem):
    f = tmp_path / "posts.csv"
    f.write_text(CNT_HEADER + _cnt(1, "one, two") + bad + _cnt(3, "three\nlines") + _cnt(4, "x"))
    r = _one(mem, f, "cnt-csv")
    assert (r.rows_read, r.rows_ingested, r.rows_quarantined) == (4, 3, 1)
    assert mem.rows("SELECT post_id, source_line, text FROM posts ORDER BY source_line") == [
        {"post_id": "1", "source_line": 2, "text": "one, two"},
        {"post_id": "3", "source_line": 4, "text": "three\nlines"},
        {"post_id": "4", "source_line": 6, "text": "x"},
    ]
    (q,) = _quarantine(mem)
    assert q["source_line"] == 3 and q["raw"] == bad.rstrip("\n")


# -- long records --------------------------------------------------------------------------------
def test_a_50_mb_csv_record_is_quarantined_with_its_size(tmp_path, mem):
    f = tmp_path / "posts.csv"
    long = _cnt(1, "x" * 50_000_000)
    f.write_text(CNT_HEADER + long + _cnt(2, "two") + _cnt(3, "three"))
    r = _one(mem, f, "cnt-csv")
    assert (r.rows_read, r.rows_ingested, r.rows_quarantined) == (3, 2, 1)
    (q,) = _quarantine(mem)
    assert q["source_line"] == 2 and q["field"] == "record"
    assert (
        f"record of {len(long) - 1:,} bytes" in q["reason"]
        or f"record of {len(long):,} bytes" in q["reason"]
    )
    assert len(q["raw"]) <= 10_000
    assert [p["source_line"] for p in mem.rows("SELECT source_line FROM posts ORDER BY 1")] == [
        3,
        4,
    ]


def test_a_50_mb_json_line_is_quarantined_with_its_size(tmp_path, mem):
    from tests.fixtures.samples.twitter_v1 import lines_fixture

    lines = lines_fixture()[:3]
    rec = json.loads(lines[1])
    rec["text"] = "y" * 50_000_000
    big = json.dumps(rec).encode()
    f = tmp_path / "tweets.jsonl"
    f.write_bytes(b"\n".join([lines[0], big, lines[2]]) + b"\n")
    r = _one(mem, f, "twitter-v1")
    assert r.rows_read >= 3 and r.rows_quarantined == 1
    (q,) = _quarantine(mem)
    assert q["source_line"] == 2 and f"record of {len(big):,} bytes" in q["reason"]
    assert mem.sql("SELECT count(*) FROM posts WHERE source_line IN (1, 3)").fetchall()[0][0] == 2


def test_fixture_readme_lists_every_fixture():
    readme = (FIX / "README.md").read_text(encoding="utf-8")
    for p in FIX.rglob("*"):
        if p.is_file() and p.name != "README.md":
            assert str(p.relative_to(FIX)) in readme, p
    assert os.path.getsize(FIX / "io_archive_tweets_cut.csv") < 64_000
