"""A second platform: accounts on bluesky beside twitter, so that one operation runs on both.

With ``second_platform_share`` > 0 every account (organic, hard negative or campaign member) is on
bluesky with that probability, drawn once per account from its own random stream (the rest of
the world is unchanged). A campaign then has members on both platforms that post the same links,
texts and images at the same cues, the cross-platform pivots that link them. Reposts, replies and
quotes keep their targets, which may be on the other platform.

An operation keeps its personas' names on the second platform: a share ``handle_mirror_share`` of
a campaign's bluesky members take the handle of one of its twitter members, varied as operators
do (the same handle, lower-cased, a '_' inserted, other trailing digits, or a short word added),
so that similar handles link the two platforms as well.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

__all__ = ["PLATFORMS", "assign_platforms", "set_platform", "mirror_handles"]

PLATFORMS = ("twitter", "bluesky")


def assign_platforms(rng: np.random.Generator, n: int, share: float) -> np.ndarray:
    """The platform index (into :data:`PLATFORMS`) of each of ``n`` accounts."""
    if share <= 0:
        return np.zeros(n, np.int8)
    return (rng.random(n) < share).astype(np.int8)


def set_platform(table: pa.Table, platform: np.ndarray) -> pa.Table:
    """``table`` with its ``platform`` column set from one platform index per row."""
    names = pa.array(PLATFORMS, pa.string()).take(pa.array(platform.astype(np.int64)))
    i = table.schema.get_field_index("platform")
    return table.set_column(i, table.schema.field(i), names)


_WORDS = ("tv", "usa", "real", "news")


def _vary(rng: np.random.Generator, handle: str) -> str:
    kind = int(rng.integers(0, 5))
    if kind == 1:
        return handle.lower()
    if kind == 2:
        cut = int(rng.integers(1, max(2, len(handle) - 1)))
        return handle[:cut] + "_" + handle[cut:]
    if kind == 3:
        return handle.rstrip("0123456789") + f"{int(rng.integers(0, 100)):02d}"
    if kind == 4:
        return handle.rstrip("0123456789") + "_" + _WORDS[int(rng.integers(0, len(_WORDS)))]
    return handle


def mirror_handles(
    rng: np.random.Generator,
    handle: pa.Array,
    platform: np.ndarray,
    campaign: np.ndarray,
    share: float,
) -> tuple[pa.Array, list[list[int]]]:
    """``handle`` with a ``share`` of each campaign's second-platform members renamed after a
    distinct first-platform member of the same campaign, varied; and the pairs
    ``[second_platform_index, first_platform_index]`` so made (the ground truth)."""
    pairs: list[list[int]] = []
    if share <= 0 or not platform.any():
        return handle, pairs
    names = handle.to_pylist()
    for c in np.unique(campaign[campaign >= 0]):
        first = np.flatnonzero((campaign == c) & (platform == 0))
        second = np.flatnonzero((campaign == c) & (platform == 1))
        chosen = second[rng.random(len(second)) < share]
        sources = rng.permutation(first)[: len(chosen)]
        for b, a in zip(chosen[: len(sources)], sources):
            names[b] = _vary(rng, names[a])
            pairs.append([int(b), int(a)])
    return pa.array(names, pa.string()), pairs
