"""The ingest contract: counts, idempotence, atomicity, quarantine, schema versions."""

from __future__ import annotations

import gzip
import json

import duckdb
import pytest
from typer.testing import CliRunner

from ioscope.cli.main import app
from ioscope.errors import IncompatibleWorkspaceError, MissingColumnError, UnknownFormatError
from ioscope.ingest import detect_format, ingest
from ioscope.workspace import Workspace
from tests.fixtures.samples.cnt import CNT


def test_cnt_csv_counts_and_normalization(tmp_path, ws):
    f = tmp_path / "in.csv"
    f.write_text(CNT)
    assert detect_format(str(f)) == "cnt-csv"
    rep = ingest(ws, [f])
    (r,) = rep.files
    assert (r.rows_read, r.rows_ingested, r.rows_quarantined) == (6, 3, 3)
    assert r.rows_read == r.rows_ingested + r.rows_quarantined
    rows = {p["post_id"]: p for p in ws.rows("SELECT * FROM posts")}
    assert rows["1"]["kind"] == "post" and rows["2"]["kind"] == "repost"
    assert rows["2"]["target_post_id"] == "1" and rows["3"]["kind"] == "reply"
    assert rows["1"]["hashtags"] == ["world"] and rows["1"]["mentions"] == ["bob"]
    assert rows["1"]["urls_normalized"] == ["https://example.com/a"]
    assert rows["3"]["domains"] == ["t.co", "bbc.co.uk"]
    assert rows["1"]["source_line"] == 2 and rows["3"]["source_line"] == 4
    q = {x["source_line"]: x for x in ws.rows("SELECT * FROM quarantine")}
    assert set(q) == {5, 6, 7}
    assert q[5]["field"] == "timestamp" and "notatime" in q[5]["reason"]
    assert q[6]["field"] == "account_id"
    assert "too many columns" in q[7]["reason"] and "extra" in q[7]["raw"]
    assert ws.count("accounts") == 3


def test_idempotent_and_runs_recorded(tmp_path, ws):
    f = tmp_path / "in.csv"
    f.write_text(CNT)
    ingest(ws, [f])
    before = ws.rows("SELECT * FROM posts ORDER BY post_id")
    rep = ingest(ws, [f])
    assert rep.totals["posts_new"] == 0 and rep.totals["accounts_new"] == 0
    assert ws.rows("SELECT * FROM posts ORDER BY post_id") == before
    runs = ws.rows("SELECT * FROM runs ORDER BY run_id")
    assert len(runs) == 2
    inputs = json.loads(runs[0]["inputs"])
    assert inputs[0]["sha256"].startswith("sha256:") and inputs[0]["path"] == str(f)


def test_failed_ingest_leaves_workspace_unchanged(tmp_path, ws_path):
    good = tmp_path / "good.csv"
    good.write_text(CNT)
    bad = tmp_path / "bad.csv"
    bad.write_text("message_id,user_id\n1,2\n")
    with Workspace.open(ws_path) as ws:
        ingest(ws, [good])
        snapshot = ws.rows("SELECT count(*) AS n FROM posts")
        with pytest.raises(MissingColumnError, match="bad.csv"):
            ingest(ws, [good, bad], format="cnt-csv")
        assert ws.rows("SELECT count(*) AS n FROM posts") == snapshot
        assert ws.count("runs") == 1


def test_gzip_input(tmp_path, ws):
    f = tmp_path / "in.csv.gz"
    with gzip.open(f, "wt") as g:
        g.write(CNT)
    assert detect_format(str(f)) == "cnt-csv"
    assert ingest(ws, [f]).totals["rows_ingested"] == 3


def test_unknown_format(tmp_path, ws):
    f = tmp_path / "x.txt"
    f.write_text("hello\n")
    with pytest.raises(UnknownFormatError):
        ingest(ws, [f])


def test_refuses_other_schema_version(ws_path):
    with Workspace.open(ws_path) as ws:
        ws.sql("UPDATE metadata SET value = '999' WHERE key = 'schema_version'")
    with pytest.raises(IncompatibleWorkspaceError, match="schema version 999"):
        Workspace.open(ws_path)


def test_refuses_foreign_duckdb(tmp_path):
    p = tmp_path / "other.duckdb"
    con = duckdb.connect(str(p))
    con.execute("CREATE TABLE t (x INT)")
    con.close()
    with pytest.raises(IncompatibleWorkspaceError, match="not an ioscope workspace"):
        Workspace.open(p)


def test_cli_ingest_json_and_info(tmp_path, ws_path):
    f = tmp_path / "in.csv"
    f.write_text(CNT)
    runner = CliRunner()
    res = runner.invoke(app, ["ingest", str(ws_path), str(f), "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["files"][0]["rows_read"] == 6 and data["totals"]["rows_quarantined"] == 3
    assert {"path", "format", "rows_read", "rows_ingested", "rows_quarantined"} <= set(
        data["files"][0]
    )
    res = runner.invoke(app, ["info", str(ws_path), "--json"])
    info = json.loads(res.stdout)
    assert info["schema_version"] == 1
    assert info["tables"]["posts"] == 3 and info["tables"]["quarantine"] == 3
    assert info["platforms"] == {"twitter": 3}
    assert info["time_range"]["start"] == "2020-09-13T12:26:40Z"


def test_cli_error_exit_code_and_envelope(tmp_path, ws_path):
    f = tmp_path / "x.txt"
    f.write_text("hello\n")
    res = CliRunner().invoke(app, ["ingest", str(ws_path), str(f), "--json"])
    assert res.exit_code == 2
    assert json.loads(res.stdout)["error"]["code"] == "unknown_format"


def test_coortweet_real_sample(shared_data, ws):
    rep = ingest(
        ws, [shared_data / "coortweet-coordination-samples" / "russian_coord_tweets.csv.gz"]
    )
    assert rep.files[0].format == "coortweet"
    assert rep.totals["rows_read"] == 35125 and rep.totals["rows_quarantined"] == 0
    assert ws.count("posts") == 35085 and ws.count("accounts") == 9509


def test_memory_limit_is_the_process_budget(tmp_path, ws, monkeypatch):
    """--memory-limit is the whole process's budget: DuckDB works under its share during the
    ingest, and the workspace's own setting comes back afterwards; a bad size is refused first."""
    f = tmp_path / "in.csv"
    f.write_text(CNT)
    import ioscope.ingest as ingest_pkg

    seen, original = [], ingest_pkg.finalize

    def spy(ctx):
        seen.append(ctx.con.execute("SELECT current_setting('memory_limit')").fetchone()[0])
        return original(ctx)

    monkeypatch.setattr(ingest_pkg, "finalize", spy)
    before = ws.sql("SELECT current_setting('memory_limit')").fetchone()[0]
    ingest(ws, [f], memory_limit="4GB")
    assert seen == ["2.2 GiB"]  # 60 % of 4 GB = 2.4e9 bytes
    assert ws.sql("SELECT current_setting('memory_limit')").fetchone()[0] == before
    from ioscope.errors import ParameterError

    runs = ws.count("runs")
    with pytest.raises(ParameterError, match="'memory_limit' parameter of ingest"):
        ingest(ws, [f], memory_limit="lots")
    assert ws.count("runs") == runs
