"""A second platform: accounts on bluesky beside twitter, so that one operation runs on both.

With ``second_platform_share`` > 0 every account (organic, hard negative or campaign member) is on
bluesky with that probability, drawn once per account from its own random stream (the rest of
the world is unchanged). A campaign then has members on both platforms that post the same links,
texts and images at the same cues, the cross-platform pivots that link them. Reposts, replies and
quotes keep their targets, which may be on the other platform.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

__all__ = ["PLATFORMS", "assign_platforms", "set_platform"]

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
