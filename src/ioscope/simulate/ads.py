"""Paid promotion: ads bought by campaigns and by organic advertisers, in the promoted-csv format.

Magnitudes follow the HPSCI release of the IRA's Facebook/Instagram ads (median spend 300 RUB,
about 6 impressions per rouble, ads running one to a few days), scaled to the currency each
advertiser pays in. Targeting combines countries, languages, ages, interests and follower
lookalikes of named handles. Organic advertisers (brands, and politicians promoting their own
posts) target the same countries and interests as campaigns, so that attribution is not trivial.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ioscope.ingest.formats import promoted_csv
from ioscope.simulate.campaign_plan import CampaignPlan
from ioscope.simulate.population import BRAND, OUTLET, PROMINENT, Population
from ioscope.simulate.vocab import REGIONS, TOPICS

__all__ = ["ADS_COLUMNS", "Promotable", "campaign_ads", "organic_ads", "ads_table"]

ADS_COLUMNS = tuple(promoted_csv.COLUMNS)  # declared once, by the reader
# units of each currency per US dollar (rounded 2024 rates; only the order of magnitude matters)
_PER_USD = {
    "USD": 1.0,
    "EUR": 0.92,
    "GBP": 0.79,
    "RUB": 90.0,
    "MXN": 17.0,
    "BRL": 5.0,
    "INR": 83.0,
    "NGN": 1500.0,
    "PHP": 56.0,
    "AUD": 1.5,
}
_AGES = ("18-24", "18-34", "25-54", "35-65+", "18-65+")
_COMMERCIAL = ("music", "sports", "fashion", "gaming", "travel", "food", "health", "economy")
_AUDIENCES = ("newsletter subscribers", "website visitors", "page engagers", "video viewers")
_DAY = 86_400_000


@dataclass
class Promotable:
    """Posts an advertiser may promote: ids, authors, times."""

    post_id: np.ndarray
    author: np.ndarray
    t: np.ndarray


def _targeting(
    rng: np.random.Generator,
    n: int,
    country: str,
    lang: str,
    interests: tuple[str, ...],
    lookalike: list[str],
    exclude: list[str],
) -> list[str]:
    out = []
    for _ in range(n):
        parts = [f"location:{country}"]
        if exclude and rng.random() < 0.1:
            parts.append(f"exclude_location:{rng.choice(exclude)}")
        if rng.random() < 0.8:
            parts.append(f"language:{lang}")
        if rng.random() < 0.7:
            parts.append(f"age:{rng.choice(_AGES)}")
        if rng.random() < 0.15:
            parts.append(f"gender:{rng.choice(['male', 'female'])}")
        for topic in rng.choice(interests, size=int(rng.integers(1, 4)), replace=True):
            parts.append(f"interest:{topic}")
        if lookalike and rng.random() < 0.6:
            for h in rng.choice(lookalike, size=int(rng.integers(1, 3))):
                parts.append(f"follower_lookalike:@{h}")
        if rng.random() < 0.1:
            parts.append(f"custom_audience:{rng.choice(_AUDIENCES)}")
        out.append(";".join(dict.fromkeys(parts)))
    return out


def _money(rng: np.random.Generator, n: int, currency: str, median_usd: float):
    usd = median_usd * np.exp(1.3 * rng.standard_normal(n))
    spend_cents = np.maximum(1, np.rint(usd * _PER_USD[currency] * 100)).astype(np.int64)
    impressions = np.floor(usd * 540 * np.exp(1.0 * rng.standard_normal(n))).astype(np.int64)
    ctr = np.clip(0.02 * np.exp(0.8 * rng.standard_normal(n)), 0, 0.3)
    clicks = rng.binomial(impressions, ctr)
    return spend_cents, impressions, clicks


def _rows(
    rng,
    pop: Population,
    promo: Promotable,
    pick: np.ndarray,
    per_post: np.ndarray,
    currency: str | np.ndarray,
    country: str,
    lang: str,
    interests,
    lookalike,
    exclude,
    median_usd: float,
) -> dict[str, list]:
    post = np.repeat(pick, per_post)
    n = len(post)
    start = promo.t[post] + rng.integers(0, 2, n) * _DAY
    end = (
        start
        + np.maximum(0, np.rint(np.exp(0.8 + 0.9 * rng.standard_normal(n)))).astype(np.int64) * _DAY
    )
    cur = np.broadcast_to(np.asarray(currency), (n,))
    spend = np.zeros(n, np.int64)
    imp = np.zeros(n, np.int64)
    clk = np.zeros(n, np.int64)
    for c in np.unique(cur):
        sel = cur == c
        spend[sel], imp[sel], clk[sel] = _money(rng, int(sel.sum()), str(c), median_usd)
    return {
        "advertiser": promo.author[post],
        "post_id": promo.post_id[post],
        "start": start,
        "end": end,
        "spend_cents": spend,
        "currency": list(cur),
        "impressions": imp,
        "clicks": clk,
        "targeting": _targeting(rng, n, country, lang, interests, lookalike, exclude),
    }


def _lookalike_handles(pop: Population, region: int, k: int, rng) -> list[str]:
    cand = np.flatnonzero(np.isin(pop.role, (PROMINENT, OUTLET)) & (pop.region == region))
    if not len(cand):
        cand = np.flatnonzero(np.isin(pop.role, (PROMINENT, OUTLET)))
    pick = rng.choice(cand, size=min(k, len(cand)), replace=False)
    return pop.handle.take(pa.array(pick)).to_pylist()


def campaign_ads(
    rng: np.random.Generator, pop: Population, plan: CampaignPlan, promo: Promotable
) -> dict[str, list] | None:
    """Ads of one campaign: every promoted post of paid_promotion, a few posts of the others."""
    if not plan.buys_ads or not len(promo.post_id):
        return None
    n = len(promo.post_id)
    if plan.strategy == "paid_promotion":
        pick = np.arange(n)
        per = rng.integers(1, 4, n)
    else:
        pick = np.sort(rng.choice(n, size=min(n, max(1, n // 10), 30), replace=False))
        per = rng.integers(1, 3, len(pick))
    region = REGIONS[plan.region]
    others = sorted({r.country for r in REGIONS} - {region.country})
    rows = _rows(
        rng,
        pop,
        promo,
        pick,
        per,
        plan.currency,
        region.country,
        region.language,
        (plan.topic,) + tuple(rng.choice(TOPICS[:12], 2)),
        _lookalike_handles(pop, plan.region, 4, rng),
        others,
        median_usd=6.0,
    )
    plan.advertisers = np.unique(rows["advertiser"])
    return rows


def organic_ads(
    rng: np.random.Generator, pop: Population, promo: Promotable, currency_of_region: dict[str, str]
) -> tuple[dict[str, list] | None, np.ndarray]:
    """Ads of brands (commercial targeting) and politicians (political targeting)."""
    authors = np.unique(promo.author)
    if not len(authors):
        return None, authors
    out: dict[str, list] = {}
    for a in authors:
        posts = np.flatnonzero(promo.author == a)
        role = pop.role[a]
        if role == PROMINENT and rng.random() > 0.35:
            continue  # only some politicians buy ads
        pick = np.sort(
            rng.choice(posts, size=min(len(posts), int(rng.integers(1, 6))), replace=False)
        )
        region = REGIONS[int(pop.region[a])]
        interests = (
            _COMMERCIAL
            if role == BRAND
            else ("politics", "elections", "economy", "immigration", "health")
        )
        rows = _rows(
            rng,
            pop,
            promo,
            pick,
            rng.integers(1, 3, len(pick)),
            currency_of_region.get(region.country, "USD"),
            region.country,
            region.language,
            interests,
            _lookalike_handles(pop, int(pop.region[a]), 4, rng),
            [],
            median_usd=40.0 if role == BRAND else 15.0,
        )
        for k, v in rows.items():
            out.setdefault(k, []).extend(list(v))
    if not out:
        return None, np.zeros(0, np.int64)
    return out, np.unique(np.asarray(out["advertiser"], np.int64))


def ads_table(rng: np.random.Generator, pop: Population, parts: list[dict[str, list]]) -> pa.Table:
    """All ads as the promoted-csv columns (all strings), ordered by start date, with ids."""
    if not parts:
        return pa.table({c: pa.array([], pa.string()) for c in ADS_COLUMNS})
    cols = {k: np.concatenate([np.asarray(p[k]) for p in parts]) for k in parts[0]}
    order = np.lexsort((cols["post_id"], cols["start"]))
    cols = {k: v[order] for k, v in cols.items()}
    n = len(order)
    ad_id = 23_840_000_000_000_000 + np.cumsum(rng.integers(1, 10_000_000, n))

    def date(ms: np.ndarray) -> pa.Array:
        return pc.strftime(pa.array(ms, pa.int64()).cast(pa.timestamp("ms")), format="%Y-%m-%d")

    cents = cols["spend_cents"]
    spend = pc.binary_join_element_wise(
        pc.cast(pa.array(cents // 100), pa.string()),
        ".",
        pc.utf8_lpad(pc.cast(pa.array(cents % 100), pa.string()), 2, "0"),
        "",
    )
    adv = cols["advertiser"].astype(np.int64)
    return pa.table(
        {
            "ad_id": pc.cast(pa.array(ad_id), pa.string()),
            "advertiser_id": pop.account_id_str.take(pa.array(adv)),
            "advertiser_name": pop.display_name.take(pa.array(adv)),
            "post_id": pc.cast(pa.array(cols["post_id"].astype(np.int64)), pa.string()),
            "start_date": date(cols["start"].astype(np.int64)),
            "end_date": date(cols["end"].astype(np.int64)),
            "spend": spend,
            "currency": pa.array(cols["currency"].astype(str)),
            "impressions": pc.cast(pa.array(cols["impressions"].astype(np.int64)), pa.string()),
            "clicks": pc.cast(pa.array(cols["clicks"].astype(np.int64)), pa.string()),
            "targeting": pa.array(cols["targeting"].astype(str)),
        }
    )
