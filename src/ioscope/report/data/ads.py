"""Paid promotion: spend by advertiser and month, targeting by country, state affiliation.

Reads ``ads`` (written by the ad readers at ingest) and ``ad_country_targeting`` (ads stage). Spend
and impressions are bounds (``*_lower``/``*_upper``); a sum's upper bound is NULL (open) when any
ad's upper bound is open.
"""

from __future__ import annotations

import time
from typing import Any

from ioscope.errors import NotFoundError
from ioscope.report.data import empty, not_run, section
from ioscope.report.trace import Tracer

__all__ = ["ads_overview", "advertiser_detail", "state_affiliated", "organic", "quality_notes"]

TITLE = "Paid promotion"
#: Summary (temporary table of the connection) of the promoted posts reposted by cluster members.
AMPLIFIED = "_ioscope_amplified_promoted_posts"


def _upper(col: str) -> str:
    return f"CASE WHEN count(*) = count({col}) THEN sum({col}) END"


def ads_overview(
    tr: Tracer, *, limit: int = 25, offset: int = 0, totals_only: bool = False
) -> dict[str, Any]:
    """Totals, advertisers (one page), spend per month and targeting per country (only the
    totals with ``totals_only``)."""
    if not tr.has("ads"):
        return not_run("ads", TITLE, tr.ws.path, "ads_ingest", "Ad ingest")
    totals, q_totals = tr.one(
        "Totals over all ads",
        f"""
        SELECT count(*) AS ads, count(DISTINCT advertiser_id) AS advertisers,
               sum(spend_usd_lower) AS spend_usd_lower, {_upper("spend_usd_upper")} AS spend_usd_upper,
               sum(impressions_lower) AS impressions_lower,
               {_upper("impressions_upper")} AS impressions_upper, sum(clicks) AS clicks,
               avg(CASE WHEN impressions_upper = 0 THEN 1 ELSE 0 END) AS share_never_shown,
               avg(CASE WHEN spend_usd_upper < 3 THEN 1 ELSE 0 END) AS share_under_3_usd,
               count(*) FILTER (WHERE spend_usd_lower IS NULL AND spend_lower > 0) AS unconverted,
               min(start_at) AS first_start, max(start_at) AS last_start
        FROM ads""",
    )
    data: dict[str, Any] = dict(totals=totals, q_totals=q_totals, limit=limit, offset=offset)
    if not totals.get("ads"):
        return empty("ads", TITLE, "The workspace holds no ads.", **data)
    if totals_only:
        return section("ads", TITLE, **data)
    data["currencies"], data["q_currencies"] = tr.rows(
        "Spend in the original currencies",
        """
        SELECT currency, count(*) AS ads, sum(spend_lower) AS spend_lower,
               CASE WHEN count(*) = count(spend_upper) THEN sum(spend_upper) END AS spend_upper
        FROM ads GROUP BY currency ORDER BY spend_lower DESC NULLS LAST, currency""",
    )
    data["advertisers"], data["q_advertisers"] = tr.rows(
        "Advertisers by spend",
        f"""
        SELECT platform, advertiser_id, any_value(advertiser_name) AS advertiser_name,
               count(*) AS ads, sum(spend_usd_lower) AS spend_usd_lower,
               {_upper("spend_usd_upper")} AS spend_usd_upper,
               sum(impressions_lower) AS impressions_lower, sum(clicks) AS clicks,
               min(start_at) AS first_start, max(start_at) AS last_start
        FROM ads GROUP BY platform, advertiser_id
        ORDER BY spend_usd_lower DESC NULLS LAST, ads DESC, advertiser_id
        LIMIT ? OFFSET ?""",
        [limit, offset],
    )
    data["n_advertisers"] = totals.get("advertisers", 0)
    data["months"], data["q_months"] = tr.rows(
        "Spend per month (ad start date)",
        f"""
        SELECT CAST(date_trunc('month', start_at) AS DATE) AS month, count(*) AS ads,
               sum(spend_usd_lower) AS spend_usd_lower, {_upper("spend_usd_upper")} AS spend_usd_upper,
               sum(impressions_lower) AS impressions_lower
        FROM ads WHERE start_at IS NOT NULL GROUP BY month ORDER BY month""",
    )
    if tr.has("ad_country_targeting"):
        data["countries"], data["q_countries"] = tr.rows(
            "Ads per country and targeting status",
            """
            SELECT t.country,
                   count(*) FILTER (WHERE t.status = 'definite') AS definite,
                   count(*) FILTER (WHERE t.status = 'potential') AS potential,
                   count(*) FILTER (WHERE t.status = 'excluded') AS excluded,
                   sum(a.spend_usd_lower) FILTER (WHERE t.status IN ('definite', 'potential'))
                     AS spend_usd_lower_definite_or_potential
            FROM ad_country_targeting t
            JOIN ads a ON a.platform = t.platform AND a.ad_id = t.ad_id
            GROUP BY t.country
            ORDER BY definite + potential DESC, t.country LIMIT 25""",
        )
    else:
        data["countries_status"] = not_run("ads", TITLE, tr.ws.path, "ads", "The ads audit")
    data.update(state_affiliated(tr))
    data.update(organic(tr))
    data.update(quality_notes(tr))
    data["top_ads"], data["q_top_ads"] = tr.rows(
        "Ads with the highest spend",
        """
        SELECT platform, ad_id, advertiser_name, start_at, spend_raw, currency, spend_usd_lower,
               impressions_lower, clicks, creative_text, landing_url
        FROM ads ORDER BY spend_usd_lower DESC NULLS LAST, ad_id LIMIT 10""",
    )
    return section("ads", TITLE, **data)


