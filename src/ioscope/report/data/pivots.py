"""Clusters that span platforms: the members per platform and the pivots that tie them, the
edges between members on different platforms (per signal) and the items they rest on, and the
handles members use on several platforms, and the accounts on other platforms whose handle is the
same or significantly similar to a member's (the ``similar_handle`` account signal, with its
similarity, p and q), also for clusters on one platform: a member's twin elsewhere is a lead;
and the handle pivots within the cluster: members on two platforms whose handles are the same or
significantly similar with Benjamini-Hochberg run over the pairs of members of one cluster only
(same p, a smaller family: see :func:`ioscope.accounts.handles.cluster_handle_tests`).

Reads ``cluster_members``, ``accounts``, ``edges``, ``edge_evidence`` and ``account_signals``.
"""

from __future__ import annotations

from typing import Any

from ioscope.report.trace import Tracer

__all__ = ["cluster_pivots"]

_MEMBERS = "m AS (SELECT platform, account_id FROM cluster_members WHERE cluster_id = ?)"
_BETWEEN = """JOIN m m1 ON m1.platform = e.platform_1 AND m1.account_id = e.account_1
            JOIN m m2 ON m2.platform = e.platform_2 AND m2.account_id = e.account_2
            WHERE e.platform_1 <> e.platform_2"""


def cluster_pivots(tr: Tracer, cid: Any, scope: str, limit: int = 10) -> dict[str, Any]:
    """Accounts per platform; when there are several, the cross-platform edges per signal
    (``scope``: the SQL condition on ``e`` that keeps the edges shown) and the items most of
    them share."""
    rows, q = tr.rows("Members of the cluster per platform", """
        SELECT platform, count(*) AS accounts FROM cluster_members WHERE cluster_id = ?
        GROUP BY platform ORDER BY accounts DESC, platform""", [cid])
    out: dict[str, Any] = dict(platforms=rows, q_platforms=q)
    out.update(_similar_handles(tr, cid, limit))
    out.update(_cluster_handles(tr, cid, limit))
    if len(rows) < 2:
        return out
    # a handle's stem: lower-case, without '@' and without a Bluesky domain ('name.bsky.social')
    handles, q_h = tr.rows("Handles members use on several platforms", f"""
        WITH {_MEMBERS},
        h AS (SELECT a.platform, a.account_id,
                     lower(split_part(ltrim(a.handle, '@'), '.', 1)) AS stem
              FROM accounts a JOIN m ON m.platform = a.platform AND m.account_id = a.account_id
              WHERE NULLIF(trim(a.handle), '') IS NOT NULL)
        SELECT stem AS handle, count(DISTINCT platform) AS platforms, count(*) AS accounts,
               list(platform || ':' || account_id ORDER BY platform, account_id) AS members
        FROM h GROUP BY stem HAVING count(DISTINCT platform) >= 2
        ORDER BY accounts DESC, handle LIMIT ?""", [cid, limit])
    out.update(handle_pivots=handles, q_handle_pivots=q_h)
    if not tr.has("edges"):
        return out
    pivots, q_p = tr.rows("Edges between members on different platforms, per signal", f"""
        WITH {_MEMBERS}
        SELECT e.signal, LEAST(e.platform_1, e.platform_2) AS platform_a,
               GREATEST(e.platform_1, e.platform_2) AS platform_b, count(*) AS edges,
               min(e.p_value) AS min_p
        FROM edges e {_BETWEEN} AND {scope}
        GROUP BY ALL ORDER BY edges DESC, e.signal""", [cid])
    out.update(pivots=pivots, q_pivots=q_p)
    if tr.has("edge_evidence"):
        items, q_i = tr.rows("Items behind those edges: pairs of posts by members on two "
                             "platforms", f"""
            WITH {_MEMBERS}
            SELECT v.signal, v.item, count(*) AS pairs
            FROM edge_evidence v JOIN edges e ON e.signal = v.signal
              AND e.platform_1 = v.platform_1 AND e.account_1 = v.account_1
              AND e.platform_2 = v.platform_2 AND e.account_2 = v.account_2
            {_BETWEEN} AND {scope}
            GROUP BY ALL ORDER BY pairs DESC, v.signal, v.item LIMIT ?""", [cid, limit])
        out.update(pivot_items=items, q_pivot_items=q_i)
    return out


