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

from ioscope.detect.base import Signal
from ioscope.detect.sql import epoch_seconds
from ioscope.detect.text import normalized_text

__all__ = ["SIGNAL", "actions"]


def actions(p: dict[str, Any], compat: str | None) -> str:
    """(platform, account_id, item, t, post_id) of every repost."""
    if compat == "cnt":  # its co_retweet: equal repost_id
        item = "target_post_id"
    else:
        item = (f"COALESCE(target_post_id, CASE WHEN text IS NOT NULL THEN 'rt:' || "
                f"LOWER(COALESCE(target_handle, '')) || ':' || {normalized_text('text')} END)")
    return (f"SELECT platform, account_id, {item} AS item, {epoch_seconds('created_at')} AS t, "
            "post_id FROM posts WHERE kind = 'repost'")


SIGNAL = Signal(
    "co_repost", "Both accounts reposted the same post within the window.",
    "Pacheco et al., ICWSM 2021 (case study 4); Graham et al., coordination-network-toolkit "
    "(co_retweet); Righetti & Balluff, CooRTweet",
    actions, compat=("cnt",))
