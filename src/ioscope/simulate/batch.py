"""Posts under construction, and their conversion to the canonical ``posts`` table.

A component (organic chunk, anchors, a campaign) appends :class:`Part` s to a :class:`Batch`;
parts refer to earlier rows of the same batch by row number (``target_row``) or to posts of other
components by id (``target_id``). :meth:`Batch.finish` assigns post ids and returns an Arrow table
with exactly the canonical ``posts`` columns.

Post ids are Twitter snowflakes: creation milliseconds since 2010-11-04 in the high bits, a
10-bit worker (the batch number) and a 12-bit sequence (rank within the millisecond), so ids are
unique across the run and increase with time, like real tweet ids.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ioscope.simulate.content import Content, concat_content
from ioscope.simulate.population import Population
from ioscope.simulate.rng import component_rng
from ioscope.simulate.vocab import CLIENTS, LANGUAGES

__all__ = [
    "KINDS",
    "POST",
    "REPOST",
    "REPLY",
    "QUOTE",
    "Part",
    "Batch",
    "posts_schema",
    "accounts_schema",
    "arrow_type",
    "MAX_WORKERS",
]

KINDS = ("post", "repost", "reply", "quote")
POST, REPOST, REPLY, QUOTE = range(4)
MAX_WORKERS = 1024
_TWITTER_EPOCH_MS = 1_288_834_974_657
_ARROW = {
    "VARCHAR": pa.string(),
    "BIGINT": pa.int64(),
    "BOOLEAN": pa.bool_(),
    "TIMESTAMP": pa.timestamp("us"),
    "VARCHAR[]": pa.list_(pa.string()),
    "JSON": pa.string(),
    "DOUBLE": pa.float64(),
    "INTEGER": pa.int32(),
}


def arrow_type(sql_type: str) -> pa.DataType:
    return _ARROW[sql_type]


def _schema(table: str) -> pa.Schema:
    import ioscope.model.core  # noqa: F401  (registers the core tables)
    from ioscope.model.table import get_table

    t = get_table(table)
    return pa.schema([pa.field(c.name, arrow_type(c.type), nullable=c.nullable) for c in t.columns])


def _names(names: tuple[str, ...], idx: np.ndarray) -> pa.Array:
    return pa.array(names, pa.string()).take(pa.array(np.asarray(idx, np.int64)))


def posts_schema() -> pa.Schema:
    """Arrow schema of the canonical posts table (timestamps are naive UTC, like DuckDB TIMESTAMP)."""
    return _schema("posts")


def accounts_schema() -> pa.Schema:
    return _schema("accounts")


@dataclass
class Part:
    """Rows to append: authors, times (ms UTC), kind, content and optional targets."""

    author: np.ndarray
    t: np.ndarray
    kind: int | np.ndarray
    content: Content
    target_row: np.ndarray | None = None  # row in the batch, -1 = none
    target_id: np.ndarray | None = None  # id of a post outside the batch, 0 = none
    target_author: np.ndarray | None = None  # account index, -1 = none
    client: np.ndarray | None = None  # index into CLIENTS; default: the author's

    def __len__(self) -> int:
        return len(self.author)


@dataclass
class Batch:
    worker: int
    parts: list[Part] = field(default_factory=list)
    rows: int = 0
    # engagement that happens outside the batch (anchors' planned cascades), by row
    extra_reposts: dict[int, int] = field(default_factory=dict)
    ids: np.ndarray | None = None  # once finished: post ids,
    author: np.ndarray | None = None  # author account indices
    t: np.ndarray | None = None  # and final times (ms) of every row

    def add(self, part: Part) -> int:
        """Append ``part``; returns the row number of its first row."""
        first = self.rows
        self.parts.append(part)
        self.rows += len(part)
        return first

    def _cat(self, name: str, fill, dtype) -> np.ndarray:
        out = []
        for p in self.parts:
            v = getattr(p, name)
            if v is None or np.isscalar(v):
                v = np.full(len(p), fill if v is None else v, dtype)
            out.append(np.asarray(v, dtype))
        return np.concatenate(out) if out else np.zeros(0, dtype)

    def assign_ids(self) -> tuple[np.ndarray, np.ndarray]:
        """(post ids, times) of all rows; ids are snowflakes unique within the run."""
        if not 0 <= self.worker < MAX_WORKERS:
            raise ValueError(f"worker {self.worker} out of range")
        t = self._cat("t", 0, np.int64)
        while True:
            order = np.argsort(t, kind="stable")
            ts = t[order]
            first = np.r_[True, ts[1:] != ts[:-1]] if len(ts) else np.zeros(0, bool)
            group_start = np.maximum.accumulate(np.where(first, np.arange(len(ts)), 0))
            seq = np.arange(len(ts)) - group_start
            over = seq >= 4096
            if not over.any():
                break
            # more than 4096 posts in one millisecond of one batch: move the overflow 1 ms later
            t[order[over]] += 1
        ids = np.empty(len(t), np.int64)
        ids[order] = ((ts - _TWITTER_EPOCH_MS) << 22) | (self.worker << 12) | seq
        return ids, t

    def finish(self, pop: Population, seed: int) -> pa.Table:
        """The canonical posts table of the batch (and the ids, for later references)."""
        rng = component_rng(seed, "engagement", self.worker)
        n = self.rows
        author = self._cat("author", -1, np.int64)
        kind = (
            np.concatenate(
                [np.broadcast_to(np.asarray(p.kind, np.int8), (len(p),)) for p in self.parts]
            )
            if self.parts
            else np.zeros(0, np.int8)
        )
        target_row = self._cat("target_row", -1, np.int64)
        target_ext = self._cat("target_id", 0, np.int64)
        target_author = self._cat("target_author", -1, np.int64)
        client = self._cat("client", -1, np.int64)
        client = np.where(client < 0, pop.client[author], client)
        ids, t = self.assign_ids()
        self.ids, self.author, self.t = ids, author, t
        has_row = target_row >= 0
        target_id = np.where(has_row, ids[np.where(has_row, target_row, 0)], target_ext)
        content = concat_content([p.content for p in self.parts])
        # observed engagement inside the batch, plus planned engagement elsewhere
        counts = {
            k: np.bincount(target_row[has_row & (kind == k)], minlength=n)[:n]
            for k in (REPOST, REPLY, QUOTE)
        }
        for row, extra in self.extra_reposts.items():
            counts[REPOST][row] += extra
        is_repost = kind == REPOST
        likes = rng.poisson(0.4 + 2.5 * counts[REPOST] + 0.5 * counts[REPLY])
        ts = pa.array(t * 1000, pa.int64()).cast(pa.timestamp("us"))
        none = pa.nulls(n, pa.string())
        tgt = target_author >= 0
        target_handle = pc.if_else(
            pa.array(tgt), pop.handle_at(np.where(tgt, target_author, 0), t), none
        )
        cols = {
            "platform": _names(("twitter",), np.zeros(n, np.int64)),
            "post_id": pc.cast(pa.array(ids), pa.string()),
            "account_id": pop.account_id_str.take(pa.array(author)),
            "handle": pop.handle_at(author, t),
            "created_at": ts,
            "kind": _names(KINDS, kind),
            **{"text": content.text},
            "language": _names(LANGUAGES, pop.language[author]),
            "client": _names(CLIENTS, client),
            "target_post_id": pc.if_else(
                pa.array(target_id != 0), pc.cast(pa.array(target_id), pa.string()), none
            ),
            "target_account_id": pc.if_else(
                pa.array(tgt),
                pop.account_id_str.take(pa.array(np.where(tgt, target_author, 0))),
                none,
            ),
            "target_handle": target_handle,
            "hashtags": content.hashtags,
            "mentions": content.mentions,
            "urls": content.urls,
            "urls_normalized": content.urls_normalized,
            "domains": content.domains,
            # a repost's own counters are not reported separately by the platforms
            "like_count": pa.array(np.where(is_repost, 0, likes)),
            "repost_count": pa.array(np.where(is_repost, 0, counts[REPOST])),
            "reply_count": pa.array(np.where(is_repost, 0, counts[REPLY])),
            "quote_count": pa.array(np.where(is_repost, 0, counts[QUOTE])),
            "view_count": pa.nulls(n, pa.int64()),
            "source_file": none,
            "source_line": pa.nulls(n, pa.int64()),
            "run_id": none,
        }
        schema = posts_schema()
        return pa.Table.from_arrays([cols[f.name].cast(f.type) for f in schema], schema=schema)
