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

from typing import Any

from ioscope.detect.base import Signal
from ioscope.detect.sql import Sql, from_epoch, lit

__all__ = ["ACCOUNTS", "ACTIONS", "PAIRS", "EDGES", "prepare_accounts", "load_actions",
           "apply_hot_policy", "pair_actions", "aggregate_edges", "store"]

ACCOUNTS = "_det_accounts"
ACTIONS = "_det_actions"
PAIRS = "_det_pairs"
EDGES = "_det_edges"
PAIR_COLUMNS = "a1, a2, item, p1, p2, t1, t2, score"


def prepare_accounts(sql: Sql) -> int:
    """A dense integer id per account, so that joins and groupings run on integers."""
    return sql.temp(ACCOUNTS, "SELECT platform, account_id, row_number() OVER "
                    "(ORDER BY platform, account_id) AS aid FROM "
                    "(SELECT DISTINCT platform, account_id FROM posts) a")


def load_actions(sql: Sql, signal: Signal, p: dict[str, Any], compat: str | None) -> dict[str, int]:
    """The signal's actions with account ids and buckets; items one account alone acted on go.

    Outside compat mode, accounts with fewer actions (distinct posts) than ``min_weight`` go too
    (their edges could not reach the weight), as do the items they leave with a single account.
    """
    bucket = (f"CAST(FLOOR(x.t / {lit(p['window'])}) AS BIGINT)" if signal.windowed
              else "CAST(0 AS BIGINT)")
    n = sql.temp("_det_actions_all", f"""
        SELECT a.aid, x.item, x.t, x.post_id, {bucket} AS b
        FROM ({signal.actions(p, compat)}) x
        JOIN {ACCOUNTS} a ON a.platform = x.platform AND a.account_id = x.account_id
        WHERE x.item IS NOT NULL AND x.t IS NOT NULL""")
    shared = """SELECT item FROM {src} GROUP BY item HAVING COUNT(DISTINCT aid) >= 2"""
    kept = sql.temp("_det_actions_shared", f"""
        SELECT x.* FROM _det_actions_all x
        JOIN ({shared.format(src='_det_actions_all')}) i ON i.item = x.item""")
    if compat is None and p["min_weight"] > 1 and kept:
        sql.temp("_det_actions_active", f"""
            SELECT x.* FROM _det_actions_shared x
            JOIN (SELECT aid FROM _det_actions_shared GROUP BY aid
                  HAVING COUNT(DISTINCT post_id) >= {lit(p['min_weight'])}) u ON u.aid = x.aid""")
        kept = sql.temp("_det_actions_pruned", f"""
            SELECT x.* FROM _det_actions_active x
            JOIN ({shared.format(src='_det_actions_active')}) i ON i.item = x.item""")
    else:
        sql.temp("_det_actions_pruned", "SELECT * FROM _det_actions_shared")
    return {"actions": n, "actions_shared": kept}


def apply_hot_policy(sql: Sql, p: dict[str, Any], *, src: str = "_det_actions_pruned",
                     dst: str = ACTIONS, item: str = "item", order: str = "t, aid, post_id",
                     ) -> dict[str, int]:
    """Copy ``src`` to ``dst`` under the hot-item policy (cells are ``(item, b)``); return counts."""
    limit, policy = p["max_item_actions"], p["hot_items"]
    if policy == "keep" or limit == 0:
        sql.temp(dst, f"SELECT * FROM {src}")
        return {"hot_cells": 0, "hot_items": 0, "hot_actions_set_aside": 0}
    cells = sql.temp("_det_hot", f"SELECT {item} AS item, b, COUNT(*) AS n FROM {src} "
                     f"GROUP BY {item}, b HAVING COUNT(*) > {lit(limit)}")
    cold = (f"SELECT x.* FROM {src} x WHERE NOT EXISTS (SELECT 1 FROM _det_hot h "
            f"WHERE h.item = x.{item} AND h.b = x.b)")
    if policy == "skip" or cells == 0:
        select = cold
    else:  # cap: the earliest `limit` actions of each hot cell
        cols = ", ".join(f"c.{c}" for c in sql.columns(src))
        ordered = ", ".join(f"x.{c.strip()}" for c in order.split(","))
        select = f"""{cold} UNION ALL
            SELECT {cols} FROM (
                SELECT x.*, ROW_NUMBER() OVER (PARTITION BY x.{item}, x.b ORDER BY {ordered}) AS rn
                FROM {src} x JOIN _det_hot h ON h.item = x.{item} AND h.b = x.b) c
            WHERE c.rn <= {lit(limit)}"""
    before = sql.one(f"SELECT COUNT(*) FROM {src}")
    after = sql.temp(dst, select)
    hot_items = sql.one("SELECT COUNT(DISTINCT item) FROM _det_hot") if cells else 0
    return {"hot_cells": cells, "hot_items": hot_items, "hot_actions_set_aside": before - after}


