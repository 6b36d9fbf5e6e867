"""The generic co-action engine: actions → hot-item policy → pairs → edges and evidence.

Pairs come from a *bucket equi-join*: with bucket ``b = CAST(FLOOR(t / W) AS BIGINT)``, two
actions at most W seconds apart are in the same bucket or in adjacent ones, so joining on
``(item, b)`` and ``(item, b + 1)`` and then keeping ``|Δt| ≤ W`` finds every pair, and only
those, at a cost that grows with the actions per item *per bucket*. A range join on the item
alone would be quadratic in each item's actions over the whole period.

Hot-item policy: a *hot cell* is an (item, bucket) with more than ``max_item_actions`` actions
(a viral post, a trending hashtag). Such cells yield most candidate pairs and almost no signal.
``hot_items = skip`` sets their actions aside, ``cap`` keeps the earliest ``max_item_actions`` of
each cell (by time, then account, then post), ``keep`` keeps everything. The counts are returned
and recorded in the run's ``row_counts``; the policy and limit are in its ``parameters``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ioscope.detect.engine.sql import Sql, from_epoch
from ioscope.sql import literal

if TYPE_CHECKING:  # annotations only: signals/ imports this module
    from ioscope.detect.signals.base import Signal

__all__ = [
    "ACCOUNTS",
    "ACTIONS",
    "PAIRS",
    "KEPT_PAIRS",
    "EDGES",
    "ITEM_NAMES",
    "POST_NAMES",
    "PAIR_COLUMNS",
    "prepare_accounts",
    "load_actions",
    "index_actions",
    "oriented",
    "apply_hot_policy",
    "pair_actions",
    "aggregate_edges",
    "store",
]

ACCOUNTS = "_det_accounts"
ACTIONS = "_det_actions"
PAIRS = "_det_pairs"
EDGES = "_det_edges"
ITEM_NAMES = "_det_item_names"
POST_NAMES = "_det_post_names"
#: The pairs of the account pairs that make an edge (a subset of PAIRS).
KEPT_PAIRS = "_det_kept_pairs"
#: What every pairing produces: accounts (a1 < a2), integer item and post ids (see ITEM_NAMES,
#: POST_NAMES), the two times and an optional pair score.
PAIR_COLUMNS = "a1, a2, iid, p1, p2, t1, t2, score"


def prepare_accounts(sql: Sql) -> int:
    """A dense integer id per account, so that joins and groupings run on integers."""
    return sql.temp(
        ACCOUNTS,
        "SELECT platform, account_id, row_number() OVER "
        "(ORDER BY platform, account_id) AS aid FROM "
        "(SELECT DISTINCT platform, account_id FROM posts) a",
    )


def load_actions(sql: Sql, signal: Signal, p: dict[str, Any], compat: str | None) -> dict[str, int]:
    """The signal's actions with account ids and buckets; items one account alone acted on go.

    Outside compat mode, accounts with fewer actions (distinct posts) than ``min_weight`` go too
    (their edges could not reach the weight), as do the items they leave with a single account.
    """
    bucket = (
        f"CAST(FLOOR(x.t / {literal(p['window'])}) AS BIGINT)"
        if signal.windowed
        else "CAST(0 AS BIGINT)"
    )
    # a NULL item is left out by the shared-item join below, not by a filter here: DuckDB would
    # push ``item IS NOT NULL`` into the item's expression and compute a text normalization twice
    sql.temp(
        "_det_actions_all",
        f"""
        SELECT a.aid, x.item, x.t, x.post_id, {bucket} AS b
        FROM ({signal.actions(p, compat)}) x
        JOIN {ACCOUNTS} a ON a.platform = x.platform AND a.account_id = x.account_id
        WHERE x.t IS NOT NULL""",
    )
    n = sql.one("SELECT COUNT(item) FROM _det_actions_all")
    shared = """SELECT item FROM {src} GROUP BY item HAVING MIN(aid) < MAX(aid)"""
    kept = sql.temp(
        "_det_actions_shared",
        f"""
        SELECT x.* FROM _det_actions_all x
        JOIN ({shared.format(src="_det_actions_all")}) i ON i.item = x.item""",
    )
    if compat is None and p["min_weight"] > 1 and kept:
        sql.temp(
            "_det_actions_active",
            f"""
            SELECT x.* FROM _det_actions_shared x
            JOIN (SELECT aid FROM (SELECT DISTINCT aid, post_id FROM _det_actions_shared) d
                  GROUP BY aid HAVING COUNT(*) >= {literal(p["min_weight"])}) u ON u.aid = x.aid""",
        )
        kept = sql.temp(
            "_det_actions_pruned",
            f"""
            SELECT x.* FROM _det_actions_active x
            JOIN ({shared.format(src="_det_actions_active")}) i ON i.item = x.item""",
        )
    else:
        sql.temp("_det_actions_pruned", "SELECT * FROM _det_actions_shared")
    return {"actions": n, "actions_shared": kept}


def apply_hot_policy(
    sql: Sql,
    p: dict[str, Any],
    *,
    src: str = "_det_actions_pruned",
    dst: str = "_det_actions_cold",
    item: str = "item",
    order: str = "t, aid, post_id",
) -> dict[str, int]:
    """Copy ``src`` to ``dst`` under the hot-item policy (cells are ``(item, b)``); return counts."""
    limit, policy = p["max_item_actions"], p["hot_items"]
    if policy == "keep" or limit == 0:
        sql.temp(dst, f"SELECT * FROM {src}")
        return {"hot_cells": 0, "hot_items": 0, "hot_actions_set_aside": 0}
    cells = sql.temp(
        "_det_hot",
        f"SELECT {item} AS item, b, COUNT(*) AS n FROM {src} "
        f"GROUP BY {item}, b HAVING COUNT(*) > {literal(limit)}",
    )
    cold = (
        f"SELECT x.* FROM {src} x WHERE NOT EXISTS (SELECT 1 FROM _det_hot h "
        f"WHERE h.item = x.{item} AND h.b = x.b)"
    )
    if policy == "skip" or cells == 0:
        select = cold
    else:  # cap: the earliest `limit` actions of each hot cell
        cols = ", ".join(f"c.{c}" for c in sql.columns(src))
        ordered = ", ".join(f"x.{c.strip()}" for c in order.split(","))
        select = f"""{cold} UNION ALL
            SELECT {cols} FROM (
                SELECT x.*, ROW_NUMBER() OVER (PARTITION BY x.{item}, x.b ORDER BY {ordered}) AS rn
                FROM {src} x JOIN _det_hot h ON h.item = x.{item} AND h.b = x.b) c
            WHERE c.rn <= {literal(limit)}"""
    before = sql.one(f"SELECT COUNT(*) FROM {src}")
    after = sql.temp(dst, select)
    hot_items = sql.one("SELECT COUNT(DISTINCT item) FROM _det_hot") if cells else 0
    return {"hot_cells": cells, "hot_items": hot_items, "hot_actions_set_aside": before - after}


def index_actions(sql: Sql, src: str = "_det_actions_cold") -> int:
    """``ACTIONS`` = ``src`` with integer ids for items (``iid``) and posts (``pid``), so that
    pairs join and aggregate on integers; ``ITEM_NAMES`` and ``POST_NAMES`` map them back."""
    sql.temp(
        ITEM_NAMES,
        f"SELECT item, ROW_NUMBER() OVER (ORDER BY item) AS iid "
        f"FROM (SELECT DISTINCT item FROM {src}) d",
    )
    sql.temp(
        POST_NAMES,
        f"SELECT post_id, ROW_NUMBER() OVER (ORDER BY post_id) AS pid "
        f"FROM (SELECT DISTINCT post_id FROM {src}) d",
    )
    return sql.temp(
        ACTIONS,
        f"""
        SELECT x.aid, x.item, x.t, x.post_id, x.b, i.iid, q.pid
        FROM {src} x JOIN {ITEM_NAMES} i ON i.item = x.item
        JOIN {POST_NAMES} q ON q.post_id = x.post_id""",
    )


def oriented(x: str = "x", y: str = "y") -> str:
    """Pair columns with the lower account id first, for a join of ``x`` and ``y``."""

    def pick(lo: str, hi: str) -> str:
        return f"CASE WHEN {x}.aid < {y}.aid THEN {x}.{lo} ELSE {y}.{hi} END"

    return (
        f"{pick('aid', 'aid')} AS a1, CASE WHEN {x}.aid < {y}.aid THEN {y}.aid ELSE {x}.aid "
        f"END AS a2, {pick('pid', 'pid')} AS p1, CASE WHEN {x}.aid < {y}.aid THEN {y}.pid "
        f"ELSE {x}.pid END AS p2, {pick('t', 't')} AS t1, CASE WHEN {x}.aid < {y}.aid "
        f"THEN {y}.t ELSE {x}.t END AS t2"
    )


def pair_actions(sql: Sql, signal: Signal, p: dict[str, Any], dst: str = PAIRS) -> int:
    """Every pair of actions by two accounts on the same item within the window (a1 < a2),
    into ``dst``."""
    if not signal.windowed:
        return sql.temp(
            dst,
            f"""
            SELECT x.aid AS a1, y.aid AS a2, x.iid, x.pid AS p1, y.pid AS p2,
                   x.t AS t1, y.t AS t2, CAST(NULL AS DOUBLE) AS score
            FROM {ACTIONS} x JOIN {ACTIONS} y ON x.iid = y.iid
            WHERE x.aid < y.aid""",
        )
    w = literal(p["window"])
    return sql.temp(
        dst,
        f"""
        SELECT x.aid AS a1, y.aid AS a2, x.iid, x.pid AS p1, y.pid AS p2,
               x.t AS t1, y.t AS t2, CAST(NULL AS DOUBLE) AS score
        FROM {ACTIONS} x JOIN {ACTIONS} y ON x.iid = y.iid AND x.b = y.b
        WHERE x.aid < y.aid AND ABS(y.t - x.t) <= {w}
        UNION ALL
        SELECT a1, a2, iid, p1, p2, t1, t2, CAST(NULL AS DOUBLE) AS score FROM (
            SELECT {oriented()}, x.iid
            FROM {ACTIONS} x JOIN {ACTIONS} y ON x.iid = y.iid AND y.b = x.b + 1
            WHERE x.aid <> y.aid AND y.t - x.t <= {w}) z""",
    )


def aggregate_edges(sql: Sql, p: dict[str, Any], compat: str | None) -> int:
    """Edges from pairs.

    Undirected weight: the smaller of the two accounts' numbers of distinct posts with a match by
    the other (so that one account repeating an item does not inflate it). CNT mode: directed
    weight = distinct posts of the first account with a match by the second, one row per
    direction. Distinct counts are taken with DISTINCT subqueries, not COUNT(DISTINCT) per group
    (much faster when there are millions of account pairs).
    """
    mw = literal(p["min_weight"])
    side = (
        "SELECT a1, a2, COUNT(*) AS n FROM (SELECT DISTINCT a1, a2, {c} FROM {t}) d GROUP BY a1, a2"
    )
    # a weight counts distinct posts among an account pair's post pairs, so it cannot exceed
    # their number: account pairs with fewer pairs than min_weight are dropped first
    src = PAIRS
    if p["min_weight"] > 1:
        sql.temp(
            "_det_candidates",
            f"""
            SELECT x.* FROM {PAIRS} x JOIN (SELECT a1, a2 FROM {PAIRS} GROUP BY a1, a2
                                             HAVING COUNT(*) >= {mw}) c
              ON c.a1 = x.a1 AND c.a2 = x.a2""",
        )
        src = "_det_candidates"
    sql.temp(
        "_det_w",
        f"""
        SELECT s1.a1, s1.a2, s1.n AS n1, s2.n AS n2
        FROM ({side.format(c="p1", t=src)}) s1
        JOIN ({side.format(c="p2", t=src)}) s2 ON s2.a1 = s1.a1 AND s2.a2 = s1.a2
        WHERE {"GREATEST" if compat == "cnt" else "LEAST"}(s1.n, s2.n) >= {mw}""",
    )
    sql.temp(
        KEPT_PAIRS,
        f"""
        SELECT x.* FROM {src} x JOIN _det_w w ON w.a1 = x.a1 AND w.a2 = x.a2""",
    )
    sql.temp(
        "_det_stats",
        f"""
        SELECT a1, a2, COUNT(*) AS co_actions, AVG(score) AS score,
               MIN(LEAST(t1, t2)) AS first_t, MAX(GREATEST(t1, t2)) AS last_t
        FROM {KEPT_PAIRS} GROUP BY a1, a2""",
    )
    sql.temp("_det_items", side.format(c="iid", t=KEPT_PAIRS))
    stats = (
        "s.shared_items, s.co_actions, s.score, s.first_t, s.last_t FROM _det_w w "
        "JOIN (SELECT st.*, i.n AS shared_items FROM _det_stats st JOIN _det_items i "
        "ON i.a1 = st.a1 AND i.a2 = st.a2) s ON s.a1 = w.a1 AND s.a2 = w.a2"
    )
    if compat == "cnt":
        return sql.temp(
            EDGES,
            f"""
            SELECT w.a1, w.a2, TRUE AS directed, w.n1 AS weight, {stats} WHERE w.n1 >= {mw}
            UNION ALL
            SELECT w.a2 AS a1, w.a1 AS a2, TRUE AS directed, w.n2 AS weight, {stats}
            WHERE w.n2 >= {mw}""",
        )
    return sql.temp(
        EDGES,
        f"""
        SELECT w.a1, w.a2, FALSE AS directed, LEAST(w.n1, w.n2) AS weight, {stats}""",
    )


def store(
    sql: Sql, signal: str, p: dict[str, Any], run_id: str, *, scale: float | str | None = None
) -> dict[str, int]:
    """Append the signal's edges and their evidence to the workspace tables.

    ``scale`` (multi-scale runs, :mod:`ioscope.detect.engine.scales`) is their ``scale_seconds``:
    a number, or ``"column"`` when EDGES and KEPT_PAIRS have a ``scale`` column (each edge at its
    own scale)."""
    sig, run = literal(signal), literal(run_id)
    if scale == "column":
        sc_e, sc_x = "e.scale", "x.scale"
    else:
        sc_e = sc_x = f"CAST({literal(None if scale is None else float(scale))} AS DOUBLE)"
    pair_cols = PAIR_COLUMNS + (", scale" if scale == "column" else "")
    n_edges = sql.one(f"SELECT COUNT(*) FROM {EDGES}")
    sql.run(f"""
        INSERT INTO edges (signal, platform_1, account_1, platform_2, account_2, directed, weight,
                           shared_items, co_actions, score, first_at, last_at, run_id,
                           scale_seconds)
        SELECT {sig}, c1.platform, c1.account_id, c2.platform, c2.account_id, e.directed, e.weight,
               e.shared_items, e.co_actions, e.score, {from_epoch("e.first_t")},
               {from_epoch("e.last_t")}, {run}, {sc_e}
        FROM {EDGES} e JOIN {ACCOUNTS} c1 ON c1.aid = e.a1 JOIN {ACCOUNTS} c2 ON c2.aid = e.a2""")
    # the pairs of the kept account pairs (aggregate_edges) hold those of every edge, in far
    # fewer rows than PAIRS; the join drops those of edges a signal's ``finish`` removed
    keep = f"SELECT DISTINCT LEAST(a1, a2) AS a1, GREATEST(a1, a2) AS a2 FROM {EDGES}"
    chosen = f"SELECT x.* FROM {KEPT_PAIRS} x JOIN ({keep}) k ON k.a1 = x.a1 AND k.a2 = x.a2"
    if p["max_evidence"]:
        chosen = f"""SELECT {", ".join("r." + c.strip() for c in pair_cols.split(","))} FROM (
            SELECT x.*, ROW_NUMBER() OVER (PARTITION BY x.a1, x.a2
                                           ORDER BY LEAST(x.t1, x.t2), x.p1, x.p2, x.iid) AS rn
            FROM ({chosen}) x) r WHERE r.rn <= {literal(p["max_evidence"])}"""
    before = sql.one("SELECT COUNT(*) FROM edge_evidence")
    sql.run(f"""
        INSERT INTO edge_evidence (signal, platform_1, account_1, platform_2, account_2, item,
                                   post_1, post_2, dt_seconds, score, run_id, scale_seconds)
        SELECT {sig}, c1.platform, c1.account_id, c2.platform, c2.account_id, i.item,
               q1.post_id, q2.post_id, x.t2 - x.t1, x.score, {run}, {sc_x}
        FROM ({chosen}) x JOIN {ACCOUNTS} c1 ON c1.aid = x.a1 JOIN {ACCOUNTS} c2 ON c2.aid = x.a2
        JOIN {ITEM_NAMES} i ON i.iid = x.iid
        JOIN {POST_NAMES} q1 ON q1.pid = x.p1 JOIN {POST_NAMES} q2 ON q2.pid = x.p2""")
    n_ev = sql.one("SELECT COUNT(*) FROM edge_evidence") - before
    return {"edges": n_edges, "evidence": n_ev}
