"""What campaign posts say, strategy by strategy, for the actions one chunk holds.

:func:`build_slice` turns the skeleton rows of the actions assigned to a chunk into batch parts.
Leads (the posts a campaign amplifies) come first, so the reposts can point at their rows.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ioscope.simulate.batch import POST, REPLY, REPOST, Batch, Part
from ioscope.simulate.campaign_plan import CampaignPlan
from ioscope.simulate.campaigns import Skeleton
from ioscope.simulate.content import (
    Content,
    compose,
    concat_lists,
    draw_word_ranks,
    empty_lists,
    list_array,
    take_content,
    word_counts,
    words,
)
from ioscope.simulate.organic import organic_content
from ioscope.simulate.rng import component_rng
from ioscope.simulate.urls import (
    CAMPAIGN_VARIANTS,
    Articles,
    article_pool,
    draw_variants,
    url_variants,
)
from ioscope.simulate.vocab import lexicon
from ioscope.simulate.world import World, sample_cdf

__all__ = ["build_slice", "campaign_sites"]

_TLDS = (".com", ".info", ".net", ".org", ".news", ".co")


def campaign_sites(world: World, plan: CampaignPlan) -> Articles:
    """The campaign's own websites and their articles (drawn once per campaign)."""
    if "sites" not in plan.details:
        rng = component_rng(world.seed, "sites", plan.index)
        words_ = lexicon().words
        k = int(rng.integers(1, 4))
        hosts = []
        for _ in range(k):
            a, b = (words_[int(i)].as_py() for i in rng.integers(60, 2000, 2))
            hosts.append(f"{a}{b}{rng.choice(['', 'news', 'today', 'daily'])}{rng.choice(_TLDS)}")
        plan.details["domains"] = hosts
        n = 60
        host = pa.array(np.asarray(hosts)[rng.integers(0, k, n)])
        plan.details["sites"] = article_pool(
            rng, n, world.period.start_date.year, hosts=host, platform_share=0.0
        )
    return plan.details["sites"]


def _tags(
    rng: np.random.Generator, plan: CampaignPlan, n: int, p: float, first: pa.Array | None = None
) -> pa.Array:
    """Hashtag lists: the lists ``first`` if given, then a campaign tag with probability p."""
    has = rng.random(n) < p
    tag = pa.array(plan.hashtags).take(
        pa.array(rng.integers(0, len(plan.hashtags), int(has.sum())))
    )
    drawn = list_array(tag, has.astype(np.int64))
    return drawn if first is None else concat_lists(first, drawn)


def _links(
    rng: np.random.Generator,
    art: Articles,
    idx: np.ndarray,
    has: np.ndarray,
    variants: tuple[float, ...],
) -> tuple[pa.Array, pa.Array, pa.Array]:
    k = int(has.sum())
    url, norm, dom = url_variants(rng, art, idx[has], draw_variants(rng, k, variants))
    c = has.astype(np.int64)
    return list_array(url, c), list_array(norm, c), list_array(dom, c)


def _campaign_text(
    rng,
    world: World,
    plan: CampaignPlan,
    author,
    t,
    *,
    tag_p: float,
    link_p: float,
    variants=(1.0,) + (0.0,) * 8,
    article: np.ndarray | None = None,
    median_words: float = 12,
    first_tag: pa.Array | None = None,
) -> Content:
    n = len(author)
    lang = np.full(n, plan.language)
    body = words(rng, lang, word_counts(rng, n, median=median_words))
    sites = campaign_sites(world, plan)
    if article is None:
        article = rng.integers(0, len(sites), n)
    urls, norm, dom = _links(rng, sites, article, rng.random(n) < link_p, variants)
    return compose(
        body,
        hashtags=_tags(rng, plan, n, tag_p, first_tag),
        mentions=empty_lists(n),
        urls=urls,
        urls_normalized=norm,
        domains=dom,
    )


def _link_amplification(rng, world, plan, sk: Skeleton, posts: np.ndarray) -> Content:
    key = sk.action_key[sk.action[posts]]
    n = len(posts)
    sites, organic = campaign_sites(world, plan), world.organic.articles
    own = key >= 0
    out = []
    lang = np.full(n, plan.language)
    body = words(rng, lang, word_counts(rng, n, median=10))
    u_own = url_variants(
        rng, sites, key[own] % len(sites), draw_variants(rng, int(own.sum()), CAMPAIGN_VARIANTS)
    )
    news = np.flatnonzero(~organic.platform)
    news = news if len(news) else np.arange(len(organic))
    u_org = url_variants(
        rng,
        organic,
        news[(-1 - key[~own]) % len(news)],
        draw_variants(rng, int((~own).sum()), CAMPAIGN_VARIANTS),
    )
    mask = pa.array(own)
    for i in range(3):
        merged = (
            pc.replace_with_mask(pa.nulls(n, pa.string()), mask, u_own[i])
            if own.any()
            else pa.nulls(n, pa.string())
        )
        merged = pc.replace_with_mask(merged, pa.array(~own), u_org[i]) if (~own).any() else merged
        out.append(list_array(merged, np.ones(n, np.int64)))
    return compose(
        body,
        hashtags=_tags(rng, plan, n, 0.4),
        mentions=empty_lists(n),
        urls=out[0],
        urls_normalized=out[1],
        domains=out[2],
    )


