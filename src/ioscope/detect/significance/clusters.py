"""Campaign candidates: statistics, ranking and explanations of the fused communities.

Reads the communities of :mod:`ioscope.detect.significance.fusion` (temp tables), the significant edges and
their evidence rows, and writes ``clusters`` and ``cluster_members``. Aggregation runs in SQL;
Python only formats the sentences and the JSON details.

Ranking score of a cluster: ``min(evidence, 16) · log2(1 + linked pairs)``, where evidence is
the median over linked pairs of min(−log10 of the pair's smallest p-value, 50), linked pairs the
pairs of members joined by a significant edge (``edges``), and 16 the bound below which p-values
are printed as "< 1e-16". A cluster's score grows with how far beyond chance a typical link is
and with how many such links it has: at equal evidence, a 2-account pair (one link) scores
evidence · 1, a ring of 164 accounts with 668 links evidence · 9.4, and a dense cluster more than
a sparse one of the same size. Ties are broken by size, links, smallest
p-value and then the first member's id, so that the order never depends on the clustering's
internal numbering.

The explanations' figures are computed by :mod:`ioscope.detect.significance.figures` (the same query a reader
runs on the workspace, kept in ``details.figures_sql``).
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

import duckdb
import pyarrow as pa

from ioscope.detect.significance.explain import cluster_sentence, member_sentence, p_test
from ioscope.detect.significance.figures import cluster_figures_sql, member_figures_sql
from ioscope.detect.significance.fusion import LOG_P_CAP, MEMBERS, PAIRS
from ioscope.detect.significance.stats import p_from_log10
from ioscope.fmt import P_PRINT_MIN
from ioscope.jsonenc import dumps
from ioscope.model.names import name_sql

__all__ = ["write_clusters"]

_TOP = 5
#: −log10 of the smallest p-value printed as a number (fmt.P_PRINT_MIN): beyond it the
#: score does not tell p-values apart either, so that size and links decide.
SCORE_CAP = -math.log10(P_PRINT_MIN)
#: A member is a mirror of an account when at least this share of its posts repost that account.
MIRROR_SHARE = 0.9


def write_clusters(
    con: duckdb.DuckDBPyConnection,
    *,
    significant_edges: str,
    evidence: str,
    run_id: str,
    account_tests: str | None = None,
) -> dict[str, int]:
    """Insert the clusters of ``MEMBERS`` into ``clusters`` and their flagged members into
    ``cluster_members``.

    ``account_tests`` (platform, account_id, log10_p, q_value) adds the account-level test to
    each member. Campaign candidates rank first; clusters of mirrors (see :func:`_mirrors`) rank
    after them, and their members are listed in ``details.members`` rather than flagged.
    """
    _inside(con, significant_edges, evidence)
    clusters = _cluster_rows(con)
    if not clusters:
        return {"clusters": 0, "cluster_members": 0, "mirror_clusters": 0}
    for c, source in _mirrors(con).items():
        row = clusters[c]
        row["kind"] = "mirror"
        row["explanation"] = (
            f"Automated mirrors of one account ({source}): at least "
            f"{MIRROR_SHARE:.0%} of the posts of every member other than "
            f"{source} are reposts of it, so their synchrony follows its "
            "posting. " + row["explanation"]
        )
    rank = {c: i + 1 for i, c in enumerate(sorted(clusters, key=lambda c: _order(clusters[c])))}
    for c, row in clusters.items():
        row["cluster_id"] = row["rank"] = rank[c]
        row.pop("_order", None)
    members = _member_rows(con, rank, account_tests)
    _explain(con, rank, clusters, members, significant_edges, evidence)
    by_rank = {row["cluster_id"]: row for row in clusters.values()}
    flagged = []
    for m in members:  # mirrors are listed in their cluster's details, not flagged
        row = by_rank[m["cluster_id"]]
        if row["kind"] == "campaign":
            flagged.append(m)
        else:
            row["details"].setdefault("members", []).append(
                {k: m[k] for k in ("platform", "account_id", "handle", "name", "posts")}
            )
    _insert(con, "clusters", list(clusters.values()), run_id)
    _insert(con, "cluster_members", flagged, run_id)
    members = flagged
    return {
        "clusters": len(clusters),
        "cluster_members": len(members),
        "mirror_clusters": sum(r["kind"] == "mirror" for r in clusters.values()),
    }


def _order(row: dict[str, Any]) -> tuple:
    """Campaigns first, then by score; ties by size, links, smallest p, first member."""
    o = row["_order"]
    return (
        row["kind"] != "campaign",
        -row["score"],
        -row["size"],
        -row["edges"],
        o["min_log10_p"],
        o["first_member"],
    )


def _explain(
    con: duckdb.DuckDBPyConnection,
    rank: dict[int, int],
    clusters: dict[int, dict[str, Any]],
    members: list[dict[str, Any]],
    significant_edges: str,
    evidence: str,
) -> None:
    """Sentences and per-signal details of the clusters and members, from the figures queries
    (:mod:`ioscope.detect.significance.figures`) run over the clusters' accounts."""
    ranks = pa.table({"c": list(rank), "cluster_id": list(rank.values())})
    con.register("_cl_rank", ranks)
    try:
        con.execute(f"""CREATE OR REPLACE TEMP TABLE _cl_accounts AS
            SELECT r.cluster_id, m.platform, m.account_id FROM {MEMBERS} m
            JOIN _cl_rank r ON r.c = m.community""")
    finally:
        con.unregister("_cl_rank")
    src = dict(members="_cl_accounts", edges=significant_edges, evidence=evidence)
    by_id = {row["cluster_id"]: row for row in clusters.values()}
    for f in _dicts(con, cluster_figures_sql(**src)):
        row = by_id[int(f["cluster_id"])]
        sig = f["signal"]
        row["signals"].append(sig)
        d = row["details"]["signals"].setdefault(sig, {})
        d.update(
            {
                k: f[k]
                for k in (
                    "accounts",
                    "edges",
                    "items",
                    "posts",
                    "texts",
                    "evidence_rows",
                    "truncated_edges",
                    "median_dt_seconds",
                    "median_observed_expected",
                    "first_created",
                    "last_created",
                )
            }
        )
        d.update(
            {
                "median_p_value": float(p_from_log10(f["median_log10_p"])),
                "min_p_value": float(p_from_log10(f["min_log10_p"])),
                "p_test": p_test(sig),
                "sentence": cluster_sentence(sig, f),
            }
        )
        d.setdefault("top_items", [])
        row["explanation"] = (row["explanation"] + " " + d["sentence"]).strip()
    for row in clusters.values():
        row["details"]["figures_sql"] = cluster_figures_sql(cluster_id=row["cluster_id"])
    by_member = {(m["cluster_id"], m["platform"], m["account_id"]): m for m in members}
    for f in _dicts(con, member_figures_sql(**src)):
        m = by_member.get((int(f["cluster_id"]), f["platform"], f["account_id"]))
        if m is None:
            continue
        sig = f["signal"]
        sentence = member_sentence(sig, f)
        m["signals"].append(sig)
        m["explanation"] = (m["explanation"] + " " + sentence).strip()
        m["details"]["signals"][sig] = {
            **{
                k: f[k]
                for k in (
                    "partners",
                    "items",
                    "posts",
                    "texts",
                    "truncated_edges",
                    "median_dt_seconds",
                    "best_observed_expected",
                )
            },
            "best_p_value": float(p_from_log10(f["best_log10_p"])),
            "p_test": p_test(sig),
            "sentence": sentence,
        }
    for m in members:
        m["details"]["figures_query"] = "ioscope.detect.significance.figures.member_figures_sql"


