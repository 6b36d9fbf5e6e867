"""The IRA Facebook/Instagram ads released by the House Intelligence Committee (HPSCI), as parsed
by umd-mith/irads and simonw/russian-ira-facebook-ads-datasette.

``ads.csv`` (``id,pdf,image,clicks,impressions,text,url,spend_amount,spend_currency,created,
ended``) is the primary file; the targeting comes from ``ad_targets.csv`` (ad_id, target_id) and
``targets.csv`` (id, name, category, prefix) found beside it. The data are OCR-derived: landing
hosts are repaired (see ``_hpsci_ocr``), the advertiser (the Page or account that ran the ad) is
inferred from the landing page, spend is kept in the currency the parser found (RUB for real
spend; 'USD' rows are almost all zero-spend rows without a currency on the PDF), and an end date
before the creation date is kept with a note.
"""

from __future__ import annotations

import os
import re
from collections import Counter, defaultdict

from ioscope.ingest.context import ReadContext
from ioscope.ingest.formats._hpsci_ocr import infer_advertiser, repair_urls
from ioscope.ingest.lazy import lazy
from ioscope.ingest.registry import header_cells, register_reader
from ioscope.ingest.sqlfrag import big, ts
from ioscope.ingest.sqlfrag import nullif_blank as nb
from ioscope.sql import literal

pa = lazy("pyarrow")

COLUMNS = [
    "id",
    "pdf",
    "image",
    "clicks",
    "impressions",
    "text",
    "url",
    "spend_amount",
    "spend_currency",
    "created",
    "ended",
]
TARGET_FILES = ("ad_targets.csv", "targets.csv")
_LOOKALIKE = re.compile(r"^look-?alike\s*\(\s*([A-Za-z]{2})\s*,[^)]*\)\s*-\s*(.*)$", re.I)
_LIKE = re.compile(r"^(?:exclude\s+)?people who (?:like|are going to)\s+", re.I)


def _sniff(path: str, head: str) -> bool:
    return header_cells(head)[: len(COLUMNS)] == COLUMNS


def _companions(path: str) -> list[str]:
    folder = os.path.dirname(os.path.abspath(path))
    found = [os.path.join(folder, f) for f in TARGET_FILES]
    return found if all(os.path.isfile(f) for f in found) else []


def criterion(
    name: str, category: str, prefix: str
) -> tuple[str, str, str, str | None, list | None]:
    """(kind, mode, value, country hint, countries or None) of one HPSCI target."""
    cat = (category or "").lower()
    parts = (prefix or cat).split(":")
    sub = parts[1].lower() if len(parts) > 1 else ""
    value = (
        name[len(prefix) + 1 :]
        if prefix and name.startswith(prefix + ":")
        else name.split(":", 1)[-1]
    )
    value = value.strip()
    if cat in ("location", "location_living_in", "location_recently_in", "exclude_location"):
        mode = "exclude" if cat == "exclude_location" else "include"
        hint = sub.replace("_", " ") if sub else None
        return "location", mode, value, hint, None
    if cat in ("age", "gender", "language", "placements"):
        return ("placement" if cat == "placements" else cat), "include", value, None, None
    if cat == "custom_audience":
        m = _LOOKALIKE.match(value)
        if m and m.group(2).lower().startswith("people who like"):
            return (
                "follower_lookalike",
                "include",
                _LIKE.sub("", m.group(2)),
                None,
                [m.group(1).upper()],
            )
        return "custom_audience", "include", value, None, None
    if cat in ("connections", "friends_of_connections", "page", "excluded_connections"):
        mode = "exclude" if cat == "excluded_connections" else "include"
        return "connection", mode, _LIKE.sub("", value), None, None
    mode = "exclude" if cat == "exclude" else "include"
    area = sub if cat in ("people_who_match", "and_must_also_match", "exclude") else cat
    if "behavio" in area or "multicultural" in area or "facebook" in area or "using" in area:
        return "behavior", mode, value, None, None
    if any(
        w in area
        for w in (
            "employer",
            "industry",
            "field_of_study",
            "job_title",
            "generation",
            "home_composition",
        )
    ):
        return "demographic", mode, value, None, None
    if "connections" in area.lower():
        return "connection", mode, value, None, None
    if (
        "interest" in area
        or "politic" in area
        or cat in ("people_who_match", "and_must_also_match")
    ):
        return "interest", mode, value, None, None
    return "other", mode, value, None, None


