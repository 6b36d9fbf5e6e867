"""Write a network (node and edge rows with typed attributes) as GEXF 1.3 or GraphML.

Both formats get one element per node and per edge, every attribute declared once with its type
(string, long, double, boolean), lists joined with ``;`` and times in ISO 8601 UTC (``Z``). Values that are
NULL are left out (readers then give the attribute no value, rather than a wrong one). Characters
XML 1.0 cannot hold are dropped. Written as a stream (180,000 edges in seconds). The run's provenance is a graph attribute (GraphML) or the meta
description (GEXF).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import pyarrow as pa

from ioscope.jsonenc import dumps, iso_time

__all__ = ["write_gexf", "write_graphml", "attribute_types"]

_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def value_text(v: Any) -> str:
    """Text for an XML attribute or element: lists joined with ';', times in ISO 8601."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (list, tuple)):
        v = ";".join(str(x) for x in v)
    elif isinstance(v, date):
        v = iso_time(v)
    return _NOT_XML.sub("", str(v))


def attribute_types(schema: pa.Schema, skip: tuple[str, ...]) -> list[tuple[str, str]]:
    """(name, GEXF/GraphML type) of every column of ``schema`` but ``skip``."""
    out = []
    for f in schema:
        if f.name in skip:
            continue
        t = f.type
        typ = (
            "boolean"
            if pa.types.is_boolean(t)
            else "long"
            if pa.types.is_integer(t)
            else "double"
            if pa.types.is_floating(t)
            else "string"
        )
        out.append((f.name, typ))
    return out


def _rows(t: pa.Table):
    for batch in t.to_batches(max_chunksize=20_000):
        yield from batch.to_pylist()


def _q(v: Any) -> str:
    """An XML attribute value, quoted."""
    return quoteattr(value_text(v))


def write_gexf(
    path: str, nodes: pa.Table, edges: pa.Table, *, directed: bool, provenance: dict[str, Any]
) -> None:
    """``nodes`` has ``id`` and ``label``; ``edges`` has ``source``, ``target`` and ``weight``."""
    n_attrs = attribute_types(nodes.schema, ("id", "label"))
    e_attrs = attribute_types(edges.schema, ("source", "target", "weight"))
    with open(path, "w", encoding="utf-8") as f:
        w = f.write
        w(
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<gexf xmlns="http://gexf.net/1.3" version="1.3">\n'
            f"<meta><creator>ioscope</creator><description>"
            f"{escape(value_text(dumps(provenance)))}</description></meta>\n"
            f'<graph defaultedgetype="{"directed" if directed else "undirected"}" mode="static">\n'
        )
        for cls, attrs in (("node", n_attrs), ("edge", e_attrs)):
            w(f'<attributes class="{cls}">\n')
            for i, (name, typ) in enumerate(attrs):
                w(f'<attribute id="{i}" title={_q(name)} type="{typ}"/>\n')
            w("</attributes>\n")
        w("<nodes>\n")
        for r in _rows(nodes):
            w(f"<node id={_q(r['id'])} label={_q(r['label'])}>{_attvalues(r, n_attrs)}</node>\n")
        w("</nodes>\n<edges>\n")
        for i, r in enumerate(_rows(edges)):
            w(
                f'<edge id="{i}" source={_q(r["source"])} target={_q(r["target"])} '
                f'weight="{float(r["weight"] or 0)!r}">{_attvalues(r, e_attrs)}</edge>\n'
            )
        w("</edges>\n</graph>\n</gexf>\n")


def _attvalues(row: dict, attrs: list[tuple[str, str]]) -> str:
    return (
        "<attvalues>"
        + "".join(
            f'<attvalue for="{i}" value={_q(row[name])}/>'
            for i, (name, _) in enumerate(attrs)
            if row[name] is not None
        )
        + "</attvalues>"
    )


def write_graphml(
    path: str, nodes: pa.Table, edges: pa.Table, *, directed: bool, provenance: dict[str, Any]
) -> None:
    """Same contract as :func:`write_gexf`; ``label`` and ``weight`` are ordinary attributes."""
    n_attrs = attribute_types(nodes.schema, ("id",))
    e_attrs = attribute_types(edges.schema, ("source", "target"))
    with open(path, "w", encoding="utf-8") as f:
        w = f.write
        w(
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">\n'
            '<key id="g_provenance" for="graph" attr.name="provenance" attr.type="string"/>\n'
        )
        for prefix, dom, attrs in (("n", "node", n_attrs), ("e", "edge", e_attrs)):
            for name, typ in attrs:
                w(
                    f'<key id={_q(prefix + "_" + name)} for="{dom}" attr.name={_q(name)} '
                    f'attr.type="{typ}"/>\n'
                )
        w(
            f'<graph id="network" edgedefault="{"directed" if directed else "undirected"}">\n'
            f'<data key="g_provenance">{escape(value_text(dumps(provenance)))}'
            "</data>\n"
        )
        for r in _rows(nodes):
            w(f"<node id={_q(r['id'])}>{_data(r, n_attrs, 'n')}</node>\n")
        for r in _rows(edges):
            w(
                f"<edge source={_q(r['source'])} target={_q(r['target'])}>"
                f"{_data(r, e_attrs, 'e')}</edge>\n"
            )
        w("</graph>\n</graphml>\n")


def _data(row: dict, attrs: list[tuple[str, str]], prefix: str) -> str:
    return "".join(
        f"<data key={_q(prefix + '_' + name)}>{escape(value_text(row[name]))}</data>"
        for name, _ in attrs
        if row[name] is not None
    )
