"""Accounts: the creation histogram, search, and one account's profile, activity and evidence."""

from __future__ import annotations

from typing import Any

from ioscope.errors import NotFoundError
from ioscope.model.names import account_label, name_sql, names_source
from ioscope.report.data import empty, section
from ioscope.report.data.clusters import cluster_order, score_join, scores_source
from ioscope.report.data.evidence import daily_activity, pick_bucket
from ioscope.report.trace import Tracer

__all__ = ["creation_histogram", "search_accounts", "account_detail", "top_scored"]


def _flag_join(tr: Tracer) -> tuple[str, str]:
    """SQL pieces marking accounts that are members of a cluster, when clusters exist."""
    if tr.has("cluster_members"):
        return (
            "LEFT JOIN (SELECT DISTINCT platform, account_id FROM cluster_members) f "
            "ON f.platform = a.platform AND f.account_id = a.account_id",
            "count(f.account_id)",
        )
    return "", "NULL"


def creation_histogram(tr: Tracer) -> dict[str, Any]:
    """Accounts created per month (per week for short spans), and how many are in clusters."""
    title = "Account creation dates"
    span, q_span = tr.one(
        "Span of account creation dates",
        """
        SELECT count(created_at) AS dated, count(*) AS accounts,
               min(created_at) AS first_created, max(created_at) AS last_created
        FROM accounts""",
    )
    bucket = pick_bucket(span.get("first_created"), span.get("last_created"))
    bucket = "week" if bucket in ("hour", "day") else bucket
    join, flagged = _flag_join(tr)
    rows, q = tr.rows(
        f"Accounts created per {bucket}, and how many are cluster members",
        f"""
        SELECT CAST(date_trunc('{bucket}', a.created_at) AS DATE) AS bucket,
               count(*) AS accounts, {flagged} AS in_clusters
        FROM accounts a {join}
        WHERE a.created_at IS NOT NULL
        GROUP BY bucket ORDER BY bucket""",
    )
    data = dict(
        span=span,
        q_span=q_span,
        histogram=rows,
        q_histogram=q,
        bucket=bucket,
        has_clusters=tr.has("cluster_members"),
    )
    if not span.get("dated"):
        return empty(
            "creation",
            title,
            "No account in this workspace has a creation date (the sources did not give one).",
            **data,
        )
    return section("creation", title, **data)


def top_scored(tr: Tracer, *, limit: int = 20) -> dict[str, Any]:
    """Accounts with the highest account score (accounts stage), with their top signals."""
    title = "Account scores"
    if not tr.has("account_scores"):
        from ioscope.report.data import not_run

        return not_run("scores", title, tr.ws.path, "accounts", "Account scoring")
    rows, q = tr.rows(
        "Highest-scored accounts (model of the latest scoring run)",
        f"""
        SELECT s.platform, s.account_id, a.handle, {name_sql("a.handle", "a.display_name")} AS name,
               a.created_at AS account_created_at, s.score,
               s.top_signals
        FROM {scores_source(tr)} s
        LEFT JOIN accounts a ON a.platform = s.platform AND a.account_id = s.account_id
        ORDER BY s.score DESC NULLS LAST, s.account_id LIMIT ?""",
        [limit],
    )
    if not rows:
        return empty(
            "scores",
            title,
            "Account scoring ran and scored no account.",
            accounts=rows,
            q_accounts=q,
        )
    return section("scores", title, accounts=rows, q_accounts=q)


def search_accounts(
    tr: Tracer, *, q: str = "", limit: int = 50, offset: int = 0, flagged: bool = False
) -> dict[str, Any]:
    """Accounts whose id, handle or display name contains ``q`` (case-insensitive), paginated."""
    pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    conds = (
        [
            "(a.handle ILIKE ? ESCAPE '\\' OR a.account_id ILIKE ? ESCAPE '\\' "
            "OR a.display_name ILIKE ? ESCAPE '\\')"
        ]
        if q
        else []
    )
    params: list[Any] = [pattern] * 3 if q else []
    join, _ = _flag_join(tr)
    if flagged and join:
        conds.append("f.account_id IS NOT NULL")
    where = ("WHERE " + " AND ".join(conds)) if conds else ""
    in_cluster = "f.account_id IS NOT NULL" if join else "FALSE"
    scores, score = score_join(tr, "a")
    total, q_total = tr.one(
        "Number of matching accounts",
        f"""
        SELECT count(*) AS accounts FROM accounts a {join} {where}""",
        params,
    )
    order = (
        f"{score} DESC NULLS LAST, a.platform, a.account_id"
        if score != "NULL"
        else "a.platform, a.account_id"
    )
    rows, q_rows = tr.rows(
        "Matching accounts",
        f"""
        SELECT a.platform, a.account_id, a.handle, {name_sql("a.handle", "a.display_name")} AS name,
               a.display_name, a.created_at, a.followers,
               {in_cluster} AS in_cluster, {score} AS score
        FROM accounts a {join} {scores} {where}
        ORDER BY {order} LIMIT ? OFFSET ?""",
        params + [limit, offset],
    )
    return section(
        "accounts",
        "Accounts",
        query=q,
        total=total["accounts"],
        q_total=q_total,
        accounts=rows,
        q_accounts=q_rows,
        limit=limit,
        offset=offset,
        flagged=flagged,
    )