@register_reader(
    "hpsci-ads",
    summary="HPSCI IRA Facebook ads (ads.csv; ad_targets.csv and "
    "targets.csv beside it are read too)",
    sniff=_sniff,
    priority=15,
    companions=_companions,
)
def read_hpsci_ads(ctx: ReadContext) -> None:
    ctx.load_csv(required=COLUMNS)
    con = ctx.con
    _landing_table(con)
    platform = ctx.platform or "facebook"
    spend = nb("spend_amount")
    ctx.stage_sql(
        "stg_ads",
        f"""
        SELECT ? AS platform, {nb("id")} AS ad_id, l.advertiser_id, l.advertiser_name,
               l.advertiser_handle, text AS creative_text, {nb("src.url")} AS landing_url,
               l.repaired AS landing_url_normalized,
               {ts("created")} AS start_at, {ts("ended")} AS end_at,
               spend_amount AS spend_raw, TRY_CAST({spend} AS DOUBLE) AS spend_lower,
               TRY_CAST({spend} AS DOUBLE) AS spend_upper, {nb("spend_currency")} AS currency,
               impressions AS impressions_raw, CAST({big("impressions")} AS DOUBLE) AS impressions_lower,
               CAST({big("impressions")} AS DOUBLE) AS impressions_upper, {big("clicks")} AS clicks,
               list_filter([l.how, l.repair_note,
                 CASE WHEN {ts("ended")} < {ts("created")} THEN 'end date before creation date (as released)' END,
                 CASE WHEN {nb("created")} IS NULL THEN 'no creation date in the release' END,
                 CASE WHEN upper({nb("spend_currency")}) = 'USD' THEN 'currency USD as parsed: the release shows no currency for most such ads' END,
                 CASE WHEN {big("clicks")} > {big("impressions")} THEN 'more clicks than impressions (OCR)' END],
                 lambda x: x IS NOT NULL) AS notes,
               _line AS source_line,
               CASE WHEN {nb("id")} IS NULL THEN 'id'
                    WHEN {spend} IS NOT NULL AND TRY_CAST({spend} AS DOUBLE) IS NULL
                    THEN 'spend_amount' END AS _error_field,
               CASE WHEN {nb("id")} IS NULL THEN 'missing ad id'
                    WHEN {spend} IS NOT NULL AND TRY_CAST({spend} AS DOUBLE) IS NULL
                    THEN 'spend_amount is not a number: ' || left({spend}, 80) END AS _error,
               concat_ws(',', id, pdf, clicks, impressions, src.url, spend_amount, spend_currency,
                         created, ended) AS _raw
        FROM src LEFT JOIN _hpsci_landing l ON l.url IS NOT DISTINCT FROM src.url""",
        [platform],
    )
    files = _companions(ctx.path)
    if files:
        _stage_targeting(ctx, platform, *files)


def _landing_table(con) -> None:
    rows = con.execute("SELECT url, count(*) FROM src GROUP BY url").fetchall()
    urls = [u for u, n in rows for _ in range(n)]  # frequencies matter for the repair
    repaired = dict(zip(urls, repair_urls(urls)))
    inferred = {u: infer_advertiser(repaired[u]) for u, _ in rows}
    names: dict[str, Counter] = defaultdict(Counter)
    for u, n in rows:
        if inferred[u]:
            names[inferred[u][0]][inferred[u][1]] += n
    best = {k: c.most_common(1)[0][0] for k, c in names.items()}
    cols: dict[str, list] = {
        k: []
        for k in (
            "url",
            "repaired",
            "advertiser_id",
            "advertiser_name",
            "advertiser_handle",
            "how",
            "repair_note",
        )
    }
    for u, _ in rows:
        inf = inferred[u]
        cols["url"].append(u)
        cols["repaired"].append(repaired[u])
        cols["advertiser_id"].append(inf[0] if inf else None)
        cols["advertiser_name"].append(best[inf[0]] if inf else None)
        cols["advertiser_handle"].append(inf[2] if inf else None)
        cols["how"].append(f"advertiser inferred from {inf[3]}" if inf else None)
        changed = (
            u and repaired[u] and (repaired[u].split("/")[2:3] != u.strip().lower().split("/")[2:3])
        )
        cols["repair_note"].append(
            f"landing host OCR-repaired to {repaired[u].split('/')[2]}" if changed else None
        )
    con.register("_hpsci_arrow", pa.table(cols, schema=pa.schema([(k, pa.string()) for k in cols])))
    try:
        con.execute("CREATE OR REPLACE TEMP TABLE _hpsci_landing AS SELECT * FROM _hpsci_arrow")
    finally:
        con.unregister("_hpsci_arrow")


def _stage_targeting(ctx: ReadContext, platform: str, ad_targets: str, targets: str) -> None:
    con = ctx.con
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _hpsci_targets AS
        SELECT * FROM read_csv({literal(targets)}, header=true, all_varchar=true)""")
    mapped = [
        (tid, *criterion(name or "", cat or "", prefix or ""), name)
        for tid, name, cat, prefix in con.execute(
            "SELECT id, name, category, prefix FROM _hpsci_targets"
        ).fetchall()
    ]
    schema = pa.schema(
        [
            ("tid", pa.string()),
            ("kind", pa.string()),
            ("mode", pa.string()),
            ("value", pa.string()),
            ("hint", pa.string()),
            ("countries", pa.list_(pa.string())),
            ("raw", pa.string()),
        ]
    )
    con.register("_hpsci_crit", pa.table(list(zip(*mapped)) if mapped else [[]] * 7, schema=schema))
    try:
        con.execute(
            f"""INSERT INTO stg_ad_targeting BY NAME
            SELECT ? AS platform, trim(a.ad_id) AS ad_id,
                   CAST(row_number() OVER (PARTITION BY trim(a.ad_id) ORDER BY a._ord) AS INTEGER)
                     AS ordinal,
                   c.kind, c.mode, c.value, c.countries,
                   CASE WHEN c.countries IS NOT NULL AND c.kind = 'location' THEN 'country' END
                     AS geo_scope,
                   c.raw, c.hint AS _hint
            FROM (SELECT *, row_number() OVER () AS _ord FROM read_csv({literal(ad_targets)},
                  header=true, all_varchar=true)) a
            JOIN _hpsci_crit c ON c.tid = trim(a.target_id)""",
            [platform],
        )
    finally:
        con.unregister("_hpsci_crit")
