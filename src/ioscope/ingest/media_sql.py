"""The media and profile pictures of each source format, as SQL over a reader's chunk.

Each function returns a query over the reader's chunk of raw records (``_json``: ``_line``,
``json``) giving rows of ``post_media`` or ``account_images`` by column name, for
:func:`ioscope.ingest.media.stage_media` / :func:`~ioscope.ingest.media.stage_account_images`.
Kept apart from the readers so that each reader adds one call.
"""

from __future__ import annotations

from ioscope.ingest.jsonsql import id_text
from ioscope.sql import literal

__all__ = [
    "twitter_v1_media",
    "twitter_v1_images",
    "twitter_v2_media",
    "twitter_v2_images",
    "bluesky_media",
    "bluesky_images",
    "telegram_media",
    "TELEGRAM_KEYS",
]


def _s(j: str, path: str) -> str:
    return f"NULLIF(json_extract_string({j}, '{path}'), '')"


def twitter_v1_media(platform: str) -> str:
    """One row per media item of each tweet: ``extended_entities.media`` (of the extended tweet
    first, for streamed 140-character tweets), else ``entities.media`` (first item only)."""
    lists = ", ".join(
        f"json_extract(json, '{p}.media[*]')"
        for p in (
            "$.extended_tweet.extended_entities",
            "$.extended_entities",
            "$.extended_tweet.entities",
            "$.entities",
        )
    )
    return f"""
SELECT {literal(platform)} AS platform, _line AS source_line, post_id,
    {_s("m", "$.id_str")} AS media_id, {_s("m", "$.type")} AS media_kind,
    COALESCE({_s("m", "$.media_url_https")}, {_s("m", "$.media_url")}) AS url
FROM (SELECT _line, {id_text(_s("json", "$.id_str"), "json_extract(json, '$.id')")} AS post_id,
             unnest(list_filter([{lists}], lambda l_: len(l_) > 0)[1]) AS m
      FROM _json WHERE json_type(json) = 'OBJECT')"""


def twitter_v1_images(platform: str) -> str:
    """The tweet authors' profile pictures and banners."""
    return f"""
SELECT DISTINCT ON (account_id, kind, url) * FROM (
    SELECT {literal(platform)} AS platform, _line AS source_line,
        {id_text(_s("json", "$.user.id_str"), "json_extract(json, '$.user.id')")} AS account_id,
        unnest(['avatar', 'banner']) AS kind,
        unnest([COALESCE({_s("json", "$.user.profile_image_url_https")},
                         {_s("json", "$.user.profile_image_url")}),
                {_s("json", "$.user.profile_banner_url")}]) AS url
    FROM _json WHERE json_type(json) = 'OBJECT')
WHERE account_id IS NOT NULL AND url IS NOT NULL ORDER BY source_line DESC"""


_V2_TWEETS = """
WITH r AS (SELECT _line, json FROM _json WHERE json_type(json) = 'OBJECT'),
tw AS (SELECT _line, json, unnest(CASE json_type(json, '$.data')
            WHEN 'ARRAY' THEN json_extract(json, '$.data[*]')
            WHEN 'OBJECT' THEN [json_extract(json, '$.data')] ELSE [] END) AS t FROM r
       UNION ALL SELECT _line, json, json FROM r
       WHERE NOT json_exists(json, '$.data') AND json_exists(json, '$.id'))"""


