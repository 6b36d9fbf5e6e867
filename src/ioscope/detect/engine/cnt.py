"""CNT-compatible edges (``detect --compat cnt``): directed weights counted on candidate pairs only.

coordination-network-toolkit's weight of u1 → u2 is the number of distinct posts of u1 with a
post of u2 on the same item within the window; an edge needs ``min_weight``. That weight cannot
exceed the number of action pairs of the two accounts, so only *candidate* account pairs, those
with at least ``min_weight`` action pairs, can make an edge. In the repost network of 1 M
simulated posts there are 10.6 M action pairs over 10.3 M account pairs (most from a few viral
posts) and 0.25 M candidates: counting action pairs per account pair is the whole cost, and
storing the pairs first (as :func:`ioscope.detect.engine.coaction.pair_actions` does for the
significance tests) doubles it.

So the pairs are never stored. On DuckDB, the actions sorted by (item, time) are swept in numpy
(:func:`_sweep`: the pairs of an action are the run of actions after it within the window),
each pair's account pair becomes one integer key, and the keys met at least ``min_weight``
times are found by sorting them (:func:`_often`); only the candidates' pairs (``KEPT_PAIRS``,
0.56 M) go back into the database. Measured on those 10.6 M pairs (2 cores): DuckDB's hash
aggregation ``GROUP BY a1, a2 HAVING COUNT(*) >= 2`` took 1.5-2.5 CPU s, the same over one
packed BIGINT key 1.4-2 s, a sort in DuckDB 1.3 s, numpy's sort 0.2 s; the bucket join
generating the pairs 0.35-0.7 CPU s, the sweep 0.3 s. Another engine (Spark) runs the bucket
join with ``GROUP BY … HAVING`` and a semi-join (:func:`_candidates_grouped`; same edges,
tests/test_detect_cnt.py). The edges then come from one aggregation of the kept pairs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from ioscope.detect.engine.coaction import ACTIONS, EDGES, KEPT_PAIRS, PAIR_COLUMNS
from ioscope.detect.engine.sql import Sql
from ioscope.params import parse_size
from ioscope.sql import literal

if TYPE_CHECKING:  # annotations only: signals/ imports the engine
    from ioscope.detect.signals.base import Signal

__all__ = ["cnt_pairs", "cnt_edges"]

#: Actions with a dense row number ``r`` (what a pair refers to on another engine).
_ROWS = "_det_cnt_actions"
#: The candidate account pairs (keys) on another engine.
_CAND = "_det_cnt_candidates"
#: Per candidate account pair: n1, n2 (the two directed weights), shared_items, co_actions,
#: score, first_t, last_t.
WEIGHTS = "_det_w"
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
    at least ``min_weight`` of them, and their counts (:data:`WEIGHTS`). Returns the number of
    action pairs and of candidates."""
    mw = int(p["min_weight"])
    done = None
    if type(sql).run is Sql.run:  # statements run on this DuckDB connection: sort in numpy
        done = _kept_sorted(sql, signal, p, mw)
    pairs, candidates = done or _kept_grouped(sql, signal, p, mw)
    return {"pairs": pairs, "candidate_account_pairs": candidates}


#: Bytes the numpy arrays hold per action pair at most (sweep, keys, their sorted copy, filters).
BYTES_PER_PAIR = 48
#: Share of DuckDB's memory limit the arrays may take; beyond it the pairs are counted in SQL,
#: where DuckDB spills to disk (the limit is 60 % of the process's budget: resources.py).
ARRAY_SHARE = 0.4


def _array_budget(sql: Sql) -> int:
    """Bytes the pair arrays may take in this process (:data:`ARRAY_SHARE` of DuckDB's limit)."""
    limit = sql.con.execute("SELECT current_setting('memory_limit')").fetchone()[0]
    return int(parse_size(limit) * ARRAY_SHARE)


