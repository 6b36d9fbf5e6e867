"""Twitter API v2 responses as written by twarc2: response pages, flattened or not.

A page is ``{"data": [tweets] | tweet, "includes": {"users", "tweets", ...}, "errors", "meta"}``;
``twarc2 flatten`` writes one tweet per line with ``author``, ``in_reply_to_user``, the
referenced tweets and the mentioned users inline. Both give the same tables. The tweets of
``data`` are the collected posts (their authors the collected accounts); ``includes.tweets`` and
the inline referenced tweets go to ``referenced_posts``, the other users to ``referenced_accounts``.
A users-lookup page (``data`` holds users) gives collected accounts.

``referenced_tweets`` sets the kind (retweeted → repost, quoted → quote, replied_to → reply, in
that order of precedence) and the target ids; a retweet carries the original's full text and
entities, and no mentions (as every repost). Text is ``note_tweet.text`` for long posts;
URLs are ``expanded_url`` (media links excluded, as in v1.1); ``public_metrics`` gives the counts,
with ``impression_count`` as views. Tweet-counts, compliance and list responses are not posts:
a file of them is refused with a message saying what it is.
"""

from __future__ import annotations

import orjson

from ioscope.errors import SchemaError
from ioscope.ingest.context import RAW_LIMIT, ReadContext
from ioscope.ingest.jsonsql import json_kind, raw_if, shape
from ioscope.ingest.jsonsrc import json_chunks, query, stage_from
from ioscope.ingest.lazy import lazy
from ioscope.ingest.media import stage_account_images, stage_media
from ioscope.ingest.media_sql import twitter_v2_images, twitter_v2_media
from ioscope.ingest.registry import register_reader
from ioscope.ingest.sqlfrag import RT_PREFIX_API as _RT
from ioscope.ingest.sqlfrag import ts
from ioscope.sql import literal

pa = lazy("pyarrow")

_V = "VARCHAR"
_ENT = {
    "hashtags": [{"tag": _V}],
    "mentions": [{"username": _V}],
    "urls": [{"url": _V, "expanded_url": _V, "display_url": _V, "media_key": _V}],
}
TWEET = shape(
    {
        "id": _V,
        "author_id": _V,
        "created_at": _V,
        "text": _V,
        "lang": _V,
        "source": _V,
        "in_reply_to_user_id": _V,
        "referenced_tweets": [{"type": _V, "id": _V}],
        "entities": _ENT,
        "note_tweet": {"text": _V, "entities": _ENT},
        "public_metrics": {
            "retweet_count": "BIGINT",
            "reply_count": "BIGINT",
            "like_count": "BIGINT",
            "quote_count": "BIGINT",
            "impression_count": "BIGINT",
        },
    }
)
USER = shape(
    {
        "id": _V,
        "username": _V,
        "name": _V,
        "description": _V,
        "location": _V,
        "created_at": _V,
        "verified": "BOOLEAN",
        "url": _V,
        "entities": {"url": {"urls": [{"expanded_url": _V}]}},
        "public_metrics": {
            "followers_count": "BIGINT",
            "following_count": "BIGINT",
            "tweet_count": "BIGINT",
        },
    }
)

# What a record or a data item is. Not-posts that name what they are, for the refusal message.
_LINE_CLASS = """CASE
    WHEN json_type(json) <> 'OBJECT' THEN 'bad'
    WHEN json_exists(json, '$.data') THEN 'page'
    WHEN json_exists(json, '$.id') AND (json_exists(json, '$.text') OR json_exists(json, '$.author_id'))
        THEN 'tweet'
    WHEN json_exists(json, '$.id') AND json_exists(json, '$.username') THEN 'user'
    WHEN json_exists(json, '$.action') AND json_exists(json, '$.reason') THEN 'compliance'
    WHEN json_exists(json, '$.errors') THEN 'errors'
    ELSE 'bad' END"""
_ITEM_CLASS = """CASE
    WHEN json_type(obj) <> 'OBJECT' THEN 'bad'
    WHEN json_exists(obj, '$.text') OR json_exists(obj, '$.author_id') THEN 'tweet'
    WHEN json_exists(obj, '$.username') THEN 'user'
    WHEN json_exists(obj, '$.tweet_count') THEN 'count'
    WHEN json_exists(obj, '$.member_count') OR json_exists(obj, '$.owner_id') THEN 'list'
    ELSE 'bad' END"""