def twitter_v2_media(platform: str) -> str:
    """``attachments.media_keys`` of each collected tweet, resolved in the page's
    ``includes.media`` (or, in flattened tweets, the inline ``attachments.media``)."""
    return f"""{_V2_TWEETS},
inc AS (SELECT _line, unnest(json_extract(json, '$.includes.media[*]')) AS m FROM r),
incm AS (SELECT _line, {_s("m", "$.media_key")} AS media_key, m FROM inc
         UNION ALL SELECT _line, {_s("x", "$.media_key")}, x
         FROM (SELECT _line, unnest(json_extract(t, '$.attachments.media[*]')) AS x FROM tw)),
k AS (SELECT _line, {_s("t", "$.id")} AS post_id,
             unnest(CAST(json_extract(t, '$.attachments.media_keys') AS VARCHAR[])) AS media_key
      FROM tw WHERE json_exists(t, '$.attachments.media_keys')),
m AS (SELECT * FROM incm QUALIFY row_number() OVER (PARTITION BY _line, media_key) = 1)
SELECT {literal(platform)} AS platform, k._line AS source_line, k.post_id, k.media_key AS media_id,
    {_s("m.m", "$.type")} AS media_kind,
    COALESCE({_s("m.m", "$.url")}, {_s("m.m", "$.preview_image_url")}) AS url
FROM k LEFT JOIN m ON m._line = k._line AND m.media_key = k.media_key
WHERE k.media_key IS NOT NULL"""


def twitter_v2_images(platform: str) -> str:
    """``profile_image_url`` of the users of each record (includes.users, users lookups,
    flattened authors)."""
    return f"""{_V2_TWEETS},
u AS (SELECT _line, unnest(json_extract(json, '$.includes.users[*]')) AS u FROM r
      UNION ALL SELECT _line, json_extract(t, '$.author') FROM tw WHERE json_exists(t, '$.author')
      UNION ALL SELECT _line, t FROM tw WHERE json_exists(t, '$.username'))
SELECT DISTINCT ON (account_id, url) {literal(platform)} AS platform, _line AS source_line,
    {_s("u", "$.id")} AS account_id, 'avatar' AS kind, {_s("u", "$.profile_image_url")} AS url
FROM u WHERE {_s("u", "$.id")} IS NOT NULL AND {_s("u", "$.profile_image_url")} IS NOT NULL
ORDER BY _line DESC"""


_BSKY_POSTS = """
WITH r AS (SELECT _line, json FROM _json WHERE json_type(json) = 'OBJECT'),
v AS (  -- (post uri, author, record) of every collected post: views, feed items, Jetstream, repo
    SELECT _line, json_extract_string(p, '$.uri') AS uri, json_extract(p, '$.author') AS author,
           json_extract(p, '$.record') AS rec FROM (
        SELECT _line, unnest(json_extract(json, '$.posts[*]')) AS p FROM r
        UNION ALL SELECT _line, json_extract(x, '$.post') FROM (
            SELECT _line, unnest(json_extract(json, '$.feed[*]')) AS x FROM r)
        WHERE NOT COALESCE(json_extract_string(x, '$.reason."$type"') LIKE '%reasonRepost', false)
        UNION ALL SELECT _line, json_extract(json, '$.post') FROM r
        WHERE json_exists(json, '$.post')
          AND NOT COALESCE(json_extract_string(json, '$.reason."$type"') LIKE '%reasonRepost', false)
        UNION ALL SELECT _line, json FROM r
        WHERE json_exists(json, '$.uri') AND json_exists(json, '$.record'))
    UNION ALL SELECT _line, 'at://' || json_extract_string(json, '$.did') || '/'
           || json_extract_string(json, '$.commit.collection') || '/'
           || json_extract_string(json, '$.commit.rkey'), NULL, json_extract(json, '$.commit.record')
    FROM r WHERE json_extract_string(json, '$.commit.collection') = 'app.bsky.feed.post'
      AND json_extract_string(json, '$.commit.operation') = 'create'
    UNION ALL SELECT _line, json_extract_string(x, '$.uri'), NULL, json_extract(x, '$.value')
    FROM (SELECT _line, unnest(CASE WHEN json_exists(json, '$.records')
                                    THEN json_extract(json, '$.records[*]') ELSE [json] END) AS x
          FROM r WHERE json_exists(json, '$.records') OR json_exists(json, '$.value')))"""


