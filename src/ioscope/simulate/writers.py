"""Streaming writers: each batch of canonical posts is converted and appended to the output files.

Formats:

* ``parquet``: ``posts.parquet`` and ``accounts.parquet`` with exactly the canonical columns;
* ``cnt-csv``: ``posts.csv`` in coordination-network-toolkit's 8 columns;
* ``io-archive``: ``tweets.csv`` (the 31 columns of Twitter's information-operations archive) and
  ``users.csv`` (its first 10 user columns).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ioscope.ingest.formats import cnt_csv, io_archive
from ioscope.simulate.batch import accounts_schema
from ioscope.simulate.content import repeat
from ioscope.simulate.population import Population
from ioscope.simulate.vocab import LANGUAGES

__all__ = [
    "CNT_COLUMNS",
    "IO_TWEET_COLUMNS",
    "IO_USER_COLUMNS",
    "open_writer",
    "CsvSink",
    "accounts_table",
]

# the formats' columns are declared once, by their readers
CNT_COLUMNS = tuple(cnt_csv.COLUMNS)
IO_TWEET_COLUMNS = tuple(io_archive.TWEET_COLUMNS)
IO_USER_COLUMNS = tuple(io_archive.USER_COLUMNS)


def _csv_field(x: pa.Array) -> pa.Array:
    """RFC 4180 field text: quoted (with doubled quotes) only when it has to be."""
    x = x.cast(pa.string())
    needs = pc.match_substring_regex(x, '[,"\\r\\n]')
    quoted = pc.binary_join_element_wise('"', pc.replace_substring(x, '"', '""'), '"', "")
    return pc.if_else(needs, quoted, x)


class CsvSink:
    """A CSV file written batch by batch, fields quoted only when needed, nulls as empty fields.

    Lines are assembled with Arrow string kernels and written straight from the Arrow buffer.
    """

    def __init__(self, path: Path, columns: tuple[str, ...]):
        self.path = path
        self.columns = columns
        self._file = open(path, "wb")
        self._file.write((",".join(columns) + "\n").encode())
        self.rows = 0

    def write(self, table: pa.Table) -> None:
        if table.num_rows == 0:
            return
        fields = [_csv_field(table[c].combine_chunks()) for c in self.columns]
        line = pc.binary_join_element_wise(
            *fields, ",", null_handling="replace", null_replacement=""
        )
        line = pc.binary_join_element_wise(line, "\n", "")
        self._file.write(_concatenated_bytes(line))
        self.rows += table.num_rows

    def close(self) -> None:
        self._file.close()


def _concatenated_bytes(arr: pa.Array) -> bytes:
    arr = pa.concat_arrays([arr]) if arr.offset else arr
    offsets = np.frombuffer(arr.buffers()[1], np.int32, len(arr) + 1)
    return arr.buffers()[2].to_pybytes()[offsets[0] : offsets[-1]]


def _when(kind: pa.Array, value: str, x: pa.Array) -> pa.Array:
    return pc.if_else(pc.equal(kind, value), x, pa.nulls(len(x), x.type))


def _repost_text(posts) -> pa.Array:
    """Reposts read ``RT @handle: text`` in the platform exports."""
    rt = pc.binary_join_element_wise("RT @", posts["target_handle"], ": ", posts["text"], "")
    return pc.if_else(pc.equal(posts["kind"], "repost"), rt, posts["text"])


def _cnt(posts: pa.Table) -> pa.Table:
    kind = posts["kind"]
    seconds = pc.cast(posts["created_at"], pa.int64()).to_numpy() // 1_000_000
    return pa.table(
        {
            "message_id": posts["post_id"],
            "user_id": posts["account_id"],
            "username": posts["handle"],
            "repost_id": _when(kind, "repost", posts["target_post_id"]),
            "reply_id": _when(kind, "reply", posts["target_post_id"]),
            "message": _repost_text(posts),
            "timestamp": pa.array(seconds),
            "urls": pc.binary_join(posts["urls"], " "),
        }
    )


def _py_list(lists: pa.Array) -> pa.Array:
    """``['a', 'b']`` -> the archive's Python-literal text ``['a', 'b']``; empty -> ``[]``."""
    flat = pc.list_flatten(lists)
    counts = pc.list_value_length(lists).fill_null(0).to_numpy()
    quoted = pc.binary_join_element_wise("'", flat, "'", "") if len(flat) else flat
    offsets = np.zeros(len(counts) + 1, np.int32)
    np.cumsum(counts, out=offsets[1:])
    inner = pc.binary_join(
        pa.ListArray.from_arrays(pa.array(offsets), quoted.cast(pa.string())), ", "
    )
    return pc.binary_join_element_wise("[", inner, "]", "")


