"""hashtag_sequence: two accounts used the identical ordered sequence of hashtags in one day.

Pacheco et al., "Uncovering Coordinated Networks on Social Media: Methods and Case Studies",
ICWSM 2021, case study 3: an account's trace is the ordered sequence of all hashtags it used
in a day (support filter: at least 5 posts and 5 distinct hashtags that day); two independent
accounts are unlikely to post the same sequence of five or more hashtags on the same day.

The item is the period (a UTC day by default) and the sequence, so accounts pair on the item
alone; an edge's weight is the number of periods with identical sequences. Reposts are left
out unless ``include_reposts``. The evidence pairs the first post of each account's period.
"""

from __future__ import annotations

from typing import Any

from ioscope.detect.engine.sql import epoch_seconds
from ioscope.detect.signals.base import Explanation, Signal
from ioscope.params import Param
from ioscope.sql import literal

__all__ = ["SIGNAL", "actions"]


def actions(p: dict[str, Any], compat: str | None) -> str:
    """One action per (account, period) whose hashtag sequence passes the support filter."""
    period = literal(p["period"])
    kinds = "" if p["include_reposts"] else "AND p.kind <> 'repost'"
    t = epoch_seconds("p.created_at")
    return f"""
        SELECT s.platform, s.account_id,
               CAST(s.period AS VARCHAR) || ':' || s.seq AS item, f.t, f.post_id
        FROM (
            SELECT platform, account_id, period,
                   STRING_AGG(tag, ' ' ORDER BY t, post_id, pos) AS seq,
                   COUNT(DISTINCT post_id) AS n_posts, COUNT(DISTINCT tag) AS n_tags
            FROM (SELECT p.platform, p.account_id, p.post_id, {t} AS t,
                         CAST(FLOOR({t} / {period}) AS BIGINT) AS period, u.tag, u.pos
                  FROM posts p, UNNEST(p.hashtags) WITH ORDINALITY AS u(tag, pos)
                  WHERE u.tag IS NOT NULL {kinds}) h
            GROUP BY platform, account_id, period) s
        JOIN (
            SELECT platform, account_id, period, t, post_id FROM (
                SELECT p.platform, p.account_id, p.post_id, {t} AS t,
                       CAST(FLOOR({t} / {period}) AS BIGINT) AS period,
                       ROW_NUMBER() OVER (PARTITION BY p.platform, p.account_id,
                                          CAST(FLOOR({t} / {period}) AS BIGINT)
                                          ORDER BY p.created_at, p.post_id) AS rn
                FROM posts p WHERE p.hashtags IS NOT NULL {kinds}) r
            WHERE rn = 1) f
          ON f.platform = s.platform AND f.account_id = s.account_id AND f.period = s.period
        WHERE s.n_posts >= {literal(p["min_posts"])} AND s.n_tags >= {literal(p["min_hashtags"])}"""


SIGNAL = Signal(
    "hashtag_sequence",
    "Both accounts used the identical ordered sequence of hashtags in the "
    "same day (at least 5 posts and 5 distinct hashtags).",
    "Pacheco et al., ICWSM 2021 (case study 3)",
    actions,
    windowed=False,
    defaults={"min_weight": 1},
    order=70,
    explanation=Explanation("posted", "hashtag sequence", "hashtag sequences"),
    params=(
        Param(
            "period",
            "duration",
            "1d",
            "Length of the period (UTC-aligned) whose hashtags form one sequence.",
            min=60,
        ),
        Param(
            "min_posts", "int", 5, "Fewest posts with hashtags an account needs in a period.", min=1
        ),
        Param(
            "min_hashtags",
            "int",
            5,
            "Fewest distinct hashtags an account needs in a period.",
            min=1,
        ),
        Param("include_reposts", "bool", False, "Count the hashtags of reposts too."),
    ),
)
