"""Bluesky (AT Protocol) posts: AppView responses, Jetstream events, repository records, tables.

JSON shapes, one per line or in arrays (see the lexicons ``app.bsky.feed.defs`` and
``app.bsky.feed.post``):

* feed items of ``getAuthorFeed`` / ``getTimeline`` / ``getFeed`` (``{post, reply?, reason?}``),
  alone or as pages ``{feed: [...], cursor}``. An item with a ``reasonRepost`` is a ``repost`` by
  ``reason.by`` of ``post`` (id ``reason.uri`` when the AppView gives it, else
  ``repost:<reposter DID>:<post URI>``, time ``reason.indexedAt``), and ``post`` goes to
  ``referenced_posts``; so do the ``reply.parent`` / ``reply.root`` views;
* post views (``{uri, author, record, likeCount, ...}``) alone or as ``searchPosts`` / ``getPosts``
  pages ``{posts: [...]}``; the quoted post of an ``embed.record`` view is referenced;
* Jetstream events (``{did, time_us, kind, commit: {operation, collection, rkey, record}}``):
  created ``app.bsky.feed.post`` and ``app.bsky.feed.repost`` records; other events (likes,
  follows, deletes, identity and account events) are quarantined as not posts;
* repository records (``com.atproto.repo.listRecords``: ``{uri, value}`` or pages ``{records}``).

The account id is the DID, the post id the AT URI. ``record.reply.parent`` makes a ``reply``, an
embedded post record (``app.bsky.embed.record`` / ``recordWithMedia``) a ``quote``. Hashtags
(``#tag`` facets and ``record.tags``), mentions (the handle the ``#mention`` facet covers in the
text) and links (``#link`` facets, then the external embed's URI) come from the record; without
facets, hashtags come from the text and mentions from the Bluesky handles in it.

Tables (Parquet or CSV) with an ``uri`` (or ``post_uri``) column of AT URIs are post collections
(:mod:`ioscope.ingest.formats.bluesky_table`).
"""

from __future__ import annotations

from ioscope.ingest.context import ReadContext
from ioscope.ingest.jsonsql import json_kind, raw_if, shape
from ioscope.ingest.jsonsrc import json_chunks, query, stage_from
from ioscope.ingest.media import stage_account_images, stage_media
from ioscope.ingest.media_sql import bluesky_images, bluesky_media
from ioscope.ingest.registry import register_reader
from ioscope.ingest.sqlfrag import ts
from ioscope.sql import literal

_V, _B = "VARCHAR", "BIGINT"
_ACTOR = {"did": _V, "handle": _V, "displayName": _V, "createdAt": _V, "description": _V}
_RECORD = {
    "$type": _V,
    "text": _V,
    "createdAt": _V,
    "langs": [_V],
    "tags": [_V],
    "facets": [
        {
            "index": {"byteStart": _B, "byteEnd": _B},
            "features": [{"$type": _V, "did": _V, "uri": _V, "tag": _V}],
        }
    ],
    "reply": {"parent": {"uri": _V}},
    "embed": {
        "$type": _V,
        "external": {"uri": _V},
        "record": {"uri": _V, "record": {"uri": _V}},
        "media": {"external": {"uri": _V}},
    },
    "subject": {"uri": _V},
}
_COUNTS = {"likeCount": _B, "repostCount": _B, "replyCount": _B, "quoteCount": _B}
_VIEW_RECORD = {"uri": _V, "author": _ACTOR, "value": _RECORD, "indexedAt": _V, **_COUNTS}
_EMBED_VIEW = {"record": {**_VIEW_RECORD, "record": _VIEW_RECORD}}
_POST_VIEW = {
    "uri": _V,
    "author": _ACTOR,
    "record": _RECORD,
    "embed": _EMBED_VIEW,
    "indexedAt": _V,
    **_COUNTS,
}
ITEM = shape(
    {
        **_POST_VIEW,
        "post": _POST_VIEW,
        "value": _RECORD,
        "reason": {"$type": _V, "by": _ACTOR, "indexedAt": _V, "uri": _V},
        "reply": {"parent": _POST_VIEW, "root": _POST_VIEW},
        "did": _V,
        "time_us": _B,
        "kind": _V,
        "commit": {"operation": _V, "collection": _V, "rkey": _V, "record": _RECORD},
    }
)
#: a Bluesky handle in text (a domain name), for records without facets
HANDLE_RE = r"(?:^|[^\w/.])@([a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)+)"
_POST = "app.bsky.feed.post"
_REPOST = "app.bsky.feed.repost"

