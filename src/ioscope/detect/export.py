"""Export edges (and their evidence) as CSV, Parquet, GraphML or GEXF.

CSV starts with ``account_1,account_2,weight`` so that it reads like coordination-network-toolkit's
networks; Parquet carries the run's provenance in its key-value metadata; GraphML and GEXF carry
it as graph attributes, with accounts as nodes (id ``platform:account_id``, the account's name
as label: ``@handle`` or a channel's title, see :mod:`ioscope.model.names`). CSV and Parquet end
with ``name_1`` and ``name_2``, the two accounts' names.
"""

from __future__ import annotations

import json
import os
import re
import sys
import xml.etree.ElementTree as ET
from typing import Any

from ioscope.errors import NotFoundError, UsageError
from ioscope.model.names import names_source
from ioscope.workspace import Workspace

__all__ = ["EXPORT_FORMATS", "export_edges"]

EXPORT_FORMATS = ("csv", "parquet", "graphml", "gexf")
EDGE_COLUMNS = ("account_1", "account_2", "weight", "signal", "platform_1", "platform_2",
                "directed", "shared_items", "co_actions", "score", "first_at", "last_at", "run_id")
EVIDENCE_COLUMNS = ("account_1", "account_2", "signal", "item", "post_1", "post_2", "dt_seconds",
                    "score", "platform_1", "platform_2", "run_id")


def _query(ws: Workspace, table: str, signal: str | None) -> tuple[str, list[Any]]:
    cols = EDGE_COLUMNS if table == "edges" else EVIDENCE_COLUMNS
    where, params = ("WHERE signal = ?", [signal]) if signal else ("", [])
    order = "signal, platform_1, account_1, platform_2, account_2"
    if table == "edge_evidence":
        order += ", item, post_1, post_2"
    names = names_source()
    return (f"SELECT {', '.join('t.' + c for c in cols)}, n1.name AS name_1, n2.name AS name_2 "
            f"FROM {table} t LEFT JOIN {names} n1 ON n1.platform = t.platform_1 "
            f"AND n1.account_id = t.account_1 LEFT JOIN {names} n2 ON n2.platform = t.platform_2 "
            f"AND n2.account_id = t.account_2 {where.replace('signal', 't.signal')} "
            f"ORDER BY {', '.join('t.' + c.strip() for c in order.split(','))}"), params


def _provenance(ws: Workspace) -> dict[str, Any]:
    rows = ws.rows("SELECT run_id, parameters, ioscope_version, finished_at FROM runs "
                   "WHERE command = 'detect' ORDER BY started_at DESC, run_id DESC LIMIT 1")
    if not rows:
        return {}
    r = rows[0]
    return {"run_id": r["run_id"], "command": "detect", "ioscope_version": r["ioscope_version"],
            "parameters": json.loads(r["parameters"] or "{}"),
            "finished_at": r["finished_at"].isoformat() + "Z" if r["finished_at"] else None,
            "workspace": os.path.abspath(ws.path)}


def export_edges(ws: Workspace, path: str, *, format: str = "csv", table: str = "edges",
                 signal: str | None = None) -> dict[str, Any]:
    """Write ``table`` (edges or edge_evidence), optionally one signal's rows, to ``path``.

    ``path`` ``-`` writes CSV to stdout. Returns the number of rows and where they went.
    """
    if format not in EXPORT_FORMATS:
        raise UsageError(f"Unknown export format {format!r}; choose one of {', '.join(EXPORT_FORMATS)}.")
    if table not in ("edges", "edge_evidence"):
        raise UsageError(f"Cannot export {table!r}; choose edges or edge_evidence.")
    if table == "edge_evidence" and format in ("graphml", "gexf"):
        raise UsageError("edge_evidence exports as csv or parquet only.")
    if not ws.has_table(table):
        raise NotFoundError(f"{ws.path} has no {table} yet.",
                            hint=f"Run `ioscope detect {ws.path}` first.")
    query, params = _query(ws, table, signal)
    n = ws.sql(f"SELECT COUNT(*) FROM ({query})", params).fetchone()[0]
    prov = _provenance(ws)
    if format == "csv" and path == "-":
        rel = ws.sql(query, params)
        names = [d[0] for d in rel.description]
        import csv
        w = csv.writer(sys.stdout, lineterminator="\n")
        w.writerow(names)
        w.writerows(rel.fetchall())
    elif format == "csv":
        ws.sql(f"COPY ({query}) TO '{_path(path)}' (HEADER)", params)
    elif format == "parquet":
        meta = json.dumps(prov, default=str).replace("'", "''")
        ws.sql(f"COPY ({query}) TO '{_path(path)}' (FORMAT parquet, "
               f"KV_METADATA {{provenance: '{meta}'}})", params)
    else:
        rows = ws.rows(query, params)
        handles = {(r["platform_1"], r["account_1"]): r["name_1"] for r in rows}
        handles.update({(r["platform_2"], r["account_2"]): r["name_2"] for r in rows})
        writer = _write_graphml if format == "graphml" else _write_gexf
        writer(path, rows, handles, prov)
    return {"table": table, "format": format, "path": path, "rows": n, "signal": signal}


