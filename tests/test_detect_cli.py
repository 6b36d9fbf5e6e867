"""``ioscope detect`` and ``ioscope export`` through the CLI."""

from __future__ import annotations

import csv
import json
import xml.etree.ElementTree as ET

import pyarrow.parquet as pq
from typer.testing import CliRunner

from ioscope.cli.main import app
from ioscope.workspace import Workspace
from tests.fixtures.detect import load, planted

runner = CliRunner()


def _world(path):
    with Workspace.open(path) as ws:
        rows = planted(seed=5, events=4)[0]
        rows[0]["handle"] = 'evil<script>"&\x01'
        load(ws, rows)


def test_detect_json_and_table(ws_path):
    _world(ws_path)
    r = runner.invoke(
        app,
        [
            "detect",
            str(ws_path),
            "--signals",
            "co_repost,co_link",
            "--json",
            "--window",
            "30s",
            "--param",
            "co_link.min_weight=3",
        ],
    )
    assert r.exit_code == 0, r.output
    rep = json.loads(r.stdout)
    assert [s["signal"] for s in rep["signals"]] == ["co_repost", "co_link"]
    assert rep["parameters"]["co_link"]["min_weight"] == 3
    assert rep["parameters"]["co_repost"]["window"] == 30
    assert rep["totals"]["edges"] > 0
    r = runner.invoke(app, ["detect", str(ws_path), "--compat", "cnt"])
    assert r.exit_code == 0 and "compat cnt" in r.stdout


def test_detect_errors(ws_path, tmp_path):
    _world(ws_path)
    r = runner.invoke(app, ["detect", str(ws_path), "--window", "-5", "--json"])
    assert r.exit_code == 2
    assert json.loads(r.stdout)["error"]["code"] == "parameter"
    r = runner.invoke(app, ["detect", str(ws_path), "--param", "oops"])
    assert r.exit_code == 2 and "SIGNAL.NAME=VALUE" in r.output
    r = runner.invoke(app, ["detect", str(tmp_path / "missing.duckdb")])
    assert r.exit_code == 1 and "No workspace" in r.output
    r = runner.invoke(app, ["export", str(ws_path), "edges", "-o", str(tmp_path / "e.csv")])
    assert r.exit_code == 1 and "ioscope detect" in r.output


def test_export_formats(ws_path, tmp_path):
    _world(ws_path)
    assert runner.invoke(app, ["detect", str(ws_path)]).exit_code == 0
    with Workspace.open(ws_path, read_only=True) as ws:
        n = ws.count("edges")
        n_repost = ws.sql("SELECT count(*) FROM edges WHERE signal = 'co_repost'").fetchone()[0]
        pairs = ws.sql("SELECT count(DISTINCT (account_1, account_2)) FROM edges").fetchone()[0]
    out = {}
    for fmt in ("csv", "parquet", "graphml", "gexf"):
        out[fmt] = tmp_path / f"e.{fmt}"
        r = runner.invoke(
            app, ["export", str(ws_path), "edges", "--format", fmt, "-o", str(out[fmt])]
        )
        assert r.exit_code == 0, r.output
    with open(out["csv"], newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0][:3] == ["account_1", "account_2", "weight"] and len(rows) == n + 1
    table = pq.read_table(out["parquet"])
    assert table.num_rows == n
    assert json.loads(table.schema.metadata[b"provenance"])["command"] == "detect"
    import igraph

    # as a graph, edges are the raw network: one edge per pair, signals as attributes
    g = igraph.Graph.Read_GraphML(str(out["graphml"]))
    assert g.ecount() == pairs < n and "weight" in g.es.attributes()
    assert any("evil<script>" in label for label in g.vs["label"])
    root = ET.parse(out["gexf"]).getroot()
    assert len(root.findall(".//{http://gexf.net/1.3}edge")) == pairs
    r = runner.invoke(app, ["export", str(ws_path), "edges", "--signal", "co_repost", "-o", "-"])
    assert r.exit_code == 0 and len(r.stdout.strip().splitlines()) == n_repost + 1
    r = runner.invoke(
        app,
        [
            "export",
            str(ws_path),
            "edge_evidence",
            "--format",
            "parquet",
            "-o",
            str(tmp_path / "v.parquet"),
            "--json",
        ],
    )
    assert r.exit_code == 0 and json.loads(r.stdout)["rows"] > 0
    r = runner.invoke(app, ["export", str(ws_path), "edges", "--format", "xlsx", "-o", "x"])
    assert r.exit_code == 2


def test_temp_limit_caps_duckdb_spill_and_is_recorded(ws_path):
    _world(ws_path)
    r = runner.invoke(app, ["detect", str(ws_path), "--temp-limit", "3GB", "--json"])
    assert r.exit_code == 0, r.output
    with Workspace.open(ws_path, read_only=True) as ws:
        params = json.loads(
            ws.sql(
                "SELECT parameters FROM runs WHERE command = 'detect' "
                "ORDER BY started_at DESC LIMIT 1"
            ).fetchall()[0][0]
        )
    assert params["temp_limit"] == "3GB"
    # the library applies it to the connection the run used (DuckDB reports it in GiB)
    from ioscope.detect import detect

    with Workspace.open(ws_path) as ws:
        detect(ws, mode="raw", signals="co_repost", temp_limit="7GB")
        setting = ws.sql("SELECT current_setting('max_temp_directory_size')").fetchall()[0][0]
    assert setting.startswith("6.5"), setting
    r = runner.invoke(app, ["detect", str(ws_path), "--temp-limit", "lots", "--json"])
    assert r.exit_code == 2 and json.loads(r.stdout)["error"]["code"] == "parameter"


def test_out_of_memory_is_a_clear_error_and_leaves_the_workspace(ws_path):
    _world(ws_path)
    assert (
        runner.invoke(app, ["detect", str(ws_path), "--raw", "--signals", "co_repost"]).exit_code
        == 0
    )
    with Workspace.open(ws_path, read_only=True) as ws:
        before = (ws.count("edges"), ws.count("runs"))
    r = runner.invoke(app, ["detect", str(ws_path), "--memory-limit", "1MB", "--json"])
    assert r.exit_code == 1, r.output
    error = json.loads(r.stdout)["error"]
    assert error["code"] == "out_of_resources" and "--memory-limit" in error["hint"]
    r = runner.invoke(app, ["detect", str(ws_path), "--memory-limit", "1MB"])
    assert r.exit_code == 1 and "ran out of memory" in r.output and "Traceback" not in r.output
    with Workspace.open(ws_path, read_only=True) as ws:
        assert (ws.count("edges"), ws.count("runs")) == before
