"""Property-based fuzzing of every reader: round trips and damage that stays local.

For each reader, hypothesis draws a few records (times, account names, and texts with the
characters that break CSV and JSON: delimiters, quotes, line breaks, non-Latin scripts), writes
them in the reader's format and checks two properties:

* **round trip**: ingesting the file gives back exactly the records written (time, account and
  text of every post; id, advertiser, text, start and spend of every ad), nothing else;
* **local damage**: one record damaged (cut short, a field dropped or added, one byte replaced
  by an invalid UTF-8 byte, a stray quote, a value of the wrong kind) changes no other record:
  every other record is ingested exactly as from the intact file, the damaged one is ingested
  or quarantined with its line, and ``rows_read = rows_ingested + rows_quarantined``.

The default suite runs a few derandomized examples per reader; ``-m slow`` runs many more
(``FUZZ_EXAMPLES``, default 300 per property and reader).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os

import orjson
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from ioscope.ingest import ingest
from ioscope.workspace import Workspace

#: records are dated 2023-01-01 to late 2024, when every platform here existed (Bluesky since
#: 2022-11-17): earlier times are quarantined as implausible
T0 = dt.datetime(2023, 1, 1)


def _settings(n: int, derandomize: bool = True) -> settings:
    return settings(
        derandomize=derandomize,
        deadline=None,
        database=None,
        max_examples=n,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],
    )  # each example is two ingests


FAST = _settings(int(os.environ.get("FUZZ_FAST_EXAMPLES", "5")))
SLOW = _settings(int(os.environ.get("FUZZ_EXAMPLES", "300")))

# -- records ---------------------------------------------------------------------------------
WORD = st.text(
    st.sampled_from(list("abcxyzАБВжщ中文é0123456789_#@.:/'\"") + ["🙂"]), min_size=1, max_size=8
)
SEP = st.sampled_from([" ", ", ", "; ", ' "', '" ', "\n", " | ", "'"])


@st.composite
def texts(draw) -> str:
    words = draw(st.lists(WORD, min_size=1, max_size=6))
    out = words[0]
    for w in words[1:]:
        out += draw(SEP) + w
    return out.strip() or "x"


@st.composite
def records(draw, minute: bool = False) -> list[dict]:
    n = draw(st.integers(2, 6))
    out = []
    for i in range(n):
        t = T0 + dt.timedelta(minutes=draw(st.integers(0, 1_000_000)))
        if not minute:
            t += dt.timedelta(seconds=draw(st.integers(0, 59)))
        body = draw(texts())
        if body.startswith("RT "):
            body = "x" + body
        out.append(
            {
                "i": i,
                "id": str(10_000 + i),
                "account": f"acct{draw(st.integers(0, 3))}",
                "time": t,
                "text": f"r{i} {body}",
                "spend": draw(st.integers(0, 10**6)),
            }
        )
    return out


# -- writers: one chunk of bytes per record, plus the bytes before and after them -------------
def _csv_rows(
    header: list[str], rows: list[list[str]], delimiter: str = ","
) -> tuple[bytes, list[bytes]]:
    def line(r):
        s = io.StringIO()
        csv.writer(s, delimiter=delimiter, lineterminator="\n").writerow(r)
        return s.getvalue().encode()

    return line(header), [line(r) for r in rows]


def w_cnt(recs):
    return _csv_rows(
        [
            "message_id",
            "user_id",
            "username",
            "repost_id",
            "reply_id",
            "message",
            "timestamp",
            "urls",
        ],
        [
            [
                r["id"],
                r["account"],
                r["account"],
                "",
                "",
                r["text"],
                str(int(r["time"].replace(tzinfo=dt.UTC).timestamp())),
                "",
            ]
            for r in recs
        ],
    )


def w_generic(recs):
    return _csv_rows(
        ["platform", "post_id", "account_id", "created_at", "text"],
        [["twitter", r["id"], r["account"], r["time"].isoformat() + "Z", r["text"]] for r in recs],
    )


def w_io_archive(recs):
    from ioscope.ingest.formats.io_archive import TWEET_COLUMNS

    rows = []
    for r in recs:
        v = dict.fromkeys(TWEET_COLUMNS, "")
        v.update(
            tweetid=r["id"],
            userid=r["account"],
            user_screen_name=r["account"],
            tweet_text=r["text"],
            tweet_time=r["time"].strftime("%Y-%m-%d %H:%M"),
            is_retweet="False",
            hashtags="[]",
            urls="[]",
            user_mentions="[]",
        )
        rows.append([v[c] for c in TWEET_COLUMNS])
    return _csv_rows(TWEET_COLUMNS, rows)


def w_538(recs):
    cols = [
        "external_author_id",
        "author",
        "content",
        "region",
        "language",
        "publish_date",
        "harvested_date",
        "following",
        "followers",
        "updates",
        "post_type",
        "account_type",
        "retweet",
        "account_category",
        "new_june_2018",
        "alt_external_id",
        "tweet_id",
    ]
    return _csv_rows(
        cols,
        [
            [
                "1",
                r["account"].upper(),
                r["text"],
                "US",
                "English",
                r["time"].strftime("%-m/%-d/%Y %H:%M"),
                "",
                "1",
                "2",
                "3",
                "",
                "Right",
                "0",
                "RightTroll",
                "0",
                "1",
                r["id"],
            ]
            for r in recs
        ],
    )


def w_bluesky_table(recs):
    return _csv_rows(
        ["uri", "author_handle", "created_at", "text"],
        [
            [
                f"at://did:plc:{r['account']}/app.bsky.feed.post/{r['id']}",
                f"{r['account']}.bsky.social",
                r["time"].isoformat() + "Z",
                r["text"],
            ]
            for r in recs
        ],
    )


def _lines(objs) -> tuple[bytes, list[bytes]]:
    return b"", [orjson.dumps(o) + b"\n" for o in objs]


def w_v1(recs):
    return _lines(
        {
            "id_str": r["id"],
            "created_at": r["time"].strftime("%a %b %d %H:%M:%S +0000 %Y"),
            "text": r["text"],
            "user": {"id_str": r["account"], "screen_name": r["account"]},
        }
        for r in recs
    )


def w_v2(recs):
    return _lines(
        {
            "data": [
                {
                    "id": r["id"],
                    "author_id": r["account"],
                    "text": r["text"],
                    "created_at": r["time"].isoformat() + ".000Z",
                }
            ],
            "includes": {"users": [{"id": r["account"], "username": r["account"]}]},
        }
        for r in recs
    )


def w_jetstream(recs):
    return _lines(
        {
            "did": f"did:plc:{r['account']}",
            "time_us": 1725911162329308,
            "kind": "commit",
            "commit": {
                "rev": "r",
                "operation": "create",
                "collection": "app.bsky.feed.post",
                "rkey": r["id"],
                "cid": "c",
                "record": {
                    "$type": "app.bsky.feed.post",
                    "text": r["text"],
                    "createdAt": r["time"].isoformat() + ".000Z",
                },
            },
        }
        for r in recs
    )


def w_telegram(recs):
    return _lines(
        {
            "message_id": int(r["id"]),
            "sender_id": -1001,
            "text": r["text"],
            "date": r["time"].isoformat() + "+00:00",
            "channel": r["account"],
        }
        for r in recs
    )


def w_meta(recs):
    head = b'{"data": [\n'
    chunks = [
        orjson.dumps(
            {
                "id": r["id"],
                "page_id": r["account"],
                "page_name": r["account"],
                "ad_delivery_start_time": r["time"].isoformat(),
                "ad_creative_bodies": [r["text"]],
                "currency": "USD",
                "ad_snapshot_url": "https://x/" + r["id"],
                "spend": {"lower_bound": str(r["spend"]), "upper_bound": str(r["spend"] + 99)},
            }
        )
        + (b",\n" if k < len(recs) - 1 else b"\n")
        for k, r in enumerate(recs)
    ]
    return head, chunks, b"]}\n"


def w_google(recs):
    return _csv_rows(
        [
            "Ad_ID",
            "Advertiser_ID",
            "Advertiser_Name",
            "Impressions",
            "Date_Range_Start",
            "Spend_Range_Min_USD",
            "Spend_Range_Max_USD",
        ],
        [
            [
                r["id"],
                r["account"],
                r["account"],
                "10k-100k",
                r["time"].strftime("%Y-%m-%d"),
                str(r["spend"]),
                str(r["spend"] + 99),
            ]
            for r in recs
        ],
        delimiter=";" if recs and recs[0]["spend"] % 2 else ",",
    )


def w_hpsci(recs):
    return _csv_rows(
        [
            "id",
            "pdf",
            "image",
            "clicks",
            "impressions",
            "text",
            "url",
            "spend_amount",
            "spend_currency",
            "created",
            "ended",
        ],
        [
            [
                r["id"],
                "",
                "",
                "1",
                "10",
                r["text"],
                "",
                str(r["spend"]),
                "RUB",
                r["time"].isoformat() + "-07:00",
                "",
            ]
            for r in recs
        ],
    )


def w_promoted(recs):
    return _csv_rows(
        [
            "ad_id",
            "advertiser_id",
            "advertiser_name",
            "post_id",
            "start_date",
            "end_date",
            "spend",
            "currency",
            "impressions",
            "clicks",
            "targeting",
        ],
        [
            [
                r["id"],
                r["account"],
                r["account"],
                "",
                r["time"].strftime("%Y-%m-%d"),
                "",
                f"{r['spend']}.00",
                "USD",
                "10",
                "1",
                "",
            ]
            for r in recs
        ],
    )


# -- what a reader gives back, by the record's "r<i>" marker -----------------------------------
def posts(ws) -> dict[str, tuple]:
    return {
        (r["text"] or "?" + r["post_id"]).split(" ", 1)[0]: (r["created_at"], r["text"])
        for r in ws.rows("SELECT post_id, created_at, text FROM posts")
    }


def ads(ws) -> dict[str, tuple]:
    if not ws.sql("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'ads'").fetchall()[0][0]:
        return {}  # no ad was ingested
    return {
        r["ad_id"]: (r["advertiser_id"], r["creative_text"], r["start_at"], r["spend_lower"])
        for r in ws.rows(
            "SELECT ad_id, advertiser_id, creative_text, start_at, spend_lower FROM ads"
        )
    }


def want_posts(recs, minute=False):
    return {f"r{r['i']}": (r["time"], r["text"]) for r in recs}


def want_ads(recs, text=True, day=False, start=True):
    return {
        r["id"]: (
            r["account"],
            r["text"] if text else None,
            (r["time"].replace(hour=0, minute=0, second=0) if day else r["time"])
            if start
            else None,
            float(r["spend"]),
        )
        for r in recs
    }


#: reader -> (file name, writer, fetch, expected, records are minute-resolution, CSV)
READERS = {
    "cnt-csv": ("posts.csv", w_cnt, posts, want_posts, False, True),
    "csv": ("posts.csv", w_generic, posts, want_posts, False, True),
    "io-archive": ("tweets.csv", w_io_archive, posts, want_posts, True, True),
    "fivethirtyeight": ("IRAhandle_tweets_1.csv", w_538, posts, want_posts, True, True),
    "bluesky-table": ("posts.csv", w_bluesky_table, posts, want_posts, False, True),
    "twitter-v1": ("tweets.jsonl", w_v1, posts, want_posts, False, False),
    "twitter-v2": ("pages.jsonl", w_v2, posts, want_posts, False, False),
    "bluesky": ("jetstream.jsonl", w_jetstream, posts, want_posts, False, False),
    "telegram": ("messages.jsonl", w_telegram, posts, want_posts, False, False),
    "meta-ad-library": ("ads.json", w_meta, ads, want_ads, False, False),
    "google-political-ads": (
        "google-political-ads-creative-stats.csv",
        w_google,
        ads,
        lambda r: want_ads(r, text=False, day=True),
        False,
        True,
    ),
    "hpsci-ads": (
        "ads.csv",
        w_hpsci,
        ads,
        lambda recs: {  # no landing page: no advertiser
            r["id"]: (None, r["text"], r["time"] + dt.timedelta(hours=7), float(r["spend"]))
            for r in recs
        },
        True,
        True,
    ),
    "promoted-csv": (
        "promoted.csv",
        w_promoted,
        ads,
        lambda r: want_ads(r, text=False, day=True),
        False,
        True,
    ),
}
FORMAT = {"bluesky-table": "bluesky"}


def _build(fmt: str, recs: list[dict]) -> tuple[bytes, list[bytes], bytes]:
    out = READERS[fmt][1](recs)
    return (out[0], out[1], out[2] if len(out) > 2 else b"")


def _ingest(tmp_path, fmt: str, data: bytes, tag: str):
    d = tmp_path / tag
    d.mkdir(exist_ok=True)
    f = d / READERS[fmt][0]
    f.write_bytes(data)
    ws = Workspace.open(":memory:")
    try:
        (r,) = ingest(
            ws, [f], format=FORMAT.get(fmt, fmt), platform="twitter" if fmt == "csv" else None
        ).files
        assert r.rows_read == r.rows_ingested + r.rows_quarantined
        got = READERS[fmt][2](ws)
        q = ws.rows("SELECT source_line, field, reason FROM quarantine")
    finally:
        ws.close()
    return r, got, q


def _expected(fmt: str, recs: list[dict]) -> dict:
    return READERS[fmt][3](recs)


# -- the properties --------------------------------------------------------------------------
def check_round_trip(fmt: str, recs: list[dict], tmp_path) -> None:
    head, chunks, tail = _build(fmt, recs)
    r, got, q = _ingest(tmp_path, fmt, head + b"".join(chunks) + tail, "clean")
    assert q == [] and r.rows_read == len(recs), (q, r)
    assert got == _expected(fmt, recs)


def _damage(draw, fmt: str, chunk: bytes, is_csv: bool, last: bool) -> bytes:
    """One damaged version of one record's bytes (its line break kept)."""
    body, nl = (chunk[:-1], chunk[-1:]) if chunk.endswith(b"\n") else (chunk, b"")
    if fmt == "meta-ad-library" and body.endswith(b","):
        body, nl = body[:-1], b"," + nl
    # a lost brace breaks the structure of a JSON document (Meta's response): only JSON lines,
    # where each line is a record, are guaranteed against it
    ops = ["cut", "byte", "value"] + (
        ["short", "extra", "quote"] if is_csv else [] if fmt == "meta-ad-library" else ["brace"]
    )
    op = draw(st.sampled_from(ops))
    if op == "cut":
        at = draw(st.integers(1, max(1, len(body) - 1)))
        if fmt == "meta-ad-library" and not last:
            # a document cut in the middle is no longer one document: cut a value instead
            return body[:at] + b"\xff" + body[at:] + nl
        return body[:at] + nl if not (last and is_csv and draw(st.booleans())) else body[:at]
    if op == "byte":
        spots = [i for i, c in enumerate(body) if c not in b'\n\r",;{}[]:\\']
        if not spots:
            return body + b"\xff" + nl
        i = draw(st.sampled_from(spots))
        return body[:i] + b"\xff" + body[i + 1 :] + nl
    if op == "short":
        return body[: body.rfind(b",")] + nl if b"," in body else body + nl
    if op == "extra":
        return body + b",extra" + nl
    if op == "quote":
        cuts = [i + 1 for i, c in enumerate(body) if c == ord(",")] or [0]
        i = draw(st.sampled_from(cuts))
        return body[:i] + b'"' + body[i:] + nl
    if op == "brace":
        return body.replace(b"}", b"", 1) + nl
    # value: a field of the wrong kind
    if is_csv:
        return body.replace(b",", b",not a value,", 1)[: len(body) + 14] + nl
    obj = orjson.loads(body)
    key = draw(st.sampled_from(sorted(obj)))
    obj[key] = draw(st.sampled_from([None, [], {}, "", "x", -1, 1.5, [[[[]]]]]))
    return orjson.dumps(obj) + nl


