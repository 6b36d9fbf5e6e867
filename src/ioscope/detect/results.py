"""Reading detection results: the ranked clusters and the flagged accounts.

Both read the tables of the last detect run and return plain dicts (JSON-ready). A workspace
where detect has not run, or found nothing, gives empty lists.

The ranked clusters and the members of a cluster are named queries of this stage
(:func:`ranked_clusters`, :func:`cluster_members`): the functions here run them, and the report
and web UI run the same text through their tracer (:meth:`ioscope.report.trace.Tracer.run`, or
as the source their member inventory joins onto), so the SQL shown beside a figure is this
stage's own.
"""

from __future__ import annotations

import json
from textwrap import dedent
from typing import Any

from ioscope.model.names import names_source
from ioscope.sql import NamedQuery
from ioscope.workspace import Workspace

__all__ = [
    "listed_members",
    "cluster_members",
    "cluster_totals",
    "flagged_accounts",
    "list_clusters",
    "ranked_clusters",
]


def ranked_clusters(*, limit: int | None = None, offset: int = 0) -> NamedQuery:
    """The clusters in rank order (then by id), every column of ``clusters`` and ``members``:
    the number of their rows in ``cluster_members`` (0 for a mirror cluster, whose listed
    accounts are not flagged). ``limit`` None: all of them, from ``offset``."""
    page = "LIMIT ? OFFSET ?" if limit is not None else "OFFSET ?"
    sql = dedent(f"""
        WITH flagged AS (SELECT cluster_id, count(*) AS members FROM cluster_members
                         GROUP BY cluster_id)
        SELECT c.*, coalesce(f.members, 0) AS members
        FROM clusters c LEFT JOIN flagged f ON f.cluster_id = c.cluster_id
        ORDER BY c."rank", c.cluster_id {page}""").strip()
    params = ([int(limit)] if limit is not None else []) + [int(offset)]
    return NamedQuery("Clusters in rank order", sql, tuple(params))


def cluster_members(cluster_id: Any = None) -> NamedQuery:
    """The flagged members (rows of ``cluster_members``) of the cluster ``cluster_id``, or of
    every cluster when None; the readers join what they show onto it."""
    if cluster_id is None:
        return NamedQuery("Flagged members of the clusters", "SELECT * FROM cluster_members")
    return NamedQuery(
        "Flagged members of the cluster",
        "SELECT * FROM cluster_members WHERE cluster_id = ?",
        (cluster_id,),
    )


#: The members a mirror cluster lists in ``clusters.details.members`` (as detect stores them).
LISTED_SCHEMA = (
    '[{"platform": "VARCHAR", "account_id": "VARCHAR", "handle": "VARCHAR", "posts": "BIGINT"}]'
)


def listed_members(cluster_id: Any = None) -> NamedQuery:
    """The accounts a cluster lists in its details (a mirror cluster's, which are not flagged),
    in the order detect stored them (``position``), of the cluster ``cluster_id`` or of every
    cluster when None; the readers join what they show onto it."""
    where, params = ("", ()) if cluster_id is None else ("WHERE cluster_id = ?", (cluster_id,))
    listed = f"from_json(details -> 'members', '{LISTED_SCHEMA}')"
    sql = dedent(f"""
        SELECT cluster_id, m.platform, m.account_id, m.handle, m.posts, position
        FROM (SELECT cluster_id, unnest({listed}) AS m,
                     unnest(range(1, len({listed}) + 1)) AS position
              FROM clusters {where})""").strip()
    return NamedQuery("Members listed in the cluster's details (not flagged)", sql, params)


def _ready(ws: Workspace) -> bool:
    return ws.has_table("clusters") and ws.has_table("cluster_members")


def _decode(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for r in rows:
        if isinstance(r.get("details"), str):
            r["details"] = json.loads(r["details"])
    return rows


def flagged_accounts(ws: Workspace, *, cluster_id: int | None = None) -> list[dict[str, Any]]:
    """Accounts flagged by the last detect run, strongest cluster first, then by strength.

    Flagged means: member of a campaign cluster (``cluster_members``; the members of mirror
    clusters, an outlet's feed bots, are shown in ``ioscope clusters`` but not flagged). Each dict:
    platform, account_id, handle, name (see :mod:`ioscope.model.names`), cluster_id,
    cluster_rank, cluster_kind, cluster_size,
    cluster_score, signals, degree, strength, best_p_value, account_p_value, account_q_value,
    posts, coordinated_posts, coordination, explanation, details, run_id.
    """
    if not _ready(ws):
        return []
    members = cluster_members(cluster_id)
    return _decode(
        ws.rows(
            f"""
        SELECT m.platform, m.account_id, m.handle, n.name, m.cluster_id, c.rank AS cluster_rank,
               c.kind AS cluster_kind, c.size AS cluster_size, c.score AS cluster_score,
               m.signals, m.degree, m.strength, m.best_p_value, m.account_p_value,
               m.account_q_value, m.posts, m.coordinated_posts, m.coordination, m.explanation,
               m.details, m.run_id
        FROM ({members.sql}) m JOIN clusters c USING (cluster_id)
        LEFT JOIN {names_source()} n USING (platform, account_id)
        ORDER BY c.rank, m.strength DESC, m.platform, m.account_id""",
            list(members.params),
        )
    )


def list_clusters(
    ws: Workspace, *, limit: int | None = None, members: bool = False
) -> list[dict[str, Any]]:
    """The ranked campaign candidates; with ``members``, each has its ``members`` list."""
    if not _ready(ws):
        return []
    q = ranked_clusters(limit=limit or None)
    out = _decode(ws.rows(q.sql, list(q.params)))
    for c in out:  # the flagged count is the report's column; here ``members`` lists them
        del c["members"]
    if members:
        by_cluster: dict[int, list[dict[str, Any]]] = {}
        for m in flagged_accounts(ws):
            by_cluster.setdefault(m["cluster_id"], []).append(m)
        listed = listed_members()
        by_listing: dict[int, list[dict[str, Any]]] = {}
        for m in ws.rows(
            f"""SELECT l.cluster_id, l.platform, l.account_id, l.handle, n.name, l.posts
                FROM ({listed.sql}) l LEFT JOIN {names_source()} n USING (platform, account_id)
                ORDER BY l.cluster_id, l.position""",
            list(listed.params),
        ):
            by_listing.setdefault(m.pop("cluster_id"), []).append(m)
        for c in out:
            c["members"] = by_cluster.get(c["cluster_id"]) or by_listing.get(c["cluster_id"], [])
    return out


def cluster_totals(ws: Workspace) -> dict[str, int]:
    """Counts of the last detect run's results, from the tables (never from a capped list):
    clusters, campaign_clusters, mirror_clusters, flagged_accounts (rows of cluster_members)."""
    if not _ready(ws):
        return {"clusters": 0, "campaign_clusters": 0, "mirror_clusters": 0, "flagged_accounts": 0}
    return ws.rows("""
        SELECT count(*) AS clusters,
               count(*) FILTER (WHERE coalesce(kind, 'campaign') = 'campaign')
                 AS campaign_clusters,
               count(*) FILTER (WHERE kind = 'mirror') AS mirror_clusters,
               (SELECT count(*) FROM cluster_members) AS flagged_accounts
        FROM clusters""")[0]
