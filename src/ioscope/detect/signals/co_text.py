"""co_text: two accounts posted the same normalized text within the window.

Copy-paste campaigns (Graham et al., coordination-network-toolkit's co_tweet; Pacheco et al.,
ICWSM 2021). The text is lower-cased, with URLs and @mentions removed and whitespace
collapsed (:func:`ioscope.detect.signals.text.normalized_text`); texts shorter than ``min_chars``
after normalization ("ok", "thanks") are left out. Reposts are left out (co_repost).

In CNT-compatible mode the text is normalized as CNT's co_tweet does (lower-case, mentions
removed, whitespace collapsed, URLs kept), every non-repost post counts, and so does an empty text.
"""

from __future__ import annotations

from typing import Any

from ioscope.detect.engine.sql import epoch_seconds
from ioscope.detect.signals.base import Explanation, Signal
from ioscope.detect.signals.text import cnt_text, normalized_text
from ioscope.params import Param
from ioscope.sql import literal

__all__ = ["SIGNAL", "actions"]


def actions(p: dict[str, Any], compat: str | None) -> str:
    """(platform, account_id, item, t, post_id) of every non-repost post with a long-enough text."""
    src = (
        f"SELECT platform, account_id, post_id, {epoch_seconds('created_at')} AS t, text "
        "FROM posts WHERE kind <> 'repost'"
    )
    if compat == "cnt":
        return f"SELECT platform, account_id, norm AS item, t, post_id FROM ({cnt_text(src)}) n"
    return (
        f"SELECT platform, account_id, norm AS item, t, post_id "
        f"FROM ({normalized_text(src + ' AND text IS NOT NULL')}) n "
        f"WHERE LENGTH(norm) >= {literal(p['min_chars'])}"
    )


SIGNAL = Signal(
    "co_text",
    "Both accounts posted the same normalized text within the window.",
    "Graham et al., coordination-network-toolkit (co_tweet); Pacheco et al., ICWSM 2021",
    actions,
    compat=("cnt",),
    order=80,
    explanation=Explanation("posted", "text", "texts"),
    params=(Param("min_chars", "int", 10, "Shortest normalized text that counts.", min=1),),
)
