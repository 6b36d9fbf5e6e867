"""The organic side of paid promotion: advertisers inside coordination clusters, and promoted
posts that cluster members amplified (reposted).

Reads ``cluster_members`` (written by the clustering stage) when present; without it the result
says so and the audit goes on.
"""

from __future__ import annotations

from typing import Any

from ioscope.workspace import Workspace

__all__ = ["organic_links", "ORGANIC_QUERIES"]

ORGANIC_QUERIES = {
    "advertisers_in_clusters": """
SELECT a.platform, a.advertiser_id, any_value(a.advertiser_name) AS advertiser_name,
       list(DISTINCT m.cluster_id ORDER BY m.cluster_id) AS clusters, count(DISTINCT a.ad_id) AS ads,
       sum(a.spend_usd_lower) / count(DISTINCT m.cluster_id) AS spend_usd
FROM ads a JOIN cluster_members m ON m.platform = a.platform AND m.account_id = a.advertiser_id
WHERE {where} GROUP BY a.platform, a.advertiser_id ORDER BY ads DESC, a.platform, a.advertiser_id""",
    "amplified_promoted_posts": """
WITH promoted AS (
    SELECT DISTINCT a.platform, a.post_id, a.advertiser_id FROM ads a
    WHERE {where} AND a.post_id IS NOT NULL)
SELECT pr.platform, pr.post_id, pr.advertiser_id, count(*) AS reposts_by_cluster_members,
       count(DISTINCT p.account_id) AS cluster_accounts,
       list(DISTINCT m.cluster_id ORDER BY m.cluster_id) AS clusters,
       min(p.created_at) AS first_repost_at, max(p.created_at) AS last_repost_at
FROM promoted pr
JOIN posts p ON p.platform = pr.platform AND p.target_post_id = pr.post_id AND p.kind = 'repost'
JOIN cluster_members m ON m.platform = p.platform AND m.account_id = p.account_id
GROUP BY pr.platform, pr.post_id, pr.advertiser_id
ORDER BY reposts_by_cluster_members DESC, pr.post_id""",
}


def organic_links(ws: Workspace, where: str = "TRUE") -> dict[str, Any]:
    """Advertisers in clusters and promoted posts amplified by cluster members, or why not."""
    if not ws.has_table("cluster_members"):
        return {
            "available": False,
            "reason": "no coordinated accounts yet: `ioscope detect` "
            "finds them, and the audit then links ads to them",
            "advertisers_in_clusters": [],
            "amplified_promoted_posts": [],
        }
    out: dict[str, Any] = {"available": True}
    for name, sql in ORGANIC_QUERIES.items():
        out[name] = ws.rows(sql.format(where=where))
    return out
