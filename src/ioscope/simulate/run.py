"""``simulate()``: plan everything small up front, then generate and write posts chunk by chunk.

Order of work (each step seeded on its own, see :mod:`ioscope.simulate.rng`):

1. campaign plans, the account population, trending hashtags, anchor posts;
2. campaign skeletons (exact number of campaign posts), the organic plan (chunk budgets, anchor
   engagement, breaking news, fan parties), member camouflage activity;
3. for each chunk: organic posts + the campaign actions the chunk holds -> one batch, sorted by
   time, appended to the output;
4. ads, accounts, truth.csv, campaigns.json.

Memory is bounded by the chunk size plus the per-account arrays (about 200 bytes an account).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.compute as pc

from ioscope import __version__
from ioscope.errors import ParameterError
from ioscope.simulate.ads import ADS_COLUMNS, Promotable, ads_table, campaign_ads, organic_ads
from ioscope.simulate.anchors import build_anchors
from ioscope.simulate.batch import MAX_WORKERS, Batch, posts_schema
from ioscope.simulate.campaign_plan import _LOCAL_CURRENCY, CampaignPlan, plan_campaigns
from ioscope.simulate.campaigns import Skeleton, plan_skeleton
from ioscope.simulate.clock import Period
from ioscope.simulate.hardneg import plan_organic, plan_trending
from ioscope.simulate.media import MEDIA_FIELD, PICTURE_FIELD, media_lists, profile_images
from ioscope.simulate.organic import generate_organic
from ioscope.simulate.params import resolve_params
from ioscope.simulate.platforms import assign_platforms, mirror_handles, set_platform
from ioscope.simulate.population import BRAND, PROMINENT, Population, build_population
from ioscope.simulate.rng import component_rng
from ioscope.simulate.strategies import build_slice
from ioscope.simulate.truth import campaigns_document, write_json, write_truth
from ioscope.simulate.world import World
from ioscope.simulate.writers import CsvSink, accounts_table, open_writer

__all__ = ["simulate"]

_DAY = 86_400_000


def _with_media(
    table,
    batch: Batch,
    pop: Population,
    plans: list[CampaignPlan],
    seed: int,
    chunk: int,
    platform: np.ndarray,
):
    """The posts of a finished batch with their platform and ``media`` column (see
    ioscope.simulate.media and ioscope.simulate.platforms)."""
    table = set_platform(table, platform[batch.author])
    media = media_lists(
        component_rng(seed, "media", chunk),
        author=batch.author,
        t_ms=batch.t,
        post_id=table["post_id"].combine_chunks(),
        hashtags=table["hashtags"].combine_chunks(),
        repost=pc.equal(table["kind"], "repost").to_numpy(zero_copy_only=False),
        campaign=pop.campaign,
        strategies=[p.strategy for p in plans],
    )
    return table.append_column(MEDIA_FIELD, media)


def _camouflage(
    pop: Population,
    plans: list[CampaignPlan],
    skeletons: list[Skeleton],
    organic_total: int,
    rng: np.random.Generator,
) -> None:
    """Give members organic activity so that ``organic_mixing`` of their posts is ordinary."""
    w_org = pop.activity.sum()
    wanted = [
        p.organic_mixing / (1 - p.organic_mixing) * len(sk) for p, sk in zip(plans, skeletons)
    ]
    total = sum(wanted)
    scale = min(1.0, 0.5 * organic_total / total) if total else 1.0
    for p, e in zip(plans, wanted):
        if e <= 0:
            continue
        share = (1 - rng.random(p.size)) ** (-1 / 2.0)  # some members camouflage more than others
        expected = e * scale * share / share.sum()
        pop.activity[p.members] = expected * w_org / max(organic_total - total * scale, 1.0)


def _lifetime_post_counts(
    rng: np.random.Generator, pop: Population, collected: np.ndarray, period: Period
) -> np.ndarray:
    """Platform-reported post counts: what was collected plus the account's earlier history."""
    age_days = np.maximum((period.start_ms - pop.created_ms) / _DAY, 0)
    rate = collected / period.days * np.exp(0.5 * rng.standard_normal(pop.n))
    return collected + np.floor(rate * age_days * 0.3).astype(np.int64) + rng.poisson(3, pop.n)


