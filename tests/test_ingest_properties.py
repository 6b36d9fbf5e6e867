"""Property-based tests of every reader: hostile input never crashes and never vanishes.

For any input, ``ingest`` either raises an :class:`IoscopeError` that names the file, or reports
``rows_read == rows_ingested + rows_duplicate + rows_quarantined``; any other exception fails.
Inputs: arbitrary bytes, truncated valid files, wrong encodings, random JSON (with the keys readers look at),
records whose values are replaced by random JSON, missing columns and huge fields. The readers
are taken from the registry, so readers added later are covered by the generic properties.
Examples are derandomized and few (each ingest is a transaction), so the suite stays fast.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ioscope.errors import IoscopeError
from ioscope.ingest import ingest, readers
from ioscope.workspace import Workspace

FIX = Path(__file__).parent / "fixtures" / "ads"


def props(n: int) -> settings:
    """Few, derandomized examples: each is an ingest transaction."""
    return settings(
        derandomize=True,
        deadline=None,
        database=None,
        max_examples=n,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
        ],
    )


READERS = sorted(readers())
JSON_READERS = ["twitter-v1", "twitter-v2", "bluesky", "telegram", "meta-ad-library"]


# -- valid seeds, one or two small files per reader ----------------------------------------------
def _seeds() -> dict[str, list[tuple[str, bytes]]]:
    from tests.fixtures.samples.bluesky import author_feed, jetstream
    from tests.fixtures.samples.cnt import CNT
    from tests.fixtures.samples.telegram import channel_export
    from tests.fixtures.samples.twitter_v1 import lines_fixture
    from tests.fixtures.samples.twitter_v2 import page

    ru = [
        {
            "message_id": i,
            "sender_id": -1001101170442,
            "text": f"Новость {i} https://ria.ru/{i}",
            "date": "2024-12-04T08:55:19+00:00",
            "channel": "РИА Новости",
            "category": "x",
        }
        for i in range(3)
    ]
    hpsci = Path(__file__).resolve().parents[1] / "src" / "ioscope" / "data" / "samples" / "hpsci"
    seeds = {
        "cnt-csv": [("in.csv", CNT.encode())],
        "coortweet": [
            (
                "in.csv",
                b"object_id,account_id,content_id,timestamp_share\n"
                b"1,a,1,1600000000\n1,b,2,1600000010\n1,c,3,1600000020\n",
            )
        ],
        "twitter-v1": [("t.jsonl", b"\n".join(lines_fixture()[:5]))],
        "twitter-v2": [("p.jsonl", orjson.dumps(page()) + b"\n")],
        "bluesky": [
            ("feed.jsonl", orjson.dumps(author_feed())),
            ("jet.jsonl", b"\n".join(orjson.dumps(e) for e in jetstream())),
        ],
        "telegram": [
            ("result.json", json.dumps(channel_export(), indent=1, ensure_ascii=False).encode()),
            ("ru.json", json.dumps(ru, ensure_ascii=False, indent=4).encode()),
        ],
        "promoted-csv": [("promoted.csv", (FIX / "promoted.csv").read_bytes())],
        "meta-ad-library": [
            ("meta.json", (FIX / "meta_ads_archive.json").read_bytes()),
            ("meta.csv", (FIX / "meta_ads_report.csv").read_bytes()),
        ],
        "google-political-ads": [
            (
                "google-political-ads-creative-stats.csv",
                (FIX / "google" / "google-political-ads-creative-stats.csv").read_bytes(),
            )
        ],
        "hpsci-ads": [("ads.csv", b"\n".join((hpsci / "ads.csv").read_bytes().split(b"\n")[:6]))],
    }
    seeds.update(_tabular_seeds())
    return {k: v for k, v in seeds.items() if k in READERS}


def _tabular_seeds() -> dict[str, list[tuple[str, bytes]]]:
    """Seeds for the readers of the ingest-csv branch, from their shared samples."""
    import csv
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    from ioscope.ingest.formats.io_archive import TWEET_COLUMNS
    from tests.fixtures.samples.fivethirtyeight import ORIGINAL
    from tests.fixtures.samples.io_archive import TWEETS

    out: dict[str, list[tuple[str, bytes]]] = {}
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=TWEET_COLUMNS, extrasaction="ignore")
    w.writeheader()
    w.writerows({**user, **tweet} for user, tweet in TWEETS)
    out["io-archive"] = [("ira_tweets_csv_hashed.csv", buf.getvalue().encode())]
    out["fivethirtyeight"] = [("IRAhandle_tweets_1.csv", ORIGINAL.encode())]
    out["csv"] = [
        (
            "canonical.csv",
            b"platform,post_id,account_id,created_at,text,kind\n"
            b"twitter,p1,u1,2020-09-13T12:26:40Z,hello #x,post\n"
            b"twitter,p2,u2,1600000100,same words,repost\n",
        )
    ]
    sink = io.BytesIO()
    pq.write_table(
        pa.table(
            {
                "platform": ["twitter"] * 2,
                "post_id": ["p1", "p2"],
                "account_id": ["u1", "u2"],
                "text": ["a b", "Words here"],
                "created_at": ["2020-09-13T12:26:40Z", "2020-09-13T12:27:40Z"],
                "kind": ["post", "post"],
            }
        ),
        sink,
    )
    out["parquet"] = [("posts.parquet", sink.getvalue())]
    return out


SEEDS = _seeds()
SEEDED = [(name, i) for name in sorted(SEEDS) for i in range(len(SEEDS[name]))]


# -- the property ----------------------------------------------------------------------------------
def check(ws: Workspace, path: Path, fmt: str):
    """Ingest ``path``: a clear error naming the file, or exact accounting. Returns the result."""
    try:
        # accounting is the property: a file whose records are all quarantined is accepted
        # (by default it is an error, tested in test_ingest_batch.py)
        rep = ingest(ws, [path], format=fmt, allow_all_quarantined=True)
    except IoscopeError as e:
        assert not e.message.startswith("internal error"), e.message
        assert path.name in e.message, f"the error does not name the file: {e.message}"
        return None
    (r,) = rep.files
    assert r.rows_read == r.rows_ingested + r.rows_duplicate + r.rows_quarantined
    # a record the workspace already quarantined (same content, line and reason) is counted,
    # not written again
    assert (
        ws.sql("SELECT count(*) FROM quarantine WHERE run_id = ?", [rep.run_id]).fetchall()[0][0]
        == r.quarantine_new
        <= r.rows_quarantined
    )
    return r


@pytest.fixture
def mem_ws():
    with Workspace.open(":memory:") as ws:
        yield ws


# -- arbitrary bytes -----------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", READERS)
@props(8)
@given(data=st.binary(max_size=3000), compress=st.booleans())
def test_arbitrary_bytes(fmt, data, compress, tmp_path, mem_ws):
    f = tmp_path / "junk.bin"
    f.write_bytes(gzip.compress(data) if compress else data)
    check(mem_ws, f, fmt)


# -- truncated files -------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt,i", SEEDED)
@props(6)
@given(cut=st.floats(0, 1), compress=st.booleans())
def test_truncated_files(fmt, i, cut, compress, tmp_path, mem_ws):
    name, data = SEEDS[fmt][i]
    if compress:  # a cut gzip stream, as an interrupted download leaves it
        data = gzip.compress(data)
    f = tmp_path / name
    f.write_bytes(data[: int(len(data) * cut)])
    check(mem_ws, f, fmt)


# -- wrong encodings ------------------------------------------------------------------------------
def _reencode(data: bytes, how: str) -> bytes:
    text = data.decode("utf-8")
    if how == "utf-8-bom":
        return b"\xef\xbb\xbf" + data
    if how == "latin-1":
        return (
            text.encode("latin-1", errors="replace")
            if text.isascii()
            else (text + "é").encode(
                "cp1251" if any("а" <= c <= "я" for c in text) else "latin-1", errors="replace"
            )
        )
    return text.encode(how)  # utf-16 (with BOM), utf-16-be (without)


@pytest.mark.parametrize("how", ["utf-8-bom", "latin-1", "utf-16", "utf-16-be"])
@pytest.mark.parametrize("fmt,i", SEEDED)
def test_wrong_encodings(fmt, i, how, tmp_path, mem_ws):
    name, data = SEEDS[fmt][i]
    if name.endswith(".parquet"):
        pytest.skip("a binary format has no text encoding")
    f = tmp_path / name
    f.write_bytes(_reencode(data, how))
    r = check(mem_ws, f, fmt)
    if how == "utf-8-bom":  # a byte-order mark changes nothing
        with Workspace.open(":memory:") as plain:
            g = tmp_path / ("plain-" + name)
            g.write_bytes(data)
            expected = check(plain, g, fmt)
        assert r is not None and expected is not None
        assert (r.rows_read, r.rows_ingested) == (expected.rows_read, expected.rows_ingested)


# -- random JSON -----------------------------------------------------------------------------------
KEYS = [
    "id",
    "id_str",
    "user",
    "text",
    "full_text",
    "created_at",
    "data",
    "includes",
    "users",
    "tweets",
    "author_id",
    "referenced_tweets",
    "entities",
    "urls",
    "hashtags",
    "post",
    "uri",
    "author",
    "did",
    "record",
    "reason",
    "feed",
    "posts",
    "commit",
    "kind",
    "time_us",
    "messages",
    "message_id",
    "sender_id",
    "date",
    "from_id",
    "type",
    "chats",
    "list",
    "peer_id",
    "fwd_from",
    "facets",
    "embed",
    "value",
    "ad_id",
    "page_id",
    "spend",
    "$type",
]
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
    | st.sampled_from(
        [
            "at://did:plc:a/app.bsky.feed.post/1",
            "did:plc:a",
            "2024-01-01",
            "Sat Nov 05 01:22:44 +0000 2016",
            "channel123",
            "retweeted",
        ]
    )
)
JSON = st.recursive(
    SCALARS,
    lambda kids: (
        st.lists(kids, max_size=4)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=5), kids, max_size=6)
    ),
    max_leaves=25,
)


@pytest.mark.parametrize("fmt", JSON_READERS)
@props(10)
@given(
    records=st.lists(JSON, min_size=1, max_size=5),
    layout=st.sampled_from(["lines", "array", "pretty"]),
)
def test_random_json(fmt, records, layout, tmp_path, mem_ws):
    if fmt not in READERS:
        pytest.skip(f"{fmt} is not registered")
    f = tmp_path / "random.json"
    if layout == "lines":  # json, not orjson: integers beyond 64 bits are part of the test
        f.write_text("\n".join(json.dumps(r) for r in records))
    elif layout == "array":
        f.write_text(json.dumps(records))
    else:
        f.write_text(json.dumps(records[0], indent=1))
    check(mem_ws, f, fmt)


# -- records whose values are replaced: one line is one record, never silently dropped -----------
def _paths(obj, prefix=()):
    yield prefix
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _paths(v, prefix + (i,))


def _replace(obj, path, value):
    if not path:
        return value
    obj = json.loads(json.dumps(obj))
    cur = obj
    for p in path[:-1]:
        cur = cur[p]
    cur[path[-1]] = value
    return obj


def _line_records() -> dict[str, list[dict]]:
    from tests.fixtures.samples.bluesky import jetstream
    from tests.fixtures.samples.twitter_v1 import lines_fixture

    ru = {
        "message_id": 1,
        "sender_id": -1001,
        "text": "t #x https://a.b/c",
        "date": "2024-12-04T08:55:19+00:00",
        "channel": "C",
    }
    return {
        "twitter-v1": [orjson.loads(x) for x in lines_fixture()[:5]],
        "bluesky": jetstream()[:2],
        "telegram": [ru],
    }


LINE_RECORDS = _line_records()


@pytest.mark.parametrize("fmt", sorted(LINE_RECORDS))
@props(10)
@given(data=st.data())
def test_mutated_records_are_never_dropped(fmt, data, tmp_path, mem_ws):
    records = []
    for rec in LINE_RECORDS[fmt]:
        path = data.draw(st.sampled_from(list(_paths(rec))))
        records.append(_replace(rec, path, data.draw(JSON)))
    f = tmp_path / "mutated.jsonl"
    f.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    r = check(mem_ws, f, fmt)
    assert r is not None and r.rows_read == len(records)


# -- missing columns (tabular readers) ------------------------------------------------------------
CSV_SEEDS = [(fmt, i) for fmt, i in SEEDED if SEEDS[fmt][i][0].endswith(".csv")]


@pytest.mark.parametrize("fmt,i", CSV_SEEDS)
def test_missing_columns(fmt, i, tmp_path, mem_ws):
    import csv
    import io

    name, data = SEEDS[fmt][i]
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    for drop in range(len(rows[0])):
        f = tmp_path / f"{drop}-{name}"
        out = io.StringIO()
        csv.writer(out).writerows([r[:drop] + r[drop + 1 :] for r in rows])
        f.write_text(out.getvalue())
        check(mem_ws, f, fmt)


# -- huge fields ----------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt,i", SEEDED)
def test_huge_field(fmt, i, tmp_path, mem_ws):
    name, data = SEEDS[fmt][i]
    if name.endswith(".parquet"):
        import pyarrow as pa
        import pyarrow.parquet as pq

        t = pq.read_table(pa.BufferReader(data))
        f = tmp_path / name
        pq.write_table(
            t.set_column(
                t.schema.get_field_index("text"), "text", pa.array(["x" * 3_000_000] * t.num_rows)
            ),
            f,
        )
        check(mem_ws, f, fmt)
        return
    text = data.decode("utf-8")
    # make the longest run of letters 3 MB long: a text, a name or an id, depending on the file
    import re

    words = re.findall(r"[A-Za-zА-я]{3,}", text)
    assert words, "the seed has no word to grow"
    word = max(words, key=len)
    f = tmp_path / name
    f.write_text(text.replace(word, word * (3_000_000 // len(word)), 1), encoding="utf-8")
    r = check(mem_ws, f, fmt)
    if r is not None and r.rows_quarantined:
        longest = mem_ws.sql("SELECT max(length(raw)) FROM quarantine").fetchall()[0][0]
        assert longest is None or longest <= 10_000  # quarantined raw records are truncated
