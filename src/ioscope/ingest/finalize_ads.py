"""Validate, normalize, convert and merge one file's staged ads (``stg_ads`` and its children).

The same contract as posts: every record read is ingested or quarantined with a reason; ads
already in the workspace are left as they are (idempotence); everything runs inside the ingest
transaction. Spend is converted to USD on distinct (currency, date) pairs, not per row.
"""

from __future__ import annotations

from ioscope.ingest.ad_targeting import classify_new_ads, resolve_criteria
from ioscope.ingest.context import ReadContext
from ioscope.ingest.lazy import lazy
from ioscope.ingest.quantity import parse_quantity
from ioscope.ingest.urls import normalize_url, registered_domain
from ioscope.model.ads import ADS_TABLES
from ioscope.model.table import get_table
from ioscope.reference.fx import usd_rates

pa = lazy("pyarrow")

__all__ = ["prepare_ads", "merge_ads"]


def prepare_ads(ctx: ReadContext) -> None:
    """Fill defaults, quarantine invalid ads, parse quantities, normalize landing URLs, convert."""
    con = ctx.con
    con.execute(
        "UPDATE stg_ads SET platform = COALESCE(platform, ?), source_file = "
        "COALESCE(source_file, ?), run_id = ?, notes = COALESCE(notes, []::VARCHAR[])",
        [ctx.platform, ctx.options.get("source_name") or ctx.path, ctx.run_id],
    )
    for child in ("stg_ad_targeting", "stg_ad_delivery"):
        con.execute(
            f"UPDATE {child} SET platform = COALESCE(platform, ?), run_id = ?",
            [ctx.platform, ctx.run_id],
        )
    checks = [
        ("_error IS NOT NULL", "_error_field", "_error"),
        ("platform IS NULL", "'platform'", "'no platform (give --platform)'"),
        ("ad_id IS NULL OR trim(ad_id) = ''", "'ad_id'", "'missing ad id'"),
    ]
    bad = " OR ".join(f"({c})" for c, _, _ in checks)
    field = "CASE " + " ".join(f"WHEN {c} THEN {f}" for c, f, _ in checks) + " END"
    reason = "CASE " + " ".join(f"WHEN {c} THEN {r}" for c, _, r in checks) + " END"
    raw = (
        "COALESCE(_raw, CAST(to_json(struct_pack(ad_id, advertiser_id, advertiser_name, "
        "start_at, spend_raw, currency, impressions_raw)) AS VARCHAR))"
    )
    con.execute(
        f"INSERT INTO stg_quarantine SELECT source_line, {field}, {reason}, {raw} "
        f"FROM stg_ads WHERE {bad}"
    )
    con.execute(f"DELETE FROM stg_ads WHERE {bad}")
    for name in ("spend", "impressions"):
        _fill_quantity(con, name)
    _landing(con)
    _convert(con)


def _map_table(con, name: str, table: pa.Table) -> None:
    con.register("_map_arrow", table)
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM _map_arrow")
    finally:
        con.unregister("_map_arrow")


def _fill_quantity(con, name: str) -> None:
    lo, hi, raw = f"{name}_lower", f"{name}_upper", f"{name}_raw"
    todo = [
        r[0]
        for r in con.execute(
            f"SELECT DISTINCT {raw} FROM stg_ads WHERE {lo} IS NULL AND {hi} IS NULL "
            f"AND NULLIF(trim({raw}), '') IS NOT NULL"
        ).fetchall()
    ]
    if todo:
        parsed = [parse_quantity(t) for t in todo]
        _map_table(
            con,
            "_qty",
            pa.table(
                {"raw": todo, "lo": [p[0] for p in parsed], "hi": [p[1] for p in parsed]},
                schema=pa.schema(
                    [("raw", pa.string()), ("lo", pa.float64()), ("hi", pa.float64())]
                ),
            ),
        )
        con.execute(
            f"UPDATE stg_ads SET {lo} = q.lo, {hi} = q.hi, notes = CASE WHEN q.lo IS NULL "
            f"THEN list_append(notes, 'unreadable {name}: ' || q.raw) "
            f"ELSE notes END FROM _qty q WHERE stg_ads.{raw} = q.raw "
            f"AND stg_ads.{lo} IS NULL AND stg_ads.{hi} IS NULL"
        )
    con.execute(
        f"UPDATE stg_ads SET {raw} = COALESCE({raw}, CASE WHEN {lo} = {hi} "
        f"THEN CAST({lo} AS VARCHAR) END) WHERE {raw} IS NULL"
    )


def _landing(con) -> None:
    urls = [
        r[0]
        for r in con.execute(
            "SELECT DISTINCT COALESCE(landing_url_normalized, landing_url) FROM stg_ads "
            "WHERE COALESCE(landing_url_normalized, landing_url) IS NOT NULL"
        ).fetchall()
    ]
    if not urls:
        return
    norm = [normalize_url(u) for u in urls]
    _map_table(
        con,
        "_landing_map",
        pa.table({"u": urls, "n": norm, "d": [registered_domain(n) if n else None for n in norm]}),
    )
    con.execute(
        "UPDATE stg_ads SET landing_url_normalized = m.n, landing_domain = "
        "COALESCE(stg_ads.landing_domain, m.d) FROM _landing_map m "
        "WHERE COALESCE(stg_ads.landing_url_normalized, stg_ads.landing_url) = m.u"
    )


