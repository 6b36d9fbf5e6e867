"""co_mention: two accounts mentioned the same account within the window, outside replies.

Coordinated targeting of an account (harassment, tagging journalists or officials); a shared
behavioural trace in the sense of Pacheco et al., ICWSM 2021. Replies are left out because a
reply mentions the replied-to account automatically, and reposts because their mentions are
the original author's.
"""

from __future__ import annotations

from typing import Any

from ioscope.detect.engine.sql import unnest_actions
from ioscope.detect.signals.base import Explanation, Signal

__all__ = ["SIGNAL", "actions"]


def actions(p: dict[str, Any], compat: str | None) -> str:
    """(platform, account_id, item, t, post_id) per distinct handle mentioned in a post or quote."""
    return unnest_actions(
        "mentions",
        "kind IN ('post', 'quote')",
        item_filter="(handle IS NULL OR LOWER(handle) <> item)",
        extra="handle",
    )


SIGNAL = Signal(
    "co_mention",
    "Both accounts mentioned the same account within the window (replies and reposts excluded).",
    "Pacheco et al., ICWSM 2021 (shared behavioural traces)",
    actions,
    order=40,
    explanation=Explanation("mentioned", "account", "accounts"),
)
