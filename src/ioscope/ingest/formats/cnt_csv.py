"""coordination-network-toolkit's 8-column CSV.

``message_id,user_id,username,repost_id,reply_id,message,timestamp,urls``: timestamp in Unix
seconds (or any form :func:`ioscope.ingest.sqlfrag.ts` reads), urls space-separated, empty
repost_id / reply_id meaning none. Column names are matched by position, as CNT does. A repost's
``RT @handle:`` prefix is moved out of the text into ``target_handle``, as for the other readers.
"""

from __future__ import annotations

from ioscope.ingest.context import ReadContext
from ioscope.ingest.registry import header_cells, register_reader
from ioscope.ingest.sqlfrag import RT_PREFIX as _RT
from ioscope.ingest.sqlfrag import nullif_blank as nb
from ioscope.ingest.sqlfrag import ts

COLUMNS = [
    "message_id",
    "user_id",
    "username",
    "repost_id",
    "reply_id",
    "message",
    "timestamp",
    "urls",
]


def _sniff(path: str, head: str) -> bool:
    return header_cells(head) == COLUMNS


@register_reader(
    "cnt-csv",
    summary="coordination-network-toolkit CSV (message_id,user_id,username,"
    "repost_id,reply_id,message,timestamp,urls)",
    sniff=_sniff,
    priority=10,
)
def read_cnt_csv(ctx: ReadContext) -> None:
    ctx.load_csv(required=COLUMNS)
    platform = ctx.platform or "twitter"
    # the time is parsed once (inner query) and reused for the value, the check and the raw record
    ctx.stage_sql(
        "stg_posts",
        f"""
        SELECT ? AS platform, {nb("message_id")} AS post_id, {nb("user_id")} AS account_id,
               {nb("username")} AS handle, created_at,
               CASE WHEN {nb("repost_id")} IS NOT NULL THEN 'repost'
                    WHEN {nb("reply_id")} IS NOT NULL THEN 'reply' ELSE 'post' END AS kind,
               CASE WHEN rt <> '' THEN regexp_replace(message, '{_RT}', '') ELSE message END AS text,
               NULLIF(rt, '') AS target_handle,
               COALESCE({nb("repost_id")}, {nb("reply_id")}) AS target_post_id,
               CASE WHEN COALESCE(urls, '') = '' THEN []::VARCHAR[]
                    ELSE string_split_regex(trim(urls), '\\s+') END AS urls,
               CASE WHEN bad_time THEN 'timestamp' END AS _error_field,
               CASE WHEN bad_time THEN 'unparseable timestamp ''' || timestamp || '''' END AS _error,
               _line AS source_line,
               CASE WHEN {nb("message_id")} IS NULL OR {nb("user_id")} IS NULL OR created_at IS NULL
                    THEN concat_ws(',', message_id, user_id, username, repost_id, reply_id,
                                   message, timestamp, urls) END AS _raw
        FROM (SELECT *, created_at IS NULL AND {nb("timestamp")} IS NOT NULL AS bad_time
              FROM (SELECT *, {ts("timestamp")} AS created_at,
                           CASE WHEN {nb("repost_id")} IS NOT NULL
                                THEN regexp_extract(message, '{_RT}', 1) ELSE '' END AS rt
                    FROM src))""",
        [platform],
    )