def _mirrors(con: duckdb.DuckDBPyConnection) -> dict[int, str]:
    """Clusters of one account's automated mirrors (an outlet's feed bots): every member either
    mostly reposts that one account, or is that account. Returns community → its name."""
    rows = con.execute(f"""
        WITH m AS (SELECT community AS c, platform, account_id FROM {MEMBERS}),
             p AS (SELECT m.c, m.platform, m.account_id, x.kind,
                          coalesce(x.target_account_id, t.account_id, r.account_id,
                                   x.target_handle) AS tgt
                   FROM m JOIN posts x USING (platform, account_id)
                   LEFT JOIN posts t ON x.kind = 'repost' AND t.platform = x.platform
                                     AND t.post_id = x.target_post_id
                   LEFT JOIN referenced_posts r ON x.kind = 'repost' AND r.platform = x.platform
                                                AND r.post_id = x.target_post_id),
             tot AS (SELECT c, platform, account_id, count(*) AS n FROM p GROUP BY ALL),
             rep AS (SELECT c, platform, account_id, tgt, count(*) AS n FROM p
                     WHERE kind = 'repost' AND tgt IS NOT NULL GROUP BY ALL),
             top AS (SELECT c, platform, account_id, arg_max(tgt, n) AS tgt, max(n) AS n
                     FROM rep GROUP BY ALL),
             share AS (SELECT tot.c, tot.account_id, top.tgt, coalesce(top.n, 0) / tot.n AS s
                       FROM tot LEFT JOIN top USING (c, platform, account_id)),
             source AS (SELECT c, any_value(tgt) AS tgt FROM share WHERE s >= {MIRROR_SHARE}
                        GROUP BY c HAVING count(DISTINCT tgt) = 1),
             verdict AS (SELECT s.c, o.tgt,
                                bool_and((s.s >= {MIRROR_SHARE} AND s.tgt = o.tgt)
                                         OR s.account_id = o.tgt) AS all_mirror,
                                count(*) FILTER (WHERE s.account_id = o.tgt) AS n_source
                         FROM share s JOIN source o USING (c) GROUP BY s.c, o.tgt)
        SELECT v.c, any_value({name_sql("a.handle", "a.display_name")}), v.tgt FROM verdict v
        LEFT JOIN accounts a ON a.account_id = v.tgt
        WHERE v.all_mirror GROUP BY v.c, v.tgt""").fetchall()
    return {int(r[0]): r[1] or str(r[2]) for r in rows}  # its name (model.names), else its id


