"""The SQL behind every number of the ads audit, by name.

Each query is plain DuckDB SQL over the workspace tables, so that a reader of a disclosure can
run it again (``duckdb case.duckdb``) and get the same number. ``{where}`` is replaced by the
audit's filter on ``ads`` (alias ``a``), e.g. a date range for the before/after split.
"""

from __future__ import annotations

__all__ = ["QUERIES", "render"]

QUERIES: dict[str, str] = {
    "totals": """
SELECT count(*) AS ads,
       count(DISTINCT a.platform || ':' || a.advertiser_id) AS advertisers,
       count(DISTINCT a.platform || ':' || a.post_id) AS promoted_posts,
       sum(a.spend_usd_lower) AS spend_usd,
       CASE WHEN count(a.spend_usd_upper) = count(*) THEN sum(a.spend_usd_upper) END AS spend_usd_upper,
       bool_and(a.spend_usd_lower IS NOT NULL AND a.spend_usd_lower = a.spend_usd_upper)
         AS spend_usd_exact,
       count(*) FILTER (WHERE a.spend_usd_lower IS NULL) AS ads_not_converted,
       CAST(sum(a.impressions_lower) AS BIGINT) AS impressions,
       CASE WHEN count(a.impressions_upper) = count(*)
            THEN CAST(sum(a.impressions_upper) AS BIGINT) END AS impressions_upper,
       sum(a.clicks) AS clicks,
       avg(CASE WHEN a.impressions_upper = 0 THEN 1 ELSE 0 END) AS share_never_shown,
       avg(CASE WHEN a.spend_usd_upper < 3 THEN 1 ELSE 0 END) AS share_under_3_usd,
       avg(CASE WHEN a.spend_usd_upper < 1000 THEN 1 ELSE 0 END) AS share_under_1000_usd,
       min(a.start_at) AS first_at, max(COALESCE(a.end_at, a.start_at)) AS last_at
FROM ads a WHERE {where}""",
    "spend_by_currency": """
SELECT a.currency, count(*) AS ads,
       CAST(sum(CAST(a.spend_lower AS DECIMAL(38, 4))) AS DOUBLE) AS spend,
       CAST(sum(a.impressions_lower) AS BIGINT) AS impressions
FROM ads a WHERE {where} GROUP BY a.currency ORDER BY ads DESC, a.currency NULLS LAST""",
    "spend_quantiles": """
SELECT quantile_cont(a.spend_usd_lower, [0.25, 0.5, 0.75, 0.9, 0.99]) AS q,
       max(a.spend_usd_lower) AS max
FROM ads a WHERE {where} AND a.spend_usd_lower IS NOT NULL""",
    "by_month": """
SELECT strftime(date_trunc('month', a.start_at), '%Y-%m') AS month, count(*) AS ads,
       sum(a.spend_usd_lower) AS spend_usd, CAST(sum(a.impressions_lower) AS BIGINT) AS impressions,
       sum(a.clicks) AS clicks
FROM ads a WHERE {where} GROUP BY 1 ORDER BY 1 NULLS LAST""",
    "advertisers": """
SELECT a.platform, a.advertiser_id, any_value(a.advertiser_name) AS advertiser_name,
       any_value(a.advertiser_handle) AS advertiser_handle,
       mode(a.landing_domain) AS landing_domain,
       count(*) AS ads, count(DISTINCT a.post_id) AS promoted_posts,
       sum(a.spend_usd_lower) AS spend_usd,
       CASE WHEN count(a.spend_usd_upper) = count(*) THEN sum(a.spend_usd_upper) END AS spend_usd_upper,
       CAST(sum(a.impressions_lower) AS BIGINT) AS impressions, sum(a.clicks) AS clicks,
       min(a.start_at) AS first_at, max(COALESCE(a.end_at, a.start_at)) AS last_at
FROM ads a WHERE {where}
GROUP BY a.platform, a.advertiser_id ORDER BY spend_usd DESC NULLS LAST, ads DESC, a.platform, a.advertiser_id""",
    "advertiser_countries": """
SELECT a.platform, a.advertiser_id, t.country, t.status, count(*) AS ads,
       sum(a.spend_usd_lower) AS spend_usd
FROM ads a JOIN ad_country_targeting t ON t.platform = a.platform AND t.ad_id = a.ad_id
WHERE {where} GROUP BY ALL""",
    "countries": """
SELECT t.country, count(*) FILTER (WHERE t.status = 'definite') AS definite,
       count(*) FILTER (WHERE t.status = 'potential') AS potential,
       count(*) FILTER (WHERE t.status = 'excluded') AS excluded,
       count(*) FILTER (WHERE t.status = 'unknown') AS unknown,
       sum(a.spend_usd_lower) FILTER (WHERE t.status IN ('definite', 'potential'))
         AS spend_usd_definite_or_potential
FROM ads a JOIN ad_country_targeting t ON t.platform = a.platform AND t.ad_id = a.ad_id
WHERE {where} GROUP BY t.country ORDER BY definite + potential DESC, t.country""",
    "ads_by_advertiser": """
SELECT a.platform, a.advertiser_id, a.ad_id, a.start_at, a.landing_domain
FROM ads a WHERE {where}""",
}


def render(name: str, where: str = "TRUE") -> str:
    """The SQL of query ``name`` with the audit's filter in place."""
    return QUERIES[name].format(where=where).strip()
