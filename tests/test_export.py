"""``ioscope export``: the account network for Gephi/networkx/igraph (one edge per pair, signals as
attributes) and the clusters, members and evidence tables, read back by real parsers."""

from __future__ import annotations

import csv
import json
import math

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from ioscope.cli.main import app
from ioscope.workspace import Workspace

runner = CliRunner()
nx = pytest.importorskip("networkx", reason="networkx (test extra) reads GEXF back")

NODE_ATTRS = {
    "handle",
    "display_name",
    "platform",
    "account_id",
    "cluster",
    "cluster_rank",
    "flagged",
    "account_q_value",
    "account_score",
    "account_rank",
    "label",
}
EDGE_ATTRS = {
    "signals",
    "n_signals",
    "strongest_signal",
    "expected",
    "p_value",
    "q_value",
    "co_actions",
    "first_at",
    "last_at",
    "weight",
}


def _export(ws, *args):
    r = runner.invoke(app, ["export", str(ws), *args, "--json"])
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def _pairs(ws_path, where):
    """Independent recomputation: the fused pairs and their weight, straight from edges."""
    with Workspace.open(ws_path, read_only=True) as ws:
        return {
            (f"{r[0]}:{r[1]}", f"{r[2]}:{r[3]}"): (r[4], sorted(r[5]), r[6])
            for r in ws.sql(
                f"""SELECT platform_1, account_1, platform_2, account_2,
                       sum(least(-log10_p, 50)), list(signal), min(p_value)
                FROM edges WHERE {where} GROUP BY ALL"""
            ).fetchall()
        }


def test_gexf_network_opens_in_networkx_with_every_attribute(demo_workspace, tmp_path):
    path = tmp_path / "net.gexf"
    res = _export(demo_workspace, "network", "-o", str(path))
    assert res["format"] == "gexf" and res["provenance"]["command"] == "detect"
    g = nx.read_gexf(path, version="1.3")
    want = _pairs(demo_workspace, "significant")
    assert g.number_of_edges() == res["edges"] == len(want) > 0  # one edge per pair, no parallels
    assert not g.is_directed() and not g.is_multigraph()
    for u, v, d in g.edges(data=True):
        weight, signals, p = want.get((u, v)) or want[(v, u)]
        assert EDGE_ATTRS <= set(d), set(d)
        assert math.isclose(d["weight"], weight, rel_tol=1e-9)
        assert d["signals"].split(";") == sorted(set(signals)) and d["n_signals"] == len(signals)
        assert math.isclose(d["p_value"], p, rel_tol=1e-9, abs_tol=1e-300)
        for s in signals:  # per-signal attributes, never parallel edges
            assert {f"{s}_weight", f"{s}_expected", f"{s}_p", f"{s}_q"} <= set(d)
    with Workspace.open(demo_workspace, read_only=True) as ws:
        members = {
            f"{r[0]}:{r[1]}": (r[2], r[3])
            for r in ws.sql(
                "SELECT platform, account_id, cluster_id, handle FROM cluster_members"
            ).fetchall()
        }
        scored = ws.count("account_scores")
    assert scored and len(g) == res["nodes"]
    flagged = 0
    for n, d in g.nodes(data=True):
        assert {"handle", "platform", "account_id", "flagged", "account_score", "label"} <= set(d)
        if n in members:
            assert d["cluster"] == members[n][0] and d["handle"] == members[n][1]
            assert "cluster_rank" in d and "account_q_value" in d
            flagged += d["flagged"]
    assert flagged == len([n for n in g if n in members])
    assert set().union(*(set(d) for _, d in g.nodes(data=True))) >= NODE_ATTRS - {"display_name"}
    assert f'"run_id": "{res["provenance"]["run_id"]}"' in path.read_text().replace("&quot;", '"')


