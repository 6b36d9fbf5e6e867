"""The shared, read-only state every generator draws from: population, anchors, plans, sampling
tables."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ioscope.simulate.anchors import Anchors
from ioscope.simulate.campaign_plan import CampaignPlan
from ioscope.simulate.clock import Period
from ioscope.simulate.hardneg import OrganicPlan
from ioscope.simulate.population import MEMBER, NEWS_BOT, SOURCE, Population

__all__ = ["World", "sample_cdf", "not_before"]


def sample_cdf(rng: np.random.Generator, cdf: np.ndarray, n: int) -> np.ndarray:
    """Indices drawn with probability proportional to the increments of ``cdf``."""
    return np.minimum(np.searchsorted(cdf, rng.random(n) * cdf[-1], side="right"), len(cdf) - 1)


@dataclass
class World:
    params: dict[str, Any]
    seed: int
    period: Period
    pop: Population
    anchors: Anchors
    organic: OrganicPlan
    campaigns: list[CampaignPlan]
    activity_cdf: np.ndarray = field(init=False)
    mention_cdf: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.refresh()

    def refresh(self) -> None:
        """Recompute the sampling tables (after campaign members got their organic activity)."""
        self.activity_cdf = np.cumsum(self.pop.activity)
        w = np.sqrt(self.pop.followers.astype(float) + 1.0)
        w[np.isin(self.pop.role, (NEWS_BOT, MEMBER, SOURCE))] = 0.0
        self.mention_cdf = np.cumsum(w)

    def authors(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Accounts of organic posts, by activity."""
        return sample_cdf(rng, self.activity_cdf, n)


def not_before(
    rng: np.random.Generator, t: np.ndarray, author: np.ndarray, pop: Population, period: Period
) -> np.ndarray:
    """Move posts written before their author existed to a random later time in the period."""
    c = pop.created_ms[author] + 3_600_000
    bad = t < c
    if bad.any():
        t = t.copy()
        lo = np.maximum(c[bad], period.start_ms)
        t[bad] = lo + ((period.end_ms - 1 - lo) * rng.random(int(bad.sum()))).astype(np.int64)
    return t
