"""The clock an account claims: a UTC offset range from its reported location, else its language.

Locations are free text ("Nashville, TN", "Brooklyn, New York, USA", "Москва"). We look up every
1- to 3-word sequence of the lower-cased location and upper-case two-letter US state codes after a
comma in :mod:`ioscope.reference.languages`. Addresses go from specific to general, so the
last-mentioned place decides, refined by any earlier place whose range lies inside it
("Brooklyn, USA" → UTC−5). Accounts without a resolvable location fall back to the band of their
account language when that language is spoken in one band (Russian, German, Japanese, ...).
"""

from __future__ import annotations

import duckdb

from ioscope.accounts._sql import lang_code, register_arrow, register_language_names
from ioscope.reference.languages import (
    language_offsets_table,
    places_table,
    us_state_abbreviations_table,
)

__all__ = ["claimed_offsets"]


def _register(con: duckdb.DuckDBPyConnection, name: str, table) -> None:
    register_arrow(con, name + "_arrow", table)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM {name}_arrow")
    con.unregister(name + "_arrow")


def claimed_offsets(con: duckdb.DuckDBPyConnection) -> str:
    """Create temp table ``_claimed_offset`` and return its name.

    Columns: platform, account_id, lo, hi (hours), basis ('location' or 'language'), claim (the
    location text or language code).
    """
    _register(con, "_places", places_table())
    _register(con, "_state_abbr", us_state_abbreviations_table())
    _register(con, "_lang_offsets", language_offsets_table())
    register_language_names(con)
    con.execute(r"""
        CREATE OR REPLACE TEMP TABLE _loc AS
        SELECT DISTINCT location FROM accounts WHERE NULLIF(trim(location), '') IS NOT NULL""")
    con.execute(r"""
        CREATE OR REPLACE TEMP TABLE _loc_cand AS
        WITH tok AS (
            SELECT location, list_filter(regexp_split_to_array(lower(location), '[^\p{L}]+'),
                                         lambda x: x <> '') AS words
            FROM _loc),
        pos AS (SELECT location, words, unnest(generate_series(1, len(words))) AS i FROM tok),
        grams AS (
            SELECT location, i * 10 + k AS pos,
                   array_to_string(words[i:i + k - 1], ' ') AS gram
            FROM pos, (VALUES (1), (2), (3), (4)) g(k)
            WHERE i + k - 1 <= len(words))
        SELECT g.location, g.pos, p.lo, p.hi FROM grams g JOIN _places p ON p.name = g.gram
        UNION ALL
        SELECT location, 100000 + ord AS pos, s.lo, s.hi
        FROM (SELECT location, unnest(regexp_extract_all(location, ',\s*([A-Z]{2})\b', 1)) AS abbr,
                     unnest(generate_series(1, len(regexp_extract_all(location,
                            ',\s*([A-Z]{2})\b', 1)))) AS ord
              FROM _loc) x
        JOIN _state_abbr s ON s.abbr = x.abbr""")
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _loc_offset AS
        WITH last AS (SELECT location, arg_max(lo, pos) AS llo, arg_max(hi, pos) AS lhi
                      FROM _loc_cand GROUP BY location)
        SELECT c.location, arg_min(c.lo, [c.hi - c.lo, -c.pos]) AS lo,
               arg_min(c.hi, [c.hi - c.lo, -c.pos]) AS hi
        FROM _loc_cand c JOIN last l USING (location)
        WHERE c.lo >= l.llo AND c.hi <= l.lhi
        GROUP BY c.location""")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _claimed_offset AS
        SELECT a.platform, a.account_id,
               COALESCE(lo.lo, lg.lo) AS lo, COALESCE(lo.hi, lg.hi) AS hi,
               CASE WHEN lo.lo IS NOT NULL THEN 'location' ELSE 'language' END AS basis,
               CASE WHEN lo.lo IS NOT NULL THEN a.location ELSE lg.code END AS claim
        FROM accounts a
        LEFT JOIN _loc_offset lo ON lo.location = a.location
        LEFT JOIN (SELECT platform, account_id, {lang_code("language")} AS code FROM accounts) al
               ON al.platform = a.platform AND al.account_id = a.account_id
        LEFT JOIN _lang_offsets lg ON lg.code = al.code
        WHERE lo.lo IS NOT NULL OR lg.lo IS NOT NULL""")
    return "_claimed_offset"
