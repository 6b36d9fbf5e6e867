"""co_media: two accounts posted the same media item within the window.

Shared images and videos are the first evidence of platform takedown reports (Meta's adversarial
threat reports; Graphika's and DFRLab's case studies): many accounts posting one file. The item
is ``post_media.media_item``: a content address when the source gives one (Bluesky blob CIDs,
identical for identical files on any platform; CooRTweet's anonymised perceptual hash ids),
else ``<platform>:<media id>`` (a Twitter media id re-attached by many accounts, a Telegram
file id); once ``ioscope media WS hash DIR`` has hashed the user's copies of the files, one
``phash:<hex>`` item for each group of near-identical images (re-encoded, resized copies).
Reposts are left out (the repost is co_repost's trace); a post carrying one item twice
counts once. Popular memes are hot items, handled by the hot-item policy and the null model as
viral links are. Pacheco et al. (ICWSM 2021, case study "image coordination") link accounts
that tweet the same images; Giglietto et al. 2020 frame co-sharing within a window.
"""

from __future__ import annotations

from typing import Any

from ioscope.detect.engine.sql import epoch_seconds
from ioscope.detect.signals.base import Explanation, Signal

__all__ = ["SIGNAL", "actions"]


def actions(p: dict[str, Any], compat: str | None) -> str:
    """(platform, account_id, item, t, post_id) per distinct media item of a non-repost post."""
    return (
        f"SELECT p.platform, p.account_id, m.media_item AS item, "
        f"{epoch_seconds('p.created_at')} AS t, p.post_id FROM posts p "
        f"JOIN (SELECT DISTINCT platform, post_id, media_item FROM post_media) m "
        f"ON m.platform = p.platform AND m.post_id = p.post_id WHERE p.kind <> 'repost'"
    )


SIGNAL = Signal(
    "co_media",
    "Both accounts posted the same media item (image, video or file; same media id "
    "or content hash, or near-identical images once hashed) within the window (reposts "
    "excluded).",
    "Pacheco et al., ICWSM 2021 (shared images); Giglietto et al. 2020 (CooRnet, the "
    "co-sharing frame)",
    actions,
    order=60,
    explanation=Explanation("posted", "media item", "media items"),
)
