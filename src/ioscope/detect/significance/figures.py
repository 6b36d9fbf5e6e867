"""The figures of the explanations, as queries over the evidence.

Every number a cluster's or a member's explanation states (accounts, edges, items, posts, texts,
time gaps, creation dates, p-values, observed/expected) is a column of one of the two queries
below, run over the significant edges inside each cluster, their ``edge_evidence`` rows and the
``posts`` and ``accounts`` they point to. :func:`cluster_figures_sql` and
:func:`member_figures_sql` give the query a reader can run on the workspace to recompute them
(``clusters.details.figures_sql`` holds the cluster's own); detect runs the same query over its
temporary tables while writing the clusters.

What is counted:

* ``accounts``: accounts at either end of the signal's significant edges inside the cluster;
* ``items``: distinct ``edge_evidence.item`` (posts reposted, links, hashtags, time bins…);
* ``posts``: distinct posts of the evidence rows; ``texts``: distinct ``posts.text`` of them;
* ``median_dt_seconds``: median |dt_seconds| over the evidence rows;
* ``truncated_edges``: edges with fewer evidence rows kept than co-actions (``max_evidence``):
  the counts are then lower bounds, and the sentences say "at least";
* p-values: median and smallest ``log10_p`` of the edges; ``median_observed_expected`` the
  median of weight / expected;
* ``scale_seconds``: after a multi-scale run, the scale at which most of the edges are strongest
  (the shorter on a tie), and ``scale_edges`` how many of them are (NULL and 0 otherwise).
"""

from __future__ import annotations

from ioscope.detect.significance.fusion import LOG_P_CAP
from ioscope.sql import literal

__all__ = ["CLUSTER_ACCOUNTS", "SIGNIFICANT_EDGES", "cluster_figures_sql", "member_figures_sql"]

_LISTED = '[{"platform": "VARCHAR", "account_id": "VARCHAR"}]'

#: The accounts of every cluster in the workspace: the flagged members, and the members that a
#: mirror cluster lists in its details.
CLUSTER_ACCOUNTS = f"""(SELECT cluster_id, platform, account_id FROM cluster_members
      UNION ALL
      SELECT cluster_id, unnest(from_json(details -> 'members', '{_LISTED}'), recursive := true)
      FROM clusters WHERE kind = 'mirror')"""

#: The significant edges of the workspace (those clusters are made of).
SIGNIFICANT_EDGES = "(SELECT * FROM edges WHERE significant)"


def _base(members: str, edges: str, evidence: str, where: str) -> str:
    return f"""WITH m AS (SELECT cluster_id, platform, account_id FROM {members} m {where}),
     e AS (SELECT m1.cluster_id, e.signal, e.platform_1, e.account_1, e.platform_2, e.account_2,
                  e.weight, e.expected, e.co_actions, e.log10_p, e.scale_seconds
           FROM {edges} e
           JOIN m m1 ON m1.platform = e.platform_1 AND m1.account_id = e.account_1
           JOIN m m2 ON m2.cluster_id = m1.cluster_id AND m2.platform = e.platform_2
                    AND m2.account_id = e.account_2),
     v AS (SELECT e.cluster_id, v.signal, v.platform_1, v.account_1, v.platform_2, v.account_2,
                  v.item, v.post_1, v.post_2, abs(v.dt_seconds) AS adt
           FROM {evidence} v
           JOIN e USING (signal, platform_1, account_1, platform_2, account_2)),
     kept AS (SELECT e.cluster_id, e.signal, e.platform_1, e.account_1, e.platform_2,
                     e.account_2, any_value(e.co_actions) AS co_actions, count(v.item) AS rows
              FROM e LEFT JOIN v USING (cluster_id, signal, platform_1, account_1, platform_2,
                                        account_2)
              GROUP BY e.cluster_id, e.signal, e.platform_1, e.account_1, e.platform_2,
                       e.account_2)"""


