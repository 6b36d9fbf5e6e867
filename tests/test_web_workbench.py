"""The web UI as a workbench: .csv twins, the read-only SQL box, error pages, and serving that
never locks writers out (``ioscope detect`` succeeds while ``ioscope serve`` runs)."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from ioscope.web import create_app, get
from ioscope.workspace import Workspace
from tests.fixtures.case import build_case_workspace

ROOT = Path(__file__).resolve().parents[1]
PAGES = [
    "/",
    "/clusters",
    "/clusters/1",
    "/network",
    "/accounts",
    "/ads",
    "/method",
    "/account?platform=twitter&id=c1_1",
    "/advertiser?platform=facebook&id=adv1",
]


@pytest.fixture(scope="module")
def case(tmp_path_factory) -> Path:
    return build_case_workspace(tmp_path_factory.mktemp("wb") / "case.duckdb")


@pytest.fixture(scope="module")
def ui(case):
    return create_app(case)


def _csv(path: str) -> str:
    base, _, query = path.partition("?")
    return ("/index" if base == "/" else base) + ".csv" + ("?" + query if query else "")


@pytest.mark.parametrize("path", PAGES)
def test_every_page_has_a_csv_twin(ui, path):
    r = get(ui, _csv(path))
    assert r.status == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert rows and all(len(row) == len(rows[0]) for row in rows)
    page = json.loads(get(ui, _csv(path).replace(".csv", ".json", 1)).body)
    key = {
        "clusters": "clusters",
        "cluster": "members",
        "accounts": "accounts",
        "ads": "advertisers",
        "method": "runs",
        "network": "nodes" if page["data"].get("level") == "clusters" else "edges",
    }.get(page["page"])
    if key:
        assert len(rows) == len(page["data"][key])


def test_html_pages_link_their_csv_twin(ui):
    html = get(ui, "/clusters").text
    assert 'href="/clusters.csv"' in html and 'href="/clusters.json"' in html


@pytest.mark.parametrize(
    "path,status",
    [
        ("/clusters/abc", 400),
        ("/clusters/1x", 400),
        ("/clusters/-1", 400),
        ("/clusters/999", 404),
        ("/nope", 404),
    ],
)
def test_error_pages(ui, path, status):
    r = get(ui, path)
    assert r.status == status
    assert f"<h1>Error {status}</h1>" in r.text and "Macro" not in r.text
    assert "DuckDB" not in r.text and "Binder" not in r.text
    j = get(ui, path + ".json")
    assert j.status == status
    assert json.loads(j.body)["error"]["code"] == ("parameter" if status == 400 else "not_found")


def test_sql_box_reads_with_a_row_limit(ui, case):
    with Workspace.open(case, read_only=True) as ws:
        n = ws.count("posts")
    q = urllib.parse.urlencode(
        {"sql": "SELECT post_id, account_id FROM posts ORDER BY post_id", "limit": 5}
    )
    doc = json.loads(get(ui, "/sql.json?" + q).body)["data"]["result"]
    assert (
        n > 5
        and doc["n_rows"] == 5
        and doc["truncated"]
        and doc["columns"] == ["post_id", "account_id"]
    )
    assert [r["post_id"] for r in doc["rows"]] == sorted(r["post_id"] for r in doc["rows"])
    q = urllib.parse.urlencode({"sql": "SELECT count(*) AS n FROM posts"})
    assert json.loads(get(ui, "/sql.json?" + q).body)["data"]["result"]["rows"] == [{"n": n}]
    html = get(ui, "/sql?" + q).text
    assert "<textarea" in html and f"<td>{n}</td>" in html
    assert get(ui, "/sql.csv?" + q).text == f"n\n{n}\n"


@pytest.mark.parametrize(
    "sql",
    [
        "DELETE FROM posts",
        "DROP TABLE posts",
        "SELECT 1; DROP TABLE posts",
        "COPY posts TO '{tmp}/leak.csv'",
        "ATTACH '{tmp}/other.duckdb' AS o",
        "SELECT * INTO stolen FROM posts",
        "CREATE TABLE t AS SELECT 1",
        "INSTALL httpfs",
        "SET threads = 1",
        "PRAGMA version",
        "SELECT * FROM read_csv('{tmp}/../etc.csv')",
        "SELECT * FROM '{tmp}/x.parquet'",
        "CALL pragma_version()",
        "UPDATE posts SET text = ''",
    ],
)
def test_sql_box_never_writes(ui, case, tmp_path, sql):
    (tmp_path / "x.parquet").write_bytes(b"")
    before = os.path.getmtime(case), os.path.getsize(case)
    q = urllib.parse.urlencode({"sql": sql.format(tmp=tmp_path)})
    r = get(ui, "/sql.json?" + q)
    assert r.status == 400, r.text
    assert json.loads(r.body)["error"]["code"] in ("usage", "parameter")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.parquet"]
    assert (os.path.getmtime(case), os.path.getsize(case)) == before
    assert get(ui, "/clusters.json").status == 200


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def test_serve_opens_the_browser_and_detect_runs_while_it_serves(demo_workspace, tmp_path):
    ws = tmp_path / "case.duckdb"
    shutil.copy(demo_workspace, ws)
    opened = tmp_path / "opened.txt"
    opener = tmp_path / "opener.py"
    opener.write_text(f"import sys; open({str(opened)!r}, 'w').write(sys.argv[1])")
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "src"),
        "BROWSER": f"{sys.executable} {opener} %s",
    }  # what --open starts
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "ioscope", "serve", str(ws), "-p", str(port), "--open"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.time() + 60
        while True:
            try:
                status, body = _fetch(base + "/method.json")
                break
            except (urllib.error.URLError, ConnectionError):
                assert time.time() < deadline and server.poll() is None, server.stderr.read()
                time.sleep(0.2)
        assert status == 200
        deadline = time.time() + 30
        while not opened.exists() and time.time() < deadline:
            time.sleep(0.1)
        assert opened.read_text() == f"http://127.0.0.1:{port}/"
        runs_before = {r["run_id"] for r in json.loads(body)["data"]["runs"]}
        assert _fetch(base + "/clusters/1.json")[0] == 200  # a connection is open now
        r = subprocess.run(
            [
                sys.executable,
                "-m",
                "ioscope",
                "detect",
                str(ws),
                "--signals",
                "co_repost,co_hashtag",
                "--json",
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert r.returncode == 0, r.stderr
        new_run = json.loads(r.stdout)["run_id"]
        assert new_run not in runs_before
        status, body = _fetch(base + "/method.json")
        assert status == 200  # the UI notices the new run
        assert new_run in {x["run_id"] for x in json.loads(body)["data"]["runs"]}
        assert server.poll() is None
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_pages_say_busy_while_another_process_writes(tmp_path, case):
    ws = tmp_path / "w.duckdb"
    shutil.copy(case, ws)
    ui = create_app(ws)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time\n"
            f"con = duckdb.connect({str(ws)!r})\nprint('held', flush=True)\n"
            "sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        r = get(ui, "/clusters.json")
        assert r.status == 503 and r.headers["retry-after"] == "5"
        assert json.loads(r.body)["error"]["code"] == "busy"
        from ioscope.errors import IncompatibleWorkspaceError

        with pytest.raises(IncompatibleWorkspaceError, match="another process holds it"):
            Workspace.open(ws, lock_wait=0.5)
        assert not Path(str(ws) + ".waiting").exists()  # the announcement is withdrawn
    finally:
        holder.stdin.close()
        holder.wait(timeout=20)
    assert get(ui, "/clusters.json").status == 200  # and pages work again once it is done
