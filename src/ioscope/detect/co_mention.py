"""co_mention: two accounts mentioned the same account within the window, outside replies.

Coordinated targeting of an account (harassment, tagging journalists or officials); a shared
behavioural trace in the sense of Pacheco et al., ICWSM 2021. Replies are left out because a
reply mentions the replied-to account automatically, and reposts because their mentions are
the original author's.
"""

from __future__ import annotations

from typing import Any

from ioscope.detect.base import Signal
from ioscope.detect.sql import epoch_seconds

__all__ = ["SIGNAL", "actions"]


def actions(p: dict[str, Any], compat: str | None) -> str:
    """(platform, account_id, item, t, post_id) per distinct handle mentioned in a post or quote."""
    return (f"SELECT DISTINCT p.platform, p.account_id, u.item, {epoch_seconds('p.created_at')} "
            "AS t, p.post_id FROM posts p, UNNEST(p.mentions) AS u(item) "
            "WHERE p.kind IN ('post', 'quote') AND u.item IS NOT NULL AND u.item <> '' "
            "AND (p.handle IS NULL OR LOWER(p.handle) <> u.item)")


SIGNAL = Signal(
    "co_mention", "Both accounts mentioned the same account within the window (replies and "
    "reposts excluded).", "Pacheco et al., ICWSM 2021 (shared behavioural traces)", actions)