_ITEMS = """
WITH r AS (SELECT _line, json, CASE
    WHEN json_type(json) <> 'OBJECT' THEN 'bad'
    WHEN json_exists(json, '$.feed') THEN 'feed_page'
    WHEN json_exists(json, '$.posts') THEN 'posts_page'
    WHEN json_exists(json, '$.records') THEN 'records_page'
    WHEN json_exists(json, '$.post') THEN 'feed_item'
    WHEN json_exists(json, '$.commit') OR json_exists(json, '$.time_us') THEN 'jetstream'
    WHEN json_exists(json, '$.uri') AND json_exists(json, '$.record') THEN 'post_view'
    WHEN json_exists(json, '$.uri') AND json_exists(json, '$.value') THEN 'repo_record'
    ELSE 'bad' END AS cls FROM _json)
SELECT _line, 'feed_item' AS cls, unnest(json_extract(json, '$.feed[*]')) AS obj
    FROM r WHERE cls = 'feed_page'
UNION ALL SELECT _line, 'post_view', unnest(json_extract(json, '$.posts[*]'))
    FROM r WHERE cls = 'posts_page'
UNION ALL SELECT _line, 'repo_record', unnest(json_extract(json, '$.records[*]'))
    FROM r WHERE cls = 'records_page'
UNION ALL SELECT _line, cls, json FROM r WHERE cls NOT LIKE '%_page'"""


def _did_of(uri: str) -> str:
    return f"NULLIF(regexp_extract({uri}, '^at://([^/]+)/', 1), '')"


def _view(p: str, role: str, cls: str, *, record: bool = False, where: str | None = None) -> str:
    """Unified columns of the post view ``p`` (or, with ``record``, an embed's view record)."""
    quoted = (
        "NULL"
        if record
        else (f"COALESCE({p}.embed.record.record.author.handle, {p}.embed.record.author.handle)")
    )
    parent = "x.reply.parent.author.handle" if cls == "feed_item" and p == "x.post" else "NULL"
    return f"""SELECT _line, '{role}' AS role, {p}.uri AS post_id, {p}.author.did AS account_id,
        {p}.author.handle AS handle, {p}.author.displayName AS display_name,
        {p}.author.createdAt AS acc_created, false AS is_repost, NULL AS target_uri,
        NULL AS target_handle, {p}.{"value" if record else "record"} AS rec,
        {p}.indexedAt AS time_hint, {p}.likeCount AS like_count, {p}.repostCount AS repost_count,
        {p}.replyCount AS reply_count, {p}.quoteCount AS quote_count, {quoted} AS quoted_handle,
        {parent} AS parent_handle, NULL AS _error, obj
    FROM u WHERE cls = '{cls}' AND {where or f"{p}.uri IS NOT NULL"}"""


_UNIFIED_COLUMNS = (
    "_line",
    "role",
    "post_id",
    "account_id",
    "handle",
    "display_name",
    "acc_created",
    "is_repost",
    "target_uri",
    "target_handle",
    "rec",
    "time_hint",
    "like_count",
    "repost_count",
    "reply_count",
    "quote_count",
    "quoted_handle",
    "parent_handle",
    "_error",
    "obj",
)


