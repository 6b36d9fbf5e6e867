"""Images attached to simulated posts: an operation's own images, and memes in the background.

Members of campaigns whose strategy spreads material (``link_amplification``, ``copypasta``)
attach one of their operation's images to most of their posts; posts made within one ``slot``
(10 minutes) carry the same image, so members acting on one cue share it. Organic authors attach
an image to some of their posts: most are memes, the others their own photos. A post about a
hashtag carries that topic's meme, so every trending topic, breaking-news burst and fan party has
its viral meme, posted by many unrelated accounts within minutes of each other: the hot items
co_media's null model must absorb. Other memes come from a Zipf-Mandelbrot pool. Reposts carry
no image of their own. Each image is an id; identical ids are the same file (as content hashes
or re-used media ids are), written to the ``media`` column of the Parquet output. Accounts get
a profile picture (:func:`profile_images`, the ``profile_image`` column of accounts.parquet).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ioscope.simulate.vocab import zipf_sampler

__all__ = ["MEDIA_FIELD", "MEDIA_STRATEGIES", "media_lists", "PICTURE_FIELD", "profile_images"]

MEDIA_FIELD = pa.field("media", pa.list_(pa.string()))
MEDIA_STRATEGIES = ("link_amplification", "copypasta")
CAMPAIGN_P = 0.7  # share of a media campaign's posts that carry its image
ORGANIC_P = 0.2  # share of organic posts with an image
MEME_SHARE = 0.7  # of those, memes (the others: the author's own photo)
MEMES = 2_000
POOL = 12  # images per operation
SLOT_MS = 600_000

_draw_meme = zipf_sampler(MEMES, exponent=1.2, shift=1.0)


def _text(prefix: str, x) -> pa.Array:
    x = pa.array(x) if isinstance(x, np.ndarray) else x
    return pc.binary_join_element_wise(
        pa.array([prefix] * len(x), pa.string()), x.cast(pa.string()), ""
    )


def _first(lists: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """The first element of each list (null for empty lists), and which lists had one."""
    has = pc.list_value_length(lists).fill_null(0).to_numpy(zero_copy_only=False) > 0
    first = pa.nulls(len(lists), pa.string())
    if has.any():
        offsets = lists.offsets.to_numpy()
        values = lists.values.take(pa.array(offsets[:-1][has]))
        first = pc.replace_with_mask(first, pa.array(has), values.cast(pa.string()))
    return first, has


def media_lists(
    rng: np.random.Generator,
    *,
    author: np.ndarray,
    t_ms: np.ndarray,
    post_id: pa.Array,
    hashtags: pa.Array,
    repost: np.ndarray,
    campaign: np.ndarray,
    strategies: list[str],
) -> pa.Array:
    """``list<string>`` of image ids per post (empty or one). ``campaign``: the campaign index of
    every account (-1 organic); ``strategies``: the strategy of each campaign index."""
    n = len(author)
    media_campaign = np.array([s in MEDIA_STRATEGIES for s in strategies] + [False], bool)
    camp = campaign[author]
    in_media = media_campaign[np.where(camp >= 0, camp, len(strategies))]
    u = rng.random(n)
    meme = rng.random(n) < MEME_SHARE
    rank = _draw_meme(rng, n)
    c_rows = ~repost & in_media & (u < CAMPAIGN_P)
    o_rows = ~repost & ~in_media & (u < ORGANIC_P)
    topic, tagged = _first(hashtags)
    ids = pa.nulls(n, pa.string())
    if n:
        op_img = pc.binary_join_element_wise(
            _text("op", camp), _text("-img", (t_ms // SLOT_MS) % POOL), ""
        )
        ids = pc.if_else(pa.array(c_rows), op_img, ids)
        ids = pc.if_else(pa.array(o_rows & meme), _text("meme-", rank), ids)
        ids = pc.if_else(pa.array(o_rows & meme & tagged), _text("meme-#", topic), ids)
        ids = pc.if_else(pa.array(o_rows & ~meme), _text("photo-", post_id), ids)
    has = (c_rows | o_rows).astype(np.int32)
    offsets = np.zeros(n + 1, np.int32)
    np.cumsum(has, out=offsets[1:])
    return pa.ListArray.from_arrays(
        pa.array(offsets), ids.filter(pa.array(has > 0)), type=MEDIA_FIELD.type
    )


PICTURE_FIELD = pa.field("profile_image", pa.string())
DEFAULT_PICTURE = "https://sim.invalid/default_profile_images/default_normal.png"
DEFAULT_SHARE = 0.15  # organic accounts that never set a picture
STOCK_SHARE = 0.02  # organic accounts wearing one of a few popular stock pictures
STOCK = 50
REUSE_SHARE = 0.5  # members of a campaign wearing one of its few pictures
CAMPAIGN_PICTURES = 3


def profile_images(
    rng: np.random.Generator, account_id: pa.Array, campaign: np.ndarray
) -> pa.Array:
    """The profile picture URL of each account (``campaign``: its campaign index, -1 organic).

    Members of a campaign often wear one of the operation's few pictures; organic accounts have
    their own, the platform's default, or now and then a popular stock picture (the hard
    negative: unrelated accounts sharing a picture)."""
    n = len(campaign)
    u = rng.random(n)
    pick = rng.integers(0, max(STOCK, CAMPAIGN_PICTURES), n)
    own = pc.binary_join_element_wise(
        pa.array(["https://sim.invalid/profile_images/"] * n, pa.string()),
        account_id.cast(pa.string()),
        pa.array(["/me_normal.jpg"] * n, pa.string()),
        "",
    )
    urls = own
    organic = campaign < 0
    urls = pc.if_else(
        pa.array(organic & (u < DEFAULT_SHARE)), pa.array([DEFAULT_PICTURE] * n, pa.string()), urls
    )
    urls = pc.if_else(
        pa.array(organic & (u >= DEFAULT_SHARE) & (u < DEFAULT_SHARE + STOCK_SHARE)),
        _text("https://sim.invalid/profile_images/stock/", pick % STOCK),
        urls,
    )
    member = ~organic & (u < REUSE_SHARE)
    face = pc.binary_join_element_wise(
        _text("https://sim.invalid/profile_images/op", campaign),
        _text("/face", pick % CAMPAIGN_PICTURES),
        "",
    )
    return pc.if_else(pa.array(member), face, urls)
