"""Content diet: what an account posts — reposts, replies, links, which domains, which hashtags.

Operation accounts amplify more than they write (the IRA's "RightTroll" and "HashtagGamer"
personas of Linvill & Warren, Political Communication 37(4), 2020), link to a narrow set of
outlets — takedown analyses such as the Stanford Internet Observatory's reports on Twitter's
disclosed datasets list the domains an operation linked, and state media are often among them —
and push few hashtags over and over (hashtag flooding). The
state-affiliated media list is the registry shipped with ioscope, built from the Alliance for
Securing Democracy's State Media Matrix (see :mod:`ioscope.reference.statemedia`).
Links through t.co are Twitter's wrapper and do not count as a domain.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from ioscope.accounts._sql import has_rows, register_arrow, signal_rows
from ioscope.accounts.registry import NotApplicable, Signal, register_family
from ioscope.params import Param
from ioscope.reference.statemedia import SOURCE, state_media_table

__all__ = ["content_signals"]

SIGNALS = (
    Signal("repost_share", +1, "share", "Share of the account's posts that are reposts."),
    Signal("reply_share", 0, "share", "Share of the account's posts that are replies."),
    Signal("quote_share", 0, "share", "Share of the account's posts that are quotes."),
    Signal("link_share", +1, "share", "Share of the account's posts with at least one URL."),
    Signal(
        "mention_share", 0, "share", "Share of the account's posts that mention another account."
    ),
    Signal("hashtags_per_post", +1, "hashtags", "Hashtags per post."),
    Signal(
        "hashtag_diversity",
        -1,
        "0-1",
        "Distinct hashtags / hashtag uses (at least 2 uses): "
        "low = the same few hashtags again and again.",
    ),
    Signal(
        "domain_concentration",
        +1,
        "share",
        "Share of the account's links (at least 2) that go to its most-linked domain.",
    ),
    Signal(
        "state_media_share",
        +1,
        "share",
        "Share of the account's link posts that link to a state-affiliated media domain.",
    ),
)
PARAMS = (
    Param("content_min_posts", "int", 1, "Posts an account needs for content signals.", min=1),
)


@register_family(
    "content",
    signals=SIGNALS,
    params=PARAMS,
    sources=(
        "Linvill & Warren, Troll factories, Political Communication 37(4), 2020",
        "Alliance for Securing Democracy, State Media Monitor matrix, 2024",
    ),
)
def content_signals(con: duckdb.DuckDBPyConnection, *, content_min_posts: int) -> pa.Table:
    """Shares of reposts, replies, quotes and link posts; domains; hashtag diversity."""
    if not has_rows(con, "SELECT 1 FROM posts"):
        raise NotApplicable("no posts")
    register_arrow(con, "_state_media_arrow", state_media_table())
    con.execute("CREATE OR REPLACE TEMP TABLE _state_media AS SELECT * FROM _state_media_arrow")
    con.unregister("_state_media_arrow")
    return signal_rows(
        con,
        f"""
        WITH p AS (
            SELECT platform, account_id, post_id, kind, COALESCE(len(urls), 0) > 0 AS has_url,
                   COALESCE(len(mentions), 0) > 0 AS has_mention,
                   COALESCE(hashtags, []) AS tags,
                   list_filter(COALESCE(domains, []), lambda d: d <> 't.co') AS doms
            FROM posts),
        k AS (
            SELECT platform, account_id, count(*) AS n,
                   count(*) FILTER (WHERE kind = 'repost') AS reposts,
                   count(*) FILTER (WHERE kind = 'reply') AS replies,
                   count(*) FILTER (WHERE kind = 'quote') AS quotes,
                   count(*) FILTER (WHERE has_url) AS with_url,
                   count(*) FILTER (WHERE has_mention) AS with_mention,
                   sum(len(tags)) AS tag_uses
            FROM p GROUP BY ALL HAVING count(*) >= {int(content_min_posts)}),
        tags AS (
            SELECT platform, account_id, count(DISTINCT t) AS distinct_tags, count(*) AS uses
            FROM (SELECT platform, account_id, unnest(tags) AS t FROM p) GROUP BY ALL),
        toptags AS (
            SELECT platform, account_id,
                   list_slice(list({{'hashtag': t, 'uses': c}} ORDER BY c DESC, t), 1, 8) AS top
            FROM (SELECT platform, account_id, t, count(*) AS c
                  FROM (SELECT platform, account_id, unnest(tags) AS t FROM p) GROUP BY ALL)
            GROUP BY ALL),
        dom AS (SELECT platform, account_id, d, count(*) AS c
                FROM (SELECT platform, account_id, unnest(doms) AS d FROM p) GROUP BY ALL),
        domtot AS (
            SELECT platform, account_id, sum(c) AS total, max(c) AS top_c,
                   list_slice(list({{'domain': d, 'links': c}} ORDER BY c DESC, d), 1, 8) AS top
            FROM dom GROUP BY ALL),
        links AS (SELECT platform, account_id, count(*) AS link_posts FROM p
                  WHERE len(doms) > 0 GROUP BY ALL),
        sm AS (
            SELECT platform, account_id, count(DISTINCT post_id) AS sm_posts,
                   list_slice(list(DISTINCT d ORDER BY d), 1, 10) AS sm_domains,
                   list(DISTINCT s.country ORDER BY s.country) AS sm_countries
            FROM (SELECT platform, account_id, post_id, unnest(doms) AS d FROM p) x
            JOIN _state_media s ON s.domain = x.d GROUP BY ALL),
        kinds AS (
            SELECT *, json_object('posts', n, 'reposts', reposts, 'replies', replies,
                                  'quotes', quotes, 'with_url', with_url,
                                  'with_mention', with_mention) AS counts FROM k)
        SELECT platform, account_id, 'repost_share' AS signal, reposts / n AS value,
               counts AS detail FROM kinds
        UNION ALL SELECT platform, account_id, 'reply_share', replies / n, counts FROM kinds
        UNION ALL SELECT platform, account_id, 'quote_share', quotes / n, counts FROM kinds
        UNION ALL SELECT platform, account_id, 'link_share', with_url / n, counts FROM kinds
        UNION ALL SELECT platform, account_id, 'mention_share', with_mention / n, counts FROM kinds
        UNION ALL
        SELECT k.platform, k.account_id, 'hashtags_per_post', k.tag_uses / k.n,
               json_object('posts', k.n, 'hashtag_uses', k.tag_uses, 'top_hashtags', tt.top)
        FROM kinds k LEFT JOIN toptags tt USING (platform, account_id)
        UNION ALL
        SELECT t.platform, t.account_id, 'hashtag_diversity', t.distinct_tags / t.uses,
               json_object('hashtag_uses', t.uses, 'distinct_hashtags', t.distinct_tags,
                           'top_hashtags', tt.top)
        FROM tags t JOIN k USING (platform, account_id)
        LEFT JOIN toptags tt USING (platform, account_id) WHERE t.uses >= 2
        UNION ALL
        SELECT d.platform, d.account_id, 'domain_concentration', d.top_c / d.total,
               json_object('links', d.total, 'top_domains', d.top)
        FROM domtot d JOIN k USING (platform, account_id) WHERE d.total >= 2
        UNION ALL
        SELECT l.platform, l.account_id, 'state_media_share',
               COALESCE(s.sm_posts, 0) / l.link_posts,
               json_object('link_posts', l.link_posts, 'state_media_posts', COALESCE(s.sm_posts, 0),
                           'state_media_domains', s.sm_domains, 'countries', s.sm_countries,
                           'list', '{SOURCE}')
        FROM links l JOIN k USING (platform, account_id)
        LEFT JOIN sm s USING (platform, account_id)""",
    )
