"""The organic plan: chunk budgets, anchor engagement, and the hard negatives.

Hard negatives are organic behaviour that looks coordinated:

* **breaking news**: thousands of unrelated accounts repost one outlet post, share its link (with
  share-button variants) and use its hashtag within seconds to minutes;
* **fan communities**: accounts that genuinely repost the same hubs and use the same hashtags,
  and that hold scheduled hashtag "parties" (a fandom trending a tag for a birthday or a release);
* **news-outlet bots** (see :mod:`ioscope.simulate.anchors`).

Each event is owned by one chunk, so that its participants are drawn once, without repetition.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ioscope.simulate.anchors import Anchors
from ioscope.simulate.clock import Period
from ioscope.simulate.population import ORGANIC, Population
from ioscope.simulate.urls import Articles, article_pool
from ioscope.simulate.vocab import lexicon

__all__ = ["BreakingEvent", "Party", "OrganicPlan", "plan_trending", "plan_organic"]

_DAY = 86_400_000


@dataclass
class BreakingEvent:
    index: int
    anchor_row: int
    t0: int
    hashtag: str
    participants: np.ndarray
    action: np.ndarray  # 0 repost, 1 share the link, 2 post with the hashtag
    chunk: int


@dataclass
class Party:
    index: int
    community: int
    t0: int
    hashtag: str
    participants: np.ndarray
    n_posts: np.ndarray  # posts of each participant
    chunk: int


@dataclass
class OrganicPlan:
    n_chunks: int
    organic_rows: np.ndarray  # organic posts to write in each chunk
    anchor_owner: np.ndarray  # chunk generating each anchor's engagement
    anchor_reposts: np.ndarray
    anchor_replies: np.ndarray
    anchor_quotes: np.ndarray
    event_reposts: np.ndarray  # breaking-news reposts of each anchor
    events: list[BreakingEvent]
    parties: list[Party]
    trending: np.ndarray  # [day, j] -> index into lexicon().hashtags
    community_tags: np.ndarray  # [community, 3] -> index into lexicon().fandom_hashtags
    community_members: list[np.ndarray]
    articles: Articles
    notes: dict[str, Any] = field(default_factory=dict)

    def chunk_load(self, c: int) -> int:
        owned = self.anchor_owner == c
        return int(
            self.anchor_reposts[owned].sum()
            + self.anchor_replies[owned].sum()
            + self.anchor_quotes[owned].sum()
            + sum(len(e.participants) for e in self.events if e.chunk == c)
            + sum(int(p.n_posts.sum()) for p in self.parties if p.chunk == c)
        )


def plan_trending(rng: np.random.Generator, days: int, per_day: int) -> np.ndarray:
    """Hashtags trending each day: drawn from the mid-popularity pool, so they are rare otherwise."""
    pool = len(lexicon().hashtags)
    return rng.integers(50, min(pool, 6000), size=(days, per_day))


def _split(total: int, k: int) -> np.ndarray:
    out = np.full(k, total // k, np.int64)
    out[: total % k] += 1
    return out


def plan_organic(
    rng: np.random.Generator,
    params: dict[str, Any],
    period: Period,
    pop: Population,
    anchors: Anchors,
    organic_total: int,
    n_chunks: int,
    trending: np.ndarray,
) -> OrganicPlan:
    organic_rows = _split(organic_total, n_chunks)
    k = n_chunks
    # anchor engagement: 15 % of the organic posts, spread over anchors by virality
    shares = np.array([params["repost_share"], params["reply_share"], params["quote_share"]])
    e_total = int(0.15 * organic_total) if shares.sum() > 0 else 0
    e_kind = np.floor(e_total * shares / max(shares.sum(), 1e-9)).astype(np.int64)
    n = anchors.n
    alpha = params["virality_alpha"]
    w = np.sqrt(pop.followers[anchors.author] + 10.0) * ((1 - rng.random(n)) ** (-1 / alpha))
    w /= w.sum()
    counts = [rng.multinomial(int(e), w) if e else np.zeros(n, np.int64) for e in e_kind]
    # no anchor draws more than a tenth of the accounts
    cap = max(50, int(0.1 * np.count_nonzero(pop.activity)))
    counts = [np.minimum(x, cap) for x in counts]
    owner = np.arange(n) % k
    # no chunk may spend more than 35 % of its organic rows on anchor engagement
    for c in range(k):
        sel = owner == c
        load = sum(int(x[sel].sum()) for x in counts)
        cap = int(0.35 * organic_rows[c])
        if load > cap:
            for x in counts:
                x[sel] = np.floor(x[sel] * cap / load).astype(np.int64)

    regular = np.flatnonzero((pop.role == ORGANIC) & (pop.activity > 0))
    p_reg = pop.activity[regular] / pop.activity[regular].sum()
    events = []
    event_reposts = np.zeros(n, np.int64)
    event_load = np.zeros(k, np.int64)
    # breaking news takes at most 12 % of a chunk's organic posts, shared equally by its events
    per_chunk = np.bincount(np.arange(len(anchors.breaking)) % k, minlength=k)
    for e, row in enumerate(anchors.breaking):
        c = e % k
        size = int(
            min(
                params["breaking_news_size"],
                0.12 * organic_rows[c] / per_chunk[c],
                0.5 * len(regular),
            )
        )
        if size < 10:
            continue
        participants = rng.choice(regular, size=size, replace=False, p=p_reg)
        action = rng.choice(3, size=size, p=[0.6, 0.25, 0.15])
        events.append(
            BreakingEvent(
                e,
                int(row),
                int(anchors.t[row]),
                anchors.breaking_hashtag[e],
                participants,
                action,
                c,
            )
        )
        event_reposts[row] += int((action == 0).sum())
        event_load[c] += size

    lex = lexicon()
    n_comm = int(pop.community.max()) + 1 if pop.community.size else 0
    members = [np.flatnonzero(pop.community == c) for c in range(n_comm)]
    tags = rng.permutation(len(lex.fandom_hashtags))
    community_tags = tags[: 3 * n_comm].reshape(n_comm, 3) if n_comm else np.zeros((0, 3), int)
    parties = []
    party_tags = tags[3 * n_comm :]
    per_comm = max(1, period.days // 7)
    party_load = np.zeros(k, np.int64)
    for c in range(n_comm):
        hub = members[c][pop.hub[members[c]]][0]
        for _j in range(per_comm):
            i = len(parties)
            ch = i % k
            # scheduled for the evening, on the hub's clock
            day = int(rng.integers(0, period.days))
            t0 = (
                period.start_ms
                + day * _DAY
                + int(rng.uniform(18, 21) * 3_600_000)
                - int(pop.clock_offset_min[hub]) * 60_000
            )
            t0 = int(np.clip(t0, period.start_ms, period.end_ms - 3_600_000))
            take = rng.random(len(members[c])) < 0.4
            n_posts = rng.choice([1, 1, 2, 3], size=int(take.sum()))
            if take.sum() < 3 or party_load[ch] + n_posts.sum() > 0.05 * organic_rows[ch]:
                continue
            party_load[ch] += n_posts.sum()
            tag = (
                lex.fandom_hashtags[int(party_tags[i % len(party_tags)])].as_py()
                if len(party_tags)
                else lex.fandom_hashtags[int(community_tags[c, 0])].as_py()
            )
            parties.append(Party(i, c, t0, tag + "party", members[c][take], n_posts, ch))

    n_articles = int(np.clip(organic_total // 40, 500, 500_000))
    articles = article_pool(rng, n_articles, period.start_date.year)
    return OrganicPlan(
        n_chunks=k,
        organic_rows=organic_rows,
        anchor_owner=owner,
        anchor_reposts=counts[0],
        anchor_replies=counts[1],
        anchor_quotes=counts[2],
        event_reposts=event_reposts,
        events=events,
        parties=parties,
        trending=trending,
        community_tags=community_tags,
        community_members=members,
        articles=articles,
    )