def _inside(con: duckdb.DuckDBPyConnection, significant_edges: str, evidence: str) -> None:
    """Temp tables of the significant edges, fused pairs and evidence inside one community."""
    join = f"""JOIN {MEMBERS} m1 ON m1.platform = e.platform_1 AND m1.account_id = e.account_1
               JOIN {MEMBERS} m2 ON m2.platform = e.platform_2 AND m2.account_id = e.account_2
                               AND m2.community = m1.community"""
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _cl_edges AS
        SELECT m1.community AS c, e.signal, e.platform_1, e.account_1, e.platform_2, e.account_2,
               e.log10_p, e.weight / e.expected AS oe, e.first_at, e.last_at
        FROM {significant_edges} e {join}""")
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _cl_pairs AS
        SELECT m1.community AS c, e.* FROM {PAIRS} e {join}""")
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _cl_ev AS
        SELECT x.c, v.signal, v.platform_1, v.account_1, v.platform_2, v.account_2, v.item,
               v.post_1, v.post_2, abs(v.dt_seconds) AS adt
        FROM {evidence} v JOIN _cl_edges x USING (signal, platform_1, account_1, platform_2,
                                                  account_2)""")
    con.execute("""CREATE OR REPLACE TEMP TABLE _cl_ends AS
        SELECT c, signal, platform_1 AS platform, account_1 AS account_id, item, post_1 AS post, adt
        FROM _cl_ev UNION ALL
        SELECT c, signal, platform_2, account_2, item, post_2, adt FROM _cl_ev""")


def _dicts(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    cur = con.execute(sql)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def _cluster_rows(con: duckdb.DuckDBPyConnection) -> dict[int, dict[str, Any]]:
    out: dict[int, dict[str, Any]] = {}
    for r in _dicts(
        con,
        f"""
        WITH s AS (SELECT community AS c, count(*) AS size,
                          min(platform || ':' || account_id) AS first_member
                   FROM {MEMBERS} GROUP BY 1),
             p AS (SELECT c, count(*) AS edges, median(best_log10_p) AS med, min(best_log10_p) AS mn
                   FROM _cl_pairs GROUP BY c),
             t AS (SELECT c, min(first_at) AS first_at, max(last_at) AS last_at,
                          median(oe) AS oe FROM _cl_edges GROUP BY c),
             posts AS (SELECT m.community AS c, count(*) AS n FROM {MEMBERS} m JOIN posts x
                       ON x.platform = m.platform AND x.account_id = m.account_id GROUP BY 1),
             coord AS (SELECT c, count(DISTINCT post) AS n FROM _cl_ends GROUP BY c)
        SELECT s.c, s.size, s.first_member, p.edges, p.med, p.mn, t.first_at, t.last_at, t.oe,
               posts.n AS posts, coord.n AS coordinated
        FROM s JOIN p USING (c) JOIN t USING (c) LEFT JOIN posts USING (c)
        LEFT JOIN coord USING (c)""",
    ):
        size, edges = int(r["size"]), int(r["edges"])
        density = edges / (size * (size - 1) / 2)
        evidence = min(-float(r["med"]), LOG_P_CAP)
        span = (
            (r["last_at"] - r["first_at"]).total_seconds()
            if r["first_at"] is not None and r["last_at"] is not None
            else None
        )
        out[int(r["c"])] = {
            "size": size,
            "edges": edges,
            "density": density,
            "score": min(evidence, SCORE_CAP) * math.log2(1 + edges),
            "evidence": evidence,
            "p_value": float(p_from_log10(r["med"])),
            "min_p_value": float(p_from_log10(r["mn"])),
            "observed_expected": r["oe"],
            "coordination": (
                min(1.0, (r["coordinated"] or 0) / r["posts"]) if r["posts"] else None
            ),
            "first_at": r["first_at"],
            "last_at": r["last_at"],
            "span_seconds": span,
            "signals": [],
            "explanation": "",
            "details": {"signals": {}},
            "kind": "campaign",
            "_order": {"min_log10_p": float(r["mn"]), "first_member": r["first_member"]},
        }
    for r in _dicts(
        con,
        f"""
        WITH per_item AS (SELECT c, signal, item, count(DISTINCT (platform, account_id)) AS n,
                                 list(DISTINCT post ORDER BY post)[1:{_TOP}] AS posts
                          FROM _cl_ends GROUP BY ALL),
             ranked AS (SELECT *, row_number() OVER (PARTITION BY c, signal
                                                     ORDER BY n DESC, item) AS r FROM per_item)
        SELECT c, signal, list({{'item': item, 'accounts': n, 'posts': posts}} ORDER BY r)
               AS top_items
        FROM ranked WHERE r <= {_TOP} GROUP BY ALL""",
    ):
        row = out.get(int(r["c"]))
        if row is not None:
            row["details"]["signals"][r["signal"]] = {"top_items": r["top_items"] or []}
    return out


def _member_rows(
    con: duckdb.DuckDBPyConnection, rank: dict[int, int], account_tests: str | None
) -> list[dict[str, Any]]:
    tests = account_tests or (
        "(SELECT CAST(NULL AS VARCHAR) AS platform, CAST(NULL AS VARCHAR) "
        "AS account_id, CAST(NULL AS DOUBLE) AS log10_p, "
        "CAST(NULL AS DOUBLE) AS q_value LIMIT 0)"
    )
    base = _dicts(
        con,
        f"""
        WITH ends AS (SELECT c, platform_1 AS platform, account_1 AS account_id, weight,
                             best_log10_p FROM _cl_pairs UNION ALL
                      SELECT c, platform_2, account_2, weight, best_log10_p FROM _cl_pairs),
             deg AS (SELECT c, platform, account_id, count(*) AS degree, sum(weight) AS strength,
                            min(best_log10_p) AS best FROM ends GROUP BY ALL),
             coord AS (SELECT c, platform, account_id, count(DISTINCT post) AS n FROM _cl_ends
                       GROUP BY ALL),
             posts AS (SELECT x.platform, x.account_id, count(*) AS n FROM posts x
                       JOIN {MEMBERS} m USING (platform, account_id) GROUP BY ALL),
             oe AS (SELECT c, platform, account_id, arg_min(oe, [log10_p, -oe]) AS oe FROM (
                        SELECT c, platform_1 AS platform, account_1 AS account_id, log10_p, oe
                        FROM _cl_edges UNION ALL
                        SELECT c, platform_2, account_2, log10_p, oe FROM _cl_edges) GROUP BY ALL)
        SELECT m.community AS c, m.platform, m.account_id, a.handle,
               {name_sql("a.handle", "a.display_name")} AS name, deg.degree, deg.strength,
               deg.best, oe.oe, posts.n AS posts, coalesce(coord.n, 0) AS coordinated,
               t.log10_p AS account_log10_p, t.q_value AS account_q
        FROM {MEMBERS} m LEFT JOIN {tests} t ON t.platform = m.platform
                                            AND t.account_id = m.account_id JOIN deg ON deg.c = m.community AND deg.platform = m.platform
                                  AND deg.account_id = m.account_id
        LEFT JOIN accounts a ON a.platform = m.platform AND a.account_id = m.account_id
        LEFT JOIN posts ON posts.platform = m.platform AND posts.account_id = m.account_id
        LEFT JOIN coord ON coord.c = m.community AND coord.platform = m.platform
                        AND coord.account_id = m.account_id
        LEFT JOIN oe ON oe.c = m.community AND oe.platform = m.platform
                     AND oe.account_id = m.account_id""",
    )
    partners: dict[tuple, list[dict[str, Any]]] = defaultdict(list)
    for r in _dicts(
        con,
        f"""
        WITH ends AS (SELECT c, platform_1 AS platform, account_1 AS account_id,
                             platform_2 AS pp, account_2 AS pa, weight, signals, best_log10_p
                      FROM _cl_pairs UNION ALL
                      SELECT c, platform_2, account_2, platform_1, account_1, weight, signals,
                             best_log10_p FROM _cl_pairs),
             r AS (SELECT *, row_number() OVER (PARTITION BY c, platform, account_id
                                                ORDER BY weight DESC, pp, pa) AS r FROM ends)
        SELECT r.*, a.handle, {name_sql("a.handle", "a.display_name")} AS name FROM r LEFT JOIN accounts a ON a.platform = r.pp
                                                       AND a.account_id = r.pa
        WHERE r.r <= {_TOP} ORDER BY r.r""",
    ):
        partners[(r["c"], r["platform"], r["account_id"])].append(
            {
                "platform": r["pp"],
                "account_id": r["pa"],
                "handle": r["handle"],
                "name": r["name"],
                "signals": r["signals"],
                "p_value": float(p_from_log10(r["best_log10_p"])),
            }
        )
    rows = []
    for r in base:
        key = (r["c"], r["platform"], r["account_id"])
        rows.append(
            {
                "cluster_id": rank[int(r["c"])],
                "platform": r["platform"],
                "account_id": r["account_id"],
                "handle": r["handle"],
                "name": r["name"],
                "degree": int(r["degree"]),
                "strength": float(r["strength"]),
                "signals": [],
                "best_p_value": float(p_from_log10(r["best"])),
                "posts": r["posts"],
                "observed_expected": r["oe"],
                "account_p_value": (
                    None
                    if r["account_log10_p"] is None
                    else float(p_from_log10(r["account_log10_p"]))
                ),
                "account_q_value": r["account_q"],
                "coordinated_posts": int(r["coordinated"]),
                "coordination": (min(1.0, r["coordinated"] / r["posts"]) if r["posts"] else None),
                "explanation": "",
                "details": {"signals": {}, "top_partners": partners.get(key, [])},
            }
        )
    return rows


def _insert(
    con: duckdb.DuckDBPyConnection, table: str, rows: list[dict[str, Any]], run_id: str
) -> None:
    if not rows:
        return
    cols = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]
    data = {c: [r.get(c) for r in rows] for c in cols if c not in ("run_id", "details")}
    data["details"] = [dumps(r["details"]) for r in rows]
    arrow = pa.table(data)
    con.register("_cl_insert", arrow)
    try:
        select = ", ".join(
            "CAST(details AS JSON)" if c == "details" else ("?" if c == "run_id" else f'"{c}"')
            for c in cols
        )
        con.execute(f"INSERT INTO {table} SELECT {select} FROM _cl_insert", [run_id])
    finally:
        con.unregister("_cl_insert")
