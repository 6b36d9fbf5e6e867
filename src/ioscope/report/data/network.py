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


def network(tr: Tracer, *, clusters: int = 10, max_nodes: int = 300, max_edges: int = 3000,
            cluster_id: Any = None) -> dict[str, Any]:
    """Nodes and edges of the network picture; one cluster when ``cluster_id`` is given."""
    if not (tr.has("clusters") and tr.has("cluster_members") and tr.has("edges")):
        return not_run("network", TITLE, tr.ws.path, "detect", "Coordination detection")
    one = cluster_id is not None
    head = [cluster_id] if one else []
    ctes = _ctes(tr, one)
    nodes, q_nodes = tr.rows("Accounts in the network picture", ctes + f"""
        SELECT n.cluster_id, n.position, n.platform, n.account_id, a.handle,
               {name_sql('a.handle', 'a.display_name')} AS name, n.degree, n.strength
        FROM node n LEFT JOIN accounts a ON a.platform = n.platform AND a.account_id = n.account_id
        ORDER BY n.position, n.strength DESC, n.account_id""", head + [clusters, max_nodes])
    edges, q_edges = tr.rows("Edges in the network picture", ctes + """
        SELECT platform_1, account_1, platform_2, account_2, weight, signals FROM (
          SELECT p.*, row_number() OVER (PARTITION BY n1.cluster_id
                                         ORDER BY p.weight DESC, p.account_1, p.account_2) AS turn
          FROM pair p
          JOIN node n1 ON n1.platform = p.platform_1 AND n1.account_id = p.account_1
          JOIN node n2 ON n2.platform = p.platform_2 AND n2.account_id = p.account_2)
        ORDER BY turn, weight DESC, account_1, account_2 LIMIT ?""",
        head + [clusters, max_nodes, max_edges])
    data = dict(nodes=nodes, edges=edges, q_nodes=q_nodes, q_edges=q_edges,
                max_nodes=max_nodes, max_edges=max_edges, clusters=clusters)
    if not nodes:
        return empty("network", TITLE, "No cluster to draw.", **data)
    return section("network", TITLE, **data)
