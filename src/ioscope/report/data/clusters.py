"""Campaign candidates: the ranked clusters and, for one cluster, its evidence.

Reads ``clusters`` and ``cluster_members`` (detect), ``edges`` and ``edge_evidence`` (detect), and
``accounts`` / ``posts`` / ``account_scores`` for the asset inventory. Columns beyond the contract
(cluster_id, rank, size, score; cluster_id, platform, account_id) are shown when present.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from ioscope.errors import NotFoundError
from ioscope.report.data import empty, not_run, section
from ioscope.report.trace import Tracer

__all__ = ["clusters_list", "cluster_detail", "cluster_order", "pick_bucket", "edge_scope"]

TITLE = "Campaign candidates"


def cluster_order(tr: Tracer) -> str:
    cols = tr.columns("clusters")
    if "rank" in cols:
        return '"rank", cluster_id'
    if "score" in cols:
        return "score DESC NULLS LAST, cluster_id"
    return "cluster_id"


def clusters_list(tr: Tracer, *, limit: int = 20, offset: int = 0) -> dict[str, Any]:
    """The clusters in rank order, one page, with the total count."""
    if not (tr.has("clusters") and tr.has("cluster_members")):
        return not_run("campaigns", TITLE, tr.ws.path, "detect", "Coordination detection")
    total, q_total = tr.one("Number of clusters", "SELECT count(*) AS clusters FROM clusters")
    rows, q_rows = tr.rows("Clusters in rank order", f"""
        SELECT c.*, (SELECT count(*) FROM cluster_members m WHERE m.cluster_id = c.cluster_id)
                    AS members
        FROM clusters c ORDER BY {cluster_order(tr)} LIMIT ? OFFSET ?""", [limit, offset])
    data = dict(total=total.get("clusters", 0), q_total=q_total, clusters=rows, q_clusters=q_rows,
                limit=limit, offset=offset)
    if not data["total"]:
        return empty("campaigns", TITLE, "Detection ran and found no cluster of coordinated "
                     "accounts beyond chance at the chosen parameters.", **data)
    return section("campaigns", TITLE, **data)


def member_join(tr: Tracer, table: str, alias: str = "e", mem: str = "mem") -> str:
    """Joins keeping the rows of ``table`` (edges, edge_evidence) whose two accounts are in
    ``mem`` (a CTE with platform and account_id); on platforms too when the table has them."""
    both = tr.has_column(table, "platform_1") and tr.has_column(table, "platform_2")
    out = []
    for k in ("1", "2"):
        cond = f"m{k}.account_id = {alias}.account_{k}"
        if both:
            cond = f"m{k}.platform = {alias}.platform_{k} AND " + cond
        out.append(f"JOIN {mem} m{k} ON {cond}")
    return "\n".join(out)


def scores_source(tr: Tracer) -> str:
    """account_scores restricted to one model: the one of the latest scoring run."""
    return ("(SELECT * FROM account_scores WHERE model_id = (SELECT model_id FROM account_scores "
            "ORDER BY run_id DESC NULLS LAST, model_id LIMIT 1))")


def edge_scope(tr: Tracer, alias: str = "e") -> str:
    """The SQL condition that keeps the edges a picture or summary should use."""
    if tr.has_column("edges", "significant"):
        return f"{alias}.significant"
    return "TRUE"


def pick_bucket(first: Any, last: Any) -> str:
    """A time bucket giving a readable number of bars for the span."""
    if first is None or last is None:
        return "day"
    days = (last - first).total_seconds() / 86400
    if days <= 120:
        return "day"
    if days <= 900:
        return "week"
    return "month"


def cluster_detail(tr: Tracer, cluster_id: Any, *, members_limit: int = 200,
                   members_offset: int = 0, evidence_limit: int = 20,
                   items_limit: int = 10) -> dict[str, Any]:
    """One cluster: assets, signals and how far beyond chance, timeline, shared items, evidence."""
    if not (tr.has("clusters") and tr.has("cluster_members")):
        raise NotFoundError(f"No cluster {cluster_id!r}: coordination detection has not run on "
                            f"{tr.ws.path}.", hint=f"Run `ioscope detect {tr.ws.path}`.")
    row, q_cluster = tr.one("The cluster", "SELECT * FROM clusters WHERE cluster_id = ?",
                            [cluster_id])
    if not row:
        raise NotFoundError(f"No cluster {cluster_id!r} in {tr.ws.path}.",
                            hint="List the clusters with `ioscope clusters WS` or open /clusters.")
    out: dict[str, Any] = section("cluster", f"Cluster {cluster_id}", cluster=row,
                                  q_cluster=q_cluster, cluster_id=cluster_id)
    out.update(_members(tr, cluster_id, members_limit, members_offset))
    out.update(_creation(tr, cluster_id))
    out.update(_activity(tr, cluster_id))
    if tr.has("edges"):
        out.update(_signals(tr, cluster_id))
    if tr.has("edge_evidence"):
        out.update(_evidence(tr, cluster_id, evidence_limit, items_limit))
    return out


def _members(tr: Tracer, cid: Any, limit: int, offset: int) -> dict[str, Any]:
    score_join, score_col = "", "NULL AS account_score"
    if tr.has("account_scores"):
        score_join = (f"LEFT JOIN {scores_source(tr)} s "
                      "ON s.platform = m.platform AND s.account_id = m.account_id")
        score_col = "s.score AS account_score"
    extra = [c for c in sorted(tr.columns("cluster_members"))
             if c not in {"cluster_id", "platform", "account_id", "run_id", "handle", "details"}]
    extra_sql = "".join(f', m."{c}"' for c in extra)
    rows, q = tr.rows("Members of the cluster (asset inventory)", f"""
        SELECT m.platform, m.account_id, a.handle, a.display_name, a.created_at AS account_created_at,
               a.followers, a.following, a.location, a.language, {score_col}{extra_sql}
        FROM cluster_members m
        LEFT JOIN accounts a ON a.platform = m.platform AND a.account_id = m.account_id
        {score_join}
        WHERE m.cluster_id = ?
        ORDER BY a.created_at NULLS LAST, m.account_id
        LIMIT ? OFFSET ?""", [cid, limit, offset])
    total, q_total = tr.one("Number of members", """
        SELECT count(*) AS members FROM cluster_members WHERE cluster_id = ?""", [cid])
    return dict(members=rows, q_members=q, member_columns=extra, n_members=total["members"],
                q_n_members=q_total, members_limit=limit, members_offset=offset)


def _creation(tr: Tracer, cid: Any) -> dict[str, Any]:
    rows, q = tr.rows("Creation dates of the members, per month", """
        SELECT CAST(date_trunc('month', a.created_at) AS DATE) AS month, count(*) AS accounts
        FROM cluster_members m
        JOIN accounts a ON a.platform = m.platform AND a.account_id = m.account_id
        WHERE m.cluster_id = ? AND a.created_at IS NOT NULL
        GROUP BY month ORDER BY month""", [cid])
    return dict(creation=rows, q_creation=q)


def _activity(tr: Tracer, cid: Any) -> dict[str, Any]:
    return daily_activity(tr, "Posts of the members per day and kind", """
        FROM posts p
        JOIN cluster_members m ON m.platform = p.platform AND m.account_id = p.account_id
        WHERE m.cluster_id = ?""", [cid])


def daily_activity(tr: Tracer, title: str, source: str, params: list[Any]) -> dict[str, Any]:
    """One scan of the posts in ``source`` (a FROM ... WHERE clause over posts ``p``): posts per
    day and kind with their first and last times. The span and the timeline (re-binned to a
    readable bucket) are sums, minima and maxima of these rows, so they cite the same query."""
    days, q = tr.rows(title, f"""
        SELECT CAST(p.created_at AS DATE) AS day, p.kind, count(*) AS posts,
               min(p.created_at) AS first_post, max(p.created_at) AS last_post
        {source}
        GROUP BY ALL ORDER BY day, p.kind""", params)
    span = {"posts": sum(r["posts"] for r in days),
            "first_post": min((r["first_post"] for r in days), default=None),
            "last_post": max((r["last_post"] for r in days), default=None)}
    for kind, name in (("repost", "reposts"), ("reply", "replies"), ("quote", "quotes")):
        span[name] = sum(r["posts"] for r in days if r["kind"] == kind)
    bucket = pick_bucket(span["first_post"], span["last_post"])
    return dict(activity_span=span, q_activity_span=q, timeline=rebin(days, bucket),
                q_timeline=q, timeline_bucket=bucket)


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


def _signals(tr: Tracer, cid: Any) -> dict[str, Any]:
    cols = tr.columns("edges")
    stats = ["count(*) AS edges", "sum(e.weight) AS total_weight", "max(e.weight) AS max_weight"]
    if "directed" in cols:
        stats.append("bool_or(e.directed) AS directed")
    if "shared_items" in cols:
        stats.append("sum(e.shared_items) AS shared_items")
    if "significant" in cols:
        stats.append("count(*) FILTER (WHERE e.significant) AS significant_edges")
    if "p_value" in cols:
        stats += ["min(e.p_value) AS min_p", "median(e.p_value) AS median_p"]
    if "q_value" in cols:
        stats += ["min(e.q_value) AS min_q", "max(e.q_value) FILTER (WHERE e.significant) AS max_q_kept"
                  if "significant" in cols else "max(e.q_value) AS max_q"]
    if "first_at" in cols and "last_at" in cols:
        stats += ["min(e.first_at) AS first_at", "max(e.last_at) AS last_at"]
    rows, q = tr.rows("Edges between members, per signal", f"""
        WITH mem AS (SELECT platform, account_id FROM cluster_members WHERE cluster_id = ?)
        SELECT e.signal, {', '.join(stats)}
        FROM edges e
        {member_join(tr, "edges")}
        GROUP BY e.signal ORDER BY edges DESC, e.signal""", [cid])
    return dict(signals=rows, q_signals=q)


def _evidence(tr: Tracer, cid: Any, limit: int, items_limit: int) -> dict[str, Any]:
    """The items most shared inside the cluster, each with its closest pair of posts: one scan
    of the cluster's evidence, then the (few) posts looked up by id."""
    join = member_join(tr, "edge_evidence")
    plat = {k: (f"ev.platform_{k}" if tr.has_column("edge_evidence", f"platform_{k}")
                else "NULL") for k in "12"}
    on = {k: (f"p{k}.platform = i.ex.platform_{k} AND " if plat[k] != "NULL" else "")
          for k in "12"}
    items, q_items = tr.rows("Items most shared within the cluster, with the closest pair of "
                             "posts on each", f"""
        WITH mem AS (SELECT platform, account_id FROM cluster_members WHERE cluster_id = ?),
        ev AS (SELECT e.* FROM edge_evidence e
          {join}),
        top AS (
          SELECT signal, item, count(*) AS pairs FROM ev GROUP BY signal, item
          ORDER BY pairs DESC, signal, item LIMIT ?),
        items AS (
          SELECT ev.signal, ev.item, any_value(t.pairs) AS pairs,
                 len(list_distinct(flatten(list([ev.account_1, ev.account_2])))) AS accounts,
                 min(abs(ev.dt_seconds)) AS min_dt_seconds,
                 median(abs(ev.dt_seconds)) AS median_dt_seconds,
                 arg_min({{'platform_1': {plat["1"]}, 'account_1': ev.account_1,
                          'post_1': ev.post_1, 'platform_2': {plat["2"]},
                          'account_2': ev.account_2, 'post_2': ev.post_2,
                          'dt_seconds': ev.dt_seconds}},
                         {{'dt': abs(ev.dt_seconds), 'post_1': ev.post_1,
                          'post_2': ev.post_2}}) AS ex
          FROM ev JOIN top t ON t.signal = ev.signal AND t.item = ev.item
          GROUP BY ev.signal, ev.item),
        pp AS (
          SELECT platform, post_id, handle, created_at, text FROM posts
          WHERE post_id IN (SELECT ex.post_1 FROM items UNION ALL SELECT ex.post_2 FROM items))
        SELECT i.signal, i.item, i.accounts, i.pairs, i.min_dt_seconds, i.median_dt_seconds,
               i.ex.dt_seconds AS dt_seconds, coalesce(p1.platform, p2.platform) AS platform,
               i.ex.account_1 AS account_1, p1.handle AS handle_1, i.ex.post_1 AS post_1,
               p1.created_at AS created_at_1, p1.text AS text_1,
               i.ex.account_2 AS account_2, p2.handle AS handle_2, i.ex.post_2 AS post_2,
               p2.created_at AS created_at_2, p2.text AS text_2
        FROM items i
        LEFT JOIN pp p1 ON {on["1"]}p1.post_id = i.ex.post_1
        LEFT JOIN pp p2 ON {on["2"]}p2.post_id = i.ex.post_2
        ORDER BY i.pairs DESC, i.accounts DESC, i.signal, i.item""", [cid, max(items_limit, limit)])
    pairs = items[:limit]
    q_pairs = q_items
    return dict(top_items=items, q_top_items=q_items, evidence=pairs, q_evidence=q_pairs)