def _path(path: str) -> str:
    if "'" in path:
        raise UsageError(f"Output path {path!r} contains a quote; choose another name.")
    return path


def _nodes(rows: list[dict], handles: dict) -> list[tuple[str, str, str, str]]:
    keys = sorted({(r["platform_1"], r["account_1"]) for r in rows}
                  | {(r["platform_2"], r["account_2"]) for r in rows})
    return [(_value(f"{p}:{a}"), _value(p), _value(a), _value(handles.get((p, a)) or a))
            for p, a in keys]


_EDGE_ATTRS = (("signal", "string"), ("weight", "long"), ("shared_items", "long"),
               ("co_actions", "long"), ("score", "double"), ("first_at", "string"),
               ("last_at", "string"))


_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _value(v: Any) -> str:
    """Text for an XML attribute or element: characters XML 1.0 cannot hold are dropped."""
    return _NOT_XML.sub("", v.isoformat() if hasattr(v, "isoformat") else str(v))


def _write_graphml(path: str, rows: list[dict], handles: dict, prov: dict) -> None:
    ns = "http://graphml.graphdrawing.org/xmlns"
    root = ET.Element("graphml", xmlns=ns)
    keys = [("g", "provenance", "string", "graph"), ("n_platform", "platform", "string", "node"),
            ("n_account_id", "account_id", "string", "node"), ("n_label", "label", "string", "node")]
    keys += [(f"e_{k}", k, "double" if t == "double" else ("long" if t == "long" else "string"), "edge")
             for k, t in _EDGE_ATTRS]
    for kid, name, typ, dom in keys:
        ET.SubElement(root, "key", {"id": kid, "for": dom, "attr.name": name, "attr.type": typ})
    directed = bool(rows) and all(r["directed"] for r in rows)
    g = ET.SubElement(root, "graph", id="edges", edgedefault="directed" if directed else "undirected")
    ET.SubElement(g, "data", key="g").text = _value(json.dumps(prov, default=str))
    for nid, plat, acc, label in _nodes(rows, handles):
        n = ET.SubElement(g, "node", id=nid)
        for k, v in (("n_platform", plat), ("n_account_id", acc), ("n_label", label)):
            ET.SubElement(n, "data", key=k).text = v
    for r in rows:
        e = ET.SubElement(g, "edge", source=_value(f"{r['platform_1']}:{r['account_1']}"),
                          target=_value(f"{r['platform_2']}:{r['account_2']}"))
        for k, _ in _EDGE_ATTRS:
            if r[k] is not None:
                ET.SubElement(e, "data", key=f"e_{k}").text = _value(r[k])
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)


def _write_gexf(path: str, rows: list[dict], handles: dict, prov: dict) -> None:
    root = ET.Element("gexf", {"xmlns": "http://gexf.net/1.3", "version": "1.3"})
    meta = ET.SubElement(root, "meta")
    ET.SubElement(meta, "creator").text = "ioscope"
    ET.SubElement(meta, "description").text = _value(json.dumps(prov, default=str))
    directed = bool(rows) and all(r["directed"] for r in rows)
    g = ET.SubElement(root, "graph", defaultedgetype="directed" if directed else "undirected",
                      mode="static")
    na = ET.SubElement(g, "attributes", {"class": "node"})
    for i, name in enumerate(("platform", "account_id")):
        ET.SubElement(na, "attribute", id=str(i), title=name, type="string")
    ea = ET.SubElement(g, "attributes", {"class": "edge"})
    gexf_type = {"string": "string", "long": "long", "double": "double"}
    attrs = [(k, t) for k, t in _EDGE_ATTRS if k != "weight"]
    for i, (name, typ) in enumerate(attrs):
        ET.SubElement(ea, "attribute", id=str(i), title=name, type=gexf_type[typ])
    nodes = ET.SubElement(g, "nodes")
    for nid, plat, acc, label in _nodes(rows, handles):
        n = ET.SubElement(nodes, "node", id=nid, label=label)
        av = ET.SubElement(n, "attvalues")
        ET.SubElement(av, "attvalue", {"for": "0", "value": plat})
        ET.SubElement(av, "attvalue", {"for": "1", "value": acc})
    edges = ET.SubElement(g, "edges")
    for i, r in enumerate(rows):
        e = ET.SubElement(edges, "edge", id=str(i), source=_value(f"{r['platform_1']}:{r['account_1']}"),
                          target=_value(f"{r['platform_2']}:{r['account_2']}"),
                          weight=str(r["weight"]))
        av = ET.SubElement(e, "attvalues")
        for j, (k, _) in enumerate(attrs):
            if r[k] is not None:
                ET.SubElement(av, "attvalue", {"for": str(j), "value": _value(r[k])})
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
