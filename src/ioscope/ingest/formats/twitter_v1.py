"""Twitter API v1.1 tweet objects, as JSON lines or one JSON array (MongoDB exports with ``_id``).

Ids come from the ``*_str`` fields (the numeric ones lost precision in many exports; a bare
integer ``id`` is used only when no ``id_str`` exists). Text is ``extended_tweet.full_text`` or
``full_text`` over the truncated ``text``; hashtags, mentions and URLs (``expanded_url`` over the
t.co link) come from the matching entities. A retweet is a ``repost`` of its embedded
``retweeted_status``: target ids, the original text and the original's entities (mentions are
left empty, as for every repost). A tweet carrying ``quoted_status_id_str`` is a ``quote``, one
with ``in_reply_to_status_id_str`` a ``reply`` (repost > quote > reply when several apply). Text
that starts ``RT @handle:`` without an embedded status is a repost of that handle. Embedded
statuses (retweeted, quoted, and the status a retweet quotes) go to ``referenced_posts``, their
authors to ``referenced_accounts``; each tweet's author, with the profile fields, to ``accounts``.
Stream notices about a post or an account (``delete``, ``scrub_geo``, ``status_withheld``,
``user_withheld``, ...) go to ``compliance_events`` (:mod:`ioscope.ingest.compliance`); other
notices (``limit``, ...) and non-objects are quarantined.
"""

from __future__ import annotations

from ioscope.ingest.compliance import stage_stream_notices
from ioscope.ingest.context import ReadContext
from ioscope.ingest.jsonsql import id_text, not_object_error, raw_if, shape, strip_tags
from ioscope.ingest.jsonsrc import json_chunks, query, stage_from
from ioscope.ingest.media import stage_account_images, stage_media
from ioscope.ingest.media_sql import twitter_v1_images, twitter_v1_media
from ioscope.ingest.registry import register_reader
from ioscope.ingest.sqlfrag import RT_PREFIX_API as _RT
from ioscope.ingest.sqlfrag import ts
from ioscope.sql import literal

_V = "VARCHAR"
_ENTITIES = {
    "hashtags": [{"text": _V}],
    "user_mentions": [{"screen_name": _V}],
    "urls": [{"url": _V, "expanded_url": _V}],
}
_USER = {
    "id_str": _V,
    "id": "JSON",
    "screen_name": _V,
    "name": _V,
    "description": _V,
    "location": _V,
    "lang": _V,
    "created_at": _V,
    "followers_count": "BIGINT",
    "friends_count": "BIGINT",
    "statuses_count": "BIGINT",
    "verified": "BOOLEAN",
    "url": _V,
    "entities": {"url": {"urls": [{"expanded_url": _V}]}},
}


def _tweet(depth: int) -> dict:
    t = {
        "id_str": _V,
        "id": "JSON",
        "created_at": _V,
        "timestamp_ms": _V,
        "text": _V,
        "full_text": _V,
        "extended_tweet": {"full_text": _V, "entities": _ENTITIES},
        "entities": _ENTITIES,
        "lang": _V,
        "source": _V,
        "in_reply_to_status_id_str": _V,
        "in_reply_to_user_id_str": _V,
        "in_reply_to_screen_name": _V,
        "quoted_status_id_str": _V,
        "favorite_count": "BIGINT",
        "retweet_count": "BIGINT",
        "reply_count": "BIGINT",
        "quote_count": "BIGINT",
        "user": _USER,
    }
    if depth:
        t["retweeted_status"] = _tweet(depth - 1)
        t["quoted_status"] = _tweet(depth - 1)
    return t


SHAPE = shape(_tweet(1))
#: embedded statuses, staged as referenced posts
EMBEDDED = ("$.retweeted_status", "$.quoted_status", "$.retweeted_status.quoted_status")


def _text(p: str) -> str:
    return f"COALESCE({p}.extended_tweet.full_text, {p}.full_text, {p}.text)"


def _entities(p: str) -> str:
    return f"COALESCE({p}.extended_tweet.entities, {p}.entities)"