_NOT_POSTS = {
    "count": "a tweet-counts response (data[].tweet_count per time bucket)",
    "compliance": "a compliance-job result (id, action, reason per line)",
    "list": "a lists response (data[] of lists)",
}

# Every object of a record, one row each: role data (collected), inc_tweet or inc_user.
_ITEMS = f"""
WITH r AS (SELECT _line, json, {_LINE_CLASS} AS cls FROM _json),
flat_refs AS (  -- the referenced tweets inline in a flattened tweet
    SELECT _line, x AS t FROM (SELECT _line, unnest(json_extract(json, '$.referenced_tweets[*]')) AS x
                               FROM r WHERE cls = 'tweet') WHERE json_exists(x, '$.text')),
flat_tweets AS (SELECT _line, json AS t FROM r WHERE cls = 'tweet' UNION ALL SELECT * FROM flat_refs)
SELECT _line, 'data' AS role, unnest(CASE json_type(json, '$.data')
        WHEN 'ARRAY' THEN json_extract(json, '$.data[*]')
        WHEN 'OBJECT' THEN [json_extract(json, '$.data')] ELSE [] END) AS obj
    FROM r WHERE cls = 'page'
UNION ALL SELECT _line, CASE WHEN cls IN ('tweet', 'user') THEN 'data' ELSE cls END, json
    FROM r WHERE cls NOT IN ('page', 'errors')
UNION ALL SELECT _line, 'inc_tweet', unnest(json_extract(json, '$.includes.tweets[*]'))
    FROM r WHERE cls = 'page'
UNION ALL SELECT _line, 'inc_tweet', t FROM flat_refs
UNION ALL SELECT _line, 'inc_user', unnest(json_extract(json, '$.includes.users[*]'))
    FROM r WHERE cls = 'page'
UNION ALL SELECT _line, 'inc_user', unnest(list_filter(
        list_concat(json_extract(t, ['$.author', '$.in_reply_to_user']),
                    json_extract(t, '$.entities.mentions[*]')),
        lambda u: json_exists(u, '$.name')))
    FROM flat_tweets"""


def _entities(e: str) -> str:
    return f"""list_transform(struct_extract({e}, 'hashtags'), lambda h: h.tag) AS hashtags,
        list_transform(struct_extract({e}, 'mentions'), lambda m: m.username) AS _mentions,
        list_filter(list_transform(list_filter(struct_extract({e}, 'urls'),
                                               lambda l_: l_.media_key IS NULL
                                               AND NOT starts_with(COALESCE(l_.display_url, ''), 'pic.')),
                                   lambda l_: COALESCE(NULLIF(l_.expanded_url, ''), l_.url)),
                    lambda l_: l_ IS NOT NULL) AS urls"""