def _copypasta(rng, world: World, plan: CampaignPlan, sk: Skeleton, posts: np.ndarray) -> Content:
    lex = lexicon()
    acts, a_of_post = np.unique(sk.action[posts], return_inverse=True)
    n_a, n = len(acts), len(posts)
    # one template per action: words, a mention of a target, a campaign hashtag
    length = rng.integers(15, 31, n_a)
    start = np.r_[0, np.cumsum(length)[:-1]]
    base = plan.language * lex.words_per_language
    template = base + draw_word_ranks(rng, int(length.sum()))
    target = sample_cdf(rng, world.mention_cdf, n_a)
    tag = np.asarray(plan.hashtags)[sk.action_key[acts] % len(plan.hashtags)]
    # every copy: the template with a few words replaced or dropped
    ln = length[a_of_post]
    within = np.arange(int(ln.sum())) - np.repeat(np.cumsum(ln) - ln, ln)
    tok = template[np.repeat(start[a_of_post], ln) + within]
    u = rng.random(len(tok))
    replace = u < 0.08
    tok[replace] = base + draw_word_ranks(rng, int(replace.sum()))
    keep = u >= 0.03
    post_of_tok = np.repeat(np.arange(n), ln)
    counts = np.bincount(post_of_tok[keep], minlength=n)
    body = pc.utf8_capitalize(
        pc.binary_join(list_array(lex.words.take(pa.array(tok[keep])), counts), " ")
    )
    # mention changes and emoji noise
    who = np.where(rng.random(n) < 0.3, sample_cdf(rng, world.mention_cdf, n), target[a_of_post])
    mentions = list_array(world.pop.handle_at(who, sk.t[posts]), np.ones(n, np.int64))
    has_tag = rng.random(n) < 0.9
    hashtags = list_array(pa.array(tag[a_of_post][has_tag]), has_tag.astype(np.int64))
    n_emoji = rng.choice([0, 0, 1, 1, 2, 3], n)
    emoji = lex.emoji.take(pa.array(rng.integers(0, len(lex.emoji), int(n_emoji.sum()))))
    noise = pc.binary_join(list_array(emoji, n_emoji), "")
    noise = pc.if_else(pa.array(n_emoji == 0), pa.nulls(n, pa.string()), noise)
    front = rng.random(n) < 0.25
    body = pc.if_else(
        pa.array(front & (n_emoji > 0)), pc.binary_join_element_wise(noise, body, " "), body
    )
    tail = pc.if_else(pa.array(front), pa.nulls(n, pa.string()), noise)
    e = empty_lists(n)
    return compose(
        body,
        hashtags=hashtags,
        mentions=mentions,
        urls=e,
        urls_normalized=e,
        domains=e,
        extra_tail=tail,
    )


