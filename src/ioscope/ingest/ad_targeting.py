"""Targeting criteria to countries, and each ad's per-country targeting status.

The rules (documented with examples in docs/ads.md), for one ad and one country C:

1. ``excluded`` — an exclude-location criterion covers the whole of C (``exclude_location``).
2. ``definite`` — an include-location criterion resolves to C alone: C itself or a place within
   it (``include_location``).
3. ``potential`` — C is one of several countries of a multi-country include-location criterion
   (``multi_country_location``); or the ad has no single-country geography (none at all, only
   worldwide, or only multi-country lists containing C) and a criterion links it to C: a
   language variant (``language``), a look-alike of the followers of a handle from C
   (``follower_lookalike``), a custom or look-alike audience built in C (``custom_audience``) or
   an interest naming C (``interest``).
4. ``unknown`` — no criterion points to any country: one row with country ``ZZ``
   (``no_targeting_data``, ``unresolved_location`` or ``no_geography_no_link``).

Earlier rules win: a country both excluded and included is excluded.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable

from ioscope.ingest.lazy import lazy
from ioscope.reference.geo import country_code, language_countries, resolve_location

pa = lazy("pyarrow")

__all__ = ["classify_ad", "classify_new_ads", "resolve_criteria", "LINK_KINDS"]

LINK_KINDS = ("language", "follower_lookalike", "custom_audience", "interest")
_LOOKALIKE = re.compile(r"look-?alike\s*\(\s*([A-Za-z]{2})\b", re.I)


def _criterion_countries(
    kind: str, value: str | None, hint: str | None, handle_country: dict[str, str]
) -> tuple[list[str], str | None]:
    if kind == "location":
        return resolve_location(value, hint)
    if not value:
        return [], None
    if kind == "language":
        return language_countries(value), None
    if kind in ("custom_audience", "follower_lookalike"):
        m = _LOOKALIKE.search(value)
        if m and country_code(m.group(1).upper()):
            return [country_code(m.group(1).upper())], None
        if kind == "follower_lookalike":
            c = handle_country.get(value.lstrip("@").lower())
            return ([c] if c else []), None
        return [], None
    if kind == "interest":
        c = country_code(value)
        return ([c] if c else []), None
    return [], None


def _handle_countries(con, table: str) -> dict[str, str]:
    """Countries of look-alike handles: the state-media registry, then workspace profiles."""
    from ioscope.reference.statemedia import handle_countries

    wanted = {
        r[0]
        for r in con.execute(
            f"SELECT DISTINCT lower(ltrim(value, '@')) FROM {table} WHERE kind = 'follower_lookalike' "
            "AND value IS NOT NULL"
        ).fetchall()
    }
    if not wanted:
        return {}
    out = {h: c for h, c in handle_countries().items() if h in wanted}
    has_accounts = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'accounts' AND NOT temporary"
    ).fetchall()[0][0]
    if has_accounts:
        con.register("_wanted_handles", pa.table({"h": sorted(wanted)}))
        try:
            rows = con.execute(
                "SELECT lower(a.handle), any_value(a.location) FROM accounts a "
                "JOIN _wanted_handles w ON lower(a.handle) = w.h "
                "WHERE a.location IS NOT NULL GROUP BY 1"
            ).fetchall()
        finally:
            con.unregister("_wanted_handles")
        for h, loc in rows:
            countries, _ = resolve_location(loc)
            if h not in out and len(countries) == 1:
                out[h] = countries[0]
    return out


def resolve_criteria(con, table: str) -> None:
    """Fill ``countries`` and ``geo_scope`` of staged criteria that the reader left empty."""
    todo = con.execute(
        f"SELECT DISTINCT kind, value, _hint FROM {table} WHERE countries IS NULL"
    ).fetchall()
    if not todo:
        return
    handles = _handle_countries(con, table)
    rows = [(k, v, h, *_criterion_countries(k, v, h, handles)) for k, v, h in todo]
    data = pa.table(
        {
            "kind": [r[0] for r in rows],
            "value": [r[1] for r in rows],
            "hint": [r[2] for r in rows],
            "countries": [r[3] for r in rows],
            "scope": [r[4] for r in rows],
        },
        schema=pa.schema(
            [
                ("kind", pa.string()),
                ("value", pa.string()),
                ("hint", pa.string()),
                ("countries", pa.list_(pa.string())),
                ("scope", pa.string()),
            ]
        ),
    )
    con.register("_crit_map", data)
    try:
        con.execute(f"""UPDATE {table} SET countries = m.countries,
                geo_scope = COALESCE({table}.geo_scope, m.scope)
            FROM _crit_map m WHERE {table}.countries IS NULL AND {table}.kind = m.kind
              AND {table}.value IS NOT DISTINCT FROM m.value
              AND {table}._hint IS NOT DISTINCT FROM m.hint""")
    finally:
        con.unregister("_crit_map")


def classify_ad(criteria: Iterable[dict]) -> list[tuple[str, str, str, str | None]]:
    """(country, status, rule, evidence) rows of one ad from its criteria (dicts with kind, mode,
    countries, geo_scope, raw).

    >>> classify_ad([{"kind": "location", "mode": "include", "countries": ["US"],
    ...               "geo_scope": "subnational", "raw": "location:Detroit, Michigan"}])
    [('US', 'definite', 'include_location', 'location:Detroit, Michigan')]
    >>> classify_ad([{"kind": "language", "mode": "include", "countries": ["GB"],
    ...               "geo_scope": None, "raw": "language:English (UK)"}])
    [('GB', 'potential', 'language', 'language:English (UK)')]
    """
    criteria = list(criteria)
    if not criteria:
        return [("ZZ", "unknown", "no_targeting_data", None)]
    out: dict[str, tuple[str, str, str | None]] = {}

    def put(c: str, status: str, rule: str, evidence: str | None) -> None:
        if c and c != "ZZ" and c not in out:
            out[c] = (status, rule, evidence)

    locs = [c for c in criteria if c["kind"] == "location"]
    for c in locs:
        if c["mode"] == "exclude" and c.get("geo_scope") in ("country", "multi_country"):
            for cc in c.get("countries") or []:
                put(cc, "excluded", "exclude_location", c.get("raw"))
    incl = [c for c in locs if c["mode"] == "include"]
    single = [
        c for c in incl if c.get("geo_scope") in ("country", "subnational") and c.get("countries")
    ]
    multi = [c for c in incl if c.get("geo_scope") == "multi_country" and c.get("countries")]
    unresolved = [c for c in incl if c.get("geo_scope") == "unresolved"]
    for c in single:
        for cc in c["countries"]:
            put(cc, "definite", "include_location", c.get("raw"))
    if not single:
        allowed = {cc for c in multi for cc in c["countries"]} if multi else None
        for kind in LINK_KINDS:
            for c in criteria:
                if c["kind"] == kind and c["mode"] == "include":
                    for cc in c.get("countries") or []:
                        if allowed is None or cc in allowed:
                            put(cc, "potential", kind, c.get("raw"))
        for c in multi:
            for cc in c["countries"]:
                put(cc, "potential", "multi_country_location", c.get("raw"))
    if not out:
        if unresolved:
            out["ZZ"] = ("unknown", "unresolved_location", unresolved[0].get("raw"))
        else:
            out["ZZ"] = ("unknown", "no_geography_no_link", None)
    return [(c, *v) for c, v in out.items()]


def classify_new_ads(con, keys_table: str, run_id: str) -> int:
    """Write ``ad_country_targeting`` rows for the ads listed in ``keys_table`` (platform, ad_id)."""
    crit: dict[tuple, list[dict]] = defaultdict(list)
    for plat, ad, kind, mode, countries, scope, raw in con.execute(
        f"""SELECT t.platform, t.ad_id, t.kind, t.mode, t.countries, t.geo_scope, t.raw
                FROM ad_targeting t SEMI JOIN {keys_table} k
                  ON k.platform = t.platform AND k.ad_id = t.ad_id
                ORDER BY t.platform, t.ad_id, t.ordinal"""
    ).fetchall():
        crit[(plat, ad)].append(
            {"kind": kind, "mode": mode, "countries": countries, "geo_scope": scope, "raw": raw}
        )
    cols: dict[str, list] = {
        k: [] for k in ("platform", "ad_id", "country", "status", "rule", "evidence")
    }
    for plat, ad in con.execute(f"SELECT platform, ad_id FROM {keys_table}").fetchall():
        for country, status, rule, evidence in classify_ad(crit.get((plat, ad), [])):
            for k, v in zip(cols, (plat, ad, country, status, rule, evidence)):
                cols[k].append(v)
    if not cols["ad_id"]:
        return 0
    con.register("_act", pa.table(cols, schema=pa.schema([(k, pa.string()) for k in cols])))
    try:
        con.execute(
            "INSERT INTO ad_country_targeting SELECT platform, ad_id, country, status, "
            "rule, evidence, ? FROM _act",
            [run_id],
        )
    finally:
        con.unregister("_act")
    return len(cols["ad_id"])
