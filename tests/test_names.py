"""Accounts are named by who they are (handle, or a channel's title) with the id beside it, and
never with an "@" before an id: the CLI, the report, the web UI and the exports."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import duckdb
import pytest
from typer.testing import CliRunner

from ioscope.cli.main import app
from ioscope.model.names import account_label, account_name, name_sql
from ioscope.workspace import Workspace
from tests.fixtures.case import _create, _insert

T0 = datetime(2024, 3, 1, 12)

#: (platform, account_id, handle, display_name, expected name, expected label)
ACCOUNTS = [
    ("twitter", "1001", "alice", "Alice A.", "@alice", "@alice (1001)"),
    ("twitter", "1002", "@bob", None, "@bob", "@bob (1002)"),
    (
        "telegram",
        "-1001234567890",
        None,
        "Новости Канал",
        "Новости Канал",
        "Новости Канал (-1001234567890)",
    ),
    # a peer id put where a handle belongs is not a handle; the title is the name
    (
        "telegram",
        "-1009876543210",
        "-1009876543210",
        "Second Channel",
        "Second Channel",
        "Second Channel (-1009876543210)",
    ),
    ("twitter", "1003", "  ", None, None, "1003"),
    ("twitter", "carol", "carol", None, "@carol", "@carol"),  # handle-only source: id = handle
]


@pytest.mark.parametrize("platform,account_id,handle,title,name,label", ACCOUNTS)
def test_python_and_sql_rules_agree(platform, account_id, handle, title, name, label):
    assert account_name(handle, title) == name
    sql = (
        duckdb.connect()
        .execute(
            f"SELECT {name_sql('h', 't')} FROM (SELECT ?::VARCHAR AS h, ?::VARCHAR AS t)",
            [handle, title],
        )
        .fetchall()[0][0]
    )
    assert sql == name
    assert account_label(name, account_id) == label
    assert not account_label(name, account_id).startswith("@-")


def _names_workspace(path: Path) -> Path:
    """Two clusters: two Twitter accounts known by numeric ids with handles, and two Telegram
    channels known by peer ids with titles; edges, evidence and posts between them."""
    ws = Workspace.open(path)
    _insert(
        ws,
        "accounts",
        [
            {"platform": p, "account_id": a, "handle": h, "display_name": t, "created_at": T0}
            for p, a, h, t, *_ in ACCOUNTS[:4]
        ],
    )
    pairs = [("twitter", "1001", "1002"), ("telegram", "-1001234567890", "-1009876543210")]
    posts, evidence, edges, members = [], [], [], []
    for cid, (plat, a1, a2) in enumerate(pairs, 1):
        for k in range(3):
            t = T0 + timedelta(hours=k)
            for j, a in enumerate((a1, a2)):
                posts.append(
                    {
                        "platform": plat,
                        "post_id": f"{a}/{k}",
                        "account_id": a,
                        "created_at": t + timedelta(seconds=5 * j),
                        "kind": "post",
                        "text": f"the same words number {k}",
                    }
                )
            evidence.append(
                {
                    "signal": "co_text",
                    "platform_1": plat,
                    "account_1": a1,
                    "platform_2": plat,
                    "account_2": a2,
                    "item": f"text{k}",
                    "post_1": f"{a1}/{k}",
                    "post_2": f"{a2}/{k}",
                    "dt_seconds": 5.0,
                    "run_id": "r-detect",
                }
            )
        edges.append(
            {
                "signal": "co_text",
                "platform_1": plat,
                "account_1": a1,
                "platform_2": plat,
                "account_2": a2,
                "weight": 3,
                "shared_items": 3,
                "first_at": T0,
                "last_at": T0 + timedelta(hours=2),
                "p_value": 1e-6,
                "q_value": 1e-5,
                "significant": True,
                "run_id": "r-detect",
            }
        )
        members += [
            {
                "cluster_id": cid,
                "platform": plat,
                "account_id": a,
                "strength": 1.0,
                "explanation": "posted the same texts",
                "run_id": "r-detect",
            }
            for a in (a1, a2)
        ]
    _insert(ws, "posts", posts)
    for name in ("edges", "edge_evidence", "clusters", "cluster_members"):
        _create(ws, name)
    _insert(ws, "edges", edges)
    _insert(ws, "edge_evidence", evidence)
    _insert(
        ws,
        "clusters",
        [
            {
                "cluster_id": c,
                "rank": c,
                "size": 2,
                "score": 3.0 - c,
                "signals": ["co_text"],
                "density": 1.0,
                "kind": "campaign",
                "min_p": 1e-6,
                "first_at": T0,
                "last_at": T0 + timedelta(hours=2),
                "explanation": "2 accounts posted the same 3 texts.",
                "run_id": "r-detect",
            }
            for c in (1, 2)
        ],
    )
    _insert(ws, "cluster_members", members)
    # a mirror cluster lists its members in its details only (written before names were stored)
    _insert(
        ws,
        "clusters",
        [
            {
                "cluster_id": 3,
                "rank": 3,
                "size": 2,
                "score": 0.5,
                "signals": ["co_text"],
                "density": 1.0,
                "kind": "mirror",
                "min_p": 1e-6,
                "first_at": T0,
                "last_at": T0,
                "explanation": "Automated mirrors.",
                "run_id": "r-detect",
                "details": json.dumps(
                    {
                        "members": [
                            {"platform": "telegram", "account_id": a, "handle": None, "posts": 3}
                            for a in ("-1001234567890", "-1009876543210")
                        ]
                    }
                ),
            }
        ],
    )
    ws.con.execute(
        "INSERT INTO runs VALUES ('r-detect', 'detect', '{}', '[]', '{}', '0.1.0', ?, ?, 'ok')",
        [T0, T0],
    )
    _create(ws, "account_scores")
    _insert(
        ws,
        "account_scores",
        [
            {
                "platform": p,
                "account_id": a,
                "score": 0.9 - 0.1 * k,
                "rank": k + 1,
                "threshold": 0.5,
                "above_threshold": True,
                "top_signals": "[]",
                "model_id": "m1",
                "run_id": "r-acc",
            }
            for k, (p, a, *_) in enumerate(ACCOUNTS[:4])
        ],
    )
    ws.close()
    return path


@pytest.fixture(scope="module")
def names_ws(tmp_path_factory) -> Path:
    return _names_workspace(tmp_path_factory.mktemp("names") / "names.duckdb")


def _no_id_as_handle(text: str) -> None:
    for _, account_id, *_ in ACCOUNTS[:4]:
        assert "@" + account_id not in text


def test_cli_clusters_members_and_accounts_flagged(names_ws):
    r = CliRunner().invoke(app, ["clusters", str(names_ws), "--members"], env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.output
    assert "members: @alice (1001), @bob (1002)" in r.output
    assert "members: Новости Канал (-1001234567890), Second Channel (-1009876543210)" in r.output
    _no_id_as_handle(r.output)
    r = CliRunner().invoke(app, ["accounts", str(names_ws), "--flagged"], env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.output
    assert "Новости Канал (-1001234567890)" in r.output and "@alice (1001)" in r.output
    _no_id_as_handle(r.output)
    r = CliRunner().invoke(app, ["accounts", str(names_ws)], env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.output  # account scores
    assert "@alice (1001)" in r.output and "Second Channel (-1009876543210)" in r.output
    _no_id_as_handle(r.output)
    r = CliRunner().invoke(app, ["clusters", str(names_ws), "--members", "--json"])
    listed = json.loads(r.output)
    assert [m["name"] for m in listed[2]["members"]] == ["Новости Канал", "Second Channel"]
    names = {m["account_id"]: m["name"] for c in listed for m in c["members"]}
    assert names == {
        "1001": "@alice",
        "1002": "@bob",
        "-1001234567890": "Новости Канал",
        "-1009876543210": "Second Channel",
    }


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_report_names_accounts(names_ws, tmp_path, fmt):
    from ioscope.report import build_report

    with Workspace.open(names_ws, read_only=True) as ws:
        text = build_report(ws, format=fmt)
    _no_id_as_handle(text)
    assert "Новости Канал" in text and "Second Channel" in text and "@alice" in text
    if fmt == "html":  # the evidence posts name their authors with the id beside the name
        assert 'class="who">Новости Канал (-1001234567890)</span>' in text
        assert 'class="who">@bob (1002)</span>' in text


def test_web_account_page_names_other_accounts(names_ws):
    from ioscope.web import create_app, get
    from ioscope.web.app import cluster_url

    app_ = create_app(names_ws)
    page = get(app_, "/account?platform=twitter&id=1001").text
    assert ">@bob (1002)</a>" in page  # the strongest edges name the other account
    page = get(app_, "/account?platform=telegram&id=-1001234567890").text
    assert "<h1>Новости Канал" in page and ">Second Channel (-1009876543210)</a>" in page
    _no_id_as_handle(page)
    cluster = get(app_, cluster_url(2)).text
    assert "Новости Канал (-1001234567890)" in cluster
    _no_id_as_handle(cluster)
    listing = get(app_, "/accounts?q=" + quote("Новости")).text
    assert "Новости Канал" in listing


def test_exports_carry_names(names_ws, tmp_path):
    from ioscope.detect.export import export_edges

    out = tmp_path / "edges.csv"
    with Workspace.open(names_ws, read_only=True) as ws:
        export_edges(ws, str(out))
        rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
        gexf = tmp_path / "edges.gexf"
        export_edges(ws, str(gexf), format="gexf")
    assert list(rows[0])[:3] == ["account_1", "account_2", "weight"]
    got = {(r["account_1"], r["name_1"], r["account_2"], r["name_2"]) for r in rows}
    assert got == {
        ("1001", "@alice", "1002", "@bob"),
        ("-1001234567890", "Новости Канал", "-1009876543210", "Second Channel"),
    }
    assert 'label="Новости Канал"' in gexf.read_text(encoding="utf-8")


def test_telegram_sample_channels_named_by_title(shared_data, tmp_path):
    """The case that showed it: on the Telegram sample, cluster members were '@-1001125816841'."""
    from ioscope.detect import detect
    from ioscope.detect.results import list_clusters
    from ioscope.ingest import ingest

    raw = shared_data / "telegram-ru-news-channels" / "raw"
    files = [
        raw / f"{c}_messages.json.gz" for c in ("1001699803165", "1001125816841", "1001326203371")
    ]
    with Workspace.open(tmp_path / "tg.duckdb") as ws:
        ingest(ws, files)
        detect(ws, signals=["co_text", "near_duplicate_text"])
        titles = {
            r["account_id"]: r["display_name"]
            for r in ws.rows("SELECT account_id, display_name FROM accounts")
        }
        members = [m for c in list_clusters(ws, members=True) for m in c["members"]]
    assert members, "the three Moscow channels form a cluster"
    assert "-1001125816841" in {m["account_id"] for m in members}
    for m in members:
        assert m["name"] == titles[m["account_id"]] and not m["name"].startswith("@")
    r = CliRunner().invoke(
        app, ["clusters", str(tmp_path / "tg.duckdb"), "--members"], env={"COLUMNS": "250"}
    )
    assert "@-100" not in r.output
    assert f"{titles['-1001125816841']} (-1001125816841)" in r.output