def _game_tags(plan: CampaignPlan, action_key: np.ndarray) -> pa.Array:
    """A new hashtag game per action, derived from the action number (like #ThingsXWontSay)."""
    w = lexicon().words
    h = action_key.astype(np.uint64) * np.uint64(2654435761) + np.uint64(plan.index * 7919)
    a = w.take(pa.array((60 + h % np.uint64(2500)).astype(np.int64)))
    b = w.take(pa.array((60 + (h // np.uint64(2500)) % np.uint64(2500)).astype(np.int64)))
    stem = np.asarray(["things", "reasons", "ifi", "whyi", "my", "never"])[
        (action_key + plan.index) % 6
    ]
    return pc.binary_join_element_wise(pa.array(stem), a, b, "")


def _hashtag_flooding(rng, world, plan: CampaignPlan, sk: Skeleton, posts: np.ndarray) -> Content:
    a = sk.action[posts]
    game = _game_tags(plan, sk.action_key[a])
    # the synchronized sequence: game tag, then the campaign tag of this step of the sequence
    seq = pa.array(plan.hashtags).take(pa.array(a % len(plan.hashtags)))
    n = len(posts)
    flat = pa.concat_arrays([game, seq])
    first = list_array(
        flat.take(pa.array(np.ravel(np.column_stack([np.arange(n), n + np.arange(n)])))),
        np.full(n, 2),
    )
    return _campaign_text(
        rng,
        world,
        plan,
        sk.author[posts],
        sk.t[posts],
        tag_p=0.3,
        link_p=0.05,
        median_words=8,
        first_tag=first,
    )


def _reply_swarm(rng, world: World, plan: CampaignPlan, sk: Skeleton, posts: np.ndarray) -> Content:
    n = len(posts)
    target_author = world.anchors.author[sk.action_target[sk.action[posts]]]
    mentions = list_array(world.pop.handle_at(target_author, sk.t[posts]), np.ones(n, np.int64))
    body = words(rng, np.full(n, plan.language), word_counts(rng, n, median=10))
    e = empty_lists(n)
    return compose(
        body,
        hashtags=_tags(rng, plan, n, 0.3),
        mentions=mentions,
        urls=e,
        urls_normalized=e,
        domains=e,
        lead_mentions=True,
    )


def build_slice(
    rng: np.random.Generator,
    world: World,
    plan: CampaignPlan,
    sk: Skeleton,
    batch: Batch,
    chunk: int,
    n_chunks: int,
) -> np.ndarray:
    """Add the campaign's posts of the actions held by ``chunk``; returns the batch rows of the
    posts an advertiser could promote (the first original post of each action)."""
    mine = sk.action % n_chunks == chunk
    leads, rest = np.flatnonzero(mine & sk.lead), np.flatnonzero(mine & ~sk.lead)
    s = plan.strategy
    a = world.anchors
    promotable = []
    lead_row = np.full(sk.n_actions, -1, np.int64)
    lead_content = None
    if len(leads):
        lead_content = _campaign_text(
            rng,
            world,
            plan,
            sk.author[leads],
            sk.t[leads],
            tag_p=0.7,
            link_p=1.0 if s == "paid_promotion" else 0.4,
        )
        first = batch.add(
            Part(author=sk.author[leads], t=sk.t[leads], kind=POST, content=lead_content)
        )
        lead_row[sk.action[leads]] = first + np.arange(len(leads))
        promotable.append(first + np.arange(len(leads)))
    if not len(rest):
        return np.concatenate(promotable) if promotable else np.zeros(0, np.int64)
    act = sk.action[rest]
    kind = sk.kind[rest]
    target = sk.action_target[act] if s != "creation_burst" else sk.action_target[rest]
    if s in ("co_repost", "paid_promotion"):
        to_lead = target < 0
        parts = []
        if to_lead.any():
            lead_pos = np.full(sk.n_actions, -1, np.int64)
            lead_pos[sk.action[leads]] = np.arange(len(leads))
            rows = rest[to_lead]
            parts.append(
                Part(
                    author=sk.author[rows],
                    t=sk.t[rows],
                    kind=REPOST,
                    content=take_content(lead_content, lead_pos[act[to_lead]]),
                    target_row=lead_row[act[to_lead]],
                    target_author=sk.author[leads][lead_pos[act[to_lead]]],
                )
            )
        if (~to_lead).any():
            rows, tg = rest[~to_lead], target[~to_lead]
            parts.append(
                Part(
                    author=sk.author[rows],
                    t=sk.t[rows],
                    kind=REPOST,
                    content=take_content(a.content, tg),
                    target_id=a.post_id[tg],
                    target_author=a.author[tg],
                )
            )
        for part in parts:
            batch.add(part)
        return np.concatenate(promotable) if promotable else np.zeros(0, np.int64)
    if s == "reply_swarm":
        content = _reply_swarm(rng, world, plan, sk, rest)
        batch.add(
            Part(
                author=sk.author[rest],
                t=sk.t[rest],
                kind=REPLY,
                content=content,
                target_id=a.post_id[target],
                target_author=a.author[target],
            )
        )
        return np.zeros(0, np.int64)
    if s == "creation_burst":
        rep = kind == REPOST
        if rep.any():
            tg = target[rep]
            batch.add(
                Part(
                    author=sk.author[rest[rep]],
                    t=sk.t[rest[rep]],
                    kind=REPOST,
                    content=take_content(a.content, tg),
                    target_id=a.post_id[tg],
                    target_author=a.author[tg],
                )
            )
        own = rest[~rep]
        content = _campaign_text(
            rng, world, plan, sk.author[own], sk.t[own], tag_p=0.5, link_p=0.15
        )
        first = batch.add(Part(author=sk.author[own], t=sk.t[own], kind=POST, content=content))
        return first + np.flatnonzero(rng.random(len(own)) < 0.05)
    if s == "link_amplification":
        content = _link_amplification(rng, world, plan, sk, rest)
    elif s == "copypasta":
        content = _copypasta(rng, world, plan, sk, rest)
    elif s == "hashtag_flooding":
        content = _hashtag_flooding(rng, world, plan, sk, rest)
    elif s == "synchronized_posting":
        content = organic_content(
            rng, world, sk.author[rest], sk.t[rest], hashtag_share=0.15, url_share=0.1
        )
    else:
        raise ValueError(s)
    first = batch.add(Part(author=sk.author[rest], t=sk.t[rest], kind=POST, content=content))
    # the first post of each action is the one an advertiser would promote
    _, first_of_action = np.unique(act, return_index=True)
    return first + first_of_action
