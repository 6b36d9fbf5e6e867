"""CNT-compatible edges (``detect --compat cnt``): directed weights counted on candidate pairs only.

coordination-network-toolkit's weight of u1 → u2 is the number of distinct posts of u1 with a
post of u2 on the same item within the window; an edge needs ``min_weight``. That weight cannot
exceed the number of action pairs of the two accounts, so only *candidate* account pairs, those
with at least ``min_weight`` action pairs, can make an edge. In a repost network of 1 M posts
there are about 10 M action pairs (most from a few viral posts) over about 10 M account pairs,
and only about 250 k candidates: counting action pairs per account pair is the whole cost, and
storing the 10 M pairs first (as :func:`ioscope.detect.engine.coaction.pair_actions` does for the
significance tests) doubles it.

So the pairs are never stored. The bucket join of
:func:`~ioscope.detect.engine.coaction.pair_actions` yields, per action pair, the account pair as
one integer key and the two actions' row numbers; the keys met at least ``min_weight`` times
are found by sorting (numpy's sort of 10 M integers takes a tenth of the time of DuckDB's hash
aggregation over as many groups, measured in benchmarks/bench_cnt_compare.py's notes), and only
the candidates' action pairs (``KEPT_PAIRS``, about 0.5 M) are joined back to their actions.
Another engine (Spark) runs the same keys through ``GROUP BY … HAVING`` and a semi-join. The
edges then come from one aggregation of the kept pairs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from ioscope.detect.engine.coaction import ACTIONS, EDGES, KEPT_PAIRS, PAIR_COLUMNS
from ioscope.detect.engine.sql import Sql
from ioscope.sql import literal

if TYPE_CHECKING:  # annotations only: signals/ imports the engine
    from ioscope.detect.signals.base import Signal

__all__ = ["cnt_pairs", "cnt_edges"]

#: Actions with a dense row number ``r`` (what a pair's key refers to).
_ROWS = "_det_cnt_actions"
#: 2**32: two ids below it packed into one BIGINT (account ids, action rows)
_SHIFT = 4294967296


def _join(select: str, signal: Signal, p: dict[str, Any]) -> str:
    """``select`` (over actions ``x`` and ``y``) of every action pair of two accounts on the same
    item within the window, each unordered pair once (the bucket equi-join of ``pair_actions``)."""
    if not signal.windowed:
        return f"SELECT {select} FROM {_ROWS} x JOIN {_ROWS} y ON x.iid = y.iid WHERE x.aid < y.aid"
    w = literal(p["window"])
    return f"""
        SELECT {select} FROM {_ROWS} x JOIN {_ROWS} y ON x.iid = y.iid AND x.b = y.b
        WHERE x.aid < y.aid AND ABS(y.t - x.t) <= {w}
        UNION ALL
        SELECT {select} FROM {_ROWS} x JOIN {_ROWS} y ON x.iid = y.iid AND y.b = x.b + 1
        WHERE x.aid <> y.aid AND y.t - x.t <= {w}"""


#: The account pair of actions ``x`` and ``y`` (lower id first) as one key.
_KEY = f"CAST(LEAST(x.aid, y.aid) AS BIGINT) * {_SHIFT} + GREATEST(x.aid, y.aid)"


def cnt_pairs(sql: Sql, signal: Signal, p: dict[str, Any]) -> dict[str, int]:
    """``KEPT_PAIRS``: the action pairs (:data:`PAIR_COLUMNS`, a1 < a2) of the account pairs with
    at least ``min_weight`` of them. Returns the number of action pairs and of candidates."""
    sql.temp(
        _ROWS,
        f"SELECT aid, iid, pid, t, b, ROW_NUMBER() OVER (ORDER BY iid, t, aid, pid) AS r "
        f"FROM {ACTIONS}",
    )
    mw = int(p["min_weight"])
    if type(sql).run is Sql.run:  # statements run on this DuckDB connection: sort in numpy
        pairs, chosen = _candidates_sorted(sql, signal, p, mw)
    else:
        pairs, chosen = _candidates_grouped(sql, signal, p, mw)
    lo = "x.aid < y.aid"
    sql.temp(
        KEPT_PAIRS,
        f"""
        SELECT LEAST(x.aid, y.aid) AS a1, GREATEST(x.aid, y.aid) AS a2, x.iid,
               CASE WHEN {lo} THEN x.pid ELSE y.pid END AS p1,
               CASE WHEN {lo} THEN y.pid ELSE x.pid END AS p2,
               CASE WHEN {lo} THEN x.t ELSE y.t END AS t1,
               CASE WHEN {lo} THEN y.t ELSE x.t END AS t2, CAST(NULL AS DOUBLE) AS score
        FROM {chosen}""",
    )
    return {"pairs": pairs, "candidate_account_pairs": sql.one(f"SELECT COUNT(*) FROM {_CAND}")}


_CAND = "_det_cnt_candidates"


def _candidates_sorted(sql: Sql, signal: Signal, p: dict[str, Any], mw: int) -> tuple[int, str]:
    """DuckDB: every pair's key and rows fetched as two integer arrays; candidates by sorting."""
    got = sql.run(_join(f"{_KEY} AS k, x.r * {_SHIFT} + y.r AS xy", signal, p)).fetchnumpy()
    keys, rows = np.asarray(got["k"], dtype=np.int64), np.asarray(got["xy"], dtype=np.int64)
    del got
    cand = _often(keys, mw)
    keep = _member(keys, cand)
    sql.temp_table(_CAND, "k BIGINT")
    sql.temp_table("_det_cnt_kept_rows", "rx BIGINT, ry BIGINT")
    sql.con.register("_det_cnt_cand_arrow", pa.table({"k": cand}))
    sql.con.register("_det_cnt_rows_arrow", pa.table({"xy": rows[keep]}))
    try:
        sql.run(f"INSERT INTO {_CAND} SELECT k FROM _det_cnt_cand_arrow")
        sql.run(
            f"INSERT INTO _det_cnt_kept_rows SELECT CAST(FLOOR(xy / {_SHIFT}) AS BIGINT), "
            f"xy % {_SHIFT} FROM _det_cnt_rows_arrow"
        )
    finally:
        sql.con.unregister("_det_cnt_cand_arrow")
        sql.con.unregister("_det_cnt_rows_arrow")
    return len(keys), (
        f"_det_cnt_kept_rows k JOIN {_ROWS} x ON x.r = k.rx JOIN {_ROWS} y ON y.r = k.ry"
    )


