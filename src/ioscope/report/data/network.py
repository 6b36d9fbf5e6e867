"""The network picture: members of the top clusters and the edges between them.

Nodes are accounts of the ``clusters`` top-ranked clusters, at most ``max_nodes``, taken in
turns (each cluster's strongest member, then each cluster's second, ...) so that every cluster
is drawn; strength is the sum of edge weights inside the picture. Edges are the (significant,
when the ``significant`` column exists) edges between those nodes, summed over signals, at most
``max_edges``, also taken in turns per cluster (strongest first).
"""

from __future__ import annotations

from typing import Any

from ioscope.model.names import name_sql
from ioscope.report.data import empty, not_run, section
from ioscope.report.data.clusters import cluster_order, edge_scope, member_join
from ioscope.report.data.runs import detect_not_run
from ioscope.report.trace import Tracer

__all__ = ["network"]

TITLE = "Network of the clusters"


def _ctes(tr: Tracer, only_cluster: bool) -> str:
    where = "WHERE cluster_id = ?" if only_cluster else ""
    return f"""
        WITH top AS (
          SELECT cluster_id, row_number() OVER (ORDER BY {cluster_order(tr)}) AS position
          FROM clusters {where} ORDER BY position LIMIT ?),
        mem AS (
          SELECT m.platform, m.account_id, arg_min(m.cluster_id, t.position) AS cluster_id,
                 min(t.position) AS position
          FROM cluster_members m JOIN top t ON t.cluster_id = m.cluster_id
          GROUP BY m.platform, m.account_id),
        pair AS (
          SELECT m1.platform AS platform_1, e.account_1, m2.platform AS platform_2, e.account_2,
                 sum(e.weight) AS weight,
                 list(DISTINCT e.signal ORDER BY e.signal) AS signals
          FROM edges e
          {member_join(tr, "edges")}
          WHERE {edge_scope(tr)}
          GROUP BY ALL),
        strength AS (
          SELECT platform, account_id, sum(weight) AS strength, count(*) AS degree FROM (
            SELECT platform_1 AS platform, account_1 AS account_id, weight FROM pair
            UNION ALL SELECT platform_2, account_2, weight FROM pair) GROUP BY ALL),
        node AS (
          SELECT * FROM (
            SELECT m.cluster_id, m.position, m.platform, m.account_id,
                   coalesce(s.degree, 0) AS degree, coalesce(s.strength, 0) AS strength,
                   row_number() OVER (PARTITION BY m.cluster_id
                                      ORDER BY coalesce(s.strength, 0) DESC, m.platform,
                                               m.account_id) AS turn
            FROM mem m
            LEFT JOIN strength s ON s.platform = m.platform AND s.account_id = m.account_id)
          ORDER BY turn, position LIMIT ?)"""


def network(
    tr: Tracer,
    *,
    clusters: int = 10,
    max_nodes: int = 300,
    max_edges: int = 3000,
    cluster_id: Any = None,
) -> dict[str, Any]:
    """Nodes and edges of the network picture; one cluster when ``cluster_id`` is given."""
    missing = detect_not_run(tr, "network", TITLE)
    if missing is not None or not tr.has("edges"):
        return missing or not_run("network", TITLE, tr.ws.path, "detect", "Coordination detection")
    one = cluster_id is not None
    head = [cluster_id] if one else []
    ctes = _ctes(tr, one)
    nodes, q_nodes = tr.rows(
        "Accounts in the network picture",
        ctes
        + f"""
        SELECT n.cluster_id, n.position, n.platform, n.account_id, a.handle,
               {name_sql("a.handle", "a.display_name")} AS name, n.degree, n.strength
        FROM node n LEFT JOIN accounts a ON a.platform = n.platform AND a.account_id = n.account_id
        ORDER BY n.position, n.strength DESC, n.account_id""",
        head + [clusters, max_nodes],
    )
    edges, q_edges = tr.rows(
        "Edges in the network picture",
        ctes
        + """
        SELECT platform_1, account_1, platform_2, account_2, weight, signals FROM (
          SELECT p.*, row_number() OVER (PARTITION BY n1.cluster_id
                                         ORDER BY p.weight DESC, p.account_1, p.account_2) AS turn
          FROM pair p
          JOIN node n1 ON n1.platform = p.platform_1 AND n1.account_id = p.account_1
          JOIN node n2 ON n2.platform = p.platform_2 AND n2.account_id = p.account_2)
        ORDER BY turn, weight DESC, account_1, account_2 LIMIT ?""",
        head + [clusters, max_nodes, max_edges],
    )
    data = dict(
        nodes=nodes,
        edges=edges,
        q_nodes=q_nodes,
        q_edges=q_edges,
        max_nodes=max_nodes,
        max_edges=max_edges,
        clusters=clusters,
    )
    if not nodes:
        return empty("network", TITLE, "No cluster to draw.", **data)
    return section("network", TITLE, **data)


#: Accounts of each cluster: its flagged members, or for a cluster that flags none (a mirror
#: cluster) the members its details list.
_LISTED = '[{"platform": "VARCHAR", "account_id": "VARCHAR"}]'


