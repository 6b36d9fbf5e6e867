"""Anchor posts: what news outlets, prominent accounts and brands post, and the news-outlet bots.

Anchors are generated first and kept in memory (they are few: about 0.6 % of the posts), because
everything else refers to them: organic cascades spread across chunks, breaking-news moments,
reply swarms, campaigns that amplify an outlet, and ads of organic advertisers.

News-outlet repost bots repost every post of one outlet after an almost constant delay (a few
seconds to a couple of minutes), around the clock. Several bots following the same outlet form a
perfectly synchronized co-repost group that is automated but not a campaign. A share of them
(``headline_bots``) are news-feed bots instead: they post each headline of the outlet as their own
post (the same text, link and hashtag), so that bots of one outlet post the same headlines.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ioscope.simulate.batch import POST, REPOST, Batch, Part
from ioscope.simulate.clock import Period, sample_times
from ioscope.simulate.content import (
    Content,
    compose,
    empty_lists,
    list_array,
    take_content,
    word_counts,
    words,
)
from ioscope.simulate.population import BRAND, OUTLET, PROMINENT, Population
from ioscope.simulate.urls import (
    ORGANIC_VARIANTS,
    Articles,
    article_pool,
    draw_variants,
    random_tokens,
    url_variants,
)
from ioscope.simulate.vocab import lexicon, zipf_sampler

__all__ = ["Anchors", "build_anchors", "ANCHOR_WORKER"]

ANCHOR_WORKER = 0


@dataclass
class Anchors:
    """The anchor posts (rows ``0..n-1`` of the batch) followed by the news bots' reposts.

    ``post_id`` and ``table`` exist once :meth:`finish` has run (after the organic engagement of
    each anchor is planned, so that its counters include it).
    """

    batch: Batch
    n: int
    author: np.ndarray
    t: np.ndarray
    content: Content
    articles: Articles  # article of each anchor (outlets: their own site)
    breaking: np.ndarray  # anchor rows chosen as breaking news
    breaking_hashtag: list[str]  # one per breaking-news anchor
    bot_delay_s: dict[int, float]  # news bot -> its delay in seconds
    headline_bots: frozenset[int] = frozenset()  # news bots that post the headlines themselves
    post_id: np.ndarray | None = None
    table: pa.Table | None = None

    @property
    def rows(self) -> int:
        return self.batch.rows

    def finish(self, pop: Population, seed: int, planned_reposts: np.ndarray) -> pa.Table:
        self.batch.extra_reposts = {int(i): int(c) for i, c in enumerate(planned_reposts) if c}
        self.table = self.batch.finish(pop, seed)
        self.post_id = self.batch.ids[: self.n]
        return self.table


def _authors(rng: np.random.Generator, pop: Population, n: int) -> np.ndarray:
    outlets, prom, brands = pop.of_role(OUTLET), pop.of_role(PROMINENT), pop.of_role(BRAND)
    groups = [(outlets, 0.72), (prom, 0.22), (brands, 0.06)]
    groups = [(g, s) for g, s in groups if len(g)]
    share = np.array([s for _, s in groups])
    which = rng.choice(len(groups), size=n, p=share / share.sum())
    out = np.empty(n, np.int64)
    for k, (g, _) in enumerate(groups):
        sel = which == k
        w = np.sqrt(pop.followers[g].astype(float) + 1)
        out[sel] = g[rng.choice(len(g), size=int(sel.sum()), p=w / w.sum())]
    return out


def build_anchors(
    rng: np.random.Generator,
    pop: Population,
    period: Period,
    posts: int,
    n_breaking: int,
    trending: np.ndarray,
    headline_bots: float = 0.0,
) -> Anchors:
    """``trending[day, j]``: hashtag pool index of the j-th trending tag of each day;
    ``headline_bots``: share of the news bots that post the outlet's headlines as their own."""
    lex = lexicon()
    n = int(min(max(30, 0.006 * posts), 150_000))  # kept in memory: capped
    author = _authors(rng, pop, n)
    t = sample_times(rng, period, pop.clock_offset_min[author], pop.shift_h[author] * 0.3)
    lang = pop.language[author]
    role = pop.role[author]
    is_outlet, is_brand = role == OUTLET, role == BRAND
    # breaking news: posts of the most followed outlets, spread over the period
    out_rows = np.flatnonzero(is_outlet)
    n_breaking = int(min(n_breaking, len(out_rows)))
    if n_breaking:
        w = pop.followers[author[out_rows]].astype(float)
        breaking = np.sort(rng.choice(out_rows, size=n_breaking, replace=False, p=w / w.sum()))
    else:
        breaking = np.zeros(0, np.int64)
    # links: outlets link their own articles, brands their shop, others sometimes anything
    art = article_pool(
        rng,
        n,
        period.start_date.year,
        domain_idx=np.maximum(pop.outlet_domain[author], 0),
        platform_share=0.0,
    )
    has_url = np.where(is_outlet, rng.random(n) < 0.9, rng.random(n) < 0.15) | is_brand
    url, norm, dom = url_variants(
        rng, art, np.arange(n), np.where(is_outlet, 0, draw_variants(rng, n, ORGANIC_VARIANTS))
    )
    brand_url = pa.array(np.where(is_brand, "https://www.", "")).cast(pa.string())
    shop = pc.binary_join_element_wise(
        brand_url,
        pc.utf8_lower(pop.handle.take(pa.array(author))),
        ".com/offer/",
        random_tokens(rng, n, 6),
        "",
    )
    url = pc.if_else(pa.array(is_brand), shop, url)
    norm = pc.if_else(pa.array(is_brand), shop, norm)
    dom = pc.if_else(
        pa.array(is_brand),
        pc.binary_join_element_wise(pc.utf8_lower(pop.handle.take(pa.array(author))), ".com", ""),
        dom,
    )
    counts = has_url.astype(np.int64)
    sel = pa.array(has_url)
    urls = list_array(url.filter(sel), counts)
    urls_n = list_array(norm.filter(sel), counts)
    doms = list_array(dom.filter(sel), counts)
    # hashtags: trending tag of the day, or a breaking-news tag
    day = np.clip((t - period.start_ms) // 86_400_000, 0, period.days - 1)
    has_tag = rng.random(n) < np.where(is_brand, 1.0, 0.25)
    tag_idx = (
        trending[day, rng.integers(0, trending.shape[1], n)]
        if trending.shape[1]
        else zipf_sampler(len(lex.hashtags))(rng, n)
    )
    tags = lex.hashtags.take(pa.array(tag_idx))
    breaking_tags = []
    used = set()
    for _b in breaking:
        while True:
            tag = lex.hashtags[int(rng.integers(100, 5000))].as_py()
            if tag not in used:
                used.add(tag)
                break
        breaking_tags.append(tag)
    tag_values = np.asarray(tags.to_pylist(), dtype=object)
    tag_values[breaking] = breaking_tags
    has_tag[breaking] = True
    hashtag_list = list_array(pa.array(tag_values[has_tag], pa.string()), has_tag.astype(np.int64))
    body = words(rng, lang, word_counts(rng, n, median=11, sigma=0.35, lo=5, hi=30))
    content = compose(
        body,
        hashtags=hashtag_list,
        mentions=empty_lists(n),
        urls=urls,
        urls_normalized=urls_n,
        domains=doms,
    )
    batch = Batch(worker=ANCHOR_WORKER)
    batch.add(Part(author=author, t=t, kind=POST, content=content))

    # news bots: every post of the followed outlet, after a near-constant delay
    bot_delay: dict[int, float] = {}
    bots = np.flatnonzero(pop.bot_outlet >= 0)
    rows_all, bots_all, t_all, own_all = [], [], [], []
    headline = (
        rng.random(bots.size) < headline_bots if headline_bots > 0 else np.zeros(bots.size, bool)
    )
    for b, own in zip(bots, headline):
        rows = np.flatnonzero(author == pop.bot_outlet[b])
        rows = rows[t[rows] > pop.created_ms[b]]
        delay = float(rng.uniform(3, 120))
        bot_delay[int(b)] = delay
        lag = np.maximum(1.0, delay + 1.5 * rng.standard_normal(len(rows)))
        rows_all.append(rows)
        bots_all.append(np.full(len(rows), b))
        t_all.append(t[rows] + (lag * 1000).astype(np.int64))
        own_all.append(np.full(len(rows), own))
    if bots.size:
        rows, who, when = (np.concatenate(x) for x in (rows_all, bots_all, t_all))
        rep = ~np.concatenate(own_all)
        batch.add(
            Part(
                author=who[rep],
                t=when[rep],
                kind=REPOST,
                content=take_content(content, rows[rep]),
                target_row=rows[rep],
                target_author=author[rows[rep]],
            )
        )
        if not rep.all():  # news-feed bots: the outlet's headline as their own post
            own = ~rep
            batch.add(
                Part(
                    author=who[own],
                    t=when[own],
                    kind=POST,
                    content=take_content(content, rows[own]),
                )
            )
    return Anchors(
        batch=batch,
        n=n,
        author=author,
        t=t,
        content=content,
        articles=art,
        breaking=breaking,
        breaking_hashtag=breaking_tags,
        bot_delay_s=bot_delay,
        headline_bots=frozenset(int(b) for b in bots[headline]),
    )
