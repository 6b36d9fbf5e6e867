"""A cluster's activity over time and the items its members shared, with example posts.

Both are answered per cluster from the workspace tables, or — when the tracer carries
:class:`~ioscope.report.summaries.Summaries` — from summaries built once for all clusters. The
recorded query is always the per-cluster one over the workspace tables (which gives the same
rows), with a note naming the summary when one answered.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from ioscope.model.names import name_sql
from ioscope.report.charts import _as_dt, plausible_range
from ioscope.report.summaries import CLUSTER_DAYS, CLUSTER_ITEMS
from ioscope.report.trace import Tracer

__all__ = [
    "member_activity",
    "daily_activity",
    "rebin",
    "shared_items",
    "pick_bucket",
    "member_join",
    "SUMMARY_ITEMS",
]

#: Items kept per cluster in the items summary (pages ask for at most this many).
SUMMARY_ITEMS = 50


def pick_bucket(first: Any, last: Any) -> str:
    """A time bucket giving a readable number of bars for the span."""
    if first is None or last is None:
        return "day"
    lo, hi = plausible_range()  # an absurd date (9999-12-31) does not set the bars' width
    first, last = min(max(_as_dt(first), lo), hi), max(min(_as_dt(last), hi), lo)
    days = (last - first).total_seconds() / 86400
    if days <= 120:
        return "day"
    if days <= 900:
        return "week"
    return "month"


def member_join(
    tr: Tracer, table: str, alias: str = "e", mem: str = "mem", same_cluster: bool = False
) -> str:
    """Joins keeping the rows of ``table`` (edges, edge_evidence) whose two accounts are in
    ``mem`` (platform, account_id[, cluster_id]), on platform and account."""
    out = []
    for k in ("1", "2"):
        cond = f"m{k}.platform = {alias}.platform_{k} AND m{k}.account_id = {alias}.account_{k}"
        if same_cluster and k == "2":
            cond += " AND m2.cluster_id = m1.cluster_id"
        out.append(f"JOIN {mem} m{k} ON {cond}")
    return "\n".join(out)


_DAYS = """
        SELECT {key}CAST(p.created_at AS DATE) AS day, p.kind, count(*) AS posts,
               min(p.created_at) AS first_post, max(p.created_at) AS last_post
        {source}
        GROUP BY ALL"""


def member_activity(tr: Tracer, cid: Any) -> dict[str, Any]:
    """Posts of the cluster's members per day and kind (from the summary when there is one)."""
    source = """FROM posts p
        JOIN cluster_members m ON m.platform = p.platform AND m.account_id = p.account_id"""
    via = None
    if tr.summaries is not None:
        build = _DAYS.format(key="m.cluster_id, ", source=source)
        fast = (
            f'SELECT day, kind, posts, first_post, last_post FROM "{CLUSTER_DAYS}" '
            "WHERE cluster_id = ? ORDER BY day, kind"
        )
        via = (CLUSTER_DAYS, build, fast, [cid])
    return daily_activity(
        tr,
        "Posts of the members per day and kind",
        source + "\n        WHERE m.cluster_id = ?",
        [cid],
        via=via,
    )


def daily_activity(
    tr: Tracer, title: str, source: str, params: list[Any], via: tuple | None = None
) -> dict[str, Any]:
    """One scan of the posts in ``source`` (a FROM ... WHERE clause over posts ``p``): posts per
    day and kind with their first and last times. The span and the timeline (re-binned to a
    readable bucket) are sums, minima and maxima of these rows, so they cite the same query."""
    days, q = tr.rows(
        title,
        _DAYS.format(key="", source=source) + "\n        ORDER BY day, p.kind",
        params,
        via=via,
    )
    span = {
        "posts": sum(r["posts"] for r in days),
        "first_post": min((r["first_post"] for r in days), default=None),
        "last_post": max((r["last_post"] for r in days), default=None),
    }
    for kind, name in (("repost", "reposts"), ("reply", "replies"), ("quote", "quotes")):
        span[name] = sum(r["posts"] for r in days if r["kind"] == kind)
    bucket = pick_bucket(span["first_post"], span["last_post"])
    return dict(
        activity_span=span,
        q_activity_span=q,
        timeline=rebin(days, bucket),
        q_timeline=q,
        timeline_bucket=bucket,
    )


def rebin(days: list[dict[str, Any]], bucket: str) -> list[dict[str, Any]]:
    """Per-day rows (day, kind, posts) summed per ``bucket`` (day, week from Monday, month)."""
    out: dict[tuple, int] = {}
    for r in days:
        d = r["day"]
        if bucket == "week":
            d = d - timedelta(days=d.weekday())
        elif bucket == "month":
            d = d.replace(day=1)
        key = (datetime(d.year, d.month, d.day), r["kind"])
        out[key] = out.get(key, 0) + r["posts"]
    return [{"bucket": t, "kind": kind, "posts": n} for (t, kind), n in sorted(out.items())]