def _statuses_sql(platform: str) -> str:
    """Canonical post columns (and the author's, prefixed ``a_``) of every status of the chunk.

    Computed in layers (CTEs): a column used by several others is computed once, not inlined
    into each (a lateral alias would be, and planning grew with every use).
    """
    r, q = "t.retweeted_status", "t.quoted_status"
    paths = ", ".join(literal(p) for p in EMBEDDED)
    error = f"""COALESCE({not_object_error(what="a tweet")},
        CASE WHEN t.id_str IS NULL AND t.id IS NULL AND t.user IS NULL
             THEN 'not a tweet (no id_str and no user); keys: '
                  || array_to_string(json_keys(json)[1:6], ', ') END)"""
    return f"""
WITH s AS (  -- one row per status: the record itself (role 0) and the statuses embedded in it
    SELECT _line, role, json, json_transform(json, {SHAPE}) AS t FROM (
        SELECT _line, 0 AS role, json FROM _json
        UNION ALL
        SELECT _line, unnest(range(1, 4)) AS role, unnest(json_extract(json, [{paths}]))
        FROM _json WHERE json_type(json) = 'OBJECT'
          AND (json_exists(json, '$.retweeted_status') OR json_exists(json, '$.quoted_status')))
    WHERE json IS NOT NULL),
a AS (SELECT *,
    {id_text("t.id_str", "t.id")} AS post_id,
    {id_text("t.user.id_str", "t.user.id")} AS account_id,
    COALESCE({ts("t.created_at")}, {ts("t.timestamp_ms")}) AS created_at,
    {id_text(f"{r}.id_str", f"{r}.id")} AS _rt_id,
    COALESCE(NULLIF(t.quoted_status_id_str, ''), {id_text(f"{q}.id_str", f"{q}.id")}) AS _q_id,
    NULLIF(t.in_reply_to_status_id_str, '') AS _reply_id,
    {_text("t")} AS _own_text,
    CASE WHEN role = 0 THEN {error} END AS _error
    FROM s),
b AS (SELECT *,
    CASE WHEN _rt_id IS NULL THEN NULLIF(regexp_extract(_own_text, '{
        _RT
    }', 1), '') END AS _rt_handle,
    CASE WHEN _rt_id IS NOT NULL THEN {_entities(r)} ELSE {_entities("t")} END AS _ent
    FROM a),
c AS (SELECT *,
    CASE WHEN _rt_id IS NOT NULL OR _rt_handle IS NOT NULL THEN 'repost'
         WHEN _q_id IS NOT NULL THEN 'quote' WHEN _reply_id IS NOT NULL THEN 'reply'
         ELSE 'post' END AS kind
    FROM b)
SELECT {literal(platform)} AS platform, role, _line AS source_line, _error, post_id, account_id,
    t.user.screen_name AS handle, created_at, kind,
    CASE WHEN _rt_id IS NOT NULL THEN {_text(r)}
         WHEN _rt_handle IS NOT NULL THEN regexp_replace(_own_text, '{_RT}', '')
         ELSE _own_text END AS text,
    t.lang AS language, {strip_tags("t.source")} AS client,
    CASE kind WHEN 'repost' THEN _rt_id WHEN 'quote' THEN _q_id WHEN 'reply' THEN _reply_id
    END AS target_post_id,
    CASE WHEN _rt_id IS NOT NULL THEN {id_text(f"{r}.user.id_str", f"{r}.user.id")}
         WHEN kind = 'quote' THEN {id_text(f"{q}.user.id_str", f"{q}.user.id")}
         WHEN kind = 'reply' THEN NULLIF(t.in_reply_to_user_id_str, '') END AS target_account_id,
    CASE WHEN _rt_id IS NOT NULL THEN {r}.user.screen_name
         WHEN kind = 'repost' THEN _rt_handle
         WHEN kind = 'quote' THEN {q}.user.screen_name
         WHEN kind = 'reply' THEN t.in_reply_to_screen_name END AS target_handle,
    list_transform(struct_extract(_ent, 'hashtags'), lambda h: h.text) AS hashtags,
    CASE WHEN kind = 'repost' THEN []::VARCHAR[]
         ELSE list_transform(struct_extract(_ent, 'user_mentions'), lambda m: m.screen_name)
    END AS mentions,
    list_filter(list_transform(struct_extract(_ent, 'urls'),
                               lambda u: COALESCE(NULLIF(u.expanded_url, ''), u.url)),
                lambda u: u IS NOT NULL) AS urls,
    t.favorite_count AS like_count, t.retweet_count AS repost_count,
    t.reply_count AS reply_count, t.quote_count AS quote_count,
    {
        raw_if(
            "role = 0 AND (_error IS NOT NULL OR post_id IS NULL OR account_id IS NULL "
            "OR created_at IS NULL)"
        )
    } AS _raw,
    t.user IS NOT NULL AS _has_user, {_account_columns("t.user", prefix="a_")}
FROM c"""