def _tweets_sql(platform: str) -> str:
    """Canonical post columns of every tweet (role data or inc_tweet) of the chunk's items."""
    return f"""
WITH t AS (
    SELECT _line, role, obj, json_transform(obj, {TWEET}) AS tw FROM _items
    WHERE role = 'inc_tweet' OR (role = 'data' AND {_ITEM_CLASS} = 'tweet')),
inc AS (SELECT _line, tw FROM t WHERE role = 'inc_tweet'
        QUALIFY row_number() OVER (PARTITION BY struct_extract(tw, 'id') ORDER BY _line DESC) = 1),
users AS (SELECT _line, json_transform(obj, {USER}) AS u FROM _items WHERE role = 'inc_user'
          QUALIFY row_number() OVER (PARTITION BY json_extract_string(obj, '$.id')
                                    ORDER BY _line DESC) = 1),
k AS (
    SELECT t.*,
        list_filter(tw.referenced_tweets, lambda x: x.type = 'retweeted')[1].id AS _rt_id,
        list_filter(tw.referenced_tweets, lambda x: x.type = 'quoted')[1].id AS _q_id,
        list_filter(tw.referenced_tweets, lambda x: x.type = 'replied_to')[1].id AS _r_id,
        COALESCE(tw.note_tweet.text, tw.text) AS _own_text,
        CASE WHEN _rt_id IS NULL THEN regexp_extract(_own_text, '{_RT}', 1) END AS _rt_handle,
        CASE WHEN _rt_id IS NOT NULL OR _rt_handle <> '' THEN 'repost'
             WHEN _q_id IS NOT NULL THEN 'quote' WHEN _r_id IS NOT NULL THEN 'reply'
             ELSE 'post' END AS kind,
        CASE kind WHEN 'repost' THEN _rt_id WHEN 'quote' THEN _q_id WHEN 'reply' THEN _r_id
        END AS target_post_id
    FROM t)
SELECT {literal(platform)} AS platform, k.role, k._line AS source_line,
    k.tw.id AS post_id, k.tw.author_id AS account_id, a.u.username AS handle,
    {ts("k.tw.created_at")} AS created_at, k.kind, k.target_post_id,
    CASE WHEN k.kind = 'reply' THEN COALESCE(ref.tw.author_id, k.tw.in_reply_to_user_id)
         ELSE ref.tw.author_id END AS target_account_id,
    CASE WHEN k.kind = 'repost' AND k._rt_id IS NULL THEN k._rt_handle
         ELSE ta.u.username END AS target_handle,
    CASE WHEN k.kind = 'repost' THEN COALESCE(ref.tw.note_tweet.text, ref.tw.text,
                                              regexp_replace(k._own_text, '{_RT}', ''))
         ELSE k._own_text END AS text,
    k.tw.lang AS language, k.tw.source AS client,
    CASE WHEN k.kind = 'repost' AND ref.tw.id IS NOT NULL
         THEN COALESCE(ref.tw.note_tweet.entities, ref.tw.entities)
         ELSE COALESCE(k.tw.note_tweet.entities, k.tw.entities) END AS _e,
    {_entities("_e")},
    CASE WHEN k.kind = 'repost' THEN []::VARCHAR[] ELSE _mentions END AS mentions,
    k.tw.public_metrics.like_count AS like_count, k.tw.public_metrics.retweet_count AS repost_count,
    k.tw.public_metrics.reply_count AS reply_count, k.tw.public_metrics.quote_count AS quote_count,
    k.tw.public_metrics.impression_count AS view_count,
    {
        raw_if(
            "k.role = 'data' AND (k.tw.id IS NULL OR k.tw.author_id IS NULL OR created_at IS NULL)",
            "k.obj",
        )
    } AS _raw
FROM k
LEFT JOIN inc ref ON ref.tw.id = k.target_post_id
LEFT JOIN users a ON a.u.id = k.tw.author_id
LEFT JOIN users ta ON ta.u.id = (CASE WHEN k.kind = 'reply'
    THEN COALESCE(ref.tw.author_id, k.tw.in_reply_to_user_id) ELSE ref.tw.author_id END)"""


def _users_sql(platform: str) -> str:
    """Account columns of every user object; ``authored`` when a collected tweet of its line is theirs."""
    u = "x.u"
    return f"""
WITH x AS (SELECT _line, role, obj, json_transform(obj, {USER}) AS u FROM _items
           WHERE role = 'inc_user' OR (role = 'data' AND {_ITEM_CLASS} = 'user')),
authors AS (SELECT DISTINCT json_extract_string(obj, '$.author_id') AS id FROM _items
            WHERE role = 'data')
SELECT {literal(platform)} AS platform, x._line AS source_line, x.role = 'data' AS _primary,
    EXISTS (SELECT 1 FROM authors w WHERE w.id = {u}.id) AS _authored,
    {u}.id AS account_id, {u}.username AS handle, {u}.name AS display_name,
    {u}.description AS description, {u}.location AS location, {ts(f"{u}.created_at")} AS created_at,
    {u}.public_metrics.followers_count AS followers,
    {u}.public_metrics.following_count AS following,
    {u}.public_metrics.tweet_count AS post_count, {u}.verified AS verified,
    COALESCE({u}.entities.url.urls[1].expanded_url, NULLIF({u}.url, '')) AS profile_url,
    {raw_if(f"x.role = 'data' AND {u}.id IS NULL", "x.obj")} AS _raw
FROM x"""