def check_local_damage(fmt: str, recs: list[dict], data, tmp_path) -> None:
    head, chunks, tail = _build(fmt, recs)
    _, clean, _ = _ingest(tmp_path, fmt, head + b"".join(chunks) + tail, "clean")
    k = data.draw(st.integers(0, len(chunks) - 1))
    bad = _damage(data.draw, fmt, chunks[k], READERS[fmt][5], k == len(chunks) - 1)
    damaged = head + b"".join(chunks[:k]) + bad + b"".join(chunks[k + 1 :]) + tail
    r, got, q = _ingest(tmp_path, fmt, damaged, "damaged")
    key = recs[k]["id"] if READERS[fmt][2] is ads else f"r{k}"
    others = {x: v for x, v in clean.items() if x != key}
    assert {x: got.get(x) for x in others} == others, (bad, q)
    assert len(set(got) - set(clean)) <= 1, (bad, got)  # the damaged record, changed
    assert r.rows_quarantined == len(q)
    assert all(x["source_line"] is not None and x["reason"] for x in q)


# -- default suite: bounded, derandomized ------------------------------------------------------
@pytest.mark.parametrize("fmt", sorted(READERS))
@FAST
@given(data=st.data())
def test_round_trip(fmt, data, tmp_path):
    check_round_trip(fmt, data.draw(records(minute=READERS[fmt][4])), tmp_path)


@pytest.mark.parametrize("fmt", sorted(READERS))
@FAST
@given(data=st.data())
def test_damage_stays_local(fmt, data, tmp_path):
    check_local_damage(fmt, data.draw(records(minute=READERS[fmt][4])), data, tmp_path)


# -- the long run -------------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("fmt", sorted(READERS))
@SLOW
@given(data=st.data())
def test_round_trip_long(fmt, data, tmp_path):
    check_round_trip(fmt, data.draw(records(minute=READERS[fmt][4])), tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("fmt", sorted(READERS))
@SLOW
@given(data=st.data())
def test_damage_stays_local_long(fmt, data, tmp_path):
    check_local_damage(fmt, data.draw(records(minute=READERS[fmt][4])), data, tmp_path)