def _float_text(x: pa.Array) -> pa.Array:
    return pc.binary_join_element_wise(pc.cast(x, pa.string()), ".0", "")


def _mention_ids(pop: Population, mentions: pa.Array) -> pa.Array:
    """Mentioned handles -> account ids (the archive lists mentioned user ids)."""
    flat = pc.list_flatten(mentions)
    counts = pc.list_value_length(mentions).fill_null(0).to_numpy()
    now = pc.index_in(flat, value_set=pop.handle)
    before = pc.index_in(flat, value_set=pc.drop_null(pop.old_handle))
    old_idx = np.flatnonzero(pc.is_valid(pop.old_handle).to_numpy(zero_copy_only=False))
    idx = pc.coalesce(now, pa.array(old_idx).take(before) if len(old_idx) else now)
    ids = pop.account_id_str.take(idx)
    offsets = np.zeros(len(counts) + 1, np.int32)
    np.cumsum(counts, out=offsets[1:])
    return pa.ListArray.from_arrays(pa.array(offsets), ids.cast(pa.string()))


def _io_users(pop: Population, idx: pa.Array) -> dict[str, pa.Array]:
    created = pc.strftime(
        pa.array(pop.created_ms, pa.int64()).cast(pa.timestamp("ms")).take(idx), format="%Y-%m-%d"
    )
    return {
        "userid": pop.account_id_str.take(idx),
        "user_display_name": pop.display_name.take(idx),
        "user_screen_name": pop.handle.take(idx),
        "user_reported_location": pop.location.take(idx),
        "user_profile_description": pop.description.take(idx),
        "user_profile_url": pop.profile_url.take(idx),
        "follower_count": pc.cast(pa.array(pop.followers).take(idx), pa.string()),
        "following_count": pc.cast(pa.array(pop.following).take(idx), pa.string()),
        "account_creation_date": created,
        "account_language": pa.array(LANGUAGES, pa.string()).take(
            pa.array(pop.language.astype(np.int64)).take(idx)
        ),
    }


def _io_tweets(table: pa.Table, pop: Population) -> pa.Table:
    posts = {c: table[c].combine_chunks() for c in table.column_names}
    kind = posts["kind"]
    n = table.num_rows
    idx = pc.index_in(posts["account_id"], value_set=pop.account_id_str)
    cols = _io_users(pop, idx)
    cols["user_screen_name"] = posts["handle"]  # as it was when the tweet was posted
    absent = repeat("absent", n)
    cols.update(
        {
            "tweetid": posts["post_id"],
            "tweet_language": posts["language"],
            "tweet_text": _repost_text(posts),
            "tweet_time": pc.strftime(posts["created_at"], format="%Y-%m-%d %H:%M"),
            "tweet_client_name": posts["client"],
            "in_reply_to_userid": _when(kind, "reply", posts["target_account_id"]),
            "in_reply_to_tweetid": _when(kind, "reply", posts["target_post_id"]),
            "quoted_tweet_tweetid": _when(kind, "quote", posts["target_post_id"]),
            "is_retweet": pc.if_else(pc.equal(kind, "repost"), "True", "False"),
            "retweet_userid": _when(kind, "repost", posts["target_account_id"]),
            "retweet_tweetid": _when(kind, "repost", posts["target_post_id"]),
            "latitude": absent,
            "longitude": absent,
            "quote_count": _float_text(posts["quote_count"]),
            "reply_count": _float_text(posts["reply_count"]),
            "like_count": _float_text(posts["like_count"]),
            "retweet_count": _float_text(posts["repost_count"]),
            "hashtags": _py_list(posts["hashtags"]),
            "urls": _py_list(posts["urls"]),
            "user_mentions": _py_list(_mention_ids(pop, posts["mentions"])),
            "poll_choices": pa.nulls(n, pa.string()),
        }
    )
    return pa.table({c: cols[c] for c in IO_TWEET_COLUMNS})