def _where(cluster_id: int | None) -> str:
    if cluster_id is None:
        return ""
    return f"WHERE m.cluster_id = {int(cluster_id)}"


def cluster_figures_sql(
    *,
    cluster_id: int | None = None,
    members: str = CLUSTER_ACCOUNTS,
    edges: str = SIGNIFICANT_EDGES,
    evidence: str = "edge_evidence",
) -> str:
    """One row per cluster and signal: the figures of the cluster's sentence for that signal
    (cluster_id, signal, accounts, edges, strength, median_log10_p, min_log10_p,
    median_observed_expected, first_created, last_created, evidence_rows, items,
    median_dt_seconds, posts, texts, truncated_edges, scale_seconds, scale_edges), for one
    cluster or all."""
    return (
        _base(members, edges, evidence, _where(cluster_id))
        + f""",
     ends AS (SELECT cluster_id, signal, platform_1 AS platform, account_1 AS account_id FROM e
              UNION SELECT cluster_id, signal, platform_2, account_2 FROM e),
     acc AS (SELECT ends.cluster_id, ends.signal, count(*) AS accounts,
                    min(a.created_at) AS first_created, max(a.created_at) AS last_created
             FROM ends LEFT JOIN accounts a USING (platform, account_id) GROUP BY ALL),
     es AS (SELECT cluster_id, signal, count(*) AS edges,
                   sum(LEAST(-log10_p, {LOG_P_CAP})) AS strength,
                   median(log10_p) AS median_log10_p, min(log10_p) AS min_log10_p,
                   median(weight / expected) AS median_observed_expected
            FROM e GROUP BY ALL),
     vs AS (SELECT cluster_id, signal, count(*) AS evidence_rows, count(DISTINCT item) AS items,
                   median(adt) AS median_dt_seconds FROM v GROUP BY ALL),
     vp AS (SELECT cluster_id, signal, platform_1 AS platform, post_1 AS post_id FROM v
            UNION SELECT cluster_id, signal, platform_2, post_2 FROM v),
     ps AS (SELECT vp.cluster_id, vp.signal, count(*) AS posts, count(DISTINCT p.text) AS texts
            FROM vp LEFT JOIN posts p USING (platform, post_id) GROUP BY ALL),
     tr AS (SELECT cluster_id, signal, count(*) FILTER (WHERE rows < co_actions)
                   AS truncated_edges FROM kept GROUP BY ALL),
     sc AS (SELECT cluster_id, signal, scale_seconds, count(*) AS n FROM e
            WHERE scale_seconds IS NOT NULL GROUP BY ALL),
     scm AS (SELECT cluster_id, signal, arg_max(scale_seconds, [n, -scale_seconds])
                    AS scale_seconds, max(n) AS scale_edges FROM sc GROUP BY ALL)
SELECT es.cluster_id, es.signal, acc.accounts, es.edges, es.strength, es.median_log10_p,
       es.min_log10_p, es.median_observed_expected, acc.first_created, acc.last_created,
       coalesce(vs.evidence_rows, 0) AS evidence_rows, coalesce(vs.items, 0) AS items,
       vs.median_dt_seconds, coalesce(ps.posts, 0) AS posts, coalesce(ps.texts, 0) AS texts,
       coalesce(tr.truncated_edges, 0) AS truncated_edges, scm.scale_seconds,
       coalesce(scm.scale_edges, 0) AS scale_edges
FROM es JOIN acc USING (cluster_id, signal) LEFT JOIN vs USING (cluster_id, signal)
LEFT JOIN ps USING (cluster_id, signal) LEFT JOIN tr USING (cluster_id, signal)
LEFT JOIN scm USING (cluster_id, signal)
ORDER BY es.cluster_id, es.strength DESC, es.signal"""
    )