def simulate(
    outdir: str | Path,
    *,
    posts: int,
    seed: int,
    campaigns: int | None = None,
    format: str = "parquet",
    preset: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    **knobs: Any,
) -> dict[str, Any]:
    """Generate a synthetic collection with planted campaigns and its ground truth in ``outdir``.

    Returns a summary: ``{"outdir", "format", "seed", "preset", "paths", "counts", "timings",
    "parameters"}``. ``progress(done, total)`` is called after each chunk of posts.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     s = simulate(d, posts=2_000, seed=1, campaigns=2)
    >>> s["counts"]["posts"]
    2000
    """
    t_start = time.perf_counter()
    values = {"posts": posts, "seed": seed, "format": format, **knobs}
    if campaigns is not None:
        values["campaigns"] = campaigns
    params = resolve_params(values, preset)
    seed, n_posts = params["seed"], params["posts"]
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    period = Period(params["start"], params["days"])
    timings: dict[str, float] = {}

    plans = plan_campaigns(component_rng(seed, "campaigns"), params, period)
    pop = build_population(component_rng(seed, "population"), params, period, plans)
    platform = assign_platforms(
        component_rng(seed, "platform"), pop.n, params["second_platform_share"]
    )
    pop.handle, twins = mirror_handles(
        component_rng(seed, "handle-mirror"),
        pop.handle,
        platform,
        pop.campaign,
        params["handle_mirror_share"],
    )
    trending = plan_trending(
        component_rng(seed, "trending"), period.days, params["trending_per_day"]
    )
    anchors = build_anchors(
        component_rng(seed, "anchors"),
        pop,
        period,
        n_posts,
        params["breaking_news"],
        trending,
        params["headline_bots"],
    )
    skeletons = [
        plan_skeleton(component_rng(seed, "skeleton", p.index), p, pop, anchors, period)
        for p in plans
    ]
    campaign_rows = sum(len(s) for s in skeletons)
    organic_total = n_posts - anchors.rows - campaign_rows
    if organic_total < 0.3 * n_posts:
        raise ParameterError(
            f"The 'posts' parameter of simulate must leave room for the organic background: "
            f"{anchors.rows + campaign_rows} of {n_posts} posts would be anchors and campaigns. "
            f"Got {n_posts!r} instead.",
            hint="Ask for more posts, fewer or smaller campaigns, or a lower participation.",
        )
    chunk_size = max(params["chunk_size"], math.ceil(n_posts / (MAX_WORKERS - 24)))
    n_chunks = max(1, math.ceil(organic_total / chunk_size))
    organic = plan_organic(
        component_rng(seed, "organic-plan"),
        params,
        period,
        pop,
        anchors,
        organic_total,
        n_chunks,
        trending,
    )
    anchors.finish(pop, seed, organic.anchor_reposts + organic.event_reposts)
    _camouflage(pop, plans, skeletons, organic_total, component_rng(seed, "camouflage"))
    world = World(params, seed, period, pop, anchors, organic, plans)
    timings["plan"] = time.perf_counter() - t_start

    t = time.perf_counter()
    writer = open_writer(params["format"], out, pop, posts_schema().append(MEDIA_FIELD))
    collected = np.bincount(anchors.batch.author, minlength=pop.n)
    writer.write(
        _with_media(anchors.table, anchors.batch, pop, plans, seed, 0, platform).sort_by(
            "created_at"
        )
    )
    written = anchors.table.num_rows
    promo: dict[int, list[tuple[np.ndarray, np.ndarray, np.ndarray]]] = {p.index: [] for p in plans}
    try:
        for c in range(n_chunks):
            batch = Batch(worker=c + 1)
            generate_organic(component_rng(seed, "organic", c), world, batch, c)
            marks = [
                (
                    p,
                    build_slice(
                        component_rng(seed, "campaign", p.index, c),
                        world,
                        p,
                        sk,
                        batch,
                        c,
                        n_chunks,
                    ),
                )
                for p, sk in zip(plans, skeletons)
            ]
            table = batch.finish(pop, seed)
            for p, rows in marks:
                promo[p.index].append((batch.ids[rows], batch.author[rows], batch.t[rows]))
            collected += np.bincount(batch.author, minlength=pop.n)
            writer.write(
                _with_media(table, batch, pop, plans, seed, c + 1, platform).sort_by("created_at")
            )
            written += table.num_rows
            del batch, table  # before the next chunk is generated
            if progress:
                progress(written, n_posts)
    finally:
        writer.close()
    assert written == n_posts, (written, n_posts)
    timings["posts"] = time.perf_counter() - t

    t = time.perf_counter()
    rng = component_rng(seed, "ads")
    ad_parts = []
    for p in plans:
        got = promo[p.index]
        pr = (
            Promotable(*(np.concatenate([g[i] for g in got]) for i in range(3)))
            if got
            else Promotable(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64))
        )
        rows = campaign_ads(rng, pop, p, pr)
        if rows:
            ad_parts.append(rows)
    rows_o = np.flatnonzero(np.isin(pop.role[anchors.author], (BRAND, PROMINENT)))
    rows, organic_advertisers = organic_ads(
        rng,
        pop,
        Promotable(anchors.post_id[rows_o], anchors.author[rows_o], anchors.t[rows_o]),
        _LOCAL_CURRENCY,
    )
    if rows:
        ad_parts.append(rows)
    ads = ads_table(rng, pop, ad_parts)
    sink = CsvSink(out / "ads.csv", ADS_COLUMNS)
    sink.write(ads)
    sink.close()
    timings["ads"] = time.perf_counter() - t

    t = time.perf_counter()
    accounts = accounts_table(
        pop, _lifetime_post_counts(component_rng(seed, "post-counts"), pop, collected, period)
    )
    # accounts_table lists the accounts in account-id order
    order = np.argsort(pop.account_id, kind="stable")
    accounts = set_platform(accounts, platform[order])
    accounts = accounts.append_column(
        PICTURE_FIELD,
        profile_images(
            component_rng(seed, "pictures"),
            accounts["account_id"].combine_chunks(),
            pop.campaign[order],
        ),
    )
    writer.write_accounts(accounts)
    write_truth(out / "truth.csv", pop, plans)
    counts = {p.index: (len(sk), sk.n_actions) for p, sk in zip(plans, skeletons)}
    doc = campaigns_document(
        version=__version__,
        seed=seed,
        params=params,
        preset=preset,
        pop=pop,
        plans=plans,
        counts=counts,
        anchors=anchors,
        organic=organic,
        organic_advertisers=organic_advertisers,
    )
    if twins:
        for c, p in zip(doc["campaigns"], plans):
            c["handle_twins"] = [
                [str(pop.account_id[b]), str(pop.account_id[a])]
                for b, a in twins
                if pop.campaign[b] == p.index
            ]
    write_json(out / "campaigns.json", doc)
    timings["accounts_and_truth"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - t_start

    paths = dict(writer.paths)
    paths.update(
        ads=str(out / "ads.csv"),
        truth=str(out / "truth.csv"),
        campaigns=str(out / "campaigns.json"),
    )
    return {
        "outdir": str(out),
        "format": params["format"],
        "seed": seed,
        "preset": preset,
        "paths": paths,
        "counts": {
            "posts": written,
            "accounts": pop.n,
            "campaigns": len(plans),
            "campaign_accounts": int((pop.campaign >= 0).sum()),
            "campaign_posts": campaign_rows,
            "anchor_posts": anchors.rows,
            "organic_posts": organic_total,
            "ads": ads.num_rows,
            "breaking_news": len(organic.events),
            "fan_communities": len(organic.community_members),
            "news_bots": len(anchors.bot_delay_s),
            "chunks": n_chunks,
        },
        "timings": {k: round(v, 3) for k, v in timings.items()},
        "parameters": {k: (list(v) if isinstance(v, tuple) else v) for k, v in params.items()},
    }
