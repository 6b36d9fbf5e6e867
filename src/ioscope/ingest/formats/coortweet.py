"""CooRTweet's two layouts.

Long format: ``object_id,account_id,content_id,timestamp_share``. Each row is one share (a post
with id ``content_id``) by ``account_id`` of the shared object ``object_id`` at
``timestamp_share`` (Unix seconds). In CooRTweet's samples the object is the retweeted tweet, so
rows become reposts of ``object_id``; a row whose content_id equals its object_id is the original
post itself.

Wide format: ``account_id,post_id,url_id,hashtag_id,domain_id,phash_id,timestamp``, one row per
post and item (anonymised integer ids; blank = none). A post with several items spans several
rows: the post gets the items of all its rows, in file order, and the rows after its first count
as duplicates of it. The ids are kept as items, prefixed with their kind so that they can never
be mistaken for real URLs or hashtags: ``url_id:N`` in ``urls`` and ``urls_normalized`` (co_link),
``hashtag_id:N`` in ``hashtags`` (co_hashtag), ``domain_id:N`` in ``domains`` (co_domain), and
``phash_id:N`` (perceptual image hashes) in ``post_media`` (media id and item, co_media). The platform is
read from the account id's prefix (``fb_`` facebook, ``ig_`` instagram, ``tw_`` twitter, ...), so
a file may mix platforms; ``--platform`` fills it for accounts without a known prefix.
"""

from __future__ import annotations

from ioscope.ingest.context import ReadContext
from ioscope.ingest.media import stage_media
from ioscope.ingest.registry import header_cells, register_reader
from ioscope.ingest.sqlfrag import nullif_blank as nb
from ioscope.ingest.sqlfrag import ts
from ioscope.sql import literal

COLUMNS = ["object_id", "account_id", "content_id", "timestamp_share"]
WIDE = ["account_id", "post_id", "timestamp"]
WIDE_ITEMS = ["url_id", "hashtag_id", "domain_id", "phash_id"]
#: account id prefix -> platform
PREFIXES = {
    "fb": "facebook",
    "ig": "instagram",
    "tw": "twitter",
    "yt": "youtube",
    "tg": "telegram",
    "tt": "tiktok",
}


def _header(head: str) -> list[str]:
    return [c.strip() for c in header_cells(head)]


def _sniff(path: str, head: str) -> bool:
    return all(c in _header(head) for c in COLUMNS)


def _sniff_wide(path: str, head: str) -> bool:
    cols = _header(head)
    return all(c in cols for c in WIDE) and any(c in cols for c in WIDE_ITEMS)


@register_reader(
    "coortweet",
    summary="CooRTweet long format (object_id,account_id,content_id,timestamp_share)",
    sniff=_sniff,
    priority=20,
)
def read_coortweet(ctx: ReadContext) -> None:
    ctx.load_csv(required=COLUMNS)
    platform = ctx.platform or "twitter"
    ctx.stage_sql(
        "stg_posts",
        f"""
        SELECT ? AS platform, {nb("content_id")} AS post_id, {nb("account_id")} AS account_id,
               {ts("timestamp_share")} AS created_at,
               CASE WHEN {nb("content_id")} = {nb("object_id")} THEN 'post' ELSE 'repost' END AS kind,
               CASE WHEN {nb("content_id")} = {nb("object_id")} THEN NULL
                    ELSE {nb("object_id")} END AS target_post_id,
               _line AS source_line,
               concat_ws(',', object_id, account_id, content_id, timestamp_share) AS _raw
        FROM src""",
        [platform],
    )


def _platform_sql(fallback: str | None) -> str:
    cases = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in PREFIXES.items())
    default = literal(fallback) if fallback else "NULL"
    return (
        f"CASE lower(regexp_extract({nb('account_id')}, '^([A-Za-z]+)_', 1)) {cases} "
        f"ELSE {default} END"
    )


@register_reader(
    "coortweet-wide",
    summary="CooRTweet wide format (account_id,post_id,url_id,"
    "hashtag_id,domain_id,phash_id,timestamp; anonymised item ids, fb_/tw_ account "
    "prefixes)",
    sniff=_sniff_wide,
    priority=20,
)
def read_coortweet_wide(ctx: ReadContext) -> None:
    header = ctx.load_csv(required=WIDE, optional=WIDE_ITEMS)
    have = {h.lower().strip() for h in header}

    def ids(col: str, prefix: str) -> str:
        """The post's distinct ids of one kind, over all its rows, in file order."""
        if col not in have:
            return "[]::VARCHAR[]"
        return (
            f"list({literal(prefix)} || {nb(col)} ORDER BY _line) "
            f"FILTER (WHERE {nb(col)} IS NOT NULL) OVER post"
        )

    raw_cols = [c for c in WIDE + WIDE_ITEMS if c in have]
    ctx.con.execute(f"""CREATE OR REPLACE TEMP TABLE _wide AS
        SELECT {_platform_sql(ctx.platform)} AS platform, {nb("post_id")} AS post_id,
               {nb("account_id")} AS account_id, {ts("timestamp")} AS created_at, 'post' AS kind,
               {ids("url_id", "url_id:")} AS urls, {ids("hashtag_id", "hashtag_id:")} AS hashtags,
               {ids("domain_id", "domain_id:")} AS domains, []::VARCHAR[] AS mentions,
               {nb("phash_id") if "phash_id" in have else "NULL"} AS _phash,
               _line AS source_line, concat_ws(',', {", ".join(raw_cols)}) AS _raw
        FROM src
        WINDOW post AS (PARTITION BY {_platform_sql(ctx.platform)}, {nb("post_id")})""")
    distinct = {
        c: f"list_filter({c}, lambda x, i: list_position({c}, x) = i)"
        for c in ("urls", "hashtags", "domains")
    }
    ctx.stage_sql(
        "stg_posts",
        f"""SELECT * EXCLUDE (_phash, urls, hashtags, domains),
        {", ".join(f"{e} AS {c}" for c, e in distinct.items())}, {distinct["urls"]} AS urls_normalized
        FROM _wide""",
    )
    stage_media(
        ctx,
        "SELECT platform, post_id, 'phash_id:' || _phash AS media_id, "
        "'photo' AS media_kind, 'phash_id:' || _phash AS media_item, source_line "
        "FROM _wide WHERE _phash IS NOT NULL",
    )
    ctx.con.execute("DROP TABLE _wide")