_MATCH = ('[{"platform": "VARCHAR", "account_id": "VARCHAR", "handle": "VARCHAR", '
          '"similarity": "DOUBLE", "identical": "BOOLEAN", "p": "DOUBLE", "q": "DOUBLE"}]')


def _similar_handles(tr: Tracer, cid: Any, limit: int) -> dict[str, Any]:
    """Members' handles matched on other platforms (a pair of two members listed once)."""
    if not tr.has("account_signals"):
        return {}
    rows, q = tr.rows("Accounts on other platforms whose handle is the same as or similar to a "
                      "member's (similar_handle)", f"""
        WITH {_MEMBERS},
        s AS (
            SELECT a.platform, a.account_id, json_extract_string(a.detail, '$.handle') AS handle,
                   unnest(from_json(json_extract(a.detail, '$.matches'), '{_MATCH}')) AS x
            FROM account_signals a
            JOIN m ON m.platform = a.platform AND m.account_id = a.account_id
            WHERE a.signal = 'similar_handle' AND a.value > 0),
        t AS (
            SELECT s.*, EXISTS (SELECT 1 FROM m WHERE m.platform = s.x.platform
                                AND m.account_id = s.x.account_id) AS other_in_cluster
            FROM s)
        SELECT handle, platform, x.handle AS other_handle, x.platform AS other_platform,
               x.account_id AS other_account, other_in_cluster, x.identical AS identical,
               x.similarity AS similarity, x.p AS p_value, x.q AS q_value
        FROM t WHERE NOT other_in_cluster OR (platform, account_id) < (x.platform, x.account_id)
        ORDER BY p_value, handle, other_platform, other_handle LIMIT ?""", [cid, limit])
    return dict(similar_handles=rows, q_similar_handles=q) if rows else {}


_CMATCH = ('[{"platform": "VARCHAR", "account_id": "VARCHAR", "handle": "VARCHAR", '
           '"cluster_id": "BIGINT", "similarity": "DOUBLE", "identical": "BOOLEAN", '
           '"p": "DOUBLE", "q": "DOUBLE"}]')


def _cluster_handles(tr: Tracer, cid: Any, limit: int) -> dict[str, Any]:
    """Pairs of members on two platforms whose handles are twins in the cluster family (q over
    the cross-platform pairs of members of every cluster, ``cluster_family`` of them), each pair
    once; only when the signal was computed on the current clusters (same detect run)."""
    if not (tr.has("account_signals") and tr.has("cluster_members")):
        return {}
    same_run = ("AND json_extract_string(a.detail, '$.clusters_run') IS NOT DISTINCT FROM "
                "(SELECT any_value(run_id) FROM cluster_members)"
                if "run_id" in tr.columns("cluster_members") else "")
    rows, q = tr.rows("Handle pivots within the cluster: members on two platforms with the same "
                      "or a significantly similar handle (q within clusters)", f"""
        WITH {_MEMBERS},
        s AS (
            SELECT a.platform, a.account_id, json_extract_string(a.detail, '$.handle') AS handle,
                   json_extract(a.detail, '$.cluster_family')::BIGINT AS family,
                   unnest(from_json(json_extract(a.detail, '$.cluster_matches'), '{_CMATCH}'))
                       AS x
            FROM account_signals a
            JOIN m ON m.platform = a.platform AND m.account_id = a.account_id
            WHERE a.signal = 'similar_handle' {same_run})
        SELECT handle, platform, x.handle AS other_handle, x.platform AS other_platform,
               x.identical AS identical, x.similarity AS similarity, x.p AS p_value,
               x.q AS q_cluster, family
        FROM s WHERE x.cluster_id = ? AND (platform, account_id) < (x.platform, x.account_id)
          AND EXISTS (SELECT 1 FROM m WHERE m.platform = s.x.platform
                      AND m.account_id = s.x.account_id)
        ORDER BY p_value, handle, other_platform, other_handle LIMIT ?""", [cid, cid, limit])
    return {"cluster_handles": rows, "q_cluster_handles": q} if rows else {}
