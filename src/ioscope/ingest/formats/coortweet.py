"""CooRTweet's long format: ``object_id,account_id,content_id,timestamp_share``.

Each row is one share (a post with id ``content_id``) by ``account_id`` of the shared object
``object_id`` at ``timestamp_share`` (Unix seconds). In CooRTweet's samples the object is the
retweeted tweet, so rows become reposts of ``object_id``; a row whose content_id equals its
object_id is the original post itself.
"""

from __future__ import annotations

from ioscope.ingest.context import ReadContext
from ioscope.ingest.registry import register_reader
from ioscope.ingest.sqlfrag import nullif_blank as nb, ts

COLUMNS = ["object_id", "account_id", "content_id", "timestamp_share"]


def _sniff(path: str, head: str) -> bool:
    first = head.splitlines()[0].lower().replace('"', "").strip() if head else ""
    return all(c in first.split(",") for c in COLUMNS)


@register_reader("coortweet", summary="CooRTweet long format (object_id,account_id,content_id,"
                 "timestamp_share)", sniff=_sniff, priority=20)
def read_coortweet(ctx: ReadContext) -> None:
    ctx.load_csv(required=COLUMNS)
    platform = ctx.platform or "twitter"
    ctx.stage_sql("stg_posts", f"""
        SELECT ? AS platform, {nb('content_id')} AS post_id, {nb('account_id')} AS account_id,
               {ts('timestamp_share')} AS created_at,
               CASE WHEN {nb('content_id')} = {nb('object_id')} THEN 'post' ELSE 'repost' END AS kind,
               CASE WHEN {nb('content_id')} = {nb('object_id')} THEN NULL
                    ELSE {nb('object_id')} END AS target_post_id,
               _line AS source_line,
               concat_ws(',', object_id, account_id, content_id, timestamp_share) AS _raw
        FROM src""", [platform])
