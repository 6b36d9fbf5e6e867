"""A report names its inputs by file name and sha256, never by the analyst's paths (unless
asked with --full-paths)."""

from __future__ import annotations

import hashlib
import json
import shutil
from importlib.resources import files

import pytest
from typer.testing import CliRunner

from ioscope.cli.main import app
from ioscope.ingest import ingest
from ioscope.report import build_report
from ioscope.report.paths import file_name, redact
from ioscope.workspace import Workspace
from tests.fixtures.samples.telegram import channel_export, write_desktop


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    """Inputs under a private folder: the HPSCI excerpt (with its two companion files) and a
    Telegram export with a service message (quarantined)."""
    home = tmp_path_factory.mktemp("analyst") / "Users" / "jane.doe" / "leaks"
    home.mkdir(parents=True)
    sample = files("ioscope.data") / "samples" / "hpsci"
    for name in ("ads.csv", "ad_targets.csv", "targets.csv"):
        shutil.copy(str(sample / name), home / name)
    write_desktop(home / "result.json", channel_export())
    ws_path = home / "case.duckdb"
    with Workspace.open(ws_path) as ws:
        ingest(ws, [home / "ads.csv", home / "result.json"])
        assert ws.rows("SELECT count(*) AS n FROM quarantine")[0]["n"] == 1
    return home, ws_path


@pytest.mark.parametrize("fmt", ["html", "md", "json"])
def test_report_names_files_not_paths(case, fmt):
    home, ws_path = case
    with Workspace.open(ws_path, read_only=True) as ws:
        text = build_report(ws, format=fmt)
        full = build_report(ws, format=fmt, full_paths=True)
    assert "jane.doe" not in text and str(home) not in text
    for name in ("ads.csv", "ad_targets.csv", "targets.csv", "result.json"):
        digest = "sha256:" + hashlib.sha256((home / name).read_bytes()).hexdigest()
        shown = name.replace("_", "\\_") if fmt == "md" else name  # Markdown escapes '_'
        assert shown in text and digest in text
    assert str(home / "ads.csv") in full and str(home / "result.json") in full
    if fmt == "json":
        doc = json.loads(text)
        assert doc["workspace"] == "case.duckdb"
        sources = {r["path"]: r for r in doc["sections"]["analysed"]["sources"]}
        assert set(sources) == {"ads.csv", "ad_targets.csv", "targets.csv", "result.json"}
        assert sources["ads.csv"]["rows_read"] == 300
        (q,) = doc["sections"]["analysed"]["quarantine"]
        assert q["source_file"] == "result.json"
        assert json.loads(full)["workspace"] == str(ws_path)


def test_cli_full_paths_option(case, tmp_path):
    home, ws_path = case
    out = tmp_path / "r.md"
    r = CliRunner().invoke(app, ["report", str(ws_path), "-f", "md", "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert "jane.doe" not in out.read_text(encoding="utf-8")
    r = CliRunner().invoke(
        app, ["report", str(ws_path), "-f", "md", "-o", str(out), "--full-paths"]
    )
    assert r.exit_code == 0, r.output
    assert str(home / "ads.csv") in out.read_text(encoding="utf-8")


def test_redact_replaces_only_the_recorded_paths():
    from markupsafe import Markup

    paths = ["/home/a/x/ads.csv", "/home/a/x/ads.csv.bak", "C:\\Users\\b\\t.json"]
    value = {
        "k": [
            "/home/a/x/ads.csv.bak and /home/a/x/ads.csv",
            "C:\\Users\\b\\t.json",
            "/home/a/other.csv",
            3,
        ],
        "m": Markup("<b>/home/a/x/ads.csv</b>"),
    }
    got = redact(value, paths)
    assert got["k"] == ["ads.csv.bak and ads.csv", "t.json", "/home/a/other.csv", 3]
    assert got["m"] == Markup("<b>ads.csv</b>") and isinstance(got["m"], Markup)
    assert file_name("C:\\Users\\b\\t.json") == "t.json" and file_name("plain.csv") == "plain.csv"