def account_detail(
    tr: Tracer, platform: str, account_id: str, *, posts_limit: int = 50, posts_offset: int = 0
) -> dict[str, Any]:
    """Profile, activity over time, recent posts, signals, score, clusters and strongest edges."""
    prof, q_prof = tr.one(
        "The account's profile",
        f"""
        SELECT * EXCLUDE (run_id), {name_sql()} AS name FROM accounts WHERE platform = ? AND account_id = ?""",
        [platform, account_id],
    )
    if not prof:
        raise NotFoundError(
            f"No account {account_id!r} on {platform!r} in {tr.ws.path}.",
            hint="Search accounts with /accounts?q=...",
        )
    key = [platform, account_id]
    out = section(
        "account",
        f"Account {account_label(prof.get('name'), account_id)}",
        profile=prof,
        q_profile=q_prof,
        platform=platform,
        account_id=account_id,
    )
    act = daily_activity(
        tr,
        "The account's posts per day and kind",
        "FROM posts p WHERE p.platform = ? AND p.account_id = ?",
        key,
    )
    # Two steps in one query: the page's rows are chosen on the narrow columns (the account's
    # rows of posts, sorted on created_at and post_id), then only those rows' text and lists are
    # read, by row id. Reading the wide columns of every post of a busy account first was 10-20x
    # slower on 10 M posts (45 k posts of one account spread over every row group).
    posts, q_posts = tr.rows(
        "The account's posts, newest first",
        """
        WITH page AS (
          SELECT rowid AS row_id FROM posts WHERE platform = ? AND account_id = ?
          ORDER BY created_at DESC, post_id LIMIT ? OFFSET ?)
        SELECT post_id, created_at, kind, text, target_handle, target_post_id, urls, hashtags
        FROM posts WHERE rowid IN (SELECT row_id FROM page)
        ORDER BY created_at DESC, post_id""",
        key + [posts_limit, posts_offset],
    )
    out.update(
        activity=act["activity_span"],
        q_activity=act["q_timeline"],
        timeline=act["timeline"],
        q_timeline=act["q_timeline"],
        timeline_bucket=act["timeline_bucket"],
        posts=posts,
        q_posts=q_posts,
        posts_limit=posts_limit,
        posts_offset=posts_offset,
    )
    if tr.has("account_scores"):
        out["score"], out["q_score"] = tr.one(
            "The account's score (latest model)",
            f"""
            SELECT * EXCLUDE (platform, account_id) FROM {scores_source(tr)}
            WHERE platform = ? AND account_id = ?""",
            key,
        )
    if tr.has("account_signals"):
        out["signals"], out["q_signals"] = tr.rows(
            "The account's signals",
            """
            SELECT * EXCLUDE (platform, account_id) FROM account_signals
            WHERE platform = ? AND account_id = ? ORDER BY score DESC NULLS LAST, signal""",
            key,
        )
    if tr.has("cluster_members") and tr.has("clusters"):
        out["clusters"], out["q_clusters"] = tr.rows(
            "Clusters the account is in",
            f"""
            SELECT c.* FROM clusters c
            WHERE c.cluster_id IN (SELECT cluster_id FROM cluster_members
                                   WHERE platform = ? AND account_id = ?)
            ORDER BY {cluster_order(tr)}""",
            key,
        )
    if tr.has("edges"):
        sql = f"""
            SELECT e.*, n.name AS other_name FROM (
              SELECT signal,
                     CASE WHEN platform_1 = ? AND account_1 = ? THEN platform_2
                          ELSE platform_1 END AS other_platform,
                     CASE WHEN platform_1 = ? AND account_1 = ? THEN account_2
                          ELSE account_1 END AS other,
                     weight, p_value, q_value, significant
              FROM edges
              WHERE (platform_1 = ? AND account_1 = ?) OR (platform_2 = ? AND account_2 = ?)
              ORDER BY weight DESC, signal, other LIMIT 25) e
            LEFT JOIN {names_source()} n
                   ON n.platform = e.other_platform AND n.account_id = e.other
            ORDER BY e.weight DESC, e.signal, e.other"""
        out["edges"], out["q_edges"] = tr.rows("The account's strongest edges", sql, key * 4)
    return out
