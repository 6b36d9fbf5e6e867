"""Campaign plans: who runs each campaign, for whom, when, with which strategy and traits.

Plans are drawn before the account population exists (the population needs their sizes and
traits); members, sources and targets are filled in once it does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ioscope.simulate.clock import Period
from ioscope.simulate.handles import HANDLE_STYLES, campaign_stem
from ioscope.simulate.vocab import CAMPAIGN_CLIENTS, CLIENTS, LANGUAGES, REGIONS, TOPICS, lexicon

__all__ = ["CampaignPlan", "OPERATORS", "plan_campaigns"]

# Who runs operations, on which clock, and how they pay. Offsets in minutes east of UTC.
OPERATORS = (
    ("RU", 180, ("RUB", "RUB", "USD")),
    ("IR", 210, ("USD", "EUR")),
    ("CN", 480, ("USD",)),
    ("VE", -240, ("USD",)),
    ("SA", 180, ("USD", "EUR")),
    ("domestic", None, None),  # a domestic operation: the audience's own clock and currency
)
_LOCAL_CURRENCY = {
    "US": "USD",
    "GB": "GBP",
    "DE": "EUR",
    "FR": "EUR",
    "ES": "EUR",
    "MX": "MXN",
    "BR": "BRL",
    "RU": "RUB",
    "IN": "INR",
    "NG": "NGN",
    "PH": "PHP",
    "AU": "AUD",
}
_TARGET_REGIONS = (
    "us_east",
    "us_central",
    "us_west",
    "uk",
    "germany",
    "france",
    "spain",
    "brazil",
    "india",
)


@dataclass
class CampaignPlan:
    """Everything recorded about one campaign; arrays are filled once the population exists."""

    index: int
    campaign_id: str
    strategy: str
    size: int
    budget: int
    region: int  # index into REGIONS: the audience the accounts pretend to be in
    operator: str
    clock_offset_min: int  # the clock the operators actually work on
    schedule: str  # "office" or "flat" (round-the-clock shifts)
    start_ms: int
    end_ms: int
    creation_burst: bool
    creation_center_ms: int
    handle_style: str | None
    handle_stem: str
    renames: bool
    client: int
    currency: str
    buys_ads: bool
    topic: str
    hashtags: list[str]
    jitter_s: float
    participation: float
    tempo_s: float
    events: int  # actions per campaign; 0: from the budget
    organic_mixing: float
    members: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    sources: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    targets: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    advertisers: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def language(self) -> int:
        return LANGUAGES.index(REGIONS[self.region].language)


def _campaign_hashtags(rng: np.random.Generator, k: int) -> list[str]:
    words = lexicon().words
    picks = rng.integers(60, 2500, 2 * k)
    ws = [words[int(i)].as_py() for i in picks]
    return [ws[2 * i] + ws[2 * i + 1] if rng.random() < 0.6 else ws[2 * i] for i in range(k)]


def plan_campaigns(
    rng: np.random.Generator, params: dict[str, Any], period: Period
) -> list[CampaignPlan]:
    k_total = params["campaigns"]
    if k_total == 0:
        return []
    strategies = params["strategies"]
    lo, hi = params["campaign_size_min"], params["campaign_size_max"]
    sizes = np.rint(np.exp(rng.uniform(np.log(lo), np.log(hi) + 1e-12, k_total))).astype(int)
    sizes = np.clip(sizes, lo, hi)
    budgets = np.floor(params["campaign_share"] * params["posts"] * sizes / sizes.sum()).astype(int)
    region_names = [r.name for r in REGIONS]
    client_names = [c for c, _ in CAMPAIGN_CLIENTS]
    client_w = np.array([w for _, w in CAMPAIGN_CLIENTS])
    plans = []
    for k in range(k_total):
        strategy = strategies[k % len(strategies)]
        region = region_names.index(str(rng.choice(_TARGET_REGIONS)))
        op_name, op_offset, op_currencies = OPERATORS[int(rng.integers(0, len(OPERATORS)))]
        offset = REGIONS[region].utc_offset_min if op_offset is None else op_offset
        currency = (
            _LOCAL_CURRENCY[REGIONS[region].country]
            if op_currencies is None
            else str(rng.choice(op_currencies))
        )
        length = max(86_400_000, int(period.span_ms * rng.uniform(0.3, 1.0)))
        length = min(length, period.span_ms)
        start = period.start_ms + int(rng.integers(0, period.span_ms - length + 1))
        traits = strategy == "creation_burst" or rng.random() < params["account_traits"]
        style = str(rng.choice(HANDLE_STYLES)) if traits else None
        # creation bursts happen shortly before the campaign starts, or long before (dormant accounts)
        lead_days = rng.uniform(1, 60) if rng.random() < 0.7 else rng.uniform(60, 900)
        plans.append(
            CampaignPlan(
                index=k,
                campaign_id=f"C{k + 1:03d}",
                strategy=strategy,
                size=int(sizes[k]),
                budget=int(budgets[k]),
                region=region,
                operator=op_name,
                clock_offset_min=int(offset),
                schedule="office" if rng.random() < 0.75 else "flat",
                start_ms=start,
                end_ms=start + length,
                creation_burst=bool(traits),
                creation_center_ms=int(start - lead_days * 86_400_000),
                handle_style=style,
                handle_stem=campaign_stem(rng, style) if style else "",
                renames=bool(traits and rng.random() < 0.6),
                client=CLIENTS.index(str(rng.choice(client_names, p=client_w / client_w.sum()))),
                currency=currency,
                buys_ads=strategy == "paid_promotion"
                or bool(rng.random() < params["ad_probability"]),
                topic=str(rng.choice(TOPICS[:12])),
                hashtags=_campaign_hashtags(rng, 5),
                jitter_s=float(params["jitter"]),
                participation=float(params["participation"]),
                tempo_s=float(params["tempo"]),
                events=int(params["campaign_events"]),
                organic_mixing=float(params["organic_mixing"]),
            )
        )
    return plans
