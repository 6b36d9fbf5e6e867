"""Media of posts and images of accounts: readers stage them, the finalizer merges them.

A reader stages rows of ``post_media`` (by column name; ``media_item`` may be left out) with
:func:`stage_media` and profile pictures with :func:`stage_account_images`; the finalizer calls
:func:`merge_media` after the posts and accounts are written, so that only the media of posts
that were collected are kept and a re-ingest adds nothing. Nothing is fetched: ids, hashes and
URLs are kept as text.
"""

from __future__ import annotations

from ioscope.ingest.compliance import staged_count
from ioscope.ingest.context import ReadContext
from ioscope.ingest.lazy import lazy
from ioscope.model.table import get_table
from ioscope.sql import literal

pa = lazy("pyarrow")

__all__ = [
    "stage_media",
    "stage_account_images",
    "merge_media",
    "IMAGE_ITEM",
    "image_item_sql",
    "media_kind",
]


#: the item of a profile picture: the content hash, else the URL without Twitter's size suffix;
#: none for the platforms' default pictures (shared by every account that never set one)
def image_item_sql(url: str = "url", content_hash: str = "content_hash") -> str:
    """SQL: the item of a profile picture from its URL and content hash columns."""
    return (
        f"CASE WHEN {url} ILIKE '%default_profile_images%' OR {url} ILIKE '%/avatar_default%' "
        f"THEN NULL ELSE COALESCE({content_hash}, regexp_replace({url}, "
        r"'_(normal|bigger|mini|reasonably_small|[0-9]+x[0-9]+)(\.[A-Za-z0-9]+)?$', '\2')) END"
    )


IMAGE_ITEM = image_item_sql()


def media_kind(expr: str) -> str:
    """SQL: a source's media type or MIME type as one of photo, video, animated_gif, document,
    audio (image when unknown)."""
    return f"""CASE WHEN {expr} IS NULL THEN 'image'
        WHEN lower({expr}) IN ('photo', 'video', 'animated_gif', 'document', 'audio')
            THEN lower({expr})
        WHEN lower({expr}) LIKE 'image/gif%' OR lower({expr}) LIKE '%animation%' THEN 'animated_gif'
        WHEN lower({expr}) LIKE 'image%' OR lower({expr}) LIKE '%photo%' THEN 'photo'
        WHEN lower({expr}) LIKE 'video%' OR lower({expr}) LIKE '%video%' THEN 'video'
        WHEN lower({expr}) LIKE 'audio%' OR lower({expr}) LIKE '%voice%' THEN 'audio'
        ELSE 'document' END"""


def _stage(
    ctx: ReadContext, staging: str, canonical: str, select_sql: str, table: pa.Table | None
) -> int:
    cols = ", ".join(f'"{c.name}" {c.type}' for c in get_table(canonical).columns)
    ctx.con.execute(f"CREATE TEMP TABLE IF NOT EXISTS {staging} ({cols})")
    _json = table  # noqa: F841  (read by DuckDB as a local variable of this frame)
    return ctx.con.execute(f"INSERT INTO {staging} BY NAME {select_sql}").fetchall()[0][0]


def stage_media(ctx: ReadContext, select_sql: str, table: pa.Table | None = None) -> int:
    """Stage the rows of ``select_sql`` (post_media columns by name); ``table``, when given, is
    visible to the query as ``_json``."""
    return _stage(ctx, "stg_post_media", "post_media", select_sql, table)


def stage_account_images(ctx: ReadContext, select_sql: str, table: pa.Table | None = None) -> int:
    """Stage the rows of ``select_sql`` (account_images columns by name: platform, account_id,
    kind, url, content_hash, source_line); ``table`` is visible as ``_json``."""
    return _stage(ctx, "stg_account_images", "account_images", select_sql, table)


def _merge(
    ctx: ReadContext,
    staging: str,
    canonical: str,
    owner: str,
    owner_key: str,
    derived: dict[str, str],
    key: tuple[str, ...],
    source: str,
    platform: str,
) -> int:
    con = ctx.con
    if not staged_count(con, staging):
        return 0
    table = get_table(canonical)
    table.create(con)
    cols = table.column_names
    exprs = {
        **{c: f'"{c}"' for c in cols},
        "source_file": literal(source),
        "run_id": literal(ctx.run_id),
        **derived,
    }
    same = " AND ".join(f"x.{k} = s.{k}" for k in key)
    notnull = " AND ".join(f"NULLIF(CAST({k} AS VARCHAR), '') IS NOT NULL" for k in key[1:])
    return con.execute(f"""INSERT INTO {canonical} ({", ".join(cols)})
        SELECT DISTINCT ON ({", ".join(key)}) {", ".join(cols)} FROM (
            SELECT {", ".join(f"{exprs[c]} AS {c}" for c in cols)}
            FROM (SELECT * REPLACE ({platform} AS platform) FROM {staging}) t
            WHERE {notnull}) s
        WHERE EXISTS (SELECT 1 FROM {owner} o WHERE o.platform = s.platform
                      AND o.{owner_key} = s.{owner_key})
          AND NOT EXISTS (SELECT 1 FROM {canonical} x WHERE {same})
        ORDER BY source_line""").fetchall()[0][0]


def merge_media(ctx: ReadContext, source: str, platform: str) -> dict[str, int]:
    """Insert the staged media of collected posts and images of collected accounts that the
    workspace does not hold yet; ``platform`` is the SQL expression of the row's platform.
    Returns the numbers of new rows."""
    media = _merge(
        ctx,
        "stg_post_media",
        "post_media",
        "posts",
        "post_id",
        {
            "media_item": "COALESCE(media_item, content_hash, platform || ':' || media_id)",
            "media_kind": media_kind("media_kind"),
        },
        ("platform", "post_id", "media_id"),
        source,
        platform,
    )
    images = _merge(
        ctx,
        "stg_account_images",
        "account_images",
        "accounts",
        "account_id",
        {"image_item": IMAGE_ITEM},
        ("platform", "account_id", "kind", "url"),
        source,
        platform,
    )
    return {"post_media": media, "account_images": images}
