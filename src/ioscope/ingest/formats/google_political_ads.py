"""Google's political ads transparency bundle: ``google-political-ads-creative-stats.csv``.

One row per ad (creative): Ad_ID, Ad_URL, Ad_Type, Regions, Advertiser_ID, Advertiser_Name,
Date_Range_Start/End, First/Last_Served_Timestamp, Impressions (buckets such as '≤ 10k',
'10k-100k', '> 10M'), Spend_USD (older bucket column), Spend_Range_Min_XXX / Spend_Range_Max_XXX
per currency XXX (no maximum = open-ended), Age_Targeting, Gender_Targeting,
Geo_Targeting_Included, Geo_Targeting_Excluded. The spend kept is the USD range when given, else
the first currency with a range. ``google-political-ads-advertiser-stats.csv`` beside the file,
when present, supplies advertiser names the creative file leaves empty. Both files may be
comma- or semicolon-separated (spreadsheet exports); the header line decides which.
"""

from __future__ import annotations

import os
import re

from ioscope.ingest.context import ReadContext
from ioscope.ingest.csvsrc import delimiter_of, read_header
from ioscope.ingest.registry import register_reader
from ioscope.ingest.sqlfrag import nullif_blank as nb
from ioscope.ingest.sqlfrag import ts
from ioscope.sql import literal, quote_ident

REQUIRED = ["Ad_ID", "Advertiser_ID", "Impressions"]
OPTIONAL = [
    "Ad_URL",
    "Ad_Type",
    "Regions",
    "Advertiser_Name",
    "Date_Range_Start",
    "Date_Range_End",
    "First_Served_Timestamp",
    "Last_Served_Timestamp",
    "Spend_USD",
    "Age_Targeting",
    "Gender_Targeting",
    "Geo_Targeting_Included",
    "Geo_Targeting_Excluded",
]
ADVERTISERS = "google-political-ads-advertiser-stats.csv"
_RANGE = re.compile(r"^spend_range_(min|max)_([a-z]{3})$", re.I)


def _sniff(path: str, head: str) -> bool:
    first = head.splitlines()[0].lower() if head else ""  # ',' or ';' exports alike
    return (
        "ad_id" in first
        and "advertiser_id" in first
        and ("spend_range_min_" in first or "date_range_start" in first)
    )


def _companions(path: str) -> list[str]:
    p = os.path.join(os.path.dirname(os.path.abspath(path)), ADVERTISERS)
    return [p] if os.path.isfile(p) else []