def accounts_table(pop: Population, post_count: np.ndarray) -> pa.Table:
    """The canonical accounts table, ordered by account id (i.e. by creation time)."""
    order = pa.array(np.argsort(pop.account_id, kind="stable"))
    n = pop.n
    none = pa.nulls(n, pa.string())
    cols = {
        "platform": repeat("twitter", n),
        "account_id": pop.account_id_str,
        "handle": pop.handle,
        "display_name": pop.display_name,
        "description": pop.description,
        "location": pop.location,
        "language": pa.array(LANGUAGES, pa.string()).take(pa.array(pop.language.astype(np.int64))),
        "created_at": pa.array(pop.created_ms * 1000, pa.int64()).cast(pa.timestamp("us")),
        "followers": pa.array(pop.followers),
        "following": pa.array(pop.following),
        "post_count": pa.array(post_count),
        "profile_url": pop.profile_url,
        "verified": pa.array(pop.verified),
        "source_file": none,
        "source_line": pa.nulls(n, pa.int64()),
        "run_id": none,
    }
    schema = accounts_schema()
    return pa.Table.from_arrays(
        [cols[f.name].cast(f.type).take(order) for f in schema], schema=schema
    )


class _Writer:
    def __init__(self, outdir: Path, pop: Population):
        self.outdir, self.pop = outdir, pop
        self.paths: dict[str, str] = {}

    def close(self) -> None:
        pass


class ParquetWriter(_Writer):
    def __init__(self, outdir: Path, pop: Population, schema: pa.Schema):
        super().__init__(outdir, pop)
        path = outdir / "posts.parquet"
        self._w = pq.ParquetWriter(path, schema, compression="zstd")
        self.paths["posts"] = str(path)

    def write(self, posts: pa.Table) -> None:
        self._w.write_table(posts)

    def write_accounts(self, accounts: pa.Table) -> None:
        path = self.outdir / "accounts.parquet"
        pq.write_table(accounts, path, compression="zstd")
        self.paths["accounts"] = str(path)

    def close(self) -> None:
        self._w.close()


class _CsvPostsWriter(_Writer):
    """Posts converted batch by batch into one CSV file (``FILE``, ``COLUMNS``); each format
    defines ``_rows``, the conversion of a batch."""

    FILE: str
    COLUMNS: tuple[str, ...]

    def __init__(self, outdir: Path, pop: Population, schema: pa.Schema):
        super().__init__(outdir, pop)
        self._sink = CsvSink(outdir / self.FILE, self.COLUMNS)
        self.paths["posts"] = str(self._sink.path)

    def write(self, posts: pa.Table) -> None:
        self._sink.write(self._rows(posts))

    def close(self) -> None:
        self._sink.close()


class CntWriter(_CsvPostsWriter):
    FILE, COLUMNS = "posts.csv", CNT_COLUMNS

    def _rows(self, posts: pa.Table) -> pa.Table:
        return _cnt(posts)

    def write_accounts(self, accounts: pa.Table) -> None:
        """The format has no accounts table: truth.csv lists the accounts."""


class IoArchiveWriter(_CsvPostsWriter):
    FILE, COLUMNS = "tweets.csv", IO_TWEET_COLUMNS

    def _rows(self, posts: pa.Table) -> pa.Table:
        return _io_tweets(posts, self.pop)

    def write_accounts(self, accounts: pa.Table) -> None:
        idx = pc.index_in(accounts["account_id"], value_set=self.pop.account_id_str)
        sink = CsvSink(self.outdir / "users.csv", IO_USER_COLUMNS)
        sink.write(pa.table(_io_users(self.pop, idx)))
        sink.close()
        self.paths["accounts"] = str(sink.path)


def open_writer(fmt: str, outdir: Path, pop: Population, schema: pa.Schema):
    cls = {"parquet": ParquetWriter, "cnt-csv": CntWriter, "io-archive": IoArchiveWriter}[fmt]
    return cls(outdir, pop, schema)