def _kept_sorted(sql: Sql, signal: Signal, p: dict[str, Any], mw: int) -> tuple[int, int] | None:
    """DuckDB: the pairs swept in numpy (:func:`_sweep`), their account-pair keys sorted to find
    the candidates (:func:`_often`), the candidates' pairs (:func:`_member`) written to
    ``KEPT_PAIRS`` from the arrays. None, with nothing done, when the pairs' arrays would take
    more than :func:`_array_budget`."""
    got = sql.run(f"SELECT aid, iid, pid, t FROM {ACTIONS} ORDER BY iid, t, aid, pid").fetchnumpy()
    aid, iid, pid = (np.asarray(got[c], dtype=np.int64) for c in ("aid", "iid", "pid"))
    t = np.asarray(got["t"], dtype=np.float64)
    del got
    end = _run_ends(iid, t, float(p["window"]) if signal.windowed else None)
    if (end - np.arange(1, len(end) + 1)).sum() * BYTES_PER_PAIR > _array_budget(sql):
        return None
    rx, ry = _sweep(end, t, aid, float(p["window"]) if signal.windowed else None)
    pairs = len(rx)
    ax, ay = aid[rx], aid[ry]
    keys = np.minimum(ax, ay) * _SHIFT + np.maximum(ax, ay)
    del ax, ay
    cand = _often(keys, mw)
    keep = _member(keys, cand)
    x, y = rx[keep], ry[keep]
    del rx, ry, keys, keep
    lo = aid[x] < aid[y]
    first, second = np.where(lo, x, y), np.where(lo, y, x)
    kept = pa.table(
        {
            "a1": aid[first],
            "a2": aid[second],
            "iid": iid[x],
            "p1": pid[first],
            "p2": pid[second],
            "t1": t[first],
            "t2": t[second],
            "score": pa.nulls(len(x), pa.float64()),
        }
    )
    _table_from_arrow(
        sql,
        KEPT_PAIRS,
        "a1 BIGINT, a2 BIGINT, iid BIGINT, p1 BIGINT, p2 BIGINT, t1 DOUBLE, t2 DOUBLE, "
        "score DOUBLE",
        kept,
        PAIR_COLUMNS,
    )
    if len(x):
        _weights_arrays(sql, kept)
    else:
        _weights_sql(sql)
    return pairs, len(cand)


def _run_ends(iid: np.ndarray, t: np.ndarray, window: float | None) -> np.ndarray:
    """For actions sorted by (item, time): one past the last action of each one's run, the
    actions after it on the same item up to the window's end (to the item's last action when
    ``window`` is None).

    The window's end is found with one ``searchsorted`` over (item rank, time) folded into one
    float; the fold's rounding only widens the run (by ``slack``): :func:`_sweep` applies the
    exact condition on the times."""
    n = len(iid)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    first = np.concatenate(([0], np.flatnonzero(iid[1:] != iid[:-1]) + 1))
    sizes = np.diff(np.concatenate((first, [n])))
    end = np.repeat(first + sizes, sizes)  # one past the item's last action
    if window is not None:
        rel = t - np.repeat(t[first], sizes)  # time since the item's first action, >= 0
        span = float(rel.max()) + window + 2.0
        folded = np.repeat(np.arange(len(first), dtype=np.float64) * span, sizes) + rel
        slack = 1.0 + float(folded[-1]) * 2.0**-40
        end = np.minimum(end, np.searchsorted(folded, folded + (window + slack), side="right"))
    return end


def _sweep(
    end: np.ndarray, t: np.ndarray, aid: np.ndarray, window: float | None
) -> tuple[np.ndarray, np.ndarray]:
    """Every pair (i, j) of actions sorted by (item, time) with i < j < ``end[i]``
    (:func:`_run_ends`), two accounts and ``t[j] - t[i] <= window``: the pairs of an action
    are the run of the sorted arrays after it."""
    n = len(end)
    idx = np.arange(n, dtype=np.int32)
    follow = end - idx - 1  # actions after each one within its run
    total = int(follow.sum())
    # the j of the pairs of action i are i + 1, i + 2, ...: a running count restarted per action
    rx = np.repeat(idx, follow)
    ry = np.arange(total, dtype=np.int32 if total < 2**31 else np.int64)
    ry += np.repeat((idx + 1 - (np.cumsum(follow) - follow)).astype(ry.dtype), follow)
    ok = aid[ry] != aid[rx]
    if window is not None:
        ok &= t[ry] - t[rx] <= window
    return rx[ok], ry[ok]


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