def pair_actions(sql: Sql, signal: Signal, p: dict[str, Any]) -> int:
    """Every pair of actions by two accounts on the same item within the window (a1 < a2)."""
    if not signal.windowed:
        return sql.temp(PAIRS, f"""
            SELECT x.aid AS a1, y.aid AS a2, x.item, x.post_id AS p1, y.post_id AS p2,
                   x.t AS t1, y.t AS t2, CAST(NULL AS DOUBLE) AS score
            FROM {ACTIONS} x JOIN {ACTIONS} y ON x.item = y.item
            WHERE x.aid < y.aid""")
    w = lit(p["window"])

    def pick(lo: str, hi: str) -> str:
        return f"CASE WHEN x.aid < y.aid THEN {lo} ELSE {hi} END"

    return sql.temp(PAIRS, f"""
        SELECT x.aid AS a1, y.aid AS a2, x.item, x.post_id AS p1, y.post_id AS p2,
               x.t AS t1, y.t AS t2, CAST(NULL AS DOUBLE) AS score
        FROM {ACTIONS} x JOIN {ACTIONS} y ON x.item = y.item AND x.b = y.b
        WHERE x.aid < y.aid AND ABS(y.t - x.t) <= {w}
        UNION ALL
        SELECT {pick('x.aid', 'y.aid')} AS a1, {pick('y.aid', 'x.aid')} AS a2, x.item,
               {pick('x.post_id', 'y.post_id')} AS p1, {pick('y.post_id', 'x.post_id')} AS p2,
               {pick('x.t', 'y.t')} AS t1, {pick('y.t', 'x.t')} AS t2, CAST(NULL AS DOUBLE) AS score
        FROM {ACTIONS} x JOIN {ACTIONS} y ON x.item = y.item AND y.b = x.b + 1
        WHERE x.aid <> y.aid AND y.t - x.t <= {w}""")


def aggregate_edges(sql: Sql, p: dict[str, Any], compat: str | None) -> int:
    """Edges from pairs.

    Undirected weight: the smaller of the two accounts' numbers of distinct posts with a match by
    the other (so that one account repeating an item does not inflate it). CNT mode: directed
    weight = distinct posts of the first account with a match by the second.
    """
    mw = lit(p["min_weight"])
    if compat == "cnt":
        return sql.temp(EDGES, f"""
            SELECT u AS a1, v AS a2, TRUE AS directed, COUNT(DISTINCT post) AS weight,
                   COUNT(DISTINCT item) AS shared_items, COUNT(*) AS co_actions,
                   AVG(score) AS score, MIN(LEAST(t1, t2)) AS first_t, MAX(GREATEST(t1, t2)) AS last_t
            FROM (SELECT a1 AS u, a2 AS v, p1 AS post, item, t1, t2, score FROM {PAIRS}
                  UNION ALL
                  SELECT a2 AS u, a1 AS v, p2 AS post, item, t1, t2, score FROM {PAIRS}) d
            GROUP BY u, v HAVING COUNT(DISTINCT post) >= {mw}""")
    weight = "LEAST(COUNT(DISTINCT p1), COUNT(DISTINCT p2))"
    return sql.temp(EDGES, f"""
        SELECT a1, a2, FALSE AS directed, {weight} AS weight,
               COUNT(DISTINCT item) AS shared_items, COUNT(*) AS co_actions, AVG(score) AS score,
               MIN(LEAST(t1, t2)) AS first_t, MAX(GREATEST(t1, t2)) AS last_t
        FROM {PAIRS} GROUP BY a1, a2 HAVING {weight} >= {mw}""")


def store(sql: Sql, signal: str, p: dict[str, Any], run_id: str) -> dict[str, int]:
    """Append the signal's edges and their evidence to the workspace tables."""
    sig, run = lit(signal), lit(run_id)
    n_edges = sql.one(f"SELECT COUNT(*) FROM {EDGES}")
    sql.run(f"""
        INSERT INTO edges (signal, platform_1, account_1, platform_2, account_2, directed, weight,
                           shared_items, co_actions, score, first_at, last_at, run_id)
        SELECT {sig}, c1.platform, c1.account_id, c2.platform, c2.account_id, e.directed, e.weight,
               e.shared_items, e.co_actions, e.score, {from_epoch('e.first_t')},
               {from_epoch('e.last_t')}, {run}
        FROM {EDGES} e JOIN {ACCOUNTS} c1 ON c1.aid = e.a1 JOIN {ACCOUNTS} c2 ON c2.aid = e.a2
        ORDER BY c1.platform, c1.account_id, c2.platform, c2.account_id""")
    keep = (f"SELECT DISTINCT LEAST(a1, a2) AS a1, GREATEST(a1, a2) AS a2 FROM {EDGES}")
    chosen = f"SELECT x.* FROM {PAIRS} x JOIN ({keep}) k ON k.a1 = x.a1 AND k.a2 = x.a2"
    if p["max_evidence"]:
        chosen = f"""SELECT {', '.join('r.' + c.strip() for c in PAIR_COLUMNS.split(','))} FROM (
            SELECT x.*, ROW_NUMBER() OVER (PARTITION BY x.a1, x.a2
                                           ORDER BY LEAST(x.t1, x.t2), x.p1, x.p2, x.item) AS rn
            FROM ({chosen}) x) r WHERE r.rn <= {lit(p['max_evidence'])}"""
    before = sql.one("SELECT COUNT(*) FROM edge_evidence")
    sql.run(f"""
        INSERT INTO edge_evidence (signal, platform_1, account_1, platform_2, account_2, item,
                                   post_1, post_2, dt_seconds, score, run_id)
        SELECT {sig}, c1.platform, c1.account_id, c2.platform, c2.account_id, x.item, x.p1, x.p2,
               x.t2 - x.t1, x.score, {run}
        FROM ({chosen}) x JOIN {ACCOUNTS} c1 ON c1.aid = x.a1 JOIN {ACCOUNTS} c2 ON c2.aid = x.a2
        ORDER BY c1.platform, c1.account_id, c2.platform, c2.account_id, LEAST(x.t1, x.t2), x.p1,
                 x.p2, x.item""")
    n_ev = sql.one("SELECT COUNT(*) FROM edge_evidence") - before
    return {"edges": n_edges, "evidence": n_ev}