@register_reader(
    "google-political-ads",
    summary="Google political ads transparency bundle "
    "(creative stats CSV; the advertiser stats CSV beside it is read for names)",
    sniff=_sniff,
    priority=32,
    companions=_companions,
)
def read_google_political_ads(ctx: ReadContext) -> None:
    dialect = delimiter_of(ctx.path)  # the bundle's ',' or a spreadsheet's ';' export
    header = read_header(ctx.path, dialect)  # empty: load_csv says what is missing
    ranges = [h for h in header if _RANGE.match(h)]
    ctx.load_csv(required=REQUIRED, optional=OPTIONAL + ranges, dialect=dialect)
    currencies = list(dict.fromkeys(_RANGE.match(h).group(2).upper() for h in ranges))
    currencies.sort(key=lambda c: c != "USD")
    col = {(m.group(1).lower(), m.group(2).upper()): h for h in ranges if (m := _RANGE.match(h))}
    cur_expr = (
        "CASE "
        + " ".join(
            f"WHEN {nb(quote_ident(col[('min', c)]))} IS NOT NULL THEN '{c}'"
            for c in currencies
            if ("min", c) in col
        )
        + " END"
        if currencies
        else "NULL"
    )

    def pick(kind: str) -> str:
        opts = [
            f"WHEN {cur_expr} = '{c}' THEN {nb(quote_ident(col[(kind, c)]))}"
            for c in currencies
            if (kind, c) in col
        ]
        return f"(CASE {' '.join(opts)} END)" if opts else "NULL"

    names = "NULL"
    comp = _companions(ctx.path)
    if comp:
        opts = ", ".join(delimiter_of(comp[0]).duckdb_options())
        ctx.con.execute(
            f"CREATE OR REPLACE TEMP TABLE _gpa_adv AS SELECT * FROM read_csv("
            f"{literal(comp[0])}, header=true, all_varchar=true, {opts})"
        )
        names = "(SELECT any_value(Advertiser_Name) FROM _gpa_adv g WHERE g.Advertiser_ID = src.Advertiser_ID)"
    has = {h.lower() for h in header}

    def c(name: str) -> str:
        return nb(quote_ident(name)) if name.lower() in has else "NULL"

    start = f"COALESCE({ts(c('First_Served_Timestamp'))}, {ts(c('Date_Range_Start'))})"
    lo, hi = pick("min"), pick("max")
    spend_raw = (
        f"CASE WHEN {lo} IS NOT NULL THEN {lo} || '-' || COALESCE({hi}, '') "
        f"ELSE {c('Spend_USD')} END"
    )
    bad_field, bad_reason = _bad_numbers(list(col.values()))
    ctx.stage_sql(
        "stg_ads",
        f"""
        SELECT ? AS platform, {nb("Ad_ID")} AS ad_id, {nb("Advertiser_ID")} AS advertiser_id,
               COALESCE({c("Advertiser_Name")}, {names}) AS advertiser_name,
               COALESCE({c("Advertiser_Name")}, {names}) AS payer,
               {start} AS start_at,
               COALESCE({ts(c("Last_Served_Timestamp"))}, {ts(c("Date_Range_End"))}) AS end_at,
               TRY_CAST(replace({lo}, ',', '') AS DOUBLE) AS spend_lower,
               CASE WHEN {lo} IS NOT NULL THEN TRY_CAST(replace({hi}, ',', '') AS DOUBLE) END
                 AS spend_upper,
               {spend_raw} AS spend_raw,
               COALESCE({cur_expr}, CASE WHEN {c("Spend_USD")} IS NOT NULL THEN 'USD' END) AS currency,
               {nb("Impressions")} AS impressions_raw,
               _line AS source_line,
               CASE WHEN {c("Date_Range_Start")} IS NOT NULL AND {start} IS NULL
                    THEN 'Date_Range_Start' {bad_field} END AS _error_field,
               CASE WHEN {c("Date_Range_Start")} IS NOT NULL AND {start} IS NULL
                    THEN 'unparseable date ''' || {c("Date_Range_Start")} || ''''
                    {bad_reason} END AS _error
        FROM src""",
        [ctx.platform or "google"],
    )
    crit = []
    for i, (column, kind, mode) in enumerate(
        (
            ("Geo_Targeting_Included", "location", "include"),
            ("Geo_Targeting_Excluded", "location", "exclude"),
            ("Age_Targeting", "age", "include"),
            ("Gender_Targeting", "gender", "include"),
        ),
        1,
    ):
        if column.lower() in has:
            crit.append(
                f"SELECT {nb('Ad_ID')} AS ad_id, _line AS _ad_line, {i} AS ordinal, "
                f"{literal(kind)} AS kind, {literal(mode)} AS mode, {c(column)} AS value, "
                f"{literal(column + ': ')} || {c(column)} AS raw, {c('Regions')} AS _hint FROM src "
                f"WHERE {c(column)} IS NOT NULL"
            )
    if crit:
        ctx.stage_sql(
            "stg_ad_targeting",
            f"SELECT ? AS platform, * FROM ({' UNION ALL '.join(crit)})",
            [ctx.platform or "google"],
        )
    if "regions" in has:
        ctx.stage_sql(
            "stg_ad_delivery",
            f"""
            SELECT ? AS platform, {nb("Ad_ID")} AS ad_id, _line AS _ad_line, 'country' AS dimension,
                   trim(r) AS value
            FROM (SELECT *, unnest(string_split({c("Regions")}, ',')) AS r FROM src
                  WHERE {c("Regions")} IS NOT NULL)""",
            [ctx.platform or "google"],
        )


def _bad_numbers(columns: list[str]) -> tuple[str, str]:
    """CASE branches naming the first spend range column whose value is not a number."""
    field, reason = [], []
    for name in columns:
        v = nb(quote_ident(name))
        test = f"WHEN {v} IS NOT NULL AND TRY_CAST(replace({v}, ',', '') AS DOUBLE) IS NULL"
        field.append(f"{test} THEN {literal(name)}")
        reason.append(f"{test} THEN {literal(name + ' is not a number: ')} || left({v}, 80)")
    return " ".join(field), " ".join(reason)
