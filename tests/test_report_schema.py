"""The report and the web UI trust the schema that model/ declares: a stage's table written by an
earlier ioscope without a declared column is one clear error naming the command to run again,
never a silent fallback."""

from __future__ import annotations

import json
import shutil

import pytest

from ioscope.errors import IncompatibleWorkspaceError
from ioscope.report import build_report
from ioscope.web import create_app, get
from ioscope.workspace import Workspace


@pytest.fixture()
def old_clusters(demo_workspace, tmp_path):
    path = tmp_path / "old.duckdb"
    shutil.copy(demo_workspace, path)
    with Workspace.open(path) as ws:
        ws.sql("ALTER TABLE clusters DROP COLUMN kind")
    return path


def test_report_names_the_missing_column_and_the_command(old_clusters):
    with Workspace.open(old_clusters, read_only=True) as ws:
        with pytest.raises(IncompatibleWorkspaceError) as e:
            build_report(ws, format="json")
    assert "clusters" in str(e.value) and "kind" in str(e.value)
    assert "ioscope detect" in e.value.hint and "Nothing was changed" in e.value.hint


def test_web_answers_with_the_same_error(old_clusters):
    app = create_app(old_clusters)
    try:
        r = get(app, "/clusters.json")
    finally:
        app.state.ui.ws.close()
    assert r.status >= 400
    err = json.loads(r.text)["error"]
    assert "kind" in err["message"] and "ioscope detect" in json.dumps(err)


def test_current_workspace_reads_without_error(demo_workspace, tmp_path):
    path = tmp_path / "now.duckdb"
    shutil.copy(demo_workspace, path)
    with Workspace.open(path, read_only=True) as ws:
        doc = json.loads(build_report(ws, format="json"))
    assert doc["sections"]
