"""The web UI in-process: every page and its JSON twin, the error envelope, security headers,
bound search parameters, pagination, and ``ioscope serve --get``."""

from __future__ import annotations

import json
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ioscope.cli.main import app as cli
from ioscope.web import create_app, get
from ioscope.web.app import CSP
from tests.fixtures.case import HOSTILE, build_case_workspace

runner = CliRunner()

PAGES = [
    "/",
    "/clusters",
    "/clusters/1",
    "/network",
    "/accounts",
    "/accounts?q=c1&flagged=true",
    "/account?platform=twitter&id=c1_1",
    "/ads",
    "/advertiser?platform=facebook&id=adv1",
    "/method",
]


@pytest.fixture(scope="module")
def case(tmp_path_factory) -> Path:
    return build_case_workspace(tmp_path_factory.mktemp("web") / "case.duckdb")


@pytest.fixture(scope="module")
def ui(case):
    return create_app(case)


@pytest.fixture(scope="module")
def hostile_ui(tmp_path_factory):
    return create_app(
        build_case_workspace(tmp_path_factory.mktemp("webh") / "h.duckdb", hostile=True)
    )


def twin(path: str) -> str:
    base, _, query = path.partition("?")
    base = "/index" if base == "/" else base
    return base + ".json" + ("?" + query if query else "")


@pytest.mark.parametrize("path", PAGES)
def test_page_and_json_twin(ui, path):
    r = get(ui, path)
    assert r.status == 200, r.text[:500]
    assert r.headers["content-type"].startswith("text/html")
    assert r.headers["content-security-policy"] == CSP
    assert r.headers["x-content-type-options"] == "nosniff"
    j = get(ui, twin(path))
    assert j.status == 200 and j.headers["content-type"] == "application/json"
    doc = json.loads(j.body)
    assert set(doc) == {
        "page",
        "title",
        "workspace",
        "ioscope_version",
        "data",
        "pagination",
        "queries",
    }
    assert all({"id", "title", "tables", "sql", "rows"} <= set(q) for q in doc["queries"])
    assert doc["queries"], "every page shows numbers, so every page ran queries"


def test_json_content(ui):
    doc = json.loads(get(ui, "/clusters/1.json").body)
    data = doc["data"]
    assert data["n_members"] == 8 and doc["pagination"]["total"] == 8
    net = data["network"]
    assert len(net["nodes"]) == 8 and len(net["edges"]) == 28
    assert all({"x", "y", "r", "platform", "account_id"} <= set(n) for n in net["nodes"])
    # the asset inventory: the 3-day creation burst per day, its bars summing to the members
    assert data["creation_bucket"] == "day" and data["creation_span"]["dated"] == 8
    assert sum(r["accounts"] for r in data["creation"]) == 8
    page = get(ui, "/clusters/1").text
    assert "Asset inventory" in page and "accounts created per day" in page
    chart = page.split('aria-label="accounts created per day"', 1)[1].split("</svg>", 1)[0]
    assert chart.count("<rect") == len(data["creation"])  # one bar per day with accounts
    acc = json.loads(get(ui, "/account.json?platform=twitter&id=c1_1").body)["data"]
    assert acc["profile"]["handle"] == "c1_1" and acc["clusters"][0]["cluster_id"] == 1
    assert acc["activity"]["posts"] == 6


def test_errors_use_the_envelope(ui):
    cases = [
        ("/clusters/999.json", 404, "not_found"),
        ("/nope.json", 404, "not_found"),
        ("/accounts.json?page=0", 400, "parameter"),
        ("/accounts.json?per_page=100000", 400, "parameter"),
        ("/accounts.json?bogus=1", 400, "parameter"),
        ("/account.json?platform=twitter", 400, "parameter"),
        ("/account.json?platform=twitter&id=nobody", 404, "not_found"),
        ("/accounts.json?q=" + "x" * 500, 400, "parameter"),
    ]
    for path, status, code in cases:
        r = get(ui, path)
        assert r.status == status, path
        body = json.loads(r.body)
        assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "hint"}
        assert body["error"]["code"] == code, path
    r = get(ui, "/clusters/999")
    assert r.status == 404 and "text/html" in r.headers["content-type"]
    assert "No cluster 999" in r.text


def test_read_only_methods_and_hosts(ui):
    import asyncio

    sent = []

    async def run():
        scope = {
            "type": "http",
            "method": "POST",
            "path": "/clusters.json",
            "raw_path": b"/",
            "query_string": b"",
            "headers": [(b"host", b"127.0.0.1")],
            "scheme": "http",
            "root_path": "",
            "client": ("127.0.0.1", 1),
            "server": ("127.0.0.1", 80),
            "http_version": "1.1",
            "asgi": {"version": "3.0"},
        }

        async def receive():
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(m):
            sent.append(m)

        await ui(scope, receive, send)

    asyncio.run(run())
    assert sent[0]["status"] == 405
    # DNS rebinding: a page served under another host name is refused
    assert get(ui, "/", host="attacker.example").status == 400
    assert get(ui, "/", host="localhost").status == 200


def test_advertiser_without_id(tmp_path):
    from ioscope.workspace import Workspace

    path = build_case_workspace(tmp_path / "c.duckdb")
    with Workspace.open(path) as ws:
        ws.sql("UPDATE ads SET advertiser_id = NULL WHERE advertiser_id = 'adv2'")
    ui = create_app(path)
    doc = json.loads(get(ui, "/advertiser.json?platform=facebook&id=").body)
    assert doc["data"]["totals"]["ads"] == 10
    assert "/advertiser?platform=facebook&amp;id=" in get(ui, "/ads").text


