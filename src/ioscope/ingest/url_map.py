"""Normalized URLs and registered domains for a staging table, computed once per distinct URL.

Most URLs in social-media data are plain ``http(s)://host/path`` links (t.co and friends). For
those, :func:`ioscope.ingest.urls.normalize_url` reduces to lower-casing the scheme and host and
dropping the fragment and trailing slashes, which SQL does at column speed. Only the remaining
URLs (query strings, ports, user info, no scheme, odd characters) go through Python, and the
registered domain is computed once per distinct host. ``tests/test_ingest_urls.py`` checks that
both paths agree with :func:`normalize_url` and :func:`registered_domain`.
"""

from __future__ import annotations

from ioscope.ingest.lazy import lazy
from ioscope.ingest.urls import normalize_url, registered_domain

pa = lazy("pyarrow")

__all__ = ["CLEAN_URLS", "FAST_URL_RE", "build_url_lists", "clean_urls"]


def clean_urls(col: str) -> str:
    """A URL list as stored: trimmed, without empty strings."""
    return (
        f"list_filter(list_transform(COALESCE({col}, []::VARCHAR[]), lambda u: trim(u)), "
        "lambda u: u <> '')"
    )


CLEAN_URLS = clean_urls("urls")

#: URLs whose normalization SQL can do: http(s), a plain ASCII host, no port, user info or query.
FAST_URL_RE = r"^([Hh][Tt][Tt][Pp][Ss]?)://([A-Za-z0-9][A-Za-z0-9.\-]*)(/[^?#\x00-\x20\x7f-\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}]*)?(#.*)?$"


def build_url_lists(con, stg: str, out: str = "_url_lists") -> bool:
    """Create temp table ``out`` (raw, n, d): for each distinct staged ``urls`` list, the
    normalized URLs and registered domains of its cleaned items, in order (reposts share their
    lists, so there are far fewer lists than rows). Join it on ``raw = urls``. Returns False (and
    creates nothing) when no row of ``stg`` has a URL."""
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _url_rows AS
        SELECT raw, unnest(l) AS u, generate_subscripts(l, 1) AS i
        FROM (SELECT raw, {clean_urls("raw")} AS l
              FROM (SELECT DISTINCT urls AS raw FROM {stg}
                    WHERE len(urls) > 0 AND urls_normalized IS NULL))""")
    if con.execute("SELECT count(*) FROM _url_rows").fetchall()[0][0] == 0:
        con.execute("DROP TABLE _url_rows")
        return False
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _url_map AS
        SELECT u, regexp_matches(u, '{FAST_URL_RE}') AS fast,
               CASE WHEN fast THEN lower(regexp_extract(u, '{FAST_URL_RE}', 1)) || '://'
                    || rtrim(lower(regexp_extract(u, '{FAST_URL_RE}', 2)), '.')
                    || rtrim(regexp_extract(u, '{FAST_URL_RE}', 3), '/') END AS n,
               CASE WHEN fast THEN rtrim(lower(regexp_extract(u, '{FAST_URL_RE}', 2)), '.') END AS h,
               CAST(NULL AS VARCHAR) AS d
        FROM (SELECT DISTINCT u FROM _url_rows)""")
    slow = [r[0] for r in con.execute("SELECT u FROM _url_map WHERE NOT fast").fetchall()]
    if slow:
        norm = [normalize_url(u) for u in slow]
        _apply(
            con,
            "UPDATE _url_map SET n = x.n, d = x.d FROM _x x WHERE _url_map.u = x.u",
            pa.table({"u": slow, "n": norm, "d": [registered_domain(n) for n in norm]}),
        )
    hosts = [r[0] for r in con.execute("SELECT DISTINCT h FROM _url_map WHERE fast").fetchall()]
    if hosts:
        _apply(
            con,
            "UPDATE _url_map SET d = x.d FROM _x x WHERE _url_map.h = x.h",
            pa.table({"h": hosts, "d": [registered_domain(h) for h in hosts]}),
        )
    con.execute(f"""CREATE OR REPLACE TEMP TABLE {out} AS
        SELECT r.raw, list(m.n ORDER BY r.i) AS n, list(m.d ORDER BY r.i) AS d
        FROM _url_rows r JOIN _url_map m USING (u) GROUP BY r.raw""")
    con.execute("DROP TABLE _url_rows; DROP TABLE _url_map")
    return True


def _apply(con, sql: str, table: pa.Table) -> None:
    con.register("_x", table)
    try:
        con.execute(sql)
    finally:
        con.unregister("_x")
