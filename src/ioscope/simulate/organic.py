"""The organic background of one chunk: original posts, repost cascades, reply threads, quotes,
the engagement of the anchors this chunk owns, breaking-news moments and fan parties.

Cascades follow the usual empirical picture: virality is heavy-tailed (most posts are never
reposted, a few are reposted thousands of times), reposts arrive with log-normal delays (most
within minutes to hours; median ``repost_delay``), active accounts repost more, and fans repost
their own community's hubs.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ioscope.simulate.batch import POST, QUOTE, REPLY, REPOST, Batch, Part
from ioscope.simulate.clock import clamp_to_period, lognormal_delays, sample_times
from ioscope.simulate.content import (
    Content,
    compose,
    concat_lists,
    empty_lists,
    list_array,
    repeat,
    take_content,
    word_counts,
    words,
)
from ioscope.simulate.urls import ORGANIC_VARIANTS, draw_variants, url_variants
from ioscope.simulate.vocab import lexicon, zipf_sampler
from ioscope.simulate.world import World, not_before, sample_cdf

__all__ = ["generate_organic", "organic_content", "reply_content"]

_TAG_RANK = None


def _tag_ranks(rng: np.random.Generator, n: int) -> np.ndarray:
    global _TAG_RANK
    if _TAG_RANK is None:
        _TAG_RANK = zipf_sampler(len(lexicon().hashtags), exponent=1.1, shift=5.0)
    return _TAG_RANK(rng, n)


def _mention_lists(rng: np.random.Generator, world: World, t: np.ndarray, share: float) -> pa.Array:
    n = len(t)
    has = rng.random(n) < share
    who = sample_cdf(rng, world.mention_cdf, int(has.sum()))
    return list_array(world.pop.handle_at(who, t[has]), has.astype(np.int64))


def organic_content(
    rng: np.random.Generator,
    world: World,
    author: np.ndarray,
    t: np.ndarray,
    *,
    hashtag_share: float,
    url_share: float,
    mention_share: float = 0.08,
    extra_tags: pa.Array | None = None,
    links: tuple[pa.Array, pa.Array, pa.Array, np.ndarray] | None = None,
) -> Content:
    """Text of ordinary original posts.

    ``extra_tags`` (a list array) comes before the drawn hashtags; ``links = (url, normalized,
    domain, has_link)`` replaces the drawn links (the arrays hold one value per True in has_link).
    """
    lex, pop, period = lexicon(), world.pop, world.period
    n = len(author)
    body = words(rng, pop.language[author], word_counts(rng, n))
    # hashtags: the author's community tags, the day's trending tags, or the Zipfian pool
    comm = pop.community[author]
    has = rng.random(n) < np.where(comm >= 0, np.maximum(hashtag_share, 0.5), hashtag_share)
    k = np.where(has, 1 + (rng.random(n) < 0.3) + (rng.random(n) < 0.1), 0)
    tag_author = np.repeat(np.arange(n), k)
    m = len(tag_author)
    u = rng.random(m)
    tag = lex.hashtags.take(pa.array(_tag_ranks(rng, m)))
    day = np.clip((t[tag_author] - period.start_ms) // 86_400_000, 0, period.days - 1)
    tr = world.organic.trending
    if tr.shape[1]:
        trend = lex.hashtags.take(pa.array(tr[day, rng.integers(0, tr.shape[1], m)]))
        tag = pc.if_else(pa.array(u < 0.35), trend, tag)
    c_of = comm[tag_author]
    fan = (c_of >= 0) & (u < 0.7)
    if fan.any():
        ct = world.organic.community_tags[c_of[fan], rng.integers(0, 3, int(fan.sum()))]
        tag = pc.replace_with_mask(tag, pa.array(fan), lex.fandom_hashtags.take(pa.array(ct)))
    hashtags = list_array(tag, k)
    if extra_tags is not None:
        hashtags = concat_lists(extra_tags, hashtags)
    if links is None:
        has_url = rng.random(n) < url_share
        u_n = int(has_url.sum())
        art = world.organic.articles
        idx = zipf_sampler(len(art), exponent=1.0, shift=10.0)(rng, u_n)
        url, norm, dom = url_variants(rng, art, idx, draw_variants(rng, u_n, ORGANIC_VARIANTS))
    else:
        url, norm, dom, has_url = links
    cnt = has_url.astype(np.int64)
    mentions = _mention_lists(rng, world, t, mention_share)
    return compose(
        body,
        hashtags=hashtags,
        mentions=mentions,
        urls=list_array(url, cnt),
        urls_normalized=list_array(norm, cnt),
        domains=list_array(dom, cnt),
    )


def reply_content(
    rng: np.random.Generator,
    world: World,
    author: np.ndarray,
    t: np.ndarray,
    target_author: np.ndarray,
    median_words: float = 9,
) -> Content:
    n = len(author)
    body = words(rng, world.pop.language[author], word_counts(rng, n, median=median_words))
    mentions = list_array(world.pop.handle_at(target_author, t), np.ones(n, np.int64))
    e = empty_lists(n)
    return compose(
        body,
        hashtags=e,
        mentions=mentions,
        urls=e,
        urls_normalized=e,
        domains=e,
        lead_mentions=True,
    )


def _engagers(
    rng: np.random.Generator,
    world: World,
    target_author: np.ndarray,
    target_key: np.ndarray | None = None,
    taken: np.ndarray | None = None,
) -> np.ndarray:
    """Who reposts/replies: by activity, but fans of a community engage with their own.

    With ``target_key`` (one key per target post), nobody engages twice with the same target, nor
    again when ``target_key * n_accounts + account`` is in ``taken``.
    """
    pop = world.pop
    who = world.authors(rng, len(target_author))
    comm = pop.community[target_author]
    fan = (comm >= 0) & (rng.random(len(who)) < 0.8)
    if fan.any():
        members = world.organic.community_members
        sizes = np.array([len(m) for m in members])
        starts = np.r_[0, np.cumsum(sizes)[:-1]]
        flat = np.concatenate(members)
        c = comm[fan]
        who[fan] = flat[starts[c] + (rng.random(int(fan.sum())) * sizes[c]).astype(np.int64)]
    # nobody reposts themselves; the same account does not repost the same post twice (redraw,
    # by activity first, then uniformly among active accounts, which always converges)
    active = None
    for round_ in range(6):
        bad = who == target_author
        if target_key is not None:
            key = target_key.astype(np.int64) * world.pop.n + who
            _, first = np.unique(key, return_index=True)
            dup = np.ones(len(key), bool)
            dup[first] = False
            bad |= dup
            if taken is not None and len(taken):
                bad |= np.isin(key, taken)
        if not bad.any():
            break
        if round_ < 2:
            who[bad] = world.authors(rng, int(bad.sum()))
        else:
            if active is None:
                active = np.flatnonzero(world.pop.activity > 0)
            who[bad] = active[rng.integers(0, len(active), int(bad.sum()))]
    return who


def _virality(
    rng: np.random.Generator, world: World, author: np.ndarray, n_draws: int
) -> np.ndarray:
    """Cumulative virality of posts by ``author``; no post expects more than 5 % of the active
    accounts (or 2 % of the draws) as reposters, the size of the largest real cascades."""
    pop = world.pop
    w = np.sqrt(pop.followers[author] + 10.0) * (
        (1 - rng.random(len(author))) ** (-1 / world.params["virality_alpha"])
    )
    w = np.where(pop.hub[author], 8.0 * w, w)
    cap = max(20.0, min(0.05 * np.count_nonzero(pop.activity), 0.02 * n_draws))
    for _ in range(5):
        limit = cap * w.sum() / max(n_draws, 1)
        if w.max() <= limit * 1.001:
            break
        w = np.minimum(w, limit)
    return np.cumsum(w)


def _delays(rng: np.random.Generator, n: int, median_s: float) -> np.ndarray:
    """Mostly log-normal around the median; a tenth arrive hours to days later."""
    d = lognormal_delays(rng, n, median_s, 1.5)
    late = rng.random(n) < 0.1
    d[late] = lognormal_delays(rng, int(late.sum()), median_s * 12, 1.5)
    return d


def _anchor_engagement(rng, world: World, batch: Batch, c: int) -> None:
    a, pop, period = world.anchors, world.pop, world.period
    owned = world.organic.anchor_owner == c
    median = world.params["repost_delay"] * 0.6  # news gets picked up faster
    for kind, counts in (
        (REPOST, world.organic.anchor_reposts),
        (REPLY, world.organic.anchor_replies),
        (QUOTE, world.organic.anchor_quotes),
    ):
        rows = np.repeat(np.flatnonzero(owned), counts[owned])
        if not len(rows):
            continue
        taken = None
        if kind == REPOST:  # breaking-news reposters do not repost the same post again
            taken = np.concatenate(
                [e.anchor_row * pop.n + e.participants[e.action == 0] for e in world.organic.events]
                or [np.zeros(0, np.int64)]
            )
        who = _engagers(rng, world, a.author[rows], rows if kind == REPOST else None, taken)
        t = clamp_to_period(rng, a.t[rows] + _delays(rng, len(rows), median), a.t[rows], period)
        t = np.maximum(not_before(rng, t, who, pop, period), a.t[rows] + 1000)
        if kind == REPOST:
            content = take_content(a.content, rows)
        elif kind == REPLY:
            content = reply_content(rng, world, who, t, a.author[rows])
        else:
            content = organic_content(rng, world, who, t, hashtag_share=0.1, url_share=0.0)
        batch.add(
            Part(
                author=who,
                t=t,
                kind=kind,
                content=content,
                target_id=a.post_id[rows],
                target_author=a.author[rows],
            )
        )


def _breaking_news(rng, world: World, batch: Batch, c: int) -> None:
    a, period = world.anchors, world.period
    for ev in (e for e in world.organic.events if e.chunk == c):
        n = len(ev.participants)
        fast = rng.random(n) < 0.8  # most within seconds, the rest over the next hour
        delay = np.where(
            fast, 1000 + rng.exponential(25_000, n), lognormal_delays(rng, n, 900, 1.2)
        ).astype(np.int64)
        t = np.minimum(ev.t0 + delay, period.end_ms - 1)
        who = ev.participants
        rep = ev.action == 0
        if rep.any():
            batch.add(
                Part(
                    author=who[rep],
                    t=t[rep],
                    kind=REPOST,
                    content=take_content(a.content, np.full(int(rep.sum()), ev.anchor_row)),
                    target_id=np.full(int(rep.sum()), a.post_id[ev.anchor_row]),
                    target_author=np.full(int(rep.sum()), a.author[ev.anchor_row]),
                )
            )
        own = ~rep
        m = int(own.sum())
        if not m:
            continue
        share = ev.action[own] == 1
        s = int(share.sum())
        # link shares: the outlet's article, as share buttons and apps post it
        url, norm, dom = url_variants(
            rng, a.articles, np.full(s, ev.anchor_row), draw_variants(rng, s, ORGANIC_VARIANTS)
        )
        tags = list_array(repeat(ev.hashtag, m), np.ones(m, np.int64))
        content = organic_content(
            rng,
            world,
            who[own],
            t[own],
            hashtag_share=0.0,
            url_share=0.0,
            mention_share=0.02,
            extra_tags=tags,
            links=(url, norm, dom, share),
        )
        batch.add(Part(author=who[own], t=t[own], kind=POST, content=content))


def _fan_parties(rng, world: World, batch: Batch, c: int) -> None:
    for p in (p for p in world.organic.parties if p.chunk == c):
        who = np.repeat(p.participants, p.n_posts)
        n = len(who)
        t = p.t0 + (rng.exponential(8 * 60_000, n) - 5 * 60_000).astype(np.int64)
        t = np.clip(t, world.period.start_ms, world.period.end_ms - 1)
        lex = lexicon()
        ctag = lex.fandom_hashtags.take(
            pa.array(world.organic.community_tags[p.community, rng.integers(0, 3, n)])
        )
        flat = pa.concat_arrays([repeat(p.hashtag, n), ctag])
        order = np.ravel(np.column_stack([np.arange(n), n + np.arange(n)]))
        tags = list_array(flat.take(pa.array(order)), np.full(n, 2))
        content = organic_content(
            rng,
            world,
            who,
            t,
            hashtag_share=0.0,
            url_share=0.02,
            mention_share=0.2,
            extra_tags=tags,
        )
        batch.add(Part(author=who, t=t, kind=POST, content=content))


def generate_organic(rng: np.random.Generator, world: World, batch: Batch, c: int) -> None:
    """Add chunk ``c``'s organic posts to ``batch``: exactly ``organic_rows[c]`` rows."""
    params, pop, period = world.params, world.pop, world.period
    first_row = batch.rows
    _anchor_engagement(rng, world, batch, c)
    _breaking_news(rng, world, batch, c)
    _fan_parties(rng, world, batch, c)
    remaining = int(world.organic.organic_rows[c]) - (batch.rows - first_row)
    if remaining < 0:
        raise RuntimeError(f"chunk {c}: hard negatives exceed the organic budget")
    shares = np.array([params["repost_share"], params["reply_share"], params["quote_share"]])
    n_r, n_p, n_q = np.floor(remaining * shares).astype(int)
    n_o = remaining - n_r - n_p - n_q
    if n_o <= 0:
        return
    # originals
    author = world.authors(rng, n_o)
    t = sample_times(rng, period, pop.clock_offset_min[author], pop.shift_h[author])
    t = not_before(rng, t, author, pop, period)
    content = organic_content(
        rng, world, author, t, hashtag_share=params["hashtag_share"], url_share=params["url_share"]
    )
    base = batch.add(Part(author=author, t=t, kind=POST, content=content))
    vir = _virality(rng, world, author, n_r)
    median = params["repost_delay"]

    def engagement(n: int, median_s: float):
        tgt = sample_cdf(rng, vir, n)
        who = _engagers(rng, world, author[tgt], tgt)
        tt = clamp_to_period(rng, t[tgt] + _delays(rng, n, median_s), t[tgt], period)
        tt = np.maximum(not_before(rng, tt, who, pop, period), t[tgt] + 1000)
        return tgt, who, tt

    tgt, who, tt = engagement(n_r, median)
    batch.add(
        Part(
            author=who,
            t=tt,
            kind=REPOST,
            content=take_content(content, tgt),
            target_row=base + tgt,
            target_author=author[tgt],
        )
    )
    # replies: 70 % to original posts, 30 % answer one of those replies (threads)
    n_p1 = n_p - int(0.3 * n_p)
    tgt, who, tt = engagement(n_p1, median / 2)
    rc = reply_content(rng, world, who, tt, author[tgt])
    base_r = batch.add(
        Part(
            author=who,
            t=tt,
            kind=REPLY,
            content=rc,
            target_row=base + tgt,
            target_author=author[tgt],
        )
    )
    n_p2 = n_p - n_p1
    if n_p2 and n_p1:
        j = rng.integers(0, n_p1, n_p2)
        # half of the answers come from the original poster: a conversation
        who2 = np.where(rng.random(n_p2) < 0.5, author[tgt[j]], world.authors(rng, n_p2))
        who2 = np.where(who2 == who[j], world.authors(rng, n_p2), who2)
        t2 = clamp_to_period(
            rng, tt[j] + lognormal_delays(rng, n_p2, median / 2.5, 1.4), tt[j], period
        )
        t2 = np.maximum(not_before(rng, t2, who2, pop, period), tt[j] + 1000)
        batch.add(
            Part(
                author=who2,
                t=t2,
                kind=REPLY,
                content=reply_content(rng, world, who2, t2, who[j]),
                target_row=base_r + j,
                target_author=who[j],
            )
        )
    elif n_p2:
        n_q += n_p2
    tgt, who, tt = engagement(n_q, median * 3)
    qc = organic_content(
        rng, world, who, tt, hashtag_share=params["hashtag_share"] / 2, url_share=0.0
    )
    batch.add(
        Part(
            author=who,
            t=tt,
            kind=QUOTE,
            content=qc,
            target_row=base + tgt,
            target_author=author[tgt],
        )
    )
    assert batch.rows - first_row == world.organic.organic_rows[c]