def test_search_is_bound_not_formatted(ui):
    from urllib.parse import urlencode

    for q, n in (
        ("'; DROP TABLE posts; --", 0),
        ("%", 0),
        ("\\", 0),
        ("c1_1' OR '1'='1", 0),
        ("_", 19),
    ):  # wildcards and quotes are literal text: only ids with '_' match
        r = get(ui, "/accounts.json?" + urlencode({"q": q}))
        assert r.status == 200
        assert json.loads(r.body)["data"]["total"] == n, q
    assert json.loads(get(ui, "/accounts.json?q=C1_").body)["data"]["total"] == 8
    assert json.loads(get(ui, "/index.json").body)["data"]["analysed"]["n_posts"] > 0


def test_pagination(ui):
    seen = []
    for page in (1, 2, 3):
        doc = json.loads(get(ui, f"/accounts.json?per_page=30&page={page}").body)
        assert doc["pagination"] == {"page": page, "per_page": 30, "total": 79, "pages": 3}
        seen += [a["account_id"] for a in doc["data"]["accounts"]]
    assert len(seen) == len(set(seen)) == 79
    html = get(ui, "/accounts?per_page=30&page=2").text
    assert 'rel="prev"' in html and 'rel="next"' in html and "page=3" in html


def test_account_posts_pages_are_the_posts_newest_first(ui):
    """The account's posts, paged (the page is chosen by row id, then read): every post once,
    newest first, as a plain query over posts would give them."""
    first = json.loads(get(ui, "/account.json?platform=twitter&id=o1&per_page=2").body)
    total = first["pagination"]["total"]
    got = []
    for page in range(1, first["pagination"]["pages"] + 1):
        doc = json.loads(
            get(ui, f"/account.json?platform=twitter&id=o1&per_page=2&page={page}").body
        )
        got += [(p["created_at"], p["post_id"]) for p in doc["data"]["posts"]]
    assert len(got) == len(set(got)) == total >= 3
    assert got == sorted(
        got, key=lambda r: (-datetime.fromisoformat(r[0].rstrip("Z")).timestamp(), r[1])
    )


class _Parse(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.attrs = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += [(tag, k, v or "") for k, v in attrs]


@pytest.mark.parametrize("path", PAGES + ["/advertiser?platform=facebook&id=adv0"])
def test_hostile_content_is_inert(hostile_ui, path):
    r = get(hostile_ui, path)
    assert r.status == 200
    p = _Parse()
    p.feed(r.text)
    scripts = [v for t, k, v in p.attrs if t == "script" and k == "src"]
    assert p.tags.count("script") == len(scripts) == 1 and scripts == ["/static/app.js"]
    assert "img" not in p.tags
    assert not [a for a in p.attrs if a[1].startswith("on")]
    for tag, k, v in p.attrs:
        if k in ("href", "src", "action"):
            assert v.startswith(("/", "#", "data:")) or v == "", (tag, k, v)
    assert "window.__pwned" not in r.text or "&lt;" in r.text


def test_hostile_json_is_data(hostile_ui):
    doc = json.loads(get(hostile_ui, "/clusters/1.json").body)
    items = {i["item"] for i in doc["data"]["top_items"]}
    assert HOSTILE[0] in items  # JSON carries the text verbatim; escaping is the renderer's job


def test_serve_get_cli(case):
    r = runner.invoke(cli, ["serve", str(case), "--get", "/clusters.json"])
    assert r.exit_code == 0
    assert json.loads(r.stdout)["data"]["total"] == 3
    r = runner.invoke(cli, ["serve", str(case), "--get", "/clusters/42.json"])
    assert r.exit_code == 1 and json.loads(r.stdout)["error"]["code"] == "not_found"
    r = runner.invoke(cli, ["serve", str(case), "--get", "/"])
    assert r.exit_code == 0 and "<!DOCTYPE html>" in r.stdout
    r = runner.invoke(cli, ["serve", str(case) + ".missing", "--get", "/"])
    assert r.exit_code == 1


def test_degrades_without_stages(tmp_path):
    ui = create_app(build_case_workspace(tmp_path / "b.duckdb", stages=False))
    for path in PAGES[:-3] + ["/ads", "/method"]:
        if "advertiser" in path:
            continue
        r = get(ui, path)
        if path == "/clusters/1":
            assert r.status == 404 and "ioscope detect" in r.text
            continue
        assert r.status == 200, path
    assert "Coordination detection not run yet" in get(ui, "/clusters").text
    assert "Ad ingest not run yet" in get(ui, "/ads").text


def _page_cases():
    from ioscope.params import invalid_value
    from ioscope.web.pages import PAGE_PARAMS

    return [
        pytest.param(path, p, invalid_value(p), id=f"{path}:{p.name}")
        for path, spec in PAGE_PARAMS.items()
        for p in spec
        if invalid_value(p) is not None
    ]


@pytest.mark.parametrize("path, p, bad", _page_cases())
def test_every_declared_page_parameter_is_refused_with_the_one_message(ui, path, p, bad):
    """Like the commands: an invalid value generated from each page parameter's declaration is
    refused with the one message (owner: the page's path) in the error envelope."""
    from urllib.parse import urlencode

    page = path.replace("{id}", "1")
    r = get(ui, twin(page + "?" + urlencode({p.name: bad})))
    assert r.status == 400, (page, r.body[:300])
    error = json.loads(r.body)["error"]
    assert error["code"] == "parameter"
    want = f"The '{p.name}' parameter of {page} must be {p.requirement()}. Got {bad!r} instead."
    assert error["message"] == want
