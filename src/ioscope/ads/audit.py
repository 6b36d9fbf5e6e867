"""The paid-promotion audit: who paid for what, how much, seen by how many, aimed at which
countries, from which state-affiliated outlets, and how it ties to coordinated organic activity.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time
from typing import Any

from ioscope import __version__
from ioscope.ads.organic import ORGANIC_QUERIES, organic_links
from ioscope.ads.quality import data_quality
from ioscope.ads.queries import QUERIES, render
from ioscope.errors import ParameterError
from ioscope.params import Param, validate_params
from ioscope.reference.policies import policies_in_force
from ioscope.reference.statemedia import match_advertiser, state_media_domains
from ioscope.sql import literal
from ioscope.workspace import Workspace

__all__ = ["audit", "run_audit", "AUDIT_PARAMS"]

AUDIT_PARAMS = (
    Param(
        "split",
        "str",
        None,
        "A date (YYYY-MM-DD): totals before it and from it on (e.g. 2016-11-08, the US election).",
    ),
    Param("platform", "str", None, "Only ads of this platform."),
    Param("top", "int", 0, "Advertisers to list, by spend (0 = all).", min=0),
)
_QUANTILES = ("p25", "p50", "p75", "p90", "p99")


def _split_date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ParameterError(
            f"The 'split' parameter of ads must be a date (YYYY-MM-DD). Got {str(value)!r} instead."
        ) from None


def audit(
    ws: Workspace, *, split: str | date | None = None, platform: str | None = None, top: int = 0
) -> dict[str, Any]:
    """The audit of the workspace's ads as a dict (the JSON of ``ioscope ads --json``).

    ``totals`` has ads, advertisers, promoted_posts, spend_usd (sum of lower bounds: the exact
    total when every spend is exact), spend_usd_upper (None when a spend is open-ended),
    impressions, clicks, share_never_shown, share_under_3_usd, share_under_1000_usd.
    ``advertisers`` lists each advertiser with its countries and state affiliation; ``quality``
    holds the data-quality notes (dates outside a release's stated period, advertiser names that
    differ only by OCR-like variation: see :mod:`ioscope.ads.quality`); ``queries`` holds the
    SQL of every figure.
    """
    given = {
        k: v for k, v in (("split", split), ("platform", platform), ("top", top)) if v is not None
    }
    values = validate_params([p for p in AUDIT_PARAMS if p.name in given], given, "ads")
    top, platform = values.get("top", 0), values.get("platform")
    day = _split_date(split)
    where = "TRUE" if not platform else f"a.platform = {literal(platform)}"
    params = {"split": day.isoformat() if day else None, "platform": platform, "top": top}
    result: dict[str, Any] = {
        "workspace": ws.path,
        "ioscope_version": __version__,
        "parameters": params,
        "available": ws.has_table("ads"),
    }
    if not result["available"]:
        result.update(
            totals=_empty_totals(),
            advertisers=[],
            countries=[],
            by_month=[],
            spend_by_currency=[],
            distribution={},
            split=None,
            quality=None,
            organic={
                "available": False,
                "reason": "no ads in this workspace",
                "advertisers_in_clusters": [],
                "amplified_promoted_posts": [],
            },
            queries={},
        )
        return result
    queries = {name: render(name, where) for name in QUERIES}
    totals = _totals(ws, where)
    q = ws.rows(queries["spend_quantiles"])[0]
    distribution = {
        "share_never_shown": totals["share_never_shown"],
        "share_under_3_usd": totals["share_under_3_usd"],
        "share_under_1000_usd": totals["share_under_1000_usd"],
        "spend_usd_quantiles": dict(zip(_QUANTILES, q["q"] or [None] * 5)) | {"max": q["max"]},
    }
    advertisers = _advertisers(ws, queries)
    quality = data_quality(ws, where)
    queries.update(quality.pop("queries"))
    quality.pop("refs")
    if top:
        advertisers = advertisers[:top]
    result.update(
        totals=totals,
        spend_by_currency=ws.rows(queries["spend_by_currency"]),
        distribution=distribution,
        advertisers=advertisers,
        countries=ws.rows(queries["countries"]),
        by_month=ws.rows(queries["by_month"]),
        split=_split(ws, where, day, queries) if day else None,
        quality=quality,
        organic=organic_links(ws, where),
        queries=queries
        | {f"organic_{k}": v.format(where=where).strip() for k, v in ORGANIC_QUERIES.items()},
    )
    return result


_INPUTS = '[{"path": "VARCHAR", "sha256": "VARCHAR", "size": "BIGINT"}]'


def run_audit(
    ws: Workspace, *, split: str | date | None = None, platform: str | None = None, top: int = 0
) -> dict[str, Any]:
    """:func:`audit`, recorded in ``runs`` (command ``ads``) like every other command: its
    parameters, the ioscope version, and as inputs the files the audited ads were ingested from
    (path, sha256 and size, as their ingest recorded them). The result gains ``run_id`` and
    ``inputs``. A failure (an invalid parameter) records nothing."""
    with ws.run("ads", {"split": split, "platform": platform, "top": top}) as run:
        result = audit(ws, split=split, platform=platform, top=top)
        run.parameters.update(result["parameters"])
        if result["available"]:
            run.inputs.extend(_ad_inputs(ws, result["parameters"]["platform"]))
        t = result["totals"]
        run.row_counts.update(ads=t["ads"], advertisers=t["advertisers"])
    result.update(run_id=run.run_id, inputs=run.inputs)
    return result


def _ad_inputs(ws: Workspace, platform: str | None) -> list[dict[str, Any]]:
    """The input files (as their ingest run recorded them) that the ads came from."""
    return ws.rows(
        f"""
        WITH inputs AS (
          SELECT run_id, unnest(from_json(inputs, '{_INPUTS}'), recursive := true)
          FROM runs WHERE command = 'ingest')
        SELECT DISTINCT i.path, i.sha256, i.size FROM inputs i
        JOIN (SELECT DISTINCT run_id, source_file FROM ads WHERE ? IS NULL OR platform = ?) a
          ON a.run_id = i.run_id AND a.source_file = i.path
        ORDER BY i.path, i.sha256""",
        [platform, platform],
    )


def _empty_totals() -> dict[str, Any]:
    return {
        "ads": 0,
        "advertisers": 0,
        "promoted_posts": 0,
        "spend_usd": 0.0,
        "spend_usd_upper": 0.0,
        "spend_usd_exact": True,
        "ads_not_converted": 0,
        "impressions": 0,
        "impressions_upper": 0,
        "clicks": 0,
        "share_never_shown": None,
        "share_under_3_usd": None,
        "share_under_1000_usd": None,
        "first_at": None,
        "last_at": None,
    }


def _totals(ws: Workspace, where: str) -> dict[str, Any]:
    row = ws.rows(render("totals", where))[0]
    if not row["ads"]:
        return _empty_totals()
    row["spend_usd_exact"] = bool(row["spend_usd_exact"])
    row["clicks"] = int(row["clicks"] or 0)
    return row


def _split(ws: Workspace, where: str, day: date, queries: dict) -> dict[str, Any]:
    at = datetime.combine(day, time())
    before = f"({where}) AND a.start_at < {literal(at)}"
    after = f"({where}) AND a.start_at >= {literal(at)}"
    queries["split_before"] = render("totals", before)
    queries["split_after"] = render("totals", after)
    return {
        "date": day.isoformat(),
        "before": _totals(ws, before),
        "after": _totals(ws, after),
        "undated": ws.rows(
            f"SELECT count(*) AS n FROM ads a WHERE ({where}) AND a.start_at IS NULL"
        )[0]["n"],
    }


def _advertisers(ws: Workspace, queries: dict) -> list[dict[str, Any]]:
    rows = ws.rows(queries["advertisers"])
    per_country: dict[tuple, dict] = defaultdict(lambda: defaultdict(dict))
    for r in ws.rows(queries["advertiser_countries"]):
        per_country[(r["platform"], r["advertiser_id"])][r["country"]][r["status"]] = r["ads"]
    domains = state_media_domains()
    matches = {}
    for r in rows:
        key = (r["platform"], r["advertiser_id"])
        r["countries"] = {c: dict(s) for c, s in sorted(per_country.get(key, {}).items())}
        r["definite"] = {c: s["definite"] for c, s in r["countries"].items() if "definite" in s}
        r["potential"] = {c: s["potential"] for c, s in r["countries"].items() if "potential" in s}
        m = match_advertiser(
            platform=r["platform"],
            advertiser_id=r["advertiser_id"],
            handle=r["advertiser_handle"],
            name=r["advertiser_name"],
            landing_domain=r["landing_domain"],
        )
        r["state_affiliation"] = m
        if m:
            matches[key] = m
    if matches or domains:
        _judge(ws, queries, rows, matches, domains)
    return rows


def _judge(ws: Workspace, queries: dict, rows: list[dict], matches: dict, domains: dict) -> None:
    """Per advertiser: ads linking to state media, and ads run while a platform ban applied."""
    to_state: dict[tuple, int] = defaultdict(int)
    banned: dict[tuple, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for ad in ws.rows(queries["ads_by_advertiser"]):
        key = (ad["platform"], ad["advertiser_id"])
        if ad["landing_domain"] in domains:
            to_state[key] += 1
        outlet = matches.get(key)
        if outlet:
            for p in policies_in_force(ad["platform"], ad["start_at"], outlet):
                banned[key][p.policy_id] += 1
    for r in rows:
        key = (r["platform"], r["advertiser_id"])
        r["ads_to_state_media_domains"] = to_state.get(key, 0)
        r["ads_under_policy"] = dict(banned.get(key, {}))
