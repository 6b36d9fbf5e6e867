"""A promoted-post log: one row per ad, the shape of Twitter's 2017 analysis of RT's promoted
tweets; the simulator writes it.

``ad_id,advertiser_id,advertiser_name,post_id,start_date,end_date,spend,currency,impressions,
clicks,targeting``: spend and impressions exact or as ranges ("100-500", "> 1M"); ``targeting`` is
``;``-separated ``kind:value`` criteria with kinds location, exclude_location, language, age,
gender, interest, follower_lookalike (a handle, '@' optional) and custom_audience. Other kinds are
kept as kind ``other`` with their raw text.
"""

from __future__ import annotations

from ioscope.ingest.context import ReadContext
from ioscope.ingest.registry import header_cells, register_reader
from ioscope.ingest.sqlfrag import big, ts
from ioscope.ingest.sqlfrag import nullif_blank as nb
from ioscope.sql import literal

COLUMNS = [
    "ad_id",
    "advertiser_id",
    "advertiser_name",
    "post_id",
    "start_date",
    "end_date",
    "spend",
    "currency",
    "impressions",
    "clicks",
    "targeting",
]
KINDS = (
    "location",
    "language",
    "age",
    "gender",
    "interest",
    "follower_lookalike",
    "custom_audience",
)


def _sniff(path: str, head: str) -> bool:
    return header_cells(head) == COLUMNS


@register_reader(
    "promoted-csv",
    summary="promoted-post log (ad_id,advertiser_id,advertiser_name,"
    "post_id,start_date,end_date,spend,currency,impressions,clicks,targeting)",
    sniff=_sniff,
    priority=12,
)
def read_promoted_csv(ctx: ReadContext) -> None:
    ctx.load_csv(required=COLUMNS)
    platform = ctx.platform or "twitter"
    bad_start = f"{nb('start_date')} IS NOT NULL AND {ts('start_date')} IS NULL"
    bad_end = f"{nb('end_date')} IS NOT NULL AND {ts('end_date')} IS NULL"
    ctx.stage_sql(
        "stg_ads",
        f"""
        SELECT ? AS platform, {nb("ad_id")} AS ad_id, {nb("advertiser_id")} AS advertiser_id,
               {nb("advertiser_name")} AS advertiser_name, {nb("post_id")} AS post_id,
               {ts("start_date")} AS start_at, {ts("end_date")} AS end_at,
               {nb("spend")} AS spend_raw, upper({nb("currency")}) AS currency,
               {nb("impressions")} AS impressions_raw, {big("clicks")} AS clicks,
               CASE WHEN {bad_start} THEN 'start_date' WHEN {bad_end} THEN 'end_date' END
                 AS _error_field,
               CASE WHEN {bad_start} THEN 'unparseable start_date ''' || start_date || ''''
                    WHEN {bad_end} THEN 'unparseable end_date ''' || end_date || '''' END AS _error,
               _line AS source_line,
               concat_ws(',', ad_id, advertiser_id, advertiser_name, post_id, start_date, end_date,
                         spend, currency, impressions, clicks, targeting) AS _raw
        FROM src""",
        [platform],
    )
    kinds = ", ".join(literal(k) for k in KINDS)
    ctx.stage_sql(
        "stg_ad_targeting",
        f"""
        SELECT ? AS platform, ad_id, CAST(i AS INTEGER) AS ordinal,
               CASE WHEN k = 'exclude_location' THEN 'location' WHEN k IN ({kinds}) THEN k
                    ELSE 'other' END AS kind,
               CASE WHEN k = 'exclude_location' THEN 'exclude' ELSE 'include' END AS mode,
               CASE WHEN k = 'follower_lookalike' THEN ltrim(v, '@') ELSE v END AS value,
               crit AS raw, _line AS _ad_line
        FROM (SELECT ad_id, _line, crit, i, lower(trim(split_part(crit, ':', 1))) AS k,
                     trim(substr(crit, strpos(crit, ':') + 1)) AS v
              FROM (SELECT {nb("ad_id")} AS ad_id, _line,
                           unnest(string_split(COALESCE(targeting, ''), ';')) AS crit,
                           unnest(generate_series(1, len(string_split(COALESCE(targeting, ''), ';'))))
                             AS i
                    FROM src)
              WHERE trim(crit) <> '' AND ad_id IS NOT NULL)""",
        [platform],
    )
