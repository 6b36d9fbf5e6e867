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
Stream notices (``delete``, ``limit``, ...) and non-objects are quarantined.
"""

from __future__ import annotations

from ioscope.ingest.context import ReadContext
from ioscope.ingest.jsonsql import id_text, not_object_error, raw_if, shape, strip_tags
from ioscope.ingest.jsonsrc import json_chunks, query, stage_from
from ioscope.ingest.registry import register_reader
from ioscope.ingest.sqlfrag import sql_str, ts

_V = "VARCHAR"
_ENTITIES = {"hashtags": [{"text": _V}], "user_mentions": [{"screen_name": _V}],
             "urls": [{"url": _V, "expanded_url": _V}]}
_USER = {"id_str": _V, "id": "JSON", "screen_name": _V, "name": _V, "description": _V,
         "location": _V, "lang": _V, "created_at": _V, "followers_count": "BIGINT",
         "friends_count": "BIGINT", "statuses_count": "BIGINT", "verified": "BOOLEAN", "url": _V,
         "entities": {"url": {"urls": [{"expanded_url": _V}]}}}


def _tweet(depth: int) -> dict:
    t = {"id_str": _V, "id": "JSON", "created_at": _V, "timestamp_ms": _V, "text": _V,
         "full_text": _V, "extended_tweet": {"full_text": _V, "entities": _ENTITIES},
         "entities": _ENTITIES, "lang": _V, "source": _V, "in_reply_to_status_id_str": _V,
         "in_reply_to_user_id_str": _V, "in_reply_to_screen_name": _V,
         "quoted_status_id_str": _V, "favorite_count": "BIGINT", "retweet_count": "BIGINT",
         "reply_count": "BIGINT", "quote_count": "BIGINT", "user": _USER}
    if depth:
        t["retweeted_status"] = _tweet(depth - 1)
        t["quoted_status"] = _tweet(depth - 1)
    return t


SHAPE = shape(_tweet(1))
#: embedded statuses, staged as referenced posts
EMBEDDED = ("$.retweeted_status", "$.quoted_status", "$.retweeted_status.quoted_status")
_RT = r"^RT @([A-Za-z0-9_]{1,15}):\s?"


def _text(p: str) -> str:
    return f"COALESCE({p}.extended_tweet.full_text, {p}.full_text, {p}.text)"


def _entities(p: str) -> str:
    return f"COALESCE({p}.extended_tweet.entities, {p}.entities)"


def _post_columns(p: str) -> str:
    """Canonical post columns of the tweet struct ``p`` (its retweeted status is ``p.retweeted_status``)."""
    r, q = f"{p}.retweeted_status", f"{p}.quoted_status"
    rt_id, q_id = id_text(f"{r}.id_str", f"{r}.id"), id_text(f"{q}.id_str", f"{q}.id")
    return f"""
        {id_text(f"{p}.id_str", f"{p}.id")} AS post_id,
        {id_text(f"{p}.user.id_str", f"{p}.user.id")} AS account_id,
        {p}.user.screen_name AS handle,
        COALESCE({ts(f"{p}.created_at")}, {ts(f"{p}.timestamp_ms")}) AS created_at,
        {rt_id} AS _rt_id,
        COALESCE(NULLIF({p}.quoted_status_id_str, ''), {q_id}) AS _q_id,
        CASE WHEN _rt_id IS NULL THEN regexp_extract({_text(p)}, '{_RT}', 1) END AS _rt_handle,
        CASE WHEN _rt_id IS NOT NULL OR _rt_handle <> '' THEN 'repost'
             WHEN _q_id IS NOT NULL THEN 'quote'
             WHEN NULLIF({p}.in_reply_to_status_id_str, '') IS NOT NULL THEN 'reply'
             ELSE 'post' END AS kind,
        CASE WHEN _rt_id IS NOT NULL THEN {_text(r)}
             WHEN _rt_handle <> '' THEN regexp_replace({_text(p)}, '{_RT}', '')
             ELSE {_text(p)} END AS text,
        {p}.lang AS language,
        {strip_tags(f"{p}.source")} AS client,
        CASE kind WHEN 'repost' THEN _rt_id WHEN 'quote' THEN _q_id
                  WHEN 'reply' THEN {p}.in_reply_to_status_id_str END AS target_post_id,
        CASE WHEN _rt_id IS NOT NULL THEN {id_text(f"{r}.user.id_str", f"{r}.user.id")}
             WHEN kind = 'quote' THEN {id_text(f"{q}.user.id_str", f"{q}.user.id")}
             WHEN kind = 'reply' THEN NULLIF({p}.in_reply_to_user_id_str, '') END AS target_account_id,
        CASE WHEN _rt_id IS NOT NULL THEN {r}.user.screen_name
             WHEN kind = 'repost' THEN _rt_handle
             WHEN kind = 'quote' THEN {q}.user.screen_name
             WHEN kind = 'reply' THEN {p}.in_reply_to_screen_name END AS target_handle,
        CASE WHEN _rt_id IS NOT NULL THEN {_entities(r)} ELSE {_entities(p)} END AS _ent,
        list_transform(struct_extract(_ent, 'hashtags'), lambda h: h.text) AS hashtags,
        CASE WHEN kind = 'repost' THEN []::VARCHAR[]
             ELSE list_transform(struct_extract(_ent, 'user_mentions'), lambda m: m.screen_name) END AS mentions,
        list_filter(list_transform(struct_extract(_ent, 'urls'), lambda u: COALESCE(NULLIF(u.expanded_url, ''), u.url)),
                    lambda u: u IS NOT NULL) AS urls,
        {p}.favorite_count AS like_count, {p}.retweet_count AS repost_count,
        {p}.reply_count AS reply_count, {p}.quote_count AS quote_count"""


_ACCOUNT_FIELDS = ("account_id", "handle", "display_name", "description", "location", "language",
                   "created_at", "followers", "following", "post_count", "verified", "profile_url")


def _account_columns(u: str, prefix: str = "") -> str:
    cols = {
        "account_id": id_text(f"{u}.id_str", f"{u}.id"), "handle": f"{u}.screen_name",
        "display_name": f"{u}.name", "description": f"{u}.description",
        "location": f"{u}.location", "language": f"{u}.lang", "created_at": ts(f"{u}.created_at"),
        "followers": f"{u}.followers_count", "following": f"{u}.friends_count",
        "post_count": f"{u}.statuses_count", "verified": f"{u}.verified",
        "profile_url": f"COALESCE({u}.entities.url.urls[1].expanded_url, NULLIF({u}.url, ''))"}
    return ", ".join(f"{expr} AS {prefix}{name}" for name, expr in cols.items())


def _sniff(path: str, head: str) -> bool:
    start = head.lstrip("\ufeff \t\r\n")[:1]
    return start in ("[", "{") and '"id_str"' in head and '"screen_name"' in head \
        and '"user"' in head and '"author_id"' not in head


@register_reader("twitter-v1", summary="Twitter API v1.1 tweets (JSON lines or a JSON array, "
                 "e.g. MongoDB exports)", sniff=_sniff, priority=35)
def read_twitter_v1(ctx: ReadContext) -> None:
    platform = ctx.platform or "twitter"
    paths = ", ".join(f"'{p}'" for p in EMBEDDED)
    error = f"""COALESCE({not_object_error(what='a tweet')},
        CASE WHEN t.id_str IS NULL AND t.id IS NULL AND t.user IS NULL
             THEN 'not a tweet (no id_str and no user); keys: '
                  || array_to_string(json_keys(json)[1:6], ', ') END)"""
    for chunk in json_chunks(ctx):
        # one row per status: the record itself (role 0) and the statuses embedded in it
        rows = query(ctx.con, "_json", chunk, f"""
            SELECT {sql_str(platform)} AS platform, role, _line AS source_line,
                   CASE WHEN role = 0 THEN {error} END AS _error, {_post_columns('t')},
                   {raw_if("role = 0 AND (_error IS NOT NULL OR post_id IS NULL OR "
                           "account_id IS NULL OR created_at IS NULL)")} AS _raw,
                   t.user IS NOT NULL AS _has_user, {_account_columns('t.user', prefix='a_')}
            FROM (SELECT _line, role, json, json_transform(json, {SHAPE}) AS t FROM (
                    SELECT _line, 0 AS role, json FROM _json
                    UNION ALL
                    SELECT _line, unnest(range(1, 4)) AS role, unnest(json_extract(json, [{paths}]))
                    FROM _json WHERE json_type(json) = 'OBJECT' AND (json_exists(json,
                        '$.retweeted_status') OR json_exists(json, '$.quoted_status')))
                  WHERE json IS NOT NULL)""")
        accounts = ", ".join(f"a_{c}" for c in _ACCOUNT_FIELDS)
        post = f"* EXCLUDE (role, _rt_id, _q_id, _rt_handle, _ent, _has_user, {accounts})"
        ctx.rows_read += stage_from(ctx, "stg_posts", "_twp", rows, f"""
            SELECT {post}, CASE WHEN _error IS NOT NULL THEN 'record' END AS _error_field
            FROM _twp WHERE role = 0""")
        stage_from(ctx, "stg_ref_posts", "_twp", rows,
                   f"SELECT {post.replace('role,', 'role, _error, _raw,')} FROM _twp WHERE role > 0")
        for table, roles in (("stg_accounts", "role = 0"), ("stg_ref_accounts", "role > 0")):
            stage_from(ctx, table, "_twp", rows, f"""
                SELECT platform, source_line, false AS _primary,
                       {", ".join(f"a_{c} AS {c}" for c in _ACCOUNT_FIELDS)}
                FROM _twp WHERE {roles} AND _has_user""")