def quality_notes(tr: Tracer) -> dict[str, Any]:
    """The ads audit's data-quality notes (:mod:`ioscope.ads.quality`): ads dated outside their
    release's stated period, and suggested groups of advertiser name variants, one row per
    advertiser (``quality_groups``) with the names that link it to its group."""
    from ioscope.ads.quality import data_quality

    q = data_quality(tr.ws, run=tr.rows)
    refs = q.pop("refs")
    q.pop("queries")
    rows = []
    for i, g in enumerate(q["name_variants"]["groups"], 1):
        links: dict[tuple, list[str]] = {}
        for p in g["pairs"]:
            for end, other in (("advertiser_1", "name_2"), ("advertiser_2", "name_1")):
                links.setdefault(tuple(p[end]), []).append(f"{p[other]} ({p['rule']})")
        for a in g["advertisers"]:
            rows.append(
                dict(
                    a,
                    group=i,
                    group_ads=g["ads"],
                    group_spend_usd=g["spend_usd"],
                    linked_to="; ".join(links.get((a["platform"], a["advertiser_id"]), [])),
                )
            )
    return {
        "quality": q,
        "quality_groups": rows,
        "q_quality_dates": refs.get("dates"),
        "q_quality_pairs": refs.get("pairs"),
        "q_quality_members": refs.get("members"),
    }


def state_affiliated(tr: Tracer) -> dict[str, Any]:
    """Advertisers that match the state-affiliated media registry, from the ads audit
    (:func:`ioscope.ads.audit`), with the platform policies in force when their ads ran."""
    try:
        from ioscope.ads import audit
    except ImportError:  # the ads stage is not part of this installation
        return {"state": None}
    start, note = time.perf_counter(), None
    if tr.summaries is not None:  # the served workspace is read-only: one audit per connection
        result = tr.summaries.memo("ads audit", lambda: audit(tr.ws))
        note = (
            f"the ads audit ran once for this connection, in "
            f"{tr.summaries.built['ads audit']:.2f} s"
        )
    else:
        result = audit(tr.ws)
    seconds = time.perf_counter() - start
    rows = []
    for r in result.get("advertisers", []):
        m = r.get("state_affiliation")
        if not m:
            continue
        rows.append(
            {
                "platform": r["platform"],
                "advertiser_id": r["advertiser_id"],
                "advertiser_name": r.get("advertiser_name"),
                "ads": r.get("ads"),
                "spend_usd": r.get("spend_usd"),
                "outlet": m.get("asset"),
                "company": m.get("media_company"),
                "country": m.get("country_name"),
                "typology": m.get("typology"),
                "matched_on": m.get("matched_on"),
                "matched_value": m.get("matched_value"),
                "ads_to_state_media_domains": r.get("ads_to_state_media_domains"),
                "ads_under_policy": r.get("ads_under_policy") or {},
            }
        )
    sql = (result.get("queries") or {}).get("advertisers")
    q = tr.record(
        "Advertisers of the ads audit, matched in Python against the bundled "
        "state-affiliated media registry (src/ioscope/data/state_media.csv)",
        sql or "-- the audit ran no query",
        len(result.get("advertisers", [])),
        seconds=seconds,
        note=note,
    )
    return {"state": rows, "q_state": q}