def _unified(classes: set[str]) -> str:
    """One row per post in the chunk's items: collected (role data) or referenced (role ref)."""
    is_repost = "COALESCE(x.reason.\"$type\" LIKE '%#reasonRepost', false)"
    by = lambda field, own: f"CASE WHEN {is_repost} THEN x.reason.by.{field} ELSE {own} END"  # noqa: E731
    jet_error = f"""CASE WHEN x.kind IS DISTINCT FROM 'commit'
             THEN 'Jetstream ' || COALESCE(x.kind, '?') || ' event, not a post'
        WHEN x.commit.operation IS DISTINCT FROM 'create'
             OR x.commit.collection NOT IN ('{_POST}', '{_REPOST}')
        THEN 'Jetstream event (' || COALESCE(x.commit.operation, '?') || ' '
            || COALESCE(x.commit.collection, '?') || '), not a post' END"""
    rec_error = f"""CASE WHEN x.value."$type" IS DISTINCT FROM '{_POST}' AND x.value."$type" IS DISTINCT FROM '{_REPOST}'
        THEN 'repository record of type ' || COALESCE(x.value."$type", '?') || ', not a post' END"""
    feed = f"""SELECT _line, 'data',
        CASE WHEN {is_repost} THEN COALESCE(x.reason.uri, 'repost:' || x.reason.by.did || ':'
                                            || x.post.uri) ELSE x.post.uri END,
        {by("did", "x.post.author.did")}, {by("handle", "x.post.author.handle")},
        {by("displayName", "x.post.author.displayName")}, {by("createdAt", "x.post.author.createdAt")},
        {is_repost}, CASE WHEN {is_repost} THEN x.post.uri END,
        CASE WHEN {is_repost} THEN x.post.author.handle END, x.post.record,
        {by("indexedAt", "x.post.indexedAt").replace("x.reason.by.indexedAt", "x.reason.indexedAt")},
        x.post.likeCount, x.post.repostCount, x.post.replyCount, x.post.quoteCount,
        COALESCE(x.post.embed.record.record.author.handle, x.post.embed.record.author.handle),
        x.reply.parent.author.handle, NULL, obj
    FROM u WHERE cls = 'feed_item'"""
    jetstream = f"""SELECT _line, 'data', 'at://' || x.did || '/' || x.commit.collection || '/'
            || x.commit.rkey, x.did, NULL, NULL, NULL,
        COALESCE(x.commit.collection = '{_REPOST}', false), x.commit.record.subject.uri, NULL,
        x.commit.record, CAST(make_timestamp(x.time_us) AS VARCHAR),
        NULL, NULL, NULL, NULL, NULL, NULL, {jet_error}, obj
    FROM u WHERE cls = 'jetstream'"""
    records = f"""SELECT _line, 'data', x.uri, {_did_of("x.uri")}, NULL, NULL, NULL,
        COALESCE(x.value."$type" = '{_REPOST}', false), x.value.subject.uri, NULL, x.value, NULL,
        NULL, NULL, NULL, NULL, NULL, NULL, {rec_error}, obj
    FROM u WHERE cls = 'repo_record'"""
    bad = f"""SELECT _line, 'data', NULL, NULL, NULL, NULL, NULL, false, NULL, NULL, NULL, NULL,
        NULL, NULL, NULL, NULL, NULL, NULL,
        CASE WHEN json_type(obj) <> 'OBJECT' THEN 'not a post: the record is a JSON ' || {json_kind("obj")}
             ELSE 'not a Bluesky post, feed item or Jetstream event; keys: '
                  || array_to_string(json_keys(obj)[1:6], ', ') END, obj
    FROM u WHERE cls = 'bad'"""
    parts = {
        "post_view": [_view("x", "data", "post_view", where="true")],
        "feed_item": [feed],
        "jetstream": [jetstream],
        "repo_record": [records],
        "bad": [bad],
    }
    parts["feed_item"] += [
        _view("x.post", "ref", "feed_item", where=f"{is_repost} AND x.post.uri IS NOT NULL"),
        _view("x.reply.parent", "ref", "feed_item"),
        _view("x.reply.root", "ref", "feed_item"),
    ]
    for base, cls in (("x", "post_view"), ("x.post", "feed_item")):
        parts[cls].append(_view(f"{base}.embed.record", "ref", cls, record=True))
        parts[cls].append(_view(f"{base}.embed.record.record", "ref", cls, record=True))
    # only the branches of the kinds of item present: each costs planning and a pass
    branches = [b for cls in sorted(classes) for b in parts.get(cls, [])] or [bad]
    return f"SELECT * FROM ({chr(10).join(' UNION ALL ' + b if i else b for i, b in enumerate(branches))}) AS v({', '.join(_UNIFIED_COLUMNS)})"