def _items_sql(tr: Tracer, ev: str, *, per_cluster: bool) -> str:
    """The CTEs ``top`` and ``items``: per (cluster,) signal and item, the evidence pairs, the
    accounts involved, Δt statistics and the closest pair (ties broken by post ids)."""
    plat = {k: f"ev.platform_{k}" for k in "12"}
    ce = "ev.cluster_id, " if per_cluster else ""
    top = (
        (
            f"SELECT cluster_id, signal, item, count(*) AS pairs FROM ev\n"
            f"          GROUP BY cluster_id, signal, item\n"
            f"          QUALIFY row_number() OVER (PARTITION BY cluster_id\n"
            f"                                     ORDER BY count(*) DESC, signal, item) <= "
            f"{SUMMARY_ITEMS}"
        )
        if per_cluster
        else (
            "SELECT signal, item, count(*) AS pairs FROM ev GROUP BY signal, item\n"
            "          ORDER BY pairs DESC, signal, item LIMIT ?"
        )
    )
    on = " AND t.cluster_id = ev.cluster_id" if per_cluster else ""
    return f"""{ev},
        top AS (
          {top}),
        items AS (
          SELECT {ce}ev.signal, ev.item, any_value(t.pairs) AS pairs,
                 len(list_distinct(flatten(list([ev.account_1, ev.account_2])))) AS accounts,
                 min(abs(ev.dt_seconds)) AS min_dt_seconds,
                 median(abs(ev.dt_seconds)) AS median_dt_seconds,
                 arg_min({{'platform_1': {plat["1"]}, 'account_1': ev.account_1,
                          'post_1': ev.post_1, 'platform_2': {plat["2"]},
                          'account_2': ev.account_2, 'post_2': ev.post_2,
                          'dt_seconds': ev.dt_seconds}},
                         {{'dt': abs(ev.dt_seconds), 'post_1': ev.post_1,
                          'post_2': ev.post_2}}) AS ex
          FROM ev JOIN top t ON t.signal = ev.signal AND t.item = ev.item{on}
          GROUP BY {ce}ev.signal, ev.item)"""


def _posts_sql(tr: Tracer, items: str, key: str = "") -> str:
    """Looks up the two posts of each item's closest pair (by id: a semi-join, then a join).
    ``key`` (``"i.cluster_id, "``) keeps the cluster of each item, for the summary."""
    on = {k: f"p{k}.platform = i.ex.platform_{k} AND " for k in "12"}
    return f"""
        pp AS (
          SELECT platform, post_id, handle, created_at, text FROM posts
          WHERE post_id IN (SELECT ex.post_1 FROM {items} UNION ALL SELECT ex.post_2 FROM {items}))
        SELECT {key}i.signal, i.item, i.accounts, i.pairs, i.min_dt_seconds, i.median_dt_seconds,
               i.ex.dt_seconds AS dt_seconds, coalesce(p1.platform, p2.platform) AS platform,
               i.ex.account_1 AS account_1, p1.handle AS handle_1,
               {name_sql("coalesce(p1.handle, a1.handle)", "a1.display_name")} AS name_1,
               i.ex.post_1 AS post_1,
               p1.created_at AS created_at_1, p1.text AS text_1,
               i.ex.account_2 AS account_2, p2.handle AS handle_2,
               {name_sql("coalesce(p2.handle, a2.handle)", "a2.display_name")} AS name_2,
               i.ex.post_2 AS post_2,
               p2.created_at AS created_at_2, p2.text AS text_2
        FROM {items} i
        LEFT JOIN pp p1 ON {on["1"]}p1.post_id = i.ex.post_1
        LEFT JOIN pp p2 ON {on["2"]}p2.post_id = i.ex.post_2
        LEFT JOIN accounts a1 ON a1.platform = coalesce(i.ex.platform_1, p1.platform) AND a1.account_id = i.ex.account_1
        LEFT JOIN accounts a2 ON a2.platform = coalesce(i.ex.platform_2, p2.platform) AND a2.account_id = i.ex.account_2
        ORDER BY i.pairs DESC, i.accounts DESC, i.signal, i.item"""


def shared_items(tr: Tracer, cid: Any, limit: int, items_limit: int) -> dict[str, Any]:
    """The items most shared inside the cluster, each with its closest pair of posts: one scan
    of the cluster's evidence, then the (few) posts looked up by id."""
    n = max(items_limit, limit)
    ev = f"""
        WITH mem AS (SELECT platform, account_id FROM cluster_members WHERE cluster_id = ?),
        ev AS (SELECT e.* FROM edge_evidence e
          {member_join(tr, "edge_evidence")})"""
    sql = _items_sql(tr, ev, per_cluster=False) + "," + _posts_sql(tr, "items")
    via = None
    if tr.summaries is not None and n <= SUMMARY_ITEMS:
        build_ev = f"""
        WITH ev AS (SELECT m1.cluster_id, e.* FROM edge_evidence e
          {member_join(tr, "edge_evidence", mem="cluster_members", same_cluster=True)})"""
        # the summary holds each item's pair of posts too: a cluster page then reads no posts
        build = (
            _items_sql(tr, build_ev, per_cluster=True)
            + ","
            + _posts_sql(tr, "items", key="i.cluster_id, ")
        )
        fast = f"""
        WITH sel AS (
          SELECT * FROM "{CLUSTER_ITEMS}" WHERE cluster_id = ?
          ORDER BY pairs DESC, signal, item LIMIT ?)
        SELECT * EXCLUDE (cluster_id) FROM sel
        ORDER BY pairs DESC, accounts DESC, signal, item"""
        via = (CLUSTER_ITEMS, build, fast, [cid, n])
    items, q = tr.rows(
        "Items most shared within the cluster, with the closest pair of posts on each",
        sql,
        [cid, n],
        via=via,
    )
    return dict(top_items=items[:items_limit], q_top_items=q, evidence=items[:limit], q_evidence=q)