def _account_map(u: str) -> dict[str, str]:
    """The account columns, each with its expression over the user object ``u``."""
    return {
        "account_id": id_text(f"{u}.id_str", f"{u}.id"),
        "handle": f"{u}.screen_name",
        "display_name": f"{u}.name",
        "description": f"{u}.description",
        "location": f"{u}.location",
        "language": f"{u}.lang",
        "created_at": ts(f"{u}.created_at"),
        "followers": f"{u}.followers_count",
        "following": f"{u}.friends_count",
        "post_count": f"{u}.statuses_count",
        "verified": f"{u}.verified",
        "profile_url": f"COALESCE({u}.entities.url.urls[1].expanded_url, NULLIF({u}.url, ''))",
    }


_ACCOUNT_FIELDS = tuple(_account_map("u"))


def _account_columns(u: str, prefix: str = "") -> str:
    return ", ".join(f"{expr} AS {prefix}{name}" for name, expr in _account_map(u).items())


def _sniff(path: str, head: str) -> bool:
    start = head.lstrip("\ufeff \t\r\n")[:1]
    return (
        start in ("[", "{")
        and '"id_str"' in head
        and '"screen_name"' in head
        and '"user"' in head
        and '"author_id"' not in head
    )


@register_reader(
    "twitter-v1",
    summary="Twitter API v1.1 tweets (JSON lines or a JSON array, e.g. MongoDB exports)",
    sniff=_sniff,
    priority=35,
)
def read_twitter_v1(ctx: ReadContext) -> None:
    sql = _statuses_sql(ctx.platform or "twitter")
    accounts = ", ".join(f"a_{c}" for c in _ACCOUNT_FIELDS)
    post = f"* EXCLUDE (role, _has_user, {accounts})"
    for chunk in json_chunks(ctx):
        chunk = stage_stream_notices(ctx, chunk)
        rows = query(ctx.con, "_json", chunk, sql)
        ctx.rows_read += stage_from(
            ctx,
            "stg_posts",
            "_twp",
            rows,
            f"""
            SELECT {post}, CASE WHEN _error IS NOT NULL THEN 'record' END AS _error_field
            FROM _twp WHERE role = 0""",
        )
        stage_from(
            ctx,
            "stg_ref_posts",
            "_twp",
            rows,
            f"SELECT {post.replace('role,', 'role, _error, _raw,')} FROM _twp WHERE role > 0",
        )
        for table, roles in (("stg_accounts", "role = 0"), ("stg_ref_accounts", "role > 0")):
            stage_from(
                ctx,
                table,
                "_twp",
                rows,
                f"""
                SELECT platform, source_line, false AS _primary,
                       {", ".join(f"a_{c} AS {c}" for c in _ACCOUNT_FIELDS)}
                FROM _twp WHERE {roles} AND _has_user""",
            )
        stage_media(ctx, twitter_v1_media(ctx.platform or "twitter"), chunk)
        stage_account_images(ctx, twitter_v1_images(ctx.platform or "twitter"), chunk)
