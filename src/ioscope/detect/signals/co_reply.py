"""co_reply: two accounts replied to the same post within the window.

Coordinated reply brigades (Graham et al., coordination-network-toolkit's co_reply network;
Nizzoli et al., "Coordinated Behavior on Social Media in 2019 UK General Election", ICWSM 2021,
which builds similar account networks from shared behaviour). The item is the replied-to post.
"""

from __future__ import annotations

from typing import Any

from ioscope.detect.engine.sql import epoch_seconds
from ioscope.detect.signals.base import Explanation, Signal

__all__ = ["SIGNAL", "actions"]


def actions(p: dict[str, Any], compat: str | None) -> str:
    """(platform, account_id, item, t, post_id) of every reply with a known target."""
    return (
        f"SELECT platform, account_id, target_post_id AS item, "
        f"{epoch_seconds('created_at')} AS t, post_id FROM posts "
        "WHERE kind = 'reply' AND target_post_id IS NOT NULL"
    )


SIGNAL = Signal(
    "co_reply",
    "Both accounts replied to the same post within the window.",
    "Graham et al., coordination-network-toolkit (co_reply)",
    actions,
    compat=("cnt",),
    order=30,
    explanation=Explanation("replied to", "post", "posts"),
)