def test_raw_network_and_graphml_in_igraph(demo_workspace, tmp_path):
    igraph = pytest.importorskip("igraph")
    path = tmp_path / "raw.graphml"
    res = _export(demo_workspace, "network", "--raw", "-o", str(path))
    want = _pairs(demo_workspace, "TRUE")
    g = igraph.Graph.Read_GraphML(str(path))
    assert g.ecount() == res["edges"] == len(want) and g.vcount() == res["nodes"]
    assert EDGE_ATTRS <= set(g.es.attributes()) and NODE_ATTRS <= set(g.vs.attributes())
    assert (
        res["edges"]
        > _export(demo_workspace, "network", "-o", str(tmp_path / "s.graphml"))["edges"]
    )
    # the old spelling: edges as a graph is the raw network, one edge per pair
    res = _export(demo_workspace, "edges", "--format", "gexf", "-o", str(tmp_path / "e.gexf"))
    assert res["edges"] == len(want)


def test_network_csv_and_parquet_use_gephi_columns(demo_workspace, tmp_path):
    res = _export(demo_workspace, "network", "-o", str(tmp_path / "net.csv"))
    with open(tmp_path / "net.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    with open(tmp_path / "net.nodes.csv", newline="") as f:
        nodes = list(csv.DictReader(f))
    assert list(rows[0])[:4] == ["Source", "Target", "Type", "Weight"] and len(rows) == res["edges"]
    assert list(nodes[0])[:2] == ["Id", "Label"] and len(nodes) == res["nodes"]
    ids = {n["Id"] for n in nodes}
    assert all(r["Source"] in ids and r["Target"] in ids for r in rows)
    res = _export(demo_workspace, "network", "-o", str(tmp_path / "net.parquet"))
    t = pq.read_table(tmp_path / "net.parquet")
    assert t.num_rows == res["edges"] and b"provenance" in t.schema.metadata
    assert pq.read_table(tmp_path / "net.nodes.parquet").num_rows == res["nodes"]
    r = runner.invoke(app, ["export", str(demo_workspace), "network", "-o", "-"])
    assert r.exit_code == 0 and len(r.stdout.strip().splitlines()) == res["edges"] + 1


@pytest.mark.parametrize("fmt", ["csv", "parquet", "jsonl"])
@pytest.mark.parametrize("table", ["clusters", "members", "evidence"])
def test_tables_in_every_format(demo_workspace, tmp_path, table, fmt):
    path = tmp_path / f"{table}.{fmt}"
    res = _export(demo_workspace, table, "-o", str(path))
    with Workspace.open(demo_workspace, read_only=True) as ws:
        n = {
            "clusters": "SELECT count(*) FROM clusters",
            "members": "SELECT count(*) FROM cluster_members",
            "evidence": "SELECT count(*) FROM edge_evidence JOIN (SELECT * FROM edges WHERE "
            "significant) USING (signal, platform_1, account_1, platform_2, account_2)",
        }[table]
        want = ws.sql(n).fetchone()[0]
    assert res["rows"] == want > 0
    if fmt == "csv":
        with open(path, newline="") as f:
            got = list(csv.DictReader(f))
    elif fmt == "parquet":
        got = pq.read_table(path).to_pylist()
    else:
        got = [json.loads(line) for line in path.read_text().splitlines()]
    assert len(got) == want
    key = {"clusters": "cluster_id", "members": "handle", "evidence": "handle_1"}[table]
    assert key in got[0]


def test_export_errors(demo_workspace, tmp_path):
    r = runner.invoke(
        app, ["export", str(demo_workspace), "clusters", "-o", str(tmp_path / "x.gexf")]
    )
    assert r.exit_code == 2 and "network" in r.output
    r = runner.invoke(
        app, ["export", str(demo_workspace), "network", "-o", str(tmp_path / "x.xyz")]
    )
    assert r.exit_code == 2 and "--format" in r.output
    r = runner.invoke(app, ["export", str(tmp_path / "none.duckdb"), "network", "-o", "x.gexf"])
    assert r.exit_code == 1 and "No workspace" in r.output