def _convert(con) -> None:
    pairs = con.execute(
        "SELECT DISTINCT upper(trim(currency)), CAST(start_at AS DATE) FROM stg_ads "
        "WHERE currency IS NOT NULL AND start_at IS NOT NULL"
    ).fetchall()
    rates = usd_rates((c, d) for c, d in pairs)
    if rates:
        _map_table(
            con,
            "_fx",
            pa.table(
                {
                    "cur": [k[0] for k in rates],
                    "day": [k[1] for k in rates],
                    "rate": [v for v in rates.values()],
                },
                schema=pa.schema(
                    [("cur", pa.string()), ("day", pa.date32()), ("rate", pa.float64())]
                ),
            ),
        )
        con.execute(
            "UPDATE stg_ads SET currency = f.cur, fx_date = f.day, fx_rate = f.rate "
            "FROM _fx f WHERE upper(trim(stg_ads.currency)) = f.cur "
            "AND CAST(stg_ads.start_at AS DATE) = f.day"
        )
    con.execute("""UPDATE stg_ads SET
        spend_usd_lower = CASE WHEN spend_lower = 0 THEN 0 ELSE spend_lower * fx_rate END,
        spend_usd_upper = CASE WHEN spend_upper = 0 THEN 0 ELSE spend_upper * fx_rate END""")
    con.execute("""UPDATE stg_ads SET notes = list_append(notes, CASE
            WHEN currency IS NULL THEN 'no currency: spend not converted to USD'
            WHEN start_at IS NULL THEN 'no start date: spend not converted to USD'
            ELSE 'no ECB rate for ' || currency || ' on ' || CAST(fx_date AS VARCHAR)
                 || ': spend not converted to USD' END)
        WHERE fx_rate IS NULL AND COALESCE(spend_lower, spend_upper, 0) > 0""")
    con.execute(
        "UPDATE stg_ads SET fx_date = CAST(start_at AS DATE) WHERE fx_date IS NULL "
        "AND fx_rate IS NULL AND currency IS NOT NULL"
    )


def merge_ads(ctx: ReadContext) -> int:
    """Insert the staged ads that are new, their criteria and delivery, and classify countries."""
    con = ctx.con
    for name in ADS_TABLES:
        get_table(name).create(con)
    con.execute("""CREATE OR REPLACE TEMP TABLE _new_ads AS
        SELECT * EXCLUDE (_rn) FROM (
            SELECT *, row_number() OVER (PARTITION BY platform, ad_id ORDER BY source_line) AS _rn
            FROM stg_ads) s
        WHERE _rn = 1 AND NOT EXISTS (SELECT 1 FROM ads a WHERE a.platform = s.platform
                                      AND a.ad_id = s.ad_id)""")
    cols = ", ".join(f'"{c}"' for c in get_table("ads").column_names)
    con.execute(f"INSERT INTO ads ({cols}) SELECT {cols} FROM _new_ads")
    n = con.execute("SELECT count(*) FROM _new_ads").fetchone()[0]
    if n == 0:
        return 0
    con.execute(
        "UPDATE stg_ad_targeting SET value = NULLIF(trim(value), ''), "
        "mode = COALESCE(mode, 'include')"
    )
    for child in ("stg_ad_targeting", "stg_ad_delivery"):  # children of the kept occurrence
        con.execute(
            f"DELETE FROM {child} t WHERE NOT EXISTS (SELECT 1 FROM _new_ads a "
            "WHERE a.platform = t.platform AND a.ad_id = t.ad_id AND (t._ad_line IS NULL "
            "OR t._ad_line = a.source_line))"
        )
    con.execute("DELETE FROM stg_ad_targeting WHERE kind IS NULL")
    resolve_criteria(con, "stg_ad_targeting")
    tcols = ", ".join(f'"{c}"' for c in get_table("ad_targeting").column_names if c != "ordinal")
    con.execute(f"""INSERT INTO ad_targeting ({tcols}, ordinal)
        SELECT {tcols}, ordinal FROM (
            SELECT *, row_number() OVER (PARTITION BY platform, ad_id, ordinal ORDER BY _rid) AS _rn
            FROM (SELECT * EXCLUDE (ordinal), rowid AS _rid, COALESCE(ordinal, CAST(row_number()
                      OVER (PARTITION BY platform, ad_id ORDER BY rowid) AS INTEGER)) AS ordinal
                  FROM stg_ad_targeting))
        WHERE _rn = 1""")
    dcols = ", ".join(f'"{c}"' for c in get_table("ad_delivery").column_names)
    con.execute(f"""INSERT INTO ad_delivery ({dcols})
        SELECT {dcols} FROM (SELECT *, row_number() OVER (PARTITION BY platform, ad_id, dimension,
                   value ORDER BY rowid) AS _rn FROM stg_ad_delivery) d
        WHERE _rn = 1 AND value IS NOT NULL""")
    classify_new_ads(con, "_new_ads", ctx.run_id)
    return n