def _posts_sql(platform: str, classes: set[str]) -> str:
    quoted = (
        "CASE WHEN rec.embed.\"$type\" LIKE 'app.bsky.embed.recordWithMedia%' "
        "THEN rec.embed.record.record.uri ELSE rec.embed.record.uri END"
    )
    feats = """flatten(list_transform(rec.facets, lambda f_: list_transform(f_.features, lambda x_:
        {'t': x_."$type", 'uri': x_.uri, 'tag': x_.tag, 's': f_.index.byteStart, 'e': f_.index.byteEnd})))"""
    return f"""
WITH u AS MATERIALIZED (SELECT _line, cls, obj, json_transform(obj, {ITEM}) AS x FROM _items),
v AS ({_unified(classes)}),
w AS (SELECT *,  -- layers, so that a column used several times is computed once
    CASE WHEN is_repost THEN 'repost'
         WHEN {quoted} LIKE '%/{_POST}/%' THEN 'quote'
         WHEN rec.reply.parent.uri IS NOT NULL THEN 'reply' ELSE 'post' END AS kind,
    CASE WHEN rec."$type" = '{_REPOST}' THEN NULL ELSE rec.text END AS text,
    {feats} AS _f,
    COALESCE(CASE WHEN NOT is_repost OR rec."$type" = '{_REPOST}' THEN {ts("rec.createdAt")} END,
             {ts("time_hint")}) AS created_at
    FROM v),
y AS (SELECT *,
    CASE kind WHEN 'repost' THEN target_uri WHEN 'quote' THEN {quoted}
              WHEN 'reply' THEN rec.reply.parent.uri END AS target_post_id,
    COALESCE(list_transform(list_filter(_f, lambda x_: x_.t LIKE '%#link'), lambda x_: x_.uri),
             []) AS _links
    FROM w)
SELECT {literal(platform)} AS platform, role, _line AS source_line, post_id, account_id, handle,
    display_name AS _display_name, {ts("acc_created")} AS _acc_created, created_at, kind,
    target_post_id, {_did_of("target_post_id")} AS target_account_id,
    CASE kind WHEN 'repost' THEN y.target_handle WHEN 'quote' THEN quoted_handle
              WHEN 'reply' THEN parent_handle END AS target_handle,
    text, rec.langs[1] AS language, _f,
    CASE WHEN rec.facets IS NULL AND rec.tags IS NULL THEN NULL ELSE list_concat(
        list_transform(list_filter(_f, lambda x_: x_.t LIKE '%#tag'), lambda x_: x_.tag),
        COALESCE(rec.tags, [])) END AS hashtags,
    CASE WHEN kind = 'repost' THEN []::VARCHAR[]
         WHEN rec.facets IS NULL THEN regexp_extract_all(COALESCE(text, ''), {
        literal(HANDLE_RE)
    }, 1)
         ELSE list_filter(list_transform(list_filter(_f, lambda x_: x_.t LIKE '%#mention'),
                 lambda x_: ltrim(try(decode(encode(text)[x_.s + 1:x_.e])), '@')),
                 lambda x_: x_ IS NOT NULL) END AS mentions,
    _links,
    list_concat(_links, list_filter([rec.embed.external.uri, rec.embed.media.external.uri],
                                    lambda x_: x_ IS NOT NULL AND NOT list_contains(_links, x_))) AS urls,
    like_count, repost_count, reply_count, quote_count,
    _error, CASE WHEN _error IS NOT NULL THEN 'record' END AS _error_field,
    {
        raw_if(
            "role = 'data' AND (_error IS NOT NULL OR post_id IS NULL OR account_id IS NULL "
            "OR created_at IS NULL)",
            "obj",
        )
    } AS _raw
FROM y"""


def stage_posts(ctx: ReadContext, rows, *, count: bool = True) -> None:
    """Stage unified post rows (role data/ref) and their authors."""
    drop = "role, _display_name, _acc_created, _f, _links"
    n = stage_from(
        ctx, "stg_posts", "_p", rows, f"SELECT * EXCLUDE ({drop}) FROM _p WHERE role = 'data'"
    )
    if count:
        ctx.rows_read += n
    stage_from(
        ctx,
        "stg_ref_posts",
        "_p",
        rows,
        f"SELECT * EXCLUDE ({drop}, _error, _error_field, _raw) FROM _p WHERE role = 'ref'",
    )
    for table, role in (("stg_accounts", "data"), ("stg_ref_accounts", "ref")):
        stage_from(
            ctx,
            table,
            "_p",
            rows,
            f"""
            SELECT platform, account_id, arg_max(handle, source_line) AS handle,
                   arg_max(_display_name, source_line) AS display_name,
                   arg_max(_acc_created, source_line) AS created_at,
                   max(source_line) AS source_line, false AS _primary
            FROM _p WHERE role = '{role}' AND account_id IS NOT NULL AND _error IS NULL
              AND (handle IS NOT NULL OR _display_name IS NOT NULL) GROUP BY ALL""",
        )


def _sniff(path: str, head: str) -> bool:
    text = head.lstrip("\ufeff \t\r\n")
    if text[:1] in ("{", "["):
        return '"at://did:' in head or ('"did:' in head and "app.bsky" in head)
    from ioscope.ingest.formats.bluesky_table import sniff_table

    return sniff_table(path, head)


@register_reader(
    "bluesky",
    summary="Bluesky / AT Protocol posts: AppView feeds and searches, "
    "Jetstream events, repository records, and tables with an at:// uri column",
    sniff=_sniff,
    priority=40,
)
def read_bluesky(ctx: ReadContext) -> None:
    from ioscope.ingest.formats.bluesky_table import is_table, read_table

    platform = ctx.platform or "bluesky"
    if is_table(ctx.path):
        read_table(ctx, platform)
        return
    for chunk in json_chunks(ctx):
        items = query(ctx.con, "_json", chunk, _ITEMS)
        classes = set(items["cls"].unique().to_pylist())
        stage_posts(ctx, query(ctx.con, "_items", items, _posts_sql(platform, classes)))
        stage_media(ctx, bluesky_media(platform), chunk)
        stage_account_images(ctx, bluesky_images(platform), chunk)