def organic(tr: Tracer) -> dict[str, Any]:
    """Advertisers that are members of coordination clusters; promoted posts that cluster
    members reposted (the queries of the ads audit's organic link)."""
    if not tr.has("cluster_members"):
        return {"organic": None}
    try:
        from ioscope.ads.organic import ORGANIC_QUERIES
    except ImportError:
        return {"organic": None}
    out: dict[str, Any] = {"organic": True}
    titles = {
        "advertisers_in_clusters": "Advertisers whose accounts are in clusters",
        "amplified_promoted_posts": "Promoted posts reposted by cluster members",
    }
    for name, sql in ORGANIC_QUERIES.items():
        sql = sql.format(where="TRUE")
        via = None
        if name == "amplified_promoted_posts":
            # a scan of every post for reposts of promoted posts: kept for the connection
            # (the workspace is read-only while it is served), like the cluster summaries
            via = (AMPLIFIED, sql, f'SELECT * FROM "{AMPLIFIED}"', [])
        out[name], out["q_" + name] = tr.rows(titles.get(name, name), sql, via=via)
    return out


def advertiser_detail(
    tr: Tracer, platform: str, advertiser_id: str | None, *, limit: int = 50, offset: int = 0
) -> dict[str, Any]:
    """One advertiser: totals, its ads (one page) with creatives, and targeted countries.
    ``advertiser_id`` None selects the ads whose source named no advertiser."""
    if not tr.has("ads"):
        return not_run("advertiser", "Advertiser", tr.ws.path, "ads_ingest", "Ad ingest")
    key = [platform, advertiser_id]
    totals, q_totals = tr.one(
        "The advertiser's totals",
        f"""
        SELECT any_value(advertiser_name) AS advertiser_name, count(*) AS ads,
               sum(spend_usd_lower) AS spend_usd_lower, {_upper("spend_usd_upper")} AS spend_usd_upper,
               sum(impressions_lower) AS impressions_lower, sum(clicks) AS clicks,
               min(start_at) AS first_start, max(start_at) AS last_start
        FROM ads WHERE platform = ? AND advertiser_id IS NOT DISTINCT FROM ?""",
        key,
    )
    if not totals.get("ads"):
        raise NotFoundError(
            f"No advertiser {advertiser_id!r} on {platform!r} in {tr.ws.path}.",
            hint="List advertisers on /ads.",
        )
    ads, q_ads = tr.rows(
        "The advertiser's ads",
        """
        SELECT ad_id, start_at, end_at, spend_raw, currency, spend_usd_lower, spend_usd_upper,
               impressions_raw, clicks, creative_text, landing_url, landing_domain, post_id
        FROM ads WHERE platform = ? AND advertiser_id IS NOT DISTINCT FROM ?
        ORDER BY start_at, ad_id LIMIT ? OFFSET ?""",
        key + [limit, offset],
    )
    out = section(
        "advertiser",
        f"Advertiser {totals.get('advertiser_name') or advertiser_id}",
        platform=platform,
        advertiser_id=advertiser_id,
        totals=totals,
        q_totals=q_totals,
        ads=ads,
        q_ads=q_ads,
        limit=limit,
        offset=offset,
    )
    if tr.has("ad_country_targeting"):
        out["countries"], out["q_countries"] = tr.rows(
            "Countries the advertiser's ads targeted",
            """
            SELECT t.country, t.status, count(*) AS ads
            FROM ad_country_targeting t
            JOIN ads a ON a.platform = t.platform AND a.ad_id = t.ad_id
            WHERE a.platform = ? AND a.advertiser_id IS NOT DISTINCT FROM ?
            GROUP BY ALL ORDER BY ads DESC, t.country, t.status LIMIT 50""",
            key,
        )
    return out