def _kept_grouped(sql: Sql, signal: Signal, p: dict[str, Any], mw: int) -> tuple[int, int]:
    """Any engine: the bucket join's account-pair keys, candidates by GROUP BY … HAVING, their
    pairs by a semi-join on the key."""
    sql.temp(
        _ROWS,
        f"SELECT aid, iid, pid, t, b, ROW_NUMBER() OVER (ORDER BY iid, t, aid, pid) AS r "
        f"FROM {ACTIONS}",
    )
    candidates = sql.temp(
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
    lo = "x.aid < y.aid"
    sql.temp(
        KEPT_PAIRS,
        f"""
        SELECT LEAST(x.aid, y.aid) AS a1, GREATEST(x.aid, y.aid) AS a2, x.iid,
               CASE WHEN {lo} THEN x.pid ELSE y.pid END AS p1,
               CASE WHEN {lo} THEN y.pid ELSE x.pid END AS p2,
               CASE WHEN {lo} THEN x.t ELSE y.t END AS t1,
               CASE WHEN {lo} THEN y.t ELSE x.t END AS t2, CAST(NULL AS DOUBLE) AS score
        FROM _det_cnt_kept_rows k JOIN {_ROWS} x ON x.r = k.rx JOIN {_ROWS} y ON y.r = k.ry""",
    )
    _weights_sql(sql)
    return pairs, candidates


def cnt_edges(sql: Sql, p: dict[str, Any]) -> int:
    """``EDGES`` from the account pairs' counts (:data:`WEIGHTS`, made by :func:`cnt_pairs`): one
    row per direction whose weight (distinct posts of the first account with a match by the
    second) reaches ``min_weight``; the pair's shared items, co-actions and first and last times
    on both rows."""
    mw = literal(p["min_weight"])
    rest = f"shared_items, co_actions, score, first_t, last_t FROM {WEIGHTS}"
    return sql.temp(
        EDGES,
        f"""
        SELECT a1, a2, TRUE AS directed, n1 AS weight, {rest} WHERE n1 >= {mw}
        UNION ALL
        SELECT a2 AS a1, a1 AS a2, TRUE AS directed, n2 AS weight, {rest} WHERE n2 >= {mw}""",
    )


def _weights_sql(sql: Sql) -> None:
    """:data:`WEIGHTS` from ``KEPT_PAIRS``: per account pair, the distinct posts of each side
    with a match (``n1``, ``n2``), distinct items, pairs, and the first and last times."""
    sql.temp(
        WEIGHTS,
        f"""
        SELECT a1, a2, COUNT(DISTINCT p1) AS n1, COUNT(DISTINCT p2) AS n2,
               COUNT(DISTINCT iid) AS shared_items, COUNT(*) AS co_actions, AVG(score) AS score,
               MIN(LEAST(t1, t2)) AS first_t, MAX(GREATEST(t1, t2)) AS last_t
        FROM {KEPT_PAIRS} GROUP BY a1, a2""",
    )


def _weights_arrays(sql: Sql, kept: pa.Table) -> None:
    """:data:`WEIGHTS` as :func:`_weights_sql` makes it, from the kept pairs' arrays: sorted by
    account pair, a distinct count is the number of changes of (pair, value) in that order."""
    key = kept["a1"].to_numpy() * _SHIFT + kept["a2"].to_numpy()
    order = np.argsort(key, kind="stable")
    ordered = key[order]
    starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))

    group = np.empty(len(key), dtype=np.int64)
    group[order] = np.cumsum(np.concatenate(([False], ordered[1:] != ordered[:-1])))

    def distinct(column: str) -> np.ndarray:
        value = kept[column].to_numpy().astype(np.int64)
        if value.min() >= 0 and value.max() < _SHIFT:  # (group, value) as one integer: one sort
            both = np.sort(group * _SHIFT + value)
            new = np.concatenate(([True], both[1:] != both[:-1]))
        else:
            by = np.lexsort((value, group))
            g, v = group[by], value[by]
            new = np.concatenate(([True], (g[1:] != g[:-1]) | (v[1:] != v[:-1])))
        return np.add.reduceat(new.astype(np.int64), starts)

    t1, t2 = kept["t1"].to_numpy(), kept["t2"].to_numpy()
    weights = pa.table(
        {
            "a1": ordered[starts] // _SHIFT,
            "a2": ordered[starts] % _SHIFT,
            "n1": distinct("p1"),
            "n2": distinct("p2"),
            "shared_items": distinct("iid"),
            "co_actions": np.diff(np.append(starts, len(ordered))),
            "score": pa.nulls(len(starts), pa.float64()),
            "first_t": np.minimum.reduceat(np.minimum(t1, t2)[order], starts),
            "last_t": np.maximum.reduceat(np.maximum(t1, t2)[order], starts),
        }
    )
    _table_from_arrow(
        sql,
        WEIGHTS,
        "a1 BIGINT, a2 BIGINT, n1 BIGINT, n2 BIGINT, shared_items BIGINT, co_actions BIGINT, "
        "score DOUBLE, first_t DOUBLE, last_t DOUBLE",
        weights,
    )


def _table_from_arrow(sql: Sql, name: str, columns: str, rows: pa.Table, select: str = "*") -> None:
    """The temporary table ``name`` (``columns``: its declaration) filled from ``rows`` in one
    Arrow insert."""
    sql.temp_table(name, columns)
    view = f"{name}_arrow"
    sql.con.register(view, rows)
    try:
        sql.run(f"INSERT INTO {name} SELECT {select} FROM {view}")
    finally:
        sql.con.unregister(view)


assert PAIR_COLUMNS == "a1, a2, iid, p1, p2, t1, t2, score"  # the columns KEPT_PAIRS has
