"""Data-quality notes of the ads audit: dates outside a release's stated period, and advertiser
names that differ only by OCR-like variation.

Both are notes for the reader, never corrections: no date is changed and no advertiser merged.

* **Dates outside the release's period.** Some ad releases state the period their ads cover
  (:data:`RELEASE_PERIODS`, keyed by the reader that ingested the file, as ``runs`` records it).
  An ad whose start or end falls outside it is listed with both dates: in an OCR-derived release
  such a date is almost always a misread digit (the HPSCI release has two ads "created" in 2018).
* **Name variants.** Advertiser names are compared after :func:`name_key_sql`: lower case, a
  trailing domain suffix removed (``.com``, ``.us``, ...), everything but letters and digits
  (of any script) removed, and the characters OCR confuses mapped to one (``0``/``o``/``c``,
  ``1``/``i``/``l``, ``2``/``z``). Two advertisers are a suggested pair when their keys are equal, or when both keys
  have at least :data:`MIN_KEY` characters, hold the same digits in the same order (``Page 12``
  and ``Page 13`` are different pages) and are at most one edit apart (two for keys of
  :data:`LONG_KEY` characters or more: Levenshtein distance). Pairs are joined into groups
  (connected components); each group lists every advertiser with its ads and spend, and every
  pair with the rule that linked it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from ioscope.sql import literal
from ioscope.workspace import Workspace

__all__ = ["RELEASE_PERIODS", "ReleasePeriod", "data_quality", "name_key_sql", "QUALITY_QUERIES"]

MIN_KEY = 6
LONG_KEY = 10
#: Examples of out-of-period ads listed (the count covers all of them).
MAX_LISTED = 100


@dataclass(frozen=True)
class ReleasePeriod:
    """The period a released set of ads covers, as its publisher states it."""

    release: str
    start: date
    end: date  # inclusive
    stated: str


RELEASE_PERIODS: dict[str, ReleasePeriod] = {
    "hpsci-ads": ReleasePeriod(
        release="HPSCI Minority release of the Internet Research Agency's Facebook and Instagram "
        "ads (10 May 2018)",
        start=date(2015, 1, 1),
        end=date(2017, 12, 31),
        stated="the ads the Internet Research Agency bought from 2015 to 2017",
    ),
}

_FILES = '[{"path": "VARCHAR", "format": "VARCHAR"}]'


def name_key_sql(name: str) -> str:
    """SQL: the comparison key of an advertiser name (see the module docstring)."""
    return (
        f"translate(regexp_replace(regexp_replace(lower(trim({name})), "
        r"'\.(com|us|org|net|info|ru)$', ''), '[^\p{L}\p{N}]+', '', 'g'), '01i2o', 'cllzc')"
    )


def _render(sql: str, where: str) -> str:
    """``sql`` with the audit's filter in place of ``{where}`` (a plain replacement: the SQL
    holds JSON and names with braces)."""
    return sql.replace("{where}", where).strip()


def _periods_sql() -> str:
    rows = ", ".join(
        f"({literal(fmt)}, {literal(p.release)}, DATE '{p.start}', DATE '{p.end}')"
        for fmt, p in RELEASE_PERIODS.items()
    )
    return f"(VALUES {rows}) AS p(format, release, period_start, period_end)"


def _outside_sql() -> str:
    return f"""
WITH files AS (
  SELECT DISTINCT run_id, path, format FROM (
    SELECT run_id, unnest(from_json(row_counts -> 'files', '{_FILES}'), recursive := true)
    FROM runs WHERE command = 'ingest')),
periods AS (SELECT * FROM {_periods_sql()})
SELECT a.platform, a.ad_id, a.advertiser_name, a.start_at, a.end_at, a.spend_usd_lower,
       p.format, p.release, p.period_start, p.period_end
FROM ads a
JOIN files f ON f.run_id = a.run_id AND f.path = a.source_file
JOIN periods p ON p.format = f.format
WHERE ({{where}})
  AND (a.start_at < p.period_start OR a.start_at >= p.period_end + INTERVAL 1 DAY
       OR a.end_at < p.period_start OR a.end_at >= p.period_end + INTERVAL 1 DAY)
