"""Audience and activity counts from the profile: followers versus following, age, posting rate.

Fake and operation accounts follow many to be followed back and gain few followers of their own,
are young, and post at rates no person sustains. Follower and friend counts, account age and
tweets per day are profile features of Yang et al. (AAAI 2020) and of Im et al.'s IRA classifier
(WebSci 2020). Counts are the platform's, at collection time (the latest the source gives).
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from ioscope.accounts._sql import has_rows, signal_rows
from ioscope.accounts.registry import NotApplicable, Signal, register_family

__all__ = ["audience_signals"]

SIGNALS = (
    Signal("follower_ratio", -1, "log10", "log10((followers + 1) / (following + 1))."),
    Signal(
        "lifetime_posts",
        +1,
        "log10",
        "log10(posts the platform counts for the account + 1): "
        "how prolific it has been over its life.",
    ),
    Signal(
        "account_age_days",
        -1,
        "days",
        "Days from account creation to its latest collected "
        "post (or to the latest post in the workspace when it has none).",
    ),
    Signal(
        "posts_per_day",
        +1,
        "posts/day",
        "Posts the platform counts for the account divided by its age in days (at least 1).",
    ),
)


@register_family(
    "audience",
    signals=SIGNALS,
    sources=(
        "Yang et al., Scalable and generalizable social bot detection through "
        "data selection, AAAI 2020",
        "Im et al., Still out there, WebSci 2020",
    ),
)
def audience_signals(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """Follower/following ratio, lifetime posts, account age and posting rate."""
    if not has_rows(
        con,
        "SELECT 1 FROM accounts WHERE (followers IS NOT NULL AND following IS "
        "NOT NULL) OR created_at IS NOT NULL OR post_count IS NOT NULL",
    ):
        raise NotApplicable("no account has follower or post counts or a creation date")
    return signal_rows(
        con,
        """
        WITH last AS (SELECT platform, account_id, max(created_at) AS last_post FROM posts
                      GROUP BY ALL),
        a AS (
            SELECT a.platform, a.account_id, a.followers, a.following, a.post_count, a.created_at,
                   COALESCE(l.last_post, (SELECT max(created_at) FROM posts)) AS ref_time
            FROM accounts a LEFT JOIN last l USING (platform, account_id)),
        g AS (SELECT *, greatest(epoch(ref_time) - epoch(created_at), 0) / 86400.0 AS age FROM a)
        SELECT platform, account_id, 'follower_ratio' AS signal,
               log10((followers + 1) / (following + 1)) AS value,
               json_object('followers', followers, 'following', following) AS detail
        FROM g WHERE followers IS NOT NULL AND following IS NOT NULL
               AND followers >= 0 AND following >= 0
        UNION ALL
        SELECT platform, account_id, 'lifetime_posts', log10(post_count + 1),
               json_object('post_count', post_count)
        FROM g WHERE post_count IS NOT NULL AND post_count >= 0
        UNION ALL
        SELECT platform, account_id, 'account_age_days', age,
               json_object('created_at', strftime(created_at, '%Y-%m-%dT%H:%M:%SZ'),
                           'at', strftime(ref_time, '%Y-%m-%dT%H:%M:%SZ'))
        FROM g WHERE created_at IS NOT NULL AND ref_time IS NOT NULL
        UNION ALL
        SELECT platform, account_id, 'posts_per_day', post_count / greatest(age, 1),
               json_object('post_count', post_count, 'age_days', round(age, 1))
        FROM g WHERE created_at IS NOT NULL AND ref_time IS NOT NULL AND post_count IS NOT NULL""",
    )
