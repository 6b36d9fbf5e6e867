"""co_hashtag: two accounts used the same hashtag within the window.

Hashtag co-use is the trace behind hashtag campaigns and trend manipulation (Pacheco et al.,
ICWSM 2021; Nizzoli et al., ICWSM 2021, who weight account-hashtag networks with TF-IDF before
projecting them). Popular hashtags produce most pairs and little signal: the hot-item policy
matters most here. Reposts are left out (their hashtags are the original author's).
"""

from __future__ import annotations

from typing import Any

from ioscope.detect.engine.sql import unnest_actions
from ioscope.detect.signals.base import Explanation, Signal

__all__ = ["SIGNAL", "actions"]


def actions(p: dict[str, Any], compat: str | None) -> str:
    """(platform, account_id, item, t, post_id) per distinct hashtag of a non-repost post."""
    return unnest_actions("hashtags", "kind <> 'repost'")


SIGNAL = Signal(
    "co_hashtag",
    "Both accounts used the same hashtag within the window (reposts excluded).",
    "Pacheco et al., ICWSM 2021; Nizzoli et al., ICWSM 2021",
    actions,
    order=50,
    explanation=Explanation("used", "hashtag", "hashtags"),
)