ORDER BY a.start_at, a.platform, a.ad_id"""


def _pairs_sql() -> str:
    """Candidates share a deletion variant (the key with up to one character removed, two for
    keys of LONG_KEY characters or more): every pair within the allowed edit distance shares
    one (the deletion neighbourhoods of Wolf Garbe's SymSpell), so the blocking misses none;
    each candidate is then checked with the rule itself."""
    near = (
        f"least(length(x.key), length(y.key)) >= {MIN_KEY} "
        "AND abs(length(x.key) - length(y.key)) <= 2 "
        "AND regexp_replace(x.key, '[^0-9]', '', 'g') "
        "  = regexp_replace(y.key, '[^0-9]', '', 'g') "
        f"AND levenshtein(x.key, y.key) <= CASE WHEN least(length(x.key), length(y.key)) "
        f">= {LONG_KEY} THEN 2 ELSE 1 END"
    )
    drop = (
        "list_transform(range(1, length({s}) + 1), "
        "lambda i: substr({s}, 1, i - 1) || substr({s}, i + 1))"
    )
    return f"""
WITH adv AS (
  SELECT a.platform, a.advertiser_id, mode(a.advertiser_name) AS name
  FROM ads a WHERE ({{where}}) AND a.advertiser_id IS NOT NULL AND a.advertiser_name IS NOT NULL
  GROUP BY a.platform, a.advertiser_id),
k AS (SELECT * FROM (SELECT platform, advertiser_id, name, {name_key_sql("name")} AS key FROM adv)
      WHERE key <> ''),
d1 AS (SELECT platform, advertiser_id, key, unnest({drop.format(s="key")}) AS v FROM k
       WHERE length(key) >= {MIN_KEY}),
d2 AS (SELECT platform, advertiser_id, key, unnest({drop.format(s="v")}) AS v FROM d1
       WHERE length(key) >= {LONG_KEY}),
variants AS (SELECT DISTINCT platform, advertiser_id, v FROM (
  SELECT platform, advertiser_id, key AS v FROM k
  UNION ALL SELECT platform, advertiser_id, v FROM d1
  UNION ALL SELECT platform, advertiser_id, v FROM d2)),
candidates AS (
  SELECT DISTINCT x.platform AS p1, x.advertiser_id AS a1, y.platform AS p2, y.advertiser_id AS a2
  FROM variants x JOIN variants y
    ON x.v = y.v AND (x.platform, x.advertiser_id) < (y.platform, y.advertiser_id))
SELECT x.platform AS platform_1, x.advertiser_id AS advertiser_id_1, x.name AS name_1,
       x.key AS key_1, y.platform AS platform_2, y.advertiser_id AS advertiser_id_2,
       y.name AS name_2, y.key AS key_2, levenshtein(x.key, y.key) AS distance
FROM candidates c
JOIN k x ON x.platform = c.p1 AND x.advertiser_id = c.a1
JOIN k y ON y.platform = c.p2 AND y.advertiser_id = c.a2
WHERE x.key = y.key OR ({near})
ORDER BY platform_1, advertiser_id_1, platform_2, advertiser_id_2"""


def _members_sql(keys: list[tuple[str, str]]) -> str:
    values = ", ".join(f"({literal(p)}, {literal(a)})" for p, a in keys) or "(NULL, NULL)"
    return f"""
SELECT a.platform, a.advertiser_id, mode(a.advertiser_name) AS advertiser_name,
       list(DISTINCT a.advertiser_name ORDER BY a.advertiser_name) AS names,
       count(*) AS ads, sum(a.spend_usd_lower) AS spend_usd,
       min(a.start_at) AS first_at, max(a.start_at) AS last_at
FROM ads a JOIN (VALUES {values}) AS g(platform, advertiser_id)
  ON g.platform = a.platform AND g.advertiser_id = a.advertiser_id
WHERE ({{where}})
GROUP BY a.platform, a.advertiser_id"""


#: The SQL of each note (``{where}`` is the audit's filter on ``ads a``).
QUALITY_QUERIES = {
    "quality_dates_outside_period": _outside_sql(),
    "quality_name_pairs": _pairs_sql(),
}


Run = Callable[[str, str], tuple[list[dict[str, Any]], Any]]


def data_quality(ws: Workspace, where: str = "TRUE", *, run: Run | None = None) -> dict[str, Any]:
    """The audit's data-quality notes (``quality`` in ``ioscope ads --json``), with their SQL
    (``queries``) and, when ``run(title, sql) -> (rows, query)`` records the queries (the
    report's tracer), the recorded queries (``refs``)."""
    run = run or (lambda title, sql: (ws.rows(sql), None))
    queries = {k: _render(v, where) for k, v in QUALITY_QUERIES.items()}
    refs: dict[str, Any] = {}
    outside: list[dict[str, Any]] = []
    if ws.has_table("runs"):
        outside, refs["dates"] = run(
            "Ads dated outside their release's stated period",
            queries["quality_dates_outside_period"],
        )
    releases: dict[str, dict[str, Any]] = {}
    for r in outside:
        rel = releases.setdefault(
            r["format"],
            {
                "format": r["format"],
                "release": r["release"],
                "period_start": r["period_start"],
                "period_end": r["period_end"],
                "stated": RELEASE_PERIODS[r["format"]].stated,
                "ads": 0,
            },
        )
        rel["ads"] += 1
    pairs, refs["pairs"] = run(
        "Advertiser names that differ only by OCR-like variation (suggested pairs)",
        queries["quality_name_pairs"],
    )
    groups, members_sql = _groups(pairs, where, run, refs)
    if members_sql:
        queries["quality_name_advertisers"] = members_sql
    return {
        "dates_outside_period": {
            "ads": len(outside),
            "releases": list(releases.values()),
            "listed": outside[:MAX_LISTED],
        },
        "name_variants": {
            "groups": groups,
            "advertisers": sum(len(g["advertisers"]) for g in groups),
            "rule": (
                f"same key after case, punctuation, spaces, domain suffix and "
                f"OCR-confusable characters are set aside; or keys of "
                f"{MIN_KEY}+ characters with the same digits, at most 1 edit "
                f"apart (2 from {LONG_KEY} characters)"
            ),
        },
        "queries": queries,
        "refs": refs,
    }


def _groups(
    pairs: list[dict[str, Any]], where: str, run: Run, refs: dict[str, Any]
) -> tuple[list[dict[str, Any]], str | None]:
    """Connected components of the suggested pairs, each advertiser with its ads and spend."""
    parent: dict[tuple, tuple] = {}

    def find(k: tuple) -> tuple:
        while parent.setdefault(k, k) != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    for p in pairs:
        a = find((p["platform_1"], p["advertiser_id_1"]))
        b = find((p["platform_2"], p["advertiser_id_2"]))
        if a != b:
            parent[max(a, b)] = min(a, b)
    if not parent:
        return [], None
    sql = _render(_members_sql(sorted(parent)), where)
    rows, refs["members"] = run("Ads and spend of the advertisers in suggested name groups", sql)
    stats = {(r["platform"], r["advertiser_id"]): r for r in rows}
    by_root: dict[tuple, dict[str, Any]] = {}
    for k in sorted(parent):
        g = by_root.setdefault(find(k), {"advertisers": [], "pairs": []})
        g["advertisers"].append(stats[k])
    for p in pairs:
        by_root[find((p["platform_1"], p["advertiser_id_1"]))]["pairs"].append(
            {
                "advertiser_1": [p["platform_1"], p["advertiser_id_1"]],
                "name_1": p["name_1"],
                "advertiser_2": [p["platform_2"], p["advertiser_id_2"]],
                "name_2": p["name_2"],
                "key_1": p["key_1"],
                "key_2": p["key_2"],
                "distance": p["distance"],
                "rule": "same key"
                if p["key_1"] == p["key_2"]
                else f"edit distance {p['distance']}",
            }
        )
    groups = []
    for g in by_root.values():
        g["advertisers"].sort(
            key=lambda r: (-(r["spend_usd"] or 0), -r["ads"], r["platform"], r["advertiser_id"])
        )
        g["ads"] = sum(r["ads"] for r in g["advertisers"])
        g["spend_usd"] = sum(r["spend_usd"] or 0 for r in g["advertisers"])
        g["names"] = sorted({n for r in g["advertisers"] for n in r["names"]})
        groups.append(g)
    groups.sort(key=lambda g: (-g["spend_usd"], -g["ads"], g["names"]))
    return groups, sql
