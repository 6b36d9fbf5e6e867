"""The account population: organic accounts, the special organic roles, and campaign members.

Organic accounts have heavy-tailed activity and follower counts (Lomax, i.e. Pareto type II, as
fitted to Twitter activity and in-degree distributions), a region that fixes their clock and
language, a personal chronotype, and creation dates spread over years. Special organic roles are
news outlets, prominent accounts (politicians, journalists, celebrities), news-outlet repost
bots, brands (organic advertisers) and fan-community members and hubs. Campaign members are
appended after the organic accounts and carry their campaign's traits.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ioscope.simulate import handles as H
from ioscope.simulate.campaign_plan import CampaignPlan
from ioscope.simulate.clock import Period
from ioscope.simulate.content import word_counts, words
from ioscope.simulate.vocab import (
    BOT_CLIENTS,
    CLIENTS,
    LANGUAGES,
    ORGANIC_CLIENTS,
    REGIONS,
    lexicon,
)

__all__ = ["ROLES", "Population", "build_population", "account_ids", "organic_account_count"]

ROLES = ("organic", "outlet", "news_bot", "brand", "prominent", "member", "source")
ORGANIC, OUTLET, NEWS_BOT, BRAND, PROMINENT, MEMBER, SOURCE = range(len(ROLES))
NEVER = np.iinfo(np.int64).max
_DAY = 86_400_000
_TWITTER_EPOCH_MS = 1_288_834_974_657  # snowflake ids start on 2010-11-04


@dataclass
class Population:
    n: int
    n_organic: int
    account_id: np.ndarray  # int64
    account_id_str: pa.Array
    created_ms: np.ndarray
    region: np.ndarray
    clock_offset_min: np.ndarray  # the clock the account posts on
    shift_h: np.ndarray  # personal chronotype, hours
    language: np.ndarray  # index into LANGUAGES
    activity: np.ndarray  # weight in the organic background
    followers: np.ndarray
    following: np.ndarray
    client: np.ndarray  # index into CLIENTS
    role: np.ndarray
    community: np.ndarray  # fan community or -1
    hub: np.ndarray  # bool: fan-community hub
    campaign: np.ndarray  # campaign index or -1
    verified: np.ndarray
    handle: pa.Array
    old_handle: pa.Array  # handle before a rename, null if never renamed
    rename_ms: np.ndarray  # when the rename happened, NEVER if not
    display_name: pa.Array
    description: pa.Array
    location: pa.Array
    profile_url: pa.Array
    outlet_domain: np.ndarray  # lexicon domain index of outlets, -1 otherwise
    bot_outlet: np.ndarray  # outlet account followed by a news bot, -1 otherwise

    def handle_at(self, idx: np.ndarray, t_ms: np.ndarray) -> pa.Array:
        """Handles of accounts ``idx`` as they were at times ``t_ms``."""
        idx = np.asarray(idx, np.int64)
        ix = pa.array(idx)
        r = self.rename_ms[idx]
        before = pa.array((np.asarray(t_ms) < r) & (r != NEVER))
        return pc.if_else(before, self.old_handle.take(ix), self.handle.take(ix))

    def of_role(self, role: int) -> np.ndarray:
        return np.flatnonzero(self.role == role)


def organic_account_count(params: dict[str, Any]) -> int:
    return params["accounts"] or int(np.clip(params["posts"] // 10, 100, 2_000_000))


def _lomax(rng: np.random.Generator, n: int, alpha: float) -> np.ndarray:
    return (1.0 - rng.random(n)) ** (-1.0 / alpha) - 1.0


def _ms(year: int, month: int = 1, day: int = 1) -> int:
    return int(dt.datetime(year, month, day, tzinfo=dt.UTC).timestamp() * 1000)


def account_ids(rng: np.random.Generator, created_ms: np.ndarray) -> np.ndarray:
    """Twitter-like ids, unique and increasing with creation time: snowflakes (creation ms since
    2010-11-04 in the high bits) for newer accounts, small sequential ids for older ones."""
    order = np.argsort(created_ms, kind="stable")
    ids = np.empty(len(created_ms), np.int64)
    c = created_ms[order]
    old = c < _TWITTER_EPOCH_MS
    n_old = int(old.sum())
    ids[order[:n_old]] = 12 + np.cumsum(rng.integers(1, 400, n_old))
    cn = c[~old]
    first = np.r_[True, cn[1:] != cn[:-1]] if len(cn) else np.zeros(0, bool)
    group_start = np.maximum.accumulate(np.where(first, np.arange(len(cn)), 0))
    seq = np.arange(len(cn)) - group_start
    ids[order[n_old:]] = ((cn - _TWITTER_EPOCH_MS) << 22) | (seq & 0x3FFFFF)
    return ids


def _choose(rng: np.random.Generator, options, weights, n: int) -> np.ndarray:
    w = np.asarray(weights, float)
    return rng.choice(len(options), size=n, p=w / w.sum())


def _region_table() -> tuple[np.ndarray, np.ndarray, dict[str, int]]:
    lang = np.array([LANGUAGES.index(r.language) for r in REGIONS], np.int8)
    clock = np.array([r.utc_offset_min for r in REGIONS], np.int16)
    first_of_country: dict[str, int] = {}
    for i, r in enumerate(REGIONS):
        first_of_country.setdefault(r.country, i)
    return lang, clock, first_of_country


def _draw_clients(rng: np.random.Generator, table, n: int) -> np.ndarray:
    ids = np.asarray([CLIENTS.index(c) for c, _ in table], np.int16)
    return ids[_choose(rng, table, [w for _, w in table], n)]


def _ordinary_accounts(
    rng: np.random.Generator, params: dict[str, Any], period: Period, n: int
) -> dict[str, Any]:
    """Everyone starts as an ordinary organic account; roles and campaigns overwrite below."""
    lang_of, clock_of, _ = _region_table()
    region = _choose(rng, REGIONS, [r.weight for r in REGIONS], n).astype(np.int16)
    activity = _lomax(rng, n, params["activity_alpha"]) + 0.02
    lo, hi = _ms(2007), period.start_ms - _DAY
    return dict(
        n=n,
        region=region,
        language=np.where(rng.random(n) < 0.9, lang_of[region], 0).astype(np.int8),
        clock_offset_min=clock_of[region],
        shift_h=(1.2 * rng.standard_normal(n)).astype(np.float32),
        created_ms=(lo + (hi - lo) * rng.beta(1.4, 1.0, n)).astype(np.int64),
        activity=activity,
        followers=np.floor(
            80 * _lomax(rng, n, params["follower_alpha"]) * (activity / np.median(activity)) ** 0.3
        ).astype(np.int64),
        following=np.minimum(np.floor(250 * np.exp(rng.standard_normal(n))), 5001).astype(np.int64),
        client=_draw_clients(rng, ORGANIC_CLIENTS, n),
        role=np.zeros(n, np.int8),
        campaign=np.full(n, -1, np.int32),
        outlet_domain=np.full(n, -1, np.int32),
        bot_outlet=np.full(n, -1, np.int64),
        community=np.full(n, -1, np.int32),
        hub=np.zeros(n, bool),
        verified=np.zeros(n, bool),
    )


def _special_roles(
    rng: np.random.Generator, params: dict[str, Any], A: dict[str, Any], a: int
) -> np.ndarray:
    """Outlets, prominent accounts, news bots and brands, on distinct organic accounts."""
    lex = lexicon()
    lang_of, clock_of, first_of_country = _region_table()
    n_outlets = int(min(params["news_outlets"], len(lex.domains), max(1, a // 10)))
    n_prom = max(3, a // 1000)
    n_bots = int(min(params["news_bots"], a // 20))
    n_brands = int(min(params["organic_advertisers"], a // 20))
    special = rng.permutation(a)[: n_outlets + n_prom + n_bots + n_brands]
    outlets, rest = special[:n_outlets], special[n_outlets:]
    prominent, rest = rest[:n_prom], rest[n_prom:]
    bots, brands = rest[:n_bots], rest[n_bots:]
    role, followers, created = A["role"], A["followers"], A["created_ms"]
    role[outlets], role[prominent], role[bots], role[brands] = OUTLET, PROMINENT, NEWS_BOT, BRAND
    A["outlet_domain"][outlets] = np.arange(n_outlets)  # outlet i owns the i-th most popular domain
    A["region"][outlets] = [first_of_country[c] for c in lex.domain_country[:n_outlets]]
    A["language"][outlets] = lang_of[A["region"][outlets]]
    A["clock_offset_min"][outlets] = clock_of[A["region"][outlets]]
    followers[outlets] = np.floor(
        10 ** rng.uniform(4.5, 7.0, n_outlets) / (1 + np.arange(n_outlets)) ** 0.3
    )
    followers[prominent] = np.floor(10 ** rng.uniform(5.0, 7.3, n_prom))
    followers[brands] = np.floor(10 ** rng.uniform(3.0, 6.0, n_brands))
    followers[bots] = np.floor(10 ** rng.uniform(1.0, 3.0, n_bots))
    created[outlets] = rng.integers(_ms(2007), _ms(2012), n_outlets)
    created[prominent] = rng.integers(_ms(2008), _ms(2016), n_prom)
    A["client"][outlets] = _draw_clients(rng, BOT_CLIENTS, n_outlets)
    A["client"][bots] = _draw_clients(rng, BOT_CLIENTS, n_bots)
    bw = 1.0 / (1 + np.arange(n_outlets)) ** 0.8  # bots follow popular outlets more often
    A["bot_outlet"][bots] = outlets[rng.choice(n_outlets, size=n_bots, p=bw / bw.sum())]
    A["activity"][special] = 0.0  # their posts are anchors, not background activity
    A["verified"][outlets] = True
    A["verified"][prominent] = rng.random(n_prom) < 0.8
    return special


def _fan_communities(
    rng: np.random.Generator, params: dict[str, Any], A: dict[str, Any], ordinary: np.ndarray
) -> None:
    """Disjoint groups of ordinary accounts, each with 1-3 hubs."""
    n_comm = int(min(params["fan_communities"], len(ordinary) // 20))
    if not n_comm:
        return
    sizes = np.rint(params["fan_community_size"] * np.exp(0.4 * rng.standard_normal(n_comm)))
    sizes = np.clip(sizes, 5, max(5, len(ordinary) // (2 * n_comm))).astype(int)
    pool = rng.permutation(ordinary)[: sizes.sum()]
    for c, (start, s) in enumerate(zip(np.cumsum(sizes) - sizes, sizes)):
        members = pool[start : start + s]
        hubs = members[: int(rng.integers(1, 4))]
        A["community"][members] = c
        A["hub"][hubs] = True
        A["followers"][hubs] = np.floor(10 ** rng.uniform(4.0, 5.5, len(hubs)))
        A["activity"][members] *= 1.5
        A["activity"][hubs] = np.maximum(A["activity"][hubs], 5.0)


def _campaign_members(
    rng: np.random.Generator,
    params: dict[str, Any],
    period: Period,
    A: dict[str, Any],
    plans: list[CampaignPlan],
    base: int,
) -> None:
    """Members claim their audience's region and language but live on the operator's clock."""
    for p in plans:
        idx = np.arange(base, base + p.size)
        base += p.size
        p.members = idx
        A["campaign"][idx] = p.index
        A["role"][idx] = MEMBER
        A["region"][idx] = np.where(rng.random(p.size) < 0.85, p.region, A["region"][idx])
        A["language"][idx] = p.language
        A["clock_offset_min"][idx] = p.clock_offset_min
        A["shift_h"][idx] = 0.5 * rng.standard_normal(p.size)
        if p.creation_burst:
            spread = params["creation_burst_days"] * _DAY
            A["created_ms"][idx] = p.creation_center_ms - (rng.random(p.size) * spread).astype(
                np.int64
            )
        else:  # bought or aged accounts
            A["created_ms"][idx] = rng.integers(_ms(2009), period.start_ms - 30 * _DAY, p.size)
        followers = np.floor(40 * _lomax(rng, p.size, params["follower_alpha"])).astype(np.int64)
        bought = rng.random(p.size) < 0.1
        followers[bought] = rng.integers(5_000, 50_000, int(bought.sum()))
        A["followers"][idx] = followers
        A["following"][idx] = np.minimum(
            np.floor(1200 * np.exp(0.6 * rng.standard_normal(p.size))), 5001
        )
        A["client"][idx] = np.where(rng.random(p.size) < 0.8, p.client, A["client"][idx])
        A["activity"][idx] = 0.0  # set from organic_mixing once budgets are known


def _handles(
    rng: np.random.Generator,
    params: dict[str, Any],
    period: Period,
    A: dict[str, Any],
    plans: list[CampaignPlan],
) -> None:
    """Handles (unique ignoring case), renames and the handles before them."""
    lex = lexicon()
    n, role, campaign = A["n"], A["role"], A["campaign"]
    handle = H.organic_handles(rng, n)
    outlets = A["outlet_domain"] >= 0
    names = lex.outlet_names.take(pa.array(A["outlet_domain"][outlets]))
    handle = pc.replace_with_mask(handle, pa.array(outlets), pc.replace_substring(names, " ", ""))
    for p in plans:
        if p.handle_style:
            handle = pc.replace_with_mask(
                handle,
                pa.array(campaign == p.index),
                H.campaign_handles(rng, p.size, p.handle_style, p.handle_stem),
            )
    bots = role == NEWS_BOT
    if bots.any():  # named after the outlet they follow
        suffix = pa.array(
            np.asarray(["_bot", "RT", "_feed", "News", "_auto"])[
                rng.integers(0, 5, int(bots.sum()))
            ]
        )
        followed = pc.utf8_slice_codeunits(handle.take(pa.array(A["bot_outlet"][bots])), 0, 10)
        handle = pc.replace_with_mask(
            handle, pa.array(bots), pc.binary_join_element_wise(followed, suffix, "")
        )
    rename_ms = np.full(n, NEVER, np.int64)
    renamed = (role == ORGANIC) & (rng.random(n) < params["organic_rename_share"])
    rename_ms[renamed] = rng.integers(period.start_ms, period.end_ms, int(renamed.sum()))
    for p in plans:
        if p.renames:
            r = p.members[rng.random(p.size) < params["rename_share"]]
            renamed[r] = True
            rename_ms[r] = rng.integers(p.start_ms, p.end_ms, len(r))
    both = H.dedupe_handles(
        pa.concat_arrays([handle, H.organic_handles(rng, int(renamed.sum()))]), rng
    )
    A["handle"] = both.slice(0, n)
    A["old_handle"] = pc.replace_with_mask(
        pa.nulls(n, pa.string()), pa.array(renamed), both.slice(n)
    )
    A["rename_ms"] = rename_ms


def _profiles(rng: np.random.Generator, A: dict[str, Any], plans: list[CampaignPlan]) -> None:
    """Display names, bios, reported locations and profile links."""
    lex = lexicon()
    n, handle = A["n"], A["handle"]
    outlets = A["outlet_domain"] >= 0
    domains = lex.domains.take(pa.array(A["outlet_domain"][outlets]))
    display = H.display_names(rng, handle)
    A["display_name"] = pc.replace_with_mask(
        display, pa.array(outlets), lex.outlet_names.take(pa.array(A["outlet_domain"][outlets]))
    )
    bio_text = words(rng, A["language"], word_counts(rng, n, median=8, sigma=0.5, lo=2, hi=25))
    description = H.bios(rng, n, bio_text, templated=False)
    for p in plans:
        if p.handle_style:  # persona accounts share stock phrases
            description = pc.replace_with_mask(
                description,
                pa.array(A["campaign"] == p.index),
                H.bios(rng, p.size, bio_text, templated=True),
            )
    bots = A["role"] == NEWS_BOT
    if bots.any():
        followed = handle.take(pa.array(A["bot_outlet"][bots]))
        description = pc.replace_with_mask(
            description,
            pa.array(bots),
            pc.binary_join_element_wise(
                "Automated account. Reposts every post of @", followed, ".", ""
            ),
        )
    A["description"] = description
    per_region = [r.locations for r in REGIONS]
    counts = np.array([len(x) for x in per_region])
    starts = np.cumsum(counts) - counts
    region = A["region"]
    idx = starts[region] + (rng.random(n) * counts[region]).astype(np.int64)
    location = pa.array([loc for x in per_region for loc in x]).take(pa.array(idx))
    A["location"] = pc.if_else(pa.array(rng.random(n) < 0.3), pa.nulls(n, pa.string()), location)
    url = pc.if_else(
        pa.array(rng.random(n) < 0.12),
        pc.binary_join_element_wise("https://www.", pc.utf8_lower(handle), ".com", ""),
        pa.nulls(n, pa.string()),
    )
    A["profile_url"] = pc.replace_with_mask(
        url, pa.array(outlets), pc.binary_join_element_wise("https://", domains, "")
    )


def build_population(
    rng: np.random.Generator, params: dict[str, Any], period: Period, plans: list[CampaignPlan]
) -> Population:
    """All accounts; fills ``plan.members`` of every campaign plan."""
    a = organic_account_count(params)
    A = _ordinary_accounts(rng, params, period, a + sum(p.size for p in plans))
    special = _special_roles(rng, params, A, a)
    _fan_communities(rng, params, A, np.setdiff1d(np.arange(a), special))
    _campaign_members(rng, params, period, A, plans, a)
    big = (A["role"] == ORGANIC) & (A["followers"] > 200_000)
    A["verified"][big] = rng.random(int(big.sum())) < 0.4
    _handles(rng, params, period, A, plans)
    _profiles(rng, A, plans)
    ids = account_ids(rng, A["created_ms"])
    return Population(
        n_organic=a, account_id=ids, account_id_str=pc.cast(pa.array(ids), pa.string()), **A
    )