def bluesky_media(platform: str) -> str:
    """Images and videos of each post's record (``app.bsky.embed.images``, ``.video``, and
    the media of ``recordWithMedia``): blob CIDs, content-addressed."""
    blobs = """list_concat(
        json_extract(rec, '$.embed.images[*].image'), json_extract(rec, '$.embed.media.images[*].image'),
        list_filter([json_extract(rec, '$.embed.video'), json_extract(rec, '$.embed.media.video')],
                    lambda b_: b_ IS NOT NULL))"""
    return f"""{_BSKY_POSTS}
SELECT {literal(platform)} AS platform, _line AS source_line, uri AS post_id, cid AS media_id,
    mime AS media_kind, 'cid:' || cid AS content_hash FROM (
    SELECT _line, uri, COALESCE({_s("b", '$.ref."$link"')}, {_s("b", "$.cid")}) AS cid,
           {_s("b", "$.mimeType")} AS mime
    FROM (SELECT _line, uri, unnest({blobs}) AS b FROM v WHERE uri IS NOT NULL AND rec IS NOT NULL))
WHERE cid IS NOT NULL"""


def bluesky_images(platform: str) -> str:
    """Authors' avatars from post views: the CDN URL ends with the blob CID."""
    cid = r"NULLIF(regexp_extract(url, '/([a-z0-9]{20,})(@[a-z]+)?$', 1), '')"
    return f"""{_BSKY_POSTS}
SELECT DISTINCT ON (account_id, url) {literal(platform)} AS platform, _line AS source_line,
    account_id, 'avatar' AS kind, url, 'cid:' || {cid} AS content_hash FROM (
    SELECT _line, {_s("author", "$.did")} AS account_id, {_s("author", "$.avatar")} AS url FROM v)
WHERE account_id IS NOT NULL AND url IS NOT NULL ORDER BY source_line DESC"""


#: top-level keys of a Telegram message that carry media (the reader passes such messages on)
TELEGRAM_KEYS = ("photo", "file", "media", "document", "video", "animation", "audio", "voice")


def telegram_media() -> str:
    """Over the reader's post rows (as ``_json``, with ``_media`` = the raw message): Telegram Desktop's
    ``photo`` / ``file`` (export paths) with ``media_type`` / ``mime_type``; Telethon's
    ``media.photo.id`` / ``media.document.id``; the Bot API's ``photo[].file_unique_id`` (the
    largest size) and ``document`` / ``video`` / ``animation`` / ``audio``
    ``.file_unique_id``."""
    m = "_media"
    bot = " ".join(
        f"WHEN json_exists({m}, '$.{k}.file_unique_id') THEN "
        f"struct_pack(id := {_s(m, f'$.{k}.file_unique_id')}, kind := '{kind}', file := NULL)"
        for k, kind in (
            ("video", "video"),
            ("animation", "animated_gif"),
            ("audio", "audio"),
            ("voice", "audio"),
            ("document", "document"),
        )
    )
    return f"""
SELECT platform, source_line, post_id, x.id AS media_id, x.kind AS media_kind, x.file AS file FROM (
    SELECT platform, source_line, post_id, CASE
        WHEN json_type({m}, '$.photo') = 'VARCHAR'
            THEN struct_pack(id := {_s(m, "$.photo")}, kind := 'photo', file := {_s(m, "$.photo")})
        WHEN json_type({m}, '$.file') = 'VARCHAR' THEN struct_pack(id := {_s(m, "$.file")},
            kind := COALESCE({_s(m, "$.media_type")}, {_s(m, "$.mime_type")}),
            file := {_s(m, "$.file")})
        WHEN json_type({m}, '$.photo') = 'ARRAY'
            THEN struct_pack(id := {_s(m, "$.photo[-1].file_unique_id")}, kind := 'photo',
                             file := NULL)
        {bot}
        WHEN json_exists({m}, '$.media.photo.id')
            THEN struct_pack(id := {_s(m, "$.media.photo.id")}, kind := 'photo', file := NULL)
        WHEN json_exists({m}, '$.media.document.id')
            THEN struct_pack(id := {_s(m, "$.media.document.id")},
                             kind := {_s(m, "$.media.document.mime_type")}, file := NULL)
        END AS x
    FROM _json WHERE post_id IS NOT NULL AND _media IS NOT NULL)
WHERE x.id IS NOT NULL"""