def member_figures_sql(
    *,
    cluster_id: int | None = None,
    platform: str | None = None,
    account_id: str | None = None,
    members: str = CLUSTER_ACCOUNTS,
    edges: str = SIGNIFICANT_EDGES,
    evidence: str = "edge_evidence",
) -> str:
    """One row per cluster, member and signal: the figures of the member's sentence (cluster_id,
    platform, account_id, signal, partners, strength, best_log10_p, best_observed_expected,
    created_at, items, median_dt_seconds, posts, texts, truncated_edges, scale_seconds,
    scale_edges); for one member when ``cluster_id``, ``platform`` and ``account_id`` are given."""
    who = ""
    if platform is not None and account_id is not None:
        who = f"WHERE es.platform = {literal(platform)} AND es.account_id = {literal(account_id)}"
    return (
        _base(members, edges, evidence, _where(cluster_id))
        + f""",
     ends AS (SELECT cluster_id, signal, platform_1 AS platform, account_1 AS account_id,
                     log10_p, weight / expected AS oe, scale_seconds FROM e
              UNION ALL SELECT cluster_id, signal, platform_2, account_2, log10_p,
                               weight / expected, scale_seconds FROM e),
     es AS (SELECT cluster_id, platform, account_id, signal, count(*) AS partners,
                   sum(LEAST(-log10_p, {LOG_P_CAP})) AS strength, min(log10_p) AS best_log10_p,
                   arg_min(oe, [log10_p, -oe]) AS best_observed_expected
            FROM ends GROUP BY ALL),
     own AS (SELECT cluster_id, signal, platform_1 AS platform, account_1 AS account_id, item,
                    post_1 AS post_id, adt FROM v
             UNION ALL SELECT cluster_id, signal, platform_2, account_2, item, post_2, adt FROM v),
     vs AS (SELECT own.cluster_id, own.platform, own.account_id, own.signal,
                   count(DISTINCT own.item) AS items, median(own.adt) AS median_dt_seconds,
                   count(DISTINCT own.post_id) AS posts, count(DISTINCT p.text) AS texts
            FROM own LEFT JOIN posts p USING (platform, post_id) GROUP BY ALL),
     kends AS (SELECT cluster_id, signal, platform_1 AS platform, account_1 AS account_id, rows,
                      co_actions FROM kept
               UNION ALL SELECT cluster_id, signal, platform_2, account_2, rows, co_actions
               FROM kept),
     tr AS (SELECT cluster_id, platform, account_id, signal,
                   count(*) FILTER (WHERE rows < co_actions) AS truncated_edges
            FROM kends GROUP BY ALL),
     sc AS (SELECT cluster_id, platform, account_id, signal, scale_seconds, count(*) AS n
            FROM ends WHERE scale_seconds IS NOT NULL GROUP BY ALL),
     scm AS (SELECT cluster_id, platform, account_id, signal,
                    arg_max(scale_seconds, [n, -scale_seconds]) AS scale_seconds,
                    max(n) AS scale_edges FROM sc GROUP BY ALL)
SELECT es.cluster_id, es.platform, es.account_id, es.signal, es.partners, es.strength,
       es.best_log10_p, es.best_observed_expected, a.created_at,
       coalesce(vs.items, 0) AS items, vs.median_dt_seconds, coalesce(vs.posts, 0) AS posts,
       coalesce(vs.texts, 0) AS texts, coalesce(tr.truncated_edges, 0) AS truncated_edges,
       scm.scale_seconds, coalesce(scm.scale_edges, 0) AS scale_edges
FROM es LEFT JOIN vs USING (cluster_id, platform, account_id, signal)
LEFT JOIN tr USING (cluster_id, platform, account_id, signal)
LEFT JOIN scm USING (cluster_id, platform, account_id, signal)
LEFT JOIN accounts a ON a.platform = es.platform AND a.account_id = es.account_id
{who}
ORDER BY es.cluster_id, es.platform, es.account_id, es.strength DESC, es.signal"""
    )
