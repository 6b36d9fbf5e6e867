"""Export detect results to files other tools read: Gephi, networkx, igraph, pandas, spreadsheets.

* :func:`export_network`: the account network, **one edge per pair of accounts** (signals are
  attributes of that edge, never parallel edges that Gephi would sum), as GEXF, GraphML, CSV or
  Parquet. By default the significant, fused network that clusters come from; ``raw=True`` every
  edge detect found. Edge attributes: ``weight`` (Σ over the pair's signals of min(−log10 p, 50),
  the fused weight of clustering; the co-action count when the run tested nothing), ``signals``,
  ``strongest_signal``, ``co_actions``, ``expected``, ``p_value`` and ``q_value`` of the
  strongest signal, ``first_at``, ``last_at``, ``scale`` when the edges carry one, and per signal
  ``<signal>_weight``, ``<signal>_expected``, ``<signal>_p``, ``<signal>_q``. Node attributes:
  ``label`` and ``name`` (the account's name, :mod:`ioscope.model.names`: ``@handle`` or a
  channel's title), ``handle``, ``display_name``, ``platform``, ``account_id``, ``cluster``,
  ``cluster_rank``,
  ``flagged``, ``account_q_value``, ``account_score``, ``account_rank``. CSV and Parquet write
  the edges to the path and the nodes beside it (``net.csv`` → ``net.nodes.csv``), with Gephi's
  spreadsheet column names (``Source``, ``Target``, ``Type``, ``Weight``; ``Id``, ``Label``).
* :func:`export_table`: ``clusters``, ``members``, ``evidence``, ``edges`` or ``edge_evidence``
  as CSV, Parquet or JSON Lines (``edges`` also as a graph: the raw network).

Every file carries the detect run's provenance: Parquet key-value metadata, a GEXF/GraphML graph
attribute; CSV and JSON Lines cannot, so ``--json`` prints it.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from typing import Any

import pyarrow as pa

from ioscope.detect.graphfile import write_gexf, write_graphml
from ioscope.detect.significance.fusion import LOG_P_CAP
from ioscope.errors import NotFoundError, UsageError
from ioscope.jsonenc import dumps, iso_time
from ioscope.model.names import names_source
from ioscope.sql import literal, quote_ident
from ioscope.workspace import Workspace

__all__ = [
    "EXPORT_FORMATS",
    "NETWORK_FORMATS",
    "TABLE_FORMATS",
    "TABLES",
    "export_edges",
    "export_network",
    "export_table",
    "network_tables",
    "nodes_path",
]

NETWORK_FORMATS = ("gexf", "graphml", "csv", "parquet")
TABLE_FORMATS = ("csv", "parquet", "jsonl")
EXPORT_FORMATS = ("csv", "parquet", "jsonl", "graphml", "gexf")
TABLES = ("network", "clusters", "members", "evidence", "edges", "edge_evidence")
#: Columns an edge may carry that the export keeps for the strongest signal when present.
OPTIONAL_EDGE_COLUMNS = ("scale",)

EDGE_COLUMNS = (
    "account_1",
    "account_2",
    "weight",
    "signal",
    "platform_1",
    "platform_2",
    "directed",
    "shared_items",
    "co_actions",
    "score",
    "first_at",
    "last_at",
    "run_id",
)
EVIDENCE_COLUMNS = (
    "account_1",
    "account_2",
    "signal",
    "item",
    "post_1",
    "post_2",
    "dt_seconds",
    "score",
    "platform_1",
    "platform_2",
    "run_id",
)


def _need(ws: Workspace, *tables: str) -> None:
    for t in tables:
        if not ws.has_table(t):
            raise NotFoundError(
                f"{ws.path} has no {t} yet.", hint=f"Run `ioscope detect {ws.path}` first."
            )


def provenance(ws: Workspace) -> dict[str, Any]:
    """The last detect run: id, version, parameters, end time, workspace."""
    if not ws.has_table("runs"):
        return {}
    rows = ws.rows(
        "SELECT run_id, parameters, ioscope_version, finished_at FROM runs "
        "WHERE command = 'detect' ORDER BY started_at DESC, run_id DESC LIMIT 1"
    )
    if not rows:
        return {}
    r = rows[0]
    return {
        "run_id": r["run_id"],
        "command": "detect",
        "ioscope_version": r["ioscope_version"],
        "parameters": json.loads(r["parameters"] or "{}"),
        "finished_at": iso_time(r["finished_at"]) if r["finished_at"] else None,
        "workspace": os.path.abspath(ws.path),
    }


def _columns(ws: Workspace, table: str) -> set[str]:
    return {
        r[0]
        for r in ws.sql(
            "SELECT column_name FROM duckdb_columns() WHERE table_name = ? "
            "AND schema_name = 'main'",
            [table],
        ).fetchall()
    }


def _edge_filter(ws: Workspace, raw: bool, signal: str | None) -> tuple[str, list[Any]]:
    cols = _columns(ws, "edges")
    where, params = [], []
    if not raw:
        if "significant" not in cols:
            raise NotFoundError(
                f"The edges of {ws.path} were not tested against chance.",
                hint="Export everything with --raw, or run `ioscope detect` in calibrated mode.",
            )
        where.append("significant")
    if signal:
        where.append("signal = ?")
        params.append(signal)
    return ("WHERE " + " AND ".join(where)) if where else "", params


def network_tables(
    ws: Workspace,
    *,
    raw: bool = False,
    signal: str | None = None,
    min_participation: int = 0,
    weight_percentile: float | None = None,
) -> tuple[pa.Table, pa.Table, bool]:
    """(nodes, edges, directed) of the account network; see the module docstring.

    ``min_participation`` and ``weight_percentile`` give CooRTweet's view of a raw network
    (Righetti & Balluff's R package): per signal, keep the edges whose two accounts each have
    at least ``min_participation`` distinct posts behind the signal's edges (the posts of
    ``edge_evidence``, complete when detect ran with ``--max-evidence 0``), then those whose
    co-action count (``co_actions``: pairs of posts, CooRTweet's edge weight) is above the
    ``weight_percentile`` quantile (linear interpolation, as R's default) of that signal's
    remaining edges."""
    _need(ws, "edges")
    where, params = _edge_filter(ws, raw, signal)
    view = _filtered_edges(ws, where, params, min_participation, weight_percentile)
    try:
        return _network(ws, view)
    finally:
        ws.con.execute(f"DROP TABLE IF EXISTS temp.main.{view}")


def _filtered_edges(
    ws: Workspace,
    where: str,
    params: list[Any],
    min_participation: int,
    weight_percentile: float | None,
) -> str:
    """A temporary table of the edges the view keeps; returns its name."""
    if min_participation < 0:
        raise UsageError(
            f"The 'min_participation' parameter must be an int ≥ 0. Got "
            f"{min_participation} instead."
        )
    if weight_percentile is not None and not 0 <= weight_percentile <= 1:
        raise UsageError(
            f"The 'weight_percentile' parameter must be a number in [0, 1]. Got "
            f"{weight_percentile} instead."
        )
    pair = "signal, platform_1, account_1, platform_2, account_2"
    steps = [f"e0 AS (SELECT * FROM edges {where})"]
    last = "e0"
    if min_participation > 1:
        _need(ws, "edge_evidence")
        steps.append(f"""part AS (SELECT signal, platform, account_id, count(DISTINCT post) AS n
            FROM (SELECT v.signal, v.platform_1 AS platform, v.account_1 AS account_id,
                         v.post_1 AS post FROM edge_evidence v JOIN e0 USING ({pair})
                  UNION ALL
                  SELECT v.signal, v.platform_2, v.account_2, v.post_2
                  FROM edge_evidence v JOIN e0 USING ({pair}))
            GROUP BY ALL HAVING count(DISTINCT post) >= {int(min_participation)})""")
        steps.append("""e1 AS (SELECT e0.* FROM e0
            SEMI JOIN part p1 ON p1.signal = e0.signal AND p1.platform = e0.platform_1
                             AND p1.account_id = e0.account_1
            SEMI JOIN part p2 ON p2.signal = e0.signal AND p2.platform = e0.platform_2
                             AND p2.account_id = e0.account_2)""")
        last = "e1"
    if weight_percentile is not None:
        steps.append(f"""thr AS (SELECT signal, quantile_cont(co_actions, {float(weight_percentile)!r})
                                 AS t FROM {last} GROUP BY signal)""")
        steps.append(f"""e2 AS (SELECT x.* FROM {last} x JOIN thr USING (signal)
                                WHERE x.co_actions > thr.t)""")
        last = "e2"
    name = "_export_edges"
    ws.con.execute(
        f"CREATE OR REPLACE TEMP TABLE {name} AS WITH {', '.join(steps)} SELECT * FROM {last}",
        params,
    )
    return name


def _network(ws: Workspace, view: str) -> tuple[pa.Table, pa.Table, bool]:
    cols = _columns(ws, "edges")
    has_p = "log10_p" in cols
    signals = [r[0] for r in ws.sql(f"SELECT DISTINCT signal FROM {view} ORDER BY 1").fetchall()]
    per_signal, per_names = [], []
    for s in signals:
        sig = literal(s)
        for attr, expr in (
            ("weight", "weight"),
            ("expected", "expected"),
            ("p", "p_value"),
            ("q", "q_value"),
        ):
            if expr in cols:
                per_names.append(quote_ident(f"{s}_{attr}"))
                per_signal.append(f"max({expr}) FILTER (WHERE signal = {sig}) AS {per_names[-1]}")
    strength = f"LEAST(-log10_p, {LOG_P_CAP})" if has_p else "CAST(weight AS DOUBLE)"
    # the strongest signal of a pair: smallest p, then largest weight, then name
    order = ("log10_p ASC NULLS LAST, " if has_p else "") + "weight DESC, signal"
    strongest = ["signal AS strongest_signal"] + [
        f"{c}" for c in ("expected", "p_value", "q_value") + OPTIONAL_EDGE_COLUMNS if c in cols
    ]
    pair = "platform_1, account_1, platform_2, account_2"
    edges = ws.con.sql(f"""
        WITH e AS (SELECT * FROM {view}),
        agg AS (SELECT {pair}, bool_and(coalesce(directed, false)) AS directed,
                       coalesce(sum({strength}), sum(weight)) AS weight,
                       list(DISTINCT signal ORDER BY signal) AS signals,
                       CAST(sum(co_actions) AS BIGINT) AS co_actions,
                       min(first_at) AS first_at, max(last_at) AS last_at
                       {"".join(", " + p for p in per_signal)}
                FROM e GROUP BY {pair}),
        best AS (SELECT {pair}, {", ".join(strongest)},
                        row_number() OVER (PARTITION BY {pair} ORDER BY {order}) AS k FROM e)
        SELECT a.platform_1 || ':' || a.account_1 AS source,
               a.platform_2 || ':' || a.account_2 AS target,
               CASE WHEN a.directed THEN 'Directed' ELSE 'Undirected' END AS type,
               CAST(a.weight AS DOUBLE) AS weight, array_to_string(a.signals, ';') AS signals,
               len(a.signals) AS n_signals,
               b.* EXCLUDE ({pair}, k), a.co_actions, a.first_at, a.last_at
               {"".join(", a." + n for n in per_names)}
        FROM agg a JOIN best b USING ({pair})
        WHERE b.k = 1
        ORDER BY a.weight DESC, source, target""").to_arrow_table()
    directed = edges.num_rows > 0 and all(t == "Directed" for t in edges.column("type").to_pylist())
    return _nodes(ws, view), edges, directed


def _nodes(ws: Workspace, view: str) -> pa.Table:
    members = ws.has_table("cluster_members") and ws.has_table("clusters")
    has_kind = members and "kind" in _columns(ws, "clusters")
    flagged = "c.kind = 'campaign'" if has_kind else "m.cluster_id IS NOT NULL"
    scores = ws.has_table("account_scores")
    return ws.con.sql(f"""
        WITH n AS (SELECT platform_1 AS platform, account_1 AS account_id FROM {view}
                   UNION SELECT platform_2, account_2 FROM {view})
        SELECT n.platform || ':' || n.account_id AS id,
               coalesce(nm.name, n.account_id) AS label, nm.name, a.handle, a.display_name,
               n.platform, n.account_id,
               {"m.cluster_id" if members else "CAST(NULL AS INTEGER)"} AS cluster,
               {"c.rank" if members else "CAST(NULL AS INTEGER)"} AS cluster_rank,
               {f"coalesce({flagged}, false)" if members else "false"} AS flagged,
               {"m.account_q_value" if members else "CAST(NULL AS DOUBLE)"} AS account_q_value,
               {"s.score" if scores else "CAST(NULL AS DOUBLE)"} AS account_score,
               {"CAST(s.rank AS BIGINT)" if scores else "CAST(NULL AS BIGINT)"} AS account_rank
        FROM n
        LEFT JOIN (SELECT platform, account_id, any_value(handle) AS handle,
                          any_value(display_name) AS display_name
                   FROM accounts GROUP BY ALL) a USING (platform, account_id)
        LEFT JOIN {names_source()} nm USING (platform, account_id)
        {
        '''LEFT JOIN (SELECT platform, account_id, arg_min(cluster_id, cluster_id) AS cluster_id,
                              min(account_q_value) AS account_q_value
                       FROM cluster_members GROUP BY ALL) m USING (platform, account_id)
            LEFT JOIN clusters c ON c.cluster_id = m.cluster_id'''
        if members
        else ""
    }
        {"LEFT JOIN account_scores s USING (platform, account_id)" if scores else ""}
        ORDER BY id""").to_arrow_table()


def nodes_path(path: str) -> str:
    """Where the nodes of a CSV or Parquet network go: ``net.csv`` → ``net.nodes.csv``."""
    root, ext = os.path.splitext(path)
    return f"{root}.nodes{ext}"


def export_network(
    ws: Workspace,
    path: str,
    *,
    format: str = "gexf",
    raw: bool = False,
    signal: str | None = None,
    min_participation: int = 0,
    weight_percentile: float | None = None,
) -> dict[str, Any]:
    """Write the account network to ``path`` (``-``: stdout, CSV edges only). Returns counts."""
    if format not in NETWORK_FORMATS:
        raise UsageError(f"The network exports as {', '.join(NETWORK_FORMATS)}. Got {format!r}.")
    if path == "-" and format != "csv":
        raise UsageError(f"{format} cannot go to stdout; give a file with -o.")
    nodes, edges, directed = network_tables(
        ws,
        raw=raw,
        signal=signal,
        min_participation=min_participation,
        weight_percentile=weight_percentile,
    )
    prov = provenance(ws)
    prov["view"] = {
        "raw": raw,
        "signal": signal,
        "min_participation": min_participation,
        "weight_percentile": weight_percentile,
    }
    result = {
        "table": "network",
        "format": format,
        "path": path,
        "raw": raw,
        "signal": signal,
        "min_participation": min_participation,
        "weight_percentile": weight_percentile,
        "nodes": nodes.num_rows,
        "edges": edges.num_rows,
        "rows": edges.num_rows,
        "directed": directed,
        "provenance": prov,
    }
    if format in ("gexf", "graphml"):
        writer = write_gexf if format == "gexf" else write_graphml
        writer(path, nodes, edges.drop_columns(["type"]), directed=directed, provenance=prov)
        return result
    edges = _gephi(
        edges, {"source": "Source", "target": "Target", "type": "Type", "weight": "Weight"}
    )
    nodes = _gephi(nodes, {"id": "Id", "label": "Label"})
    _write_arrow(ws, edges, path, format, prov)
    if path != "-":
        result["nodes_path"] = nodes_path(path)
        _write_arrow(ws, nodes, nodes_path(path), format, prov)
    return result


def _gephi(t: pa.Table, names: dict[str, str]) -> pa.Table:
    return t.rename_columns([names.get(c, c) for c in t.column_names])


def _write_arrow(ws: Workspace, table: pa.Table, path: str, format: str, prov: dict) -> None:
    view = "_export_arrow"
    ws.con.register(view, table)
    try:
        _copy(ws, f"SELECT * FROM {view}", [], path, format, prov)
    finally:
        ws.con.unregister(view)


def _copy(ws: Workspace, query: str, params: list[Any], path: str, format: str, prov: dict) -> None:
    """COPY ``query`` to ``path`` (``-``: through a temporary file to stdout)."""
    if path == "-":
        with tempfile.TemporaryDirectory(prefix="ioscope-export-") as d:
            tmp = os.path.join(d, "out")
            _copy(ws, query, params, tmp, format, prov)
            with open(tmp, "rb") as f:
                sys.stdout.flush()
                shutil.copyfileobj(f, getattr(sys.stdout, "buffer", None) or _TextSink())
            sys.stdout.flush()
        return
    target = _path(path)
    if format == "csv":
        opts = "FORMAT csv, HEADER"
    elif format == "jsonl":
        opts = "FORMAT json"
    else:
        opts = f"FORMAT parquet, KV_METADATA {{provenance: {literal(dumps(prov))}}}"
    ws.sql(f"COPY ({query}) TO {literal(target)} ({opts})", params)


class _TextSink:
    def write(self, b: bytes) -> None:
        sys.stdout.write(b.decode("utf-8"))


def _path(path: str) -> str:
    if "'" in path:
        raise UsageError(f"Output path {path!r} contains a quote; choose another name.")
    return path


def _named(table: str, cols: Any, sig: tuple[str, list], order: str) -> tuple[str, list]:
    """``table``'s columns as they are, then ``name_1`` and ``name_2`` (the accounts' names)."""
    names = names_source()
    where = sig[0].replace("signal", "t.signal")
    return (
        f"SELECT {', '.join('t.' + quote_ident(c) for c in cols)}, n1.name AS name_1, "
        f"n2.name AS name_2 FROM {table} t "
        f"LEFT JOIN {names} n1 ON n1.platform = t.platform_1 AND n1.account_id = t.account_1 "
        f"LEFT JOIN {names} n2 ON n2.platform = t.platform_2 AND n2.account_id = t.account_2 "
        f"{where} ORDER BY {', '.join('t.' + c.strip() for c in order.split(','))}",
        sig[1],
    )


def _table_query(ws: Workspace, table: str, raw: bool, signal: str | None) -> tuple[str, list]:
    sig = ("WHERE signal = ?", [signal]) if signal else ("", [])
    if table == "edges":
        _need(ws, "edges")
        cols = [c for c in EDGE_COLUMNS if c in _columns(ws, "edges")] + sorted(
            _columns(ws, "edges") - set(EDGE_COLUMNS)
        )
        return _named("edges", cols, sig, "signal, platform_1, account_1, platform_2, account_2")
    if table == "edge_evidence":
        _need(ws, "edge_evidence")
        return _named(
            "edge_evidence",
            EVIDENCE_COLUMNS,
            sig,
            "signal, platform_1, account_1, platform_2, account_2, item, post_1, post_2",
        )
    if table == "clusters":
        _need(ws, "clusters")
        return "SELECT * FROM clusters ORDER BY rank", []
    if table == "members":
        _need(ws, "clusters", "cluster_members")
        return (
            f"""SELECT c.rank AS cluster_rank, m.*, a.display_name, nm.name
                   FROM cluster_members m JOIN clusters c USING (cluster_id)
                   LEFT JOIN (SELECT platform, account_id, any_value(display_name) AS display_name
                              FROM accounts GROUP BY ALL) a USING (platform, account_id)
                   LEFT JOIN {names_source()} nm USING (platform, account_id)
                   ORDER BY c.rank, m.strength DESC, m.platform, m.account_id""",
            [],
        )
    # evidence: the posts behind the significant edges (every edge with raw), with handles
    _need(ws, "edges", "edge_evidence")
    where, params = _edge_filter(ws, raw, signal)
    return (
        f"""WITH e AS (SELECT signal, platform_1, account_1, platform_2, account_2
                           FROM edges {where}),
                h AS (SELECT a.platform, a.account_id, any_value(a.handle) AS handle,
                             any_value(nm.name) AS name FROM accounts a
                      LEFT JOIN {names_source()} nm USING (platform, account_id) GROUP BY ALL)
        SELECT v.signal, v.platform_1, v.account_1, h1.handle AS handle_1, h1.name AS name_1,
               v.platform_2, v.account_2, h2.handle AS handle_2, h2.name AS name_2, v.item, v.post_1, p1.created_at AS time_1,
               v.post_2, p2.created_at AS time_2, v.dt_seconds, v.score, p1.text AS text_1,
               p2.text AS text_2, v.run_id
        FROM edge_evidence v
        JOIN e USING (signal, platform_1, account_1, platform_2, account_2)
        LEFT JOIN h h1 ON h1.platform = v.platform_1 AND h1.account_id = v.account_1
        LEFT JOIN h h2 ON h2.platform = v.platform_2 AND h2.account_id = v.account_2
        LEFT JOIN posts p1 ON p1.platform = v.platform_1 AND p1.post_id = v.post_1
        LEFT JOIN posts p2 ON p2.platform = v.platform_2 AND p2.post_id = v.post_2
        ORDER BY v.signal, v.platform_1, v.account_1, v.platform_2, v.account_2, v.item,
                 v.post_1, v.post_2""",
        params,
    )


def export_table(
    ws: Workspace,
    table: str,
    path: str,
    *,
    format: str = "csv",
    raw: bool = False,
    signal: str | None = None,
    min_participation: int = 0,
    weight_percentile: float | None = None,
) -> dict[str, Any]:
    """Write ``table`` (see :data:`TABLES`) to ``path`` (``-``: stdout). Returns counts.

    ``network`` and graph formats of ``edges`` go to :func:`export_network`.
    """
    if table not in TABLES:
        raise UsageError(f"Cannot export {table!r}; choose one of {', '.join(TABLES)}.")
    if format not in EXPORT_FORMATS:
        raise UsageError(
            f"Unknown export format {format!r}; choose one of {', '.join(EXPORT_FORMATS)}."
        )
    if table == "network" or (table == "edges" and format in ("gexf", "graphml")):
        return export_network(
            ws,
            path,
            format=format,
            raw=raw or table == "edges",
            signal=signal,
            min_participation=min_participation,
            weight_percentile=weight_percentile,
        )
    if min_participation or weight_percentile is not None:
        raise UsageError(
            f"--min-participation and --weight-percentile filter the network; not {table}."
        )
    if format not in TABLE_FORMATS:
        raise UsageError(
            f"{table} exports as {', '.join(TABLE_FORMATS)}; the account network "
            f"as {format}: `ioscope export WS network --format {format}`."
        )
    query, params = _table_query(ws, table, raw, signal)
    n = ws.sql(f"SELECT count(*) FROM ({query})", params).fetchone()[0]
    prov = provenance(ws)
    _copy(ws, query, params, path, format, prov)
    return {
        "table": table,
        "format": format,
        "path": path,
        "rows": n,
        "signal": signal,
        "raw": raw,
        "provenance": prov,
    }


def export_edges(
    ws: Workspace,
    path: str,
    *,
    format: str = "csv",
    table: str = "edges",
    signal: str | None = None,
) -> dict[str, Any]:
    """``edges`` or ``edge_evidence`` as they are in the workspace (see :func:`export_table`)."""
    if table not in ("edges", "edge_evidence"):
        raise UsageError(f"Cannot export {table!r}; choose edges or edge_evidence.")
    return export_table(ws, table, path, format=format, raw=True, signal=signal)
