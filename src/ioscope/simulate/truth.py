"""The ground truth: ``truth.csv`` (every account) and ``campaigns.json`` (every campaign and every
hard negative)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from ioscope.simulate.anchors import Anchors
from ioscope.simulate.campaign_plan import CampaignPlan
from ioscope.simulate.hardneg import OrganicPlan
from ioscope.simulate.population import NEVER, OUTLET, PROMINENT, Population
from ioscope.simulate.vocab import CLIENTS, LANGUAGES, REGIONS, lexicon
from ioscope.simulate.writers import CsvSink

__all__ = ["TRUTH_COLUMNS", "write_truth", "campaigns_document", "write_json"]

TRUTH_COLUMNS = ("account_id", "campaign_id", "strategy")


def _iso(ms: int) -> str:
    return dt.datetime.fromtimestamp(ms / 1000, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def write_truth(path: Path, pop: Population, plans: list[CampaignPlan]) -> int:
    """One row per account, in account-id order; organic accounts have empty campaign and strategy."""
    order = pa.array(np.argsort(pop.account_id, kind="stable"))
    ids = [p.campaign_id for p in plans] + [None]
    strategies = [p.strategy for p in plans] + [None]
    c = np.where(pop.campaign >= 0, pop.campaign, len(plans)).astype(np.int64)
    table = pa.table(
        {
            "account_id": pop.account_id_str.take(order),
            "campaign_id": pa.array(ids, pa.string()).take(pa.array(c)).take(order),
            "strategy": pa.array(strategies, pa.string()).take(pa.array(c)).take(order),
        }
    )
    sink = CsvSink(path, TRUTH_COLUMNS)
    sink.write(table)
    sink.close()
    return table.num_rows


def _ids(pop: Population, idx: np.ndarray) -> list[str]:
    return pop.account_id_str.take(pa.array(np.asarray(idx, np.int64))).to_pylist()


def _campaign(plan: CampaignPlan, pop: Population, posts: int, cues: int) -> dict[str, Any]:
    renamed = plan.members[pop.rename_ms[plan.members] != NEVER]
    region = REGIONS[plan.region]
    d = plan.details
    params = {
        "size": plan.size,
        "participation": plan.participation,
        "jitter_s": plan.jitter_s,
        "tempo_s": plan.tempo_s,
        "organic_mixing": plan.organic_mixing,
        "schedule": plan.schedule,
        "operator": plan.operator,
        "operator_utc_offset_min": plan.clock_offset_min,
        "audience_country": region.country,
        "language": LANGUAGES[plan.language],
        "creation_burst": plan.creation_burst,
        "handle_style": plan.handle_style,
        "handle_stem": plan.handle_stem or None,
        "client": CLIENTS[plan.client],
        "topic": plan.topic,
        "hashtags": plan.hashtags,
        "domains": d.get("domains", []),
        "buys_ads": plan.buys_ads,
        "currency": plan.currency,
    }
    if plan.creation_burst:
        created = pop.created_ms[plan.members]
        params["created_between"] = [_iso(int(created.min())), _iso(int(created.max()))]
    if "amplified_outlets" in d:
        params["amplified_outlets"] = _ids(pop, d["amplified_outlets"])
    return {
        "campaign_id": plan.campaign_id,
        "strategy": plan.strategy,
        "members": _ids(pop, plan.members),
        "sources": _ids(pop, plan.sources),
        "targets": _ids(pop, plan.targets),
        "parameters": params,
        "time_span": {"start": _iso(plan.start_ms), "end": _iso(plan.end_ms)},
        "posts": posts,
        "cues": cues,
        "advertiser_ids": _ids(pop, plan.advertisers),
        "renames": [
            {"account_id": a, "old_handle": o, "handle": h, "renamed_at": _iso(int(t))}
            for a, o, h, t in zip(
                _ids(pop, renamed),
                pop.old_handle.take(pa.array(renamed)).to_pylist(),
                pop.handle.take(pa.array(renamed)).to_pylist(),
                pop.rename_ms[renamed],
            )
        ],
    }


def campaigns_document(
    *,
    version: str,
    seed: int,
    params: dict[str, Any],
    preset: str | None,
    pop: Population,
    plans: list[CampaignPlan],
    counts: dict[int, tuple[int, int]],
    anchors: Anchors,
    organic: OrganicPlan,
    organic_advertisers: np.ndarray,
) -> dict[str, Any]:
    bots = np.flatnonzero(pop.bot_outlet >= 0)
    n_comm = len(organic.community_members)
    events = []
    for e in organic.events:
        row = e.anchor_row
        events.append(
            {
                "post_id": str(anchors.post_id[row]),
                "account_id": _ids(pop, [anchors.author[row]])[0],
                "time": _iso(e.t0),
                "hashtag": e.hashtag,
                "url": anchors.articles.canonical(np.array([row])).to_pylist()[0],
                "participants": int(len(e.participants)),
                "reposts": int((e.action == 0).sum()),
                "link_shares": int((e.action == 1).sum()),
                "hashtag_posts": int((e.action == 2).sum()),
            }
        )
    lex_tags = lexicon().fandom_hashtags
    return {
        "format_version": 1,
        "generator": f"ioscope {version}",
        "seed": seed,
        "preset": preset,
        "parameters": {k: (list(v) if isinstance(v, tuple) else v) for k, v in params.items()},
        "campaigns": [_campaign(p, pop, *counts.get(p.index, (0, 0))) for p in plans],
        "hard_negatives": {
            "news_outlets": _ids(pop, pop.of_role(OUTLET)),
            "prominent_accounts": _ids(pop, pop.of_role(PROMINENT)),
            "news_bots": [
                {
                    "account_id": a,
                    "outlet_id": o,
                    "delay_s": round(anchors.bot_delay_s[int(b)], 3),
                    "headlines": int(b) in anchors.headline_bots,
                }
                for b, a, o in zip(bots, _ids(pop, bots), _ids(pop, pop.bot_outlet[bots]))
            ],
            "breaking_news": events,
            "fan_communities": [
                {
                    "community_id": f"F{c + 1:03d}",
                    "members": _ids(pop, organic.community_members[c]),
                    "hubs": _ids(
                        pop, organic.community_members[c][pop.hub[organic.community_members[c]]]
                    ),
                    "hashtags": lex_tags.take(pa.array(organic.community_tags[c])).to_pylist(),
                    "parties": [
                        {
                            "time": _iso(p.t0),
                            "hashtag": p.hashtag,
                            "participants": int(len(p.participants)),
                            "posts": int(p.n_posts.sum()),
                        }
                        for p in organic.parties
                        if p.community == c
                    ],
                }
                for c in range(n_comm)
            ],
            "organic_advertisers": _ids(pop, organic_advertisers),
            "organic_renames": int(((pop.rename_ms != NEVER) & (pop.campaign < 0)).sum()),
        },
    }


def write_json(path: Path, doc: dict[str, Any]) -> None:
    path.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