def _cluster_accounts(tr: Tracer) -> str:
    flagged = "SELECT cluster_id, platform, account_id FROM cluster_members"
    return f"""{flagged}
          UNION ALL
          SELECT cluster_id, l.platform, l.account_id FROM (
            SELECT cluster_id, unnest(from_json(details -> 'members', '{_LISTED}')) AS l
            FROM clusters
            WHERE cluster_id NOT IN (SELECT cluster_id FROM cluster_members))"""


def cluster_network(tr: Tracer) -> dict[str, Any]:
    """The whole significant network at cluster level: every cluster is a node (its accounts,
    flagged members, significant edges inside), and two clusters are linked by the significant
    edges between their accounts. Accounts in no cluster that share significant edges with
    cluster accounts are one more node ("outside any cluster")."""
    missing = detect_not_run(tr, "network", TITLE)
    if missing is not None or not tr.has("edges"):
        return missing or not_run("network", TITLE, tr.ws.path, "detect", "Coordination detection")
    ctes = f"""
        WITH acc AS (
          SELECT platform, account_id, arg_min(a.cluster_id, c.k) AS cluster_id FROM (
          {_cluster_accounts(tr)}) a
          JOIN (SELECT cluster_id, row_number() OVER (ORDER BY {cluster_order(tr)}) AS k
                FROM clusters) c USING (cluster_id)
          GROUP BY platform, account_id),
        sig AS (
          SELECT e.signal, e.weight, a1.cluster_id AS c1, a2.cluster_id AS c2,
                 e.platform_1, e.account_1, e.platform_2, e.account_2
          FROM edges e
          LEFT JOIN acc a1 ON a1.platform = e.platform_1 AND a1.account_id = e.account_1
          LEFT JOIN acc a2 ON a2.platform = e.platform_2 AND a2.account_id = e.account_2
          WHERE {edge_scope(tr)})"""
    title = "Clusters as nodes: accounts, flagged members, edges inside"
    nodes, q_nodes = tr.rows(
        title,
        ctes
        + f""",
        flagged AS (SELECT cluster_id, count(*) AS n FROM cluster_members GROUP BY cluster_id),
        inner_edges AS (
          SELECT c1 AS cluster_id, count(*) AS n, list(DISTINCT signal ORDER BY signal) AS signals
          FROM sig WHERE c1 = c2 GROUP BY c1)
        SELECT c.cluster_id, row_number() OVER (ORDER BY {cluster_order(tr, "c")}) AS position,
               c.kind AS kind, c.size AS accounts, coalesce(f.n, 0) AS flagged,
               coalesce(i.n, 0) AS inner_edges, coalesce(i.signals, []) AS signals
        FROM clusters c
        LEFT JOIN flagged f ON f.cluster_id = c.cluster_id
        LEFT JOIN inner_edges i ON i.cluster_id = c.cluster_id
        ORDER BY position""",
    )
    links, q_links = tr.rows(
        "Links between clusters: significant edges between their accounts",
        ctes
        + """
        SELECT least(c1, c2) AS cluster_1, greatest(c1, c2) AS cluster_2, count(*) AS edges,
               sum(weight) AS weight, list(DISTINCT signal ORDER BY signal) AS signals
        FROM sig WHERE c1 IS NOT NULL AND c2 IS NOT NULL AND c1 <> c2
        GROUP BY ALL ORDER BY edges DESC, cluster_1, cluster_2""",
    )
    outside, q_outside = tr.rows(
        "Significant edges from cluster accounts to accounts outside any cluster, per cluster",
        ctes
        + """
        SELECT coalesce(c1, c2) AS cluster_id, count(*) AS edges, sum(weight) AS weight,
               count(DISTINCT CASE WHEN c1 IS NULL THEN platform_1 || ':' || account_1
                                   ELSE platform_2 || ':' || account_2 END) AS accounts,
               list(DISTINCT signal ORDER BY signal) AS signals
        FROM sig WHERE (c1 IS NULL) <> (c2 IS NULL)
        GROUP BY ALL ORDER BY edges DESC, cluster_id""",
    )
    totals, q_totals = tr.one(
        "Significant edges by where their ends are",
        ctes
        + """
        SELECT count(*) AS edges,
               count(*) FILTER (WHERE c1 = c2) AS inside_clusters,
               count(*) FILTER (WHERE c1 <> c2) AS between_clusters,
               count(*) FILTER (WHERE (c1 IS NULL) <> (c2 IS NULL)) AS to_outside,
               count(*) FILTER (WHERE c1 IS NULL AND c2 IS NULL) AS outside_clusters,
               (SELECT count(*) FROM (
                  SELECT platform_1, account_1 FROM sig WHERE c1 IS NULL AND c2 IS NOT NULL
                  UNION SELECT platform_2, account_2 FROM sig WHERE c2 IS NULL AND c1 IS NOT NULL))
                 AS outside_accounts
        FROM sig""",
    )
    data = dict(
        nodes=nodes,
        links=links,
        outside=outside,
        totals=totals,
        q_nodes=q_nodes,
        q_links=q_links,
        q_outside=q_outside,
        q_totals=q_totals,
        level="clusters",
    )
    if not nodes:
        return empty("network", TITLE, "No cluster to draw.", **data)
    return section("network", TITLE, **data)