def _often(keys: np.ndarray, times: int) -> np.ndarray:
    """The distinct values met at least ``times`` times in ``keys``, sorted: in sorted order, such
    a value starts a run where the element ``times - 1`` places on is equal to it."""
    ordered = np.sort(keys)
    n = len(ordered) - times + 1
    if n <= 0:
        return ordered[:0]
    starts = ordered[times - 1 :][ordered[:n] == ordered[times - 1 :]]
    return starts[np.concatenate(([True], starts[1:] != starts[:-1]))] if len(starts) else starts


def _member(keys: np.ndarray, cand: np.ndarray) -> np.ndarray:
    """Which of ``keys`` are in the sorted array ``cand``: a 2**24-slot filter of the hashed
    keys first (random lookups in a 16 MB table are cheap), an exact search on its hits only."""
    if not len(cand):
        return np.zeros(len(keys), dtype=bool)
    slot = lambda k: (k.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(40)  # noqa: E731
    table = np.zeros(1 << 24, dtype=bool)
    table[slot(cand)] = True
    hit = np.flatnonzero(table[slot(keys)])
    pos = np.minimum(np.searchsorted(cand, keys[hit]), len(cand) - 1)
    keep = np.zeros(len(keys), dtype=bool)
    keep[hit[cand[pos] == keys[hit]]] = True
    return keep


def _candidates_grouped(sql: Sql, signal: Signal, p: dict[str, Any], mw: int) -> tuple[int, str]:
    """Any engine: candidates by GROUP BY … HAVING, their pairs by a semi-join on the key."""
    sql.temp(
        _CAND,
        f"SELECT k FROM ({_join(f'{_KEY} AS k', signal, p)}) j "
        f"GROUP BY k HAVING COUNT(*) >= {literal(mw)}",
    )
    pairs = sql.one(f"SELECT COUNT(*) FROM ({_join('x.r', signal, p)}) j")
    sql.temp(
        "_det_cnt_kept_rows",
        f"SELECT rx, ry FROM ({_join(f'{_KEY} AS k, x.r AS rx, y.r AS ry', signal, p)}) j "
        f"WHERE k IN (SELECT k FROM {_CAND})",
    )
    return pairs, (
        f"_det_cnt_kept_rows k JOIN {_ROWS} x ON x.r = k.rx JOIN {_ROWS} y ON y.r = k.ry"
    )


def cnt_edges(sql: Sql, p: dict[str, Any]) -> int:
    """``EDGES`` from ``KEPT_PAIRS``: one row per direction whose weight (distinct posts of the
    first account with a match by the second) reaches ``min_weight``; the pair's shared items,
    co-actions and first and last times on both rows."""
    mw = literal(p["min_weight"])
    sql.temp(
        "_det_w",
        f"""
        SELECT a1, a2, COUNT(DISTINCT p1) AS n1, COUNT(DISTINCT p2) AS n2,
               COUNT(DISTINCT iid) AS shared_items, COUNT(*) AS co_actions, AVG(score) AS score,
               MIN(LEAST(t1, t2)) AS first_t, MAX(GREATEST(t1, t2)) AS last_t
        FROM {KEPT_PAIRS} GROUP BY a1, a2""",
    )
    rest = "shared_items, co_actions, score, first_t, last_t FROM _det_w"
    return sql.temp(
        EDGES,
        f"""
        SELECT a1, a2, TRUE AS directed, n1 AS weight, {rest} WHERE n1 >= {mw}
        UNION ALL
        SELECT a2 AS a1, a1 AS a2, TRUE AS directed, n2 AS weight, {rest} WHERE n2 >= {mw}""",
    )


assert PAIR_COLUMNS == "a1, a2, iid, p1, p2, t1, t2, score"  # the columns KEPT_PAIRS has