def _others_sql() -> str:
    """Data items and records that are neither tweets nor users, with the reason."""
    names = " ".join(f"WHEN '{k}' THEN 'not a post: {v}'" for k, v in _NOT_POSTS.items())
    return f"""
SELECT _line AS source_line, 'record' AS _error_field, left(obj, {RAW_LIMIT}) AS _raw,
    CASE c {names}
        ELSE CASE WHEN json_type(obj) <> 'OBJECT'
                  THEN 'not a tweet: a JSON ' || {json_kind("obj")}
                  ELSE 'not a tweet or user (no text, author_id or username); keys: '
                       || array_to_string(json_keys(obj)[1:6], ', ') END END AS _error
FROM (SELECT _line, obj, CASE WHEN role = 'data' THEN {_ITEM_CLASS} ELSE role END AS c
      FROM _items WHERE role NOT IN ('inc_tweet', 'inc_user'))
WHERE c NOT IN ('tweet', 'user')"""


def _refuse_if_not_posts(ctx: ReadContext, items: pa.Table) -> None:
    row = query(
        ctx.con,
        "_items",
        items,
        f"""
        SELECT c, count(*) FILTER (WHERE c IN ('tweet', 'user')) OVER () AS posts FROM (
            SELECT CASE WHEN role = 'data' THEN {_ITEM_CLASS} ELSE role END AS c, _line FROM _items
            WHERE role NOT IN ('inc_tweet', 'inc_user'))
        ORDER BY _line LIMIT 1""",
    ).to_pylist()
    if row and row[0]["posts"] == 0 and row[0]["c"] in _NOT_POSTS:
        raise SchemaError(
            f"{ctx.path} is {_NOT_POSTS[row[0]['c']]}, not tweets or users: there is nothing to "
            "ingest as posts or accounts.",
            hint="Give ioscope the tweets themselves (twarc2 search/timeline/lookup output).",
        )


_COMPLIANCE_KEYS = {"id", "action", "created_at", "reason", "redacted_at"}


def _sniff(path: str, head: str) -> bool:
    text = head.lstrip("\ufeff \t\r\n")
    if text[:1] not in ("{", "["):
        return False
    if ('"author_id"' in head or '"__twarc"' in head) and '"id_str"' not in head:
        return True
    if '"data"' in head and '"username"' in head:
        return True
    try:  # a compliance-job result: claimed so that the reader can say what it is
        first = orjson.loads(text.split("\n", 1)[0])
    except orjson.JSONDecodeError:
        return False
    return isinstance(first, dict) and {"id", "action", "reason"} <= set(first) <= _COMPLIANCE_KEYS


@register_reader(
    "twitter-v2",
    summary="Twitter API v2 responses as written by twarc2 (pages or "
    "flattened tweets, users lookups)",
    sniff=_sniff,
    priority=30,
)
def read_twitter_v2(ctx: ReadContext) -> None:
    platform = ctx.platform or "twitter"
    first = True
    for chunk in json_chunks(ctx):
        items = query(ctx.con, "_json", chunk, _ITEMS)
        if first:
            _refuse_if_not_posts(ctx, items)
            first = False
        tweets = query(ctx.con, "_items", items, _tweets_sql(platform))
        users = query(ctx.con, "_items", items, _users_sql(platform))
        drop = "role, _e, _mentions"
        ctx.rows_read += stage_from(
            ctx, "stg_posts", "_t", tweets, f"SELECT * EXCLUDE ({drop}) FROM _t WHERE role = 'data'"
        )
        stage_from(
            ctx,
            "stg_ref_posts",
            "_t",
            tweets,
            f"SELECT * EXCLUDE ({drop}, _raw) FROM _t WHERE role = 'inc_tweet'",
        )
        ctx.rows_read += stage_from(
            ctx, "stg_accounts", "_u", users, "SELECT * EXCLUDE (_authored) FROM _u WHERE _primary"
        )
        stage_from(
            ctx,
            "stg_accounts",
            "_u",
            users,
            "SELECT * EXCLUDE (_authored, _raw) FROM _u WHERE NOT _primary AND _authored",
        )
        stage_from(
            ctx,
            "stg_ref_accounts",
            "_u",
            users,
            "SELECT * EXCLUDE (_authored, _raw) FROM _u WHERE NOT _primary",
        )
        ctx.rows_read += stage_from(
            ctx,
            "stg_posts",
            "_items",
            items,
            f"SELECT {literal(platform)} AS platform, * FROM ({_others_sql()})",
        )
        stage_media(ctx, twitter_v2_media(platform), chunk)
        stage_account_images(ctx, twitter_v2_images(platform), chunk)
