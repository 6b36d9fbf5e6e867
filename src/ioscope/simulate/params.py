"""The simulator's knobs, declared once: they drive validation, ``--help`` and docs/simulator.md."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ioscope.errors import ParameterError, UsageError
from ioscope.params import Param, validate_params

__all__ = ["STRATEGIES", "FORMATS", "SIMULATE_PARAMS", "PRESETS", "resolve_params"]

STRATEGIES = (
    "co_repost",
    "link_amplification",
    "copypasta",
    "hashtag_flooding",
    "reply_swarm",
    "synchronized_posting",
    "creation_burst",
    "paid_promotion",
)
FORMATS = ("parquet", "cnt-csv", "io-archive")

_OWNER = "simulate"

SIMULATE_PARAMS: tuple[Param, ...] = (
    # the run
    Param(
        "posts",
        "int",
        100_000,
        "Total number of posts to write (organic, hard negatives and campaigns together).",
        min=1,
        max=10**10,
    ),
    Param("seed", "int", 0, "Random seed; the same seed and knobs give the same files.", min=0),
    Param("campaigns", "int", 8, "Number of planted campaigns.", min=0, max=200),
    Param("format", "choice", "parquet", "Output format.", choices=FORMATS),
    Param(
        "accounts",
        "int",
        0,
        "Organic accounts; 0 = one per 10 posts, between 100 and 2 million.",
        min=0,
        max=50_000_000,
    ),
    Param("start", "str", "2024-03-01", "First day of the simulated period (YYYY-MM-DD, UTC)."),
    Param("days", "int", 30, "Length of the simulated period in days.", min=1, max=3650),
    Param(
        "chunk_size",
        "int",
        500_000,
        "Posts generated and written at a time (bounds memory).",
        min=10_000,
        max=20_000_000,
    ),
    # organic background
    Param(
        "repost_share", "float", 0.40, "Share of organic posts that are reposts.", min=0, max=0.8
    ),
    Param("reply_share", "float", 0.12, "Share of organic posts that are replies.", min=0, max=0.5),
    Param("quote_share", "float", 0.04, "Share of organic posts that are quotes.", min=0, max=0.3),
    Param(
        "activity_alpha",
        "float",
        1.4,
        "Tail exponent of account activity (Lomax); smaller = a "
        "few accounts write more of the posts.",
        min=0.5,
        max=10,
    ),
    Param(
        "follower_alpha", "float", 1.2, "Tail exponent of follower counts (Lomax).", min=0.5, max=10
    ),
    Param(
        "virality_alpha",
        "float",
        1.3,
        "Tail exponent of post virality (Lomax); smaller = bigger cascades.",
        min=0.5,
        max=10,
    ),
    Param(
        "repost_delay",
        "duration",
        "10m",
        "Median delay between a post and its organic reposts (log-normal).",
        min=1,
    ),
    Param(
        "hashtag_share",
        "float",
        0.18,
        "Share of organic original posts with hashtags.",
        min=0,
        max=1,
    ),
    Param("url_share", "float", 0.22, "Share of organic original posts with a link.", min=0, max=1),
    Param("trending_per_day", "int", 10, "Hashtags that trend on each day.", min=0, max=1000),
    Param(
        "breaking_news",
        "int",
        3,
        "Breaking-news moments: thousands of unrelated accounts repost "
        "one post, share its link and use its hashtag within seconds.",
        min=0,
        max=1000,
    ),
    Param(
        "breaking_news_size",
        "int",
        5000,
        "Accounts taking part in each breaking-news moment (capped by the organic budget).",
        min=10,
        max=10_000_000,
    ),
    Param(
        "fan_communities",
        "int",
        4,
        "Fan communities: accounts that genuinely share the same "
        "hubs, hashtags and scheduled hashtag parties.",
        min=0,
        max=10_000,
    ),
    Param(
        "fan_community_size", "int", 300, "Typical size of a fan community.", min=5, max=1_000_000
    ),
    Param(
        "news_outlets",
        "int",
        25,
        "News outlets whose posts are widely reposted.",
        min=1,
        max=100_000,
    ),
    Param(
        "news_bots",
        "int",
        12,
        "Automated accounts that repost every post of one outlet after a "
        "fixed delay (automated, but not a campaign).",
        min=0,
        max=100_000,
    ),
    Param(
        "headline_bots",
        "float",
        0.0,
        "Share of the news bots that are news-feed bots: they post each of their outlet's "
        "headlines as their own post (same text, link and hashtag) instead of reposting it.",
        min=0,
        max=1,
    ),
    Param(
        "organic_advertisers",
        "int",
        15,
        "Organic (non-campaign) advertisers buying ads.",
        min=0,
        max=100_000,
    ),
    Param(
        "organic_rename_share",
        "float",
        0.01,
        "Share of organic accounts that changed handle during the period.",
        min=0,
        max=1,
    ),
    # campaigns
    Param(
        "strategies",
        "list",
        ",".join(STRATEGIES),
        "Strategies to draw campaigns from, in turn.",
        choices=STRATEGIES,
    ),
    Param("campaign_size_min", "int", 8, "Smallest campaign (accounts).", min=2, max=1_000_000),
    Param(
        "campaign_size_max",
        "int",
        300,
        "Largest campaign (accounts); sizes are log-uniform between the two.",
        min=2,
        max=1_000_000,
    ),
    Param(
        "campaign_share",
        "float",
        0.05,
        "Share of all posts written by campaign actions.",
        min=0,
        max=0.5,
    ),
    Param(
        "jitter",
        "duration",
        "30s",
        "Timing jitter: mean delay of a member's action after the campaign's cue (exponential).",
        min=0,
    ),
    Param(
        "tempo",
        "duration",
        "0s",
        "Campaign tempo: members act one after another, a mean of this apart (each gap drawn "
        "uniformly between half and one and a half times it), after the cue and the jitter: 0 "
        "for a script, minutes or hours for a schedule or shift work.",
        min=0,
        max=7 * 86400,
    ),
    Param(
        "campaign_events",
        "int",
        0,
        "Actions (cues) per campaign; 0 derives them from the campaign's share of the posts.",
        min=0,
        max=1_000_000,
    ),
    Param(
        "participation",
        "float",
        0.7,
        "Probability that a member takes part in each action.",
        min=0.01,
        max=1,
    ),
    Param(
        "organic_mixing",
        "float",
        0.3,
        "Share of members' posts that are ordinary organic activity (camouflage).",
        min=0,
        max=0.95,
    ),
    Param(
        "account_traits",
        "float",
        0.3,
        "Probability that a campaign of another strategy also "
        "has creation-burst accounts, patterned handles and renames.",
        min=0,
        max=1,
    ),
    Param(
        "creation_burst_days",
        "float",
        3.0,
        "Days over which creation-burst accounts are created.",
        min=0.01,
        max=3650,
    ),
    Param(
        "rename_share",
        "float",
        0.4,
        "Share of members of a renaming campaign that changed handle during the period.",
        min=0,
        max=1,
    ),
    Param(
        "second_platform_share",
        "float",
        0.0,
        "Share of accounts (organic and campaign "
        "members alike) on a second platform, bluesky: operations then run on both, posting "
        "the same links and images (Parquet output).",
        min=0,
        max=0.9,
    ),
    Param(
        "handle_mirror_share",
        "float",
        0.5,
        "With a second platform: share of a campaign's "
        "second-platform members whose handle mirrors one of its first-platform members', "
        "varied (same, lower-cased, '_' inserted, other digits, a word added).",
        min=0,
        max=1,
    ),
    Param(
        "ad_probability",
        "float",
        0.25,
        "Probability that a campaign of another strategy also "
        "buys ads (paid_promotion campaigns always do).",
        min=0,
        max=1,
    ),
)

PRESETS: dict[str, dict[str, Any]] = {
    # no campaigns at all, and more of every hard negative
    "calibration": {
        "campaigns": 0,
        "breaking_news": 6,
        "fan_communities": 8,
        "news_bots": 24,
        "organic_advertisers": 25,
    },
}


def resolve_params(values: dict[str, Any], preset: str | None = None) -> dict[str, Any]:
    """Knobs with the preset and defaults filled in, validated; raises ParameterError."""
    if preset is not None and preset not in PRESETS:
        raise ParameterError(
            f"The 'preset' parameter of {_OWNER} must be one of "
            f"{', '.join(repr(p) for p in PRESETS)}. Got {preset!r} instead."
        )
    merged = dict(PRESETS.get(preset, {}))
    if preset == "calibration" and values.get("campaigns", 0):
        raise UsageError(
            "The calibration preset has no campaigns, but campaigns="
            f"{values['campaigns']} was given.",
            hint="Drop --campaigns or the preset.",
        )
    merged.update({k: v for k, v in values.items() if v is not None})
    params = validate_params(SIMULATE_PARAMS, merged, _OWNER)
    try:
        dt.date.fromisoformat(params["start"])
    except ValueError:
        raise ParameterError(
            f"The 'start' parameter of {_OWNER} must be a date YYYY-MM-DD. "
            f"Got {params['start']!r} instead."
        ) from None
    if params["campaign_size_max"] < params["campaign_size_min"]:
        raise ParameterError(
            f"The 'campaign_size_max' parameter of {_OWNER} must be ≥ "
            f"campaign_size_min ({params['campaign_size_min']}). "
            f"Got {params['campaign_size_max']!r} instead."
        )
    if params["repost_share"] + params["reply_share"] + params["quote_share"] > 0.9:
        raise ParameterError(
            f"The 'repost_share' parameter of {_OWNER} must leave room for "
            "original posts: repost_share + reply_share + quote_share ≤ 0.9. "
            f"Got {params['repost_share']!r} instead."
        )
    if params["campaigns"] and not params["strategies"]:
        raise ParameterError(
            f"The 'strategies' parameter of {_OWNER} must name at least one "
            "strategy when campaigns > 0. Got '' instead."
        )
    return params
