"""co_repost: two accounts reposted the same post within the window.

The classic co-retweet trace of coordinated amplification (Pacheco et al., "Uncovering
Coordinated Networks on Social Media: Methods and Case Studies", ICWSM 2021, case study 4;
Graham et al., coordination-network-toolkit's co_retweet; Righetti & Balluff, CooRTweet).

The item is the reposted post's id. Reposts collected without it (the FiveThirtyEight IRA
archive gives only "RT @handle: text") use the reposted account's handle and the normalized
reposted text instead, so that identical reposts still match.
"""

from __future__ import annotations

from typing import Any

from ioscope.detect.engine.sql import epoch_seconds
from ioscope.detect.signals.base import Explanation, Signal
from ioscope.detect.signals.text import normalized_text

__all__ = ["SIGNAL", "actions"]


def actions(p: dict[str, Any], compat: str | None) -> str:
    """(platform, account_id, item, t, post_id) of every repost."""
    t = epoch_seconds("created_at")
    if compat == "cnt":  # its co_retweet: equal repost_id
        return (
            f"SELECT platform, account_id, target_post_id AS item, {t} AS t, post_id "
            "FROM posts WHERE kind = 'repost'"
        )
    src = (
        f"SELECT platform, account_id, post_id, {t} AS t, target_post_id, target_handle, "
        "CASE WHEN target_post_id IS NULL THEN text END AS text FROM posts "
        "WHERE kind = 'repost'"
    )
    return (
        f"SELECT platform, account_id, COALESCE(target_post_id, CASE WHEN norm IS NOT NULL "
        f"THEN 'rt:' || LOWER(COALESCE(target_handle, '')) || ':' || norm END) AS item, t, "
        f"post_id FROM ({normalized_text(src)}) n"
    )


SIGNAL = Signal(
    "co_repost",
    "Both accounts reposted the same post within the window.",
    "Pacheco et al., ICWSM 2021 (case study 4); Graham et al., coordination-network-toolkit "
    "(co_retweet); Righetti & Balluff, CooRTweet",
    actions,
    compat=("cnt",),
    order=10,
    explanation=Explanation("reposted", "post", "posts"),
)
