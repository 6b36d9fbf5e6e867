"""The output convention: every read verb in every ``--format`` (table, json, jsonl, csv), each
output parsed back; plain unwrapped text when not on a terminal; no traceback without ads;
``-`` for stdin; truth files keyed by handle."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil

import pytest
from typer.testing import CliRunner

from ioscope.cli.main import app
from ioscope.workspace import Workspace

runner = CliRunner()
FORMATS = ("table", "json", "jsonl", "csv")


def _truth(ws_path):
    return ws_path.parent / "simulated" / "truth.csv"


def _verbs(ws_path, handle):
    return {
        "info": ["info", str(ws_path)],
        "clusters": ["clusters", str(ws_path), "--members"],
        "evaluate": ["evaluate", str(ws_path), "--truth", str(_truth(ws_path))],
        "ads": ["ads", str(ws_path)],
        "accounts": ["accounts", str(ws_path), "--flagged"],
        "accounts show": ["accounts", str(ws_path), "show", f"@{handle}"],
    }


def _check(fmt: str, text: str) -> int:
    """Parse ``text`` as ``fmt``; return the number of records (table: lines)."""
    assert text.strip(), "empty output"
    if fmt == "json":
        json.loads(text)
        return 1
    if fmt == "jsonl":
        rows = [json.loads(line) for line in text.splitlines()]
        assert all(isinstance(r, dict) for r in rows)
        return len(rows)
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(text)))
        assert len({len(r) for r in rows}) == 1, "ragged CSV"
        return len(rows) - 1
    assert "Traceback" not in text
    assert not set("┏┃━│└─") & set(text), "box drawing off a terminal"
    assert not re.search(r"\w…", text), "a cell was cut short"
    return len(text.splitlines())


@pytest.fixture(scope="module")
def handle(demo_workspace):
    with Workspace.open(demo_workspace, read_only=True) as ws:
        return ws.sql("SELECT handle FROM cluster_members ORDER BY handle LIMIT 1").fetchone()[0]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    "verb", ["info", "clusters", "evaluate", "ads", "accounts", "accounts show"]
)
def test_every_read_verb_in_every_format(demo_workspace, handle, verb, fmt):
    args = _verbs(demo_workspace, handle)[verb] + ["--format", fmt]
    r = runner.invoke(app, args)
    assert r.exit_code == 0, r.output
    n = _check(fmt, r.stdout)
    if verb in ("clusters", "accounts") and fmt in ("jsonl", "csv"):
        with Workspace.open(demo_workspace, read_only=True) as ws:
            want = ws.count("clusters" if verb == "clusters" else "cluster_members")
        assert n == want  # one record per cluster, per flagged account


@pytest.mark.parametrize("fmt", FORMATS)
def test_detect_in_every_format(demo_workspace, tmp_path, fmt):
    ws = tmp_path / "d.duckdb"
    shutil.copy(demo_workspace, ws)
    r = runner.invoke(app, ["detect", str(ws), "--signals", "co_repost,co_link", "--format", fmt])
    assert r.exit_code == 0, r.output
    n = _check(fmt, r.stdout)
    if fmt in ("jsonl", "csv"):
        assert n == 2  # one row per signal
    if fmt == "csv":
        assert r.stdout.splitlines()[0].startswith("signal,")


def test_table_off_a_terminal_is_plain_and_unwrapped(demo_workspace):
    r = runner.invoke(app, ["ads", str(demo_workspace), "--top", "100"])
    assert r.exit_code == 0
    doc = json.loads(runner.invoke(app, ["ads", str(demo_workspace), "--json"]).stdout)
    for a in doc["advertisers"]:  # no cell cut: names and targeting in full, on one line
        line = next(
            x
            for x in r.stdout.splitlines()
            if f" {a['ads']:,} " in x and x.startswith(a["advertiser_name"] or "(not attributed)")
        )
        assert all(f"{c} {n:,}" in line for c, n in a["definite"].items())
    assert max(len(line) for line in r.stdout.splitlines()) > 80  # not wrapped at 80 columns
    assert "ioscope clusters" not in r.stdout


@pytest.mark.parametrize("fmt", FORMATS)
def test_ads_without_ads_in_every_format(demo_workspace, tmp_path, fmt):
    ws = tmp_path / "noads.duckdb"
    shutil.copy(demo_workspace, ws)
    with Workspace.open(ws) as w:
        w.con.execute(
            "DROP TABLE ad_country_targeting; DROP TABLE ad_targeting; "
            "DROP TABLE ad_delivery; DROP TABLE ads"
        )
    r = runner.invoke(app, ["ads", str(ws), "--format", fmt])
    assert r.exit_code == 0, r.output
    assert "Traceback" not in r.output
    if fmt == "json":
        doc = json.loads(r.stdout)
        assert doc["totals"]["ads"] == 0 and doc["advertisers"] == []
        assert "ioscope clusters" not in json.dumps(doc)
    elif fmt == "table":
        assert "No ads in this workspace" in r.stdout
    else:
        assert len(r.stdout.strip().splitlines()) <= 1  # no advertisers: no rows (csv: no header)


def test_bad_format_and_json_error_envelope(demo_workspace, tmp_path):
    r = runner.invoke(app, ["clusters", str(demo_workspace), "--format", "xml"])
    assert r.exit_code == 2 and "--format" in r.output
    r = runner.invoke(app, ["clusters", str(tmp_path / "none.duckdb"), "--format", "jsonl"])
    assert r.exit_code == 1 and json.loads(r.stdout)["error"]["code"] == "not_found"


def test_truth_by_handle_and_from_stdin(demo_workspace, tmp_path):
    by_id = runner.invoke(
        app, ["evaluate", str(demo_workspace), "--truth", str(_truth(demo_workspace)), "--json"]
    )
    assert by_id.exit_code == 0, by_id.output
    want = json.loads(by_id.stdout)
    with Workspace.open(demo_workspace, read_only=True) as ws:
        rows = ws.sql(
            """SELECT '@' || upper(a.handle), t.campaign_id
            FROM read_csv(?, header = true, all_varchar = true) t
            JOIN accounts a USING (account_id)""",
            [str(_truth(demo_workspace))],
        ).fetchall()
    text = "Handle,campaign_id\n" + "".join(f"{h},{c or ''}\n" for h, c in rows)
    (tmp_path / "handles.csv").write_text(text)
    got = json.loads(
        runner.invoke(
            app,
            ["evaluate", str(demo_workspace), "--truth", str(tmp_path / "handles.csv"), "--json"],
        ).stdout
    )
    for section in ("accounts", "pairs", "clusters"):
        assert got[section] == want[section]
    r = runner.invoke(app, ["evaluate", str(demo_workspace), "--truth", "-", "--json"], input=text)
    assert r.exit_code == 0 and json.loads(r.stdout)["accounts"] == want["accounts"]
    # a takedown list: handles only, all of one campaign, one of them unknown
    positives = [h for h, c in rows if c][:20]
    (tmp_path / "takedown.csv").write_text("handle\n" + "\n".join(positives + ["@nobody_xyz"]))
    r = json.loads(
        runner.invoke(
            app,
            ["evaluate", str(demo_workspace), "--truth", str(tmp_path / "takedown.csv"), "--json"],
        ).stdout
    )
    assert r["accounts"]["positives"] == 20 and r["accounts"]["positives_without_posts"] == 1
    with Workspace.open(demo_workspace, read_only=True) as ws:
        flagged = {h.lower() for (h,) in ws.sql("SELECT handle FROM cluster_members").fetchall()}
    assert r["accounts"]["true_positives"] == len(
        {h.lstrip("@").lower() for h in positives} & flagged
    )


def _in_a_terminal(args: list[str]) -> str:
    """Run ``python -m ioscope ARGS`` with a pseudo-terminal as stdout and stderr."""
    import os
    import pty
    import subprocess
    import sys
    from pathlib import Path

    src = str(Path(__file__).resolve().parents[1] / "src")
    main, child = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "ioscope", *args],
        stdout=child,
        stderr=child,
        env={**os.environ, "PYTHONPATH": src, "COLUMNS": "120"},
    )
    os.close(child)
    chunks = []
    while True:
        try:
            data = os.read(main, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=300)
    os.close(main)
    assert proc.returncode == 0
    return b"".join(chunks).decode("utf-8", errors="replace")


def test_progress_on_a_terminal_only(demo_workspace, tmp_path):
    ws = tmp_path / "p.duckdb"
    shutil.copy(demo_workspace, ws)
    args = ["detect", str(ws), "--signals", "co_repost,co_link"]
    shown = _in_a_terminal(args)
    for signal in ("co_repost", "co_link"):  # one line per signal, with its edges and time
        assert re.search(rf"{signal}\s+[\d,]+ edges\s+[\d.]+ s", shown), shown
    assert not re.search(r"co_link\s+[\d,]+ edges", _in_a_terminal(args + ["--quiet"]))
    r = runner.invoke(app, args)  # not a terminal: the result only
    assert r.exit_code == 0 and not re.search(r"co_link\s+[\d,]+ edges\s+[\d.]+ s", r.output)
    posts = demo_workspace.parent / "simulated" / "accounts.parquet"
    shown = _in_a_terminal(["ingest", str(tmp_path / "i.duckdb"), str(posts)])
    assert "accounts.parquet: parquet," in shown and "records" in shown
    r = runner.invoke(app, ["ingest", str(tmp_path / "j.duckdb"), str(posts)])
    assert r.exit_code == 0 and "accounts.parquet: parquet," not in r.output
    report = ["report", str(ws), "-o", str(tmp_path / "r.html")]
    assert re.search(r"report sections\s+[\d,]+ queries\s+[\d.]+ s", _in_a_terminal(report))
    assert "report sections" not in _in_a_terminal(report + ["--quiet"])
    r = runner.invoke(app, report)
    assert r.exit_code == 0 and "report sections" not in r.output
