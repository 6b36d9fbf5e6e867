"""The case report: sections, graceful degradation, traceability, escaping, offline HTML, CLI."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ioscope.cli.main import app
from ioscope.report import build_report, collect
from ioscope.report.charts import time_bars
from ioscope.report.layout import packed_layout
from ioscope.report.trace import inline_params, tables_read
from ioscope.workspace import Workspace
from tests.fixtures.case import build_case_workspace

runner = CliRunner()


@pytest.fixture(scope="module")
def case(tmp_path_factory) -> Path:
    return build_case_workspace(tmp_path_factory.mktemp("case") / "case.duckdb")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Path:
    return build_case_workspace(tmp_path_factory.mktemp("hostile") / "h.duckdb", hostile=True)


@pytest.fixture(scope="module")
def bare(tmp_path_factory) -> Path:
    """Posts and accounts only: no stage has run."""
    return build_case_workspace(tmp_path_factory.mktemp("bare") / "b.duckdb", stages=False)


def report(path: Path, **kw) -> str:
    with Workspace.open(path, read_only=True) as ws:
        return build_report(ws, **kw)


class _Refs(HTMLParser):
    """Every URL-bearing attribute and every tag name of a document."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[tuple[str, str, str]] = []
        self.tags: list[str] = []
        self.event_attrs: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for k, v in attrs:
            if k in ("src", "href", "xlink:href", "action", "formaction", "data", "poster"):
                self.urls.append((tag, k, v or ""))
            if k.startswith("on"):
                self.event_attrs.append((tag, k))


def test_sections_present_and_numbers_right(case):
    html = report(case)
    for anchor in (
        "analysed",
        "campaigns",
        "network",
        "creation",
        "scores",
        "ads",
        "method",
        "limitations",
        "queries",
    ):
        assert f'id="{anchor}"' in html
    with Workspace.open(case, read_only=True) as ws:
        facts = collect(ws)
    s = facts["sections"]
    assert s["analysed"]["n_posts"] == ws_count(case, "posts")
    assert s["campaigns"]["total"] == 3 and len(s["campaigns"]["details"]) == 3
    first = s["campaigns"]["details"][0]
    assert first["n_members"] == 8 and len(first["members"]) == 8
    assert first["signals"][0]["signal"] == "co_repost" and first["signals"][0]["edges"] == 28
    # the evidence pairs are the closest in time and name real posts of members
    assert first["evidence"] and all(abs(e["dt_seconds"]) == 7 for e in first["evidence"])
    assert all(e["account_1"].startswith("c1_") and e["created_at_1"] for e in first["evidence"])
    # the network at cluster level: every cluster a node, its significant edges inside counted
    net = s["network"]
    assert net["status"] == "ok" and [n["accounts"] for n in net["nodes"]] == [8, 6, 5]
    assert [n["inner_edges"] for n in net["nodes"]] == [28, 15, 10] and net["links"] == []
    # and each detailed cluster's accounts, every member drawn with its edges
    assert [len(d["network"]["nodes"]) for d in s["campaigns"]["details"]] == [8, 6, 5]
    assert [len(d["network"]["edges"]) for d in s["campaigns"]["details"]] == [28, 15, 10]
    assert s["ads"]["totals"]["ads"] == 30 and s["ads"]["totals"]["advertisers"] == 3
    hist = s["creation"]["histogram"]
    assert max(hist, key=lambda r: r["in_clusters"])["in_clusters"] == 8  # the creation burst
    # a cluster's creation dates are binned after their span: the burst per day, not one month
    assert first["creation_bucket"] == "day" and first["creation_span"]["dated"] == 8
    assert sum(r["accounts"] for r in first["creation"]) == 8 and len(first["creation"]) >= 3
    assert all(str(r["bucket"]).startswith("2016-03-0") for r in first["creation"])
    spread = s["campaigns"]["details"][1]
    assert spread["creation_bucket"] == "month" and len(spread["creation"]) > 1


def ws_count(path: Path, table: str) -> int:
    with Workspace.open(path, read_only=True) as ws:
        return ws.count(table)


def test_every_query_reruns_to_the_same_rows(case):
    """Traceability: the SQL printed for each figure, pasted as is, gives the same rows."""
    with Workspace.open(case, read_only=True) as ws:
        facts = collect(ws)
        assert len(facts["queries"]) > 30
        for q in facts["queries"]:
            if q.sql.startswith("--"):
                continue
            rows = ws.sql(q.display_sql).fetchall()
            assert len(rows) == q.rows, q.id
            assert q.tables, q.id


def test_summaries_give_the_rows_of_the_recorded_queries(case):
    """Cluster pages answered from the per-cluster summaries equal the per-cluster queries."""
    from ioscope.report.data.clusters import cluster_detail
    from ioscope.report.summaries import Summaries
    from ioscope.report.trace import Tracer

    with Workspace.open(case, read_only=True) as ws:
        fast = Tracer(ws, summaries=Summaries(ws))
        for cid in (1, 2, 3):
            a = cluster_detail(Tracer(ws), cid, evidence_limit=5, items_limit=4)
            b = cluster_detail(fast, cid, evidence_limit=5, items_limit=4)
            for key in ("timeline", "activity_span", "top_items", "evidence"):
                assert a[key] == b[key], (cid, key)
            assert b["q_top_items"].note and "summary" in b["q_top_items"].note
            assert a["q_top_items"].display_sql == b["q_top_items"].display_sql


def test_ads_summary_gives_the_rows_of_the_recorded_query(case):
    """The promoted posts reposted by cluster members, kept for the connection, equal the query."""
    from ioscope.report.data.ads import organic
    from ioscope.report.summaries import Summaries
    from ioscope.report.trace import Tracer

    with Workspace.open(case, read_only=True) as ws:
        a, b = organic(Tracer(ws)), organic(Tracer(ws, summaries=Summaries(ws)))
        if a["organic"] is None:
            pytest.skip("the ads stage's organic queries are not on this branch")
        assert a["amplified_promoted_posts"] == b["amplified_promoted_posts"]
        assert "summary" in b["q_amplified_promoted_posts"].note
        assert a["q_amplified_promoted_posts"].sql == b["q_amplified_promoted_posts"].sql


def test_every_figure_cites_a_query(case):
    html = report(case)
    cited = set(re.findall(r"\[(Q\d+)\]", html)) | set(re.findall(r'id="use-(Q\d+)"', html))
    listed = set(re.findall(r'<div class="appendix-query" id="(Q\d+)"', html))
    assert cited and cited <= listed
    # every table of data is followed by its query element
    assert html.count("<table") <= html.count('class="query"')


def test_graceful_degradation_names_the_command(bare):
    html = report(bare)
    # a report is shared: it names the workspace by its file name, not the analyst's path
    assert (
        f"Coordination detection not run yet: run <code>ioscope detect {bare.name}</code>" in html
    )
    assert str(bare.parent) not in html
    assert "Ad ingest not run yet" in html
    assert "Account scoring not run yet" in html
    md = report(bare, format="md")
    assert "not run yet" in md
    doc = json.loads(report(bare, format="json"))
    assert doc["sections"]["campaigns"]["status"] == "not_run"
    assert doc["sections"]["campaigns"]["command"] == f"ioscope detect {bare.name}"
    assert doc["sections"]["analysed"]["status"] == "ok"


def test_empty_workspace(tmp_path):
    path = tmp_path / "empty.duckdb"
    Workspace.open(path).close()
    html = report(path)
    assert "holds no posts yet" in html
    assert json.loads(report(path, format="json"))["sections"]["analysed"]["status"] == "empty"


def test_detect_ran_but_found_nothing(tmp_path):
    path = build_case_workspace(tmp_path / "c.duckdb")
    with Workspace.open(path) as ws:
        ws.sql("DELETE FROM cluster_members")
        ws.sql("DELETE FROM clusters")
    doc = json.loads(report(path, format="json"))
    assert doc["sections"]["campaigns"]["status"] == "empty"
    assert "found no cluster" in doc["sections"]["campaigns"]["message"]


def test_self_contained_and_offline(case):
    html = report(case)
    refs = _Refs()
    refs.feed(html)
    assert "script" not in refs.tags  # the report needs no JavaScript at all
    for tag, attr, url in refs.urls:
        assert url.startswith("#") or url.startswith("data:"), (tag, attr, url)
    assert "<link" not in html and "@import" not in html and "url(" not in html
    assert not re.search(r"https?://", html.split("<style>")[0])
    # the CSP allows exactly the inline stylesheet, by hash, and no script
    csp = unescape(
        re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html).group(1)
    )
    css = html.split("<style>", 1)[1].split("</style>", 1)[0]
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in csp and "script-src" not in csp and "default-src 'none'" in csp


def test_hostile_content_is_inert_in_html(hostile):
    html = report(hostile)
    refs = _Refs()
    refs.feed(html)
    assert "script" not in refs.tags and "img" not in refs.tags
    assert refs.event_attrs == []
    assert all(not v.lower().startswith("javascript:") for _, _, v in refs.urls)
    assert "&lt;script&gt;window.__pwned" in html
    assert "DROP TABLE posts" in html  # shown as text, and the workspace is intact
    assert ws_count(hostile, "posts") > 0


def test_hostile_content_is_inert_in_markdown(hostile):
    md = report(hostile, format="md")
    body = md.split("## Appendix: queries")[0]
    assert not re.search(r"(?<!\\)<(script|img|svg|/(?!sub>))", body)
    assert "\\<script\\>" in body
    assert "](javascript:" not in body
    # the appendix fences cannot be closed by data
    appendix = md.split("## Appendix: queries")[1]
    assert appendix.count("```sql") * 2 == appendix.count("```")


def test_json_format(case):
    doc = json.loads(report(case, format="json"))
    assert set(doc) == {
        "ioscope_version",
        "generated_at",
        "workspace",
        "parameters",
        "sections",
        "queries",
    }
    ids = {q["id"] for q in doc["queries"]}
    assert doc["sections"]["campaigns"]["q_total"] in ids
    assert all({"id", "title", "tables", "sql", "rows"} <= set(q) for q in doc["queries"])


def test_cli_report(case, tmp_path):
    out = tmp_path / "r.html"
    r = runner.invoke(app, ["report", str(case), "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert out.read_text().startswith("<!DOCTYPE html>")
    r = runner.invoke(app, ["report", str(case), "--format", "json", "-o", "-"])
    assert r.exit_code == 0 and json.loads(r.stdout)["sections"]["campaigns"]["total"] == 3
    r = runner.invoke(app, ["report", str(case), "--format", "pdf", "-o", str(out), "--json"])
    assert r.exit_code == 2
    assert json.loads(r.stdout)["error"]["code"] == "parameter"
    r = runner.invoke(app, ["report", str(tmp_path / "missing.duckdb"), "--json"])
    assert r.exit_code == 1 and json.loads(r.stdout)["error"]["code"] == "not_found"


def test_inline_params_and_tables():
    sql = "SELECT '?' AS q, x FROM t WHERE a = ? AND b = ? -- why?\nAND c = ?"
    out = inline_params(sql, ["it's", 3, None])
    assert out == "SELECT '?' AS q, x FROM t WHERE a = 'it''s' AND b = 3 -- why?\nAND c = NULL"
    assert tables_read(
        "WITH m AS (SELECT * FROM cluster_members) SELECT * FROM posts JOIN m USING (account_id)"
    ) == ("cluster_members", "posts")


def test_time_bars_place_gaps_and_stack():
    from datetime import date

    rows = [
        {"d": date(2020, 1, 1), "k": "post", "n": 2},
        {"d": date(2020, 1, 1), "k": "repost", "n": 3},
        {"d": date(2020, 1, 10), "k": "post", "n": 1},
    ]
    chart = time_bars(rows, time="d", value="n", series="k", bucket="day")
    assert len(chart["bars"]) == 3
    xs = sorted({b["x"] for b in chart["bars"]})
    assert xs[1] - xs[0] > 8 * chart["bars"][0]["w"]  # nine days apart, not adjacent
    assert [item["name"] for item in chart["legend"]] == ["post", "repost"]
    assert time_bars([], time="d", value="n", bucket="day")["bars"] == []


def test_layout_is_deterministic_and_separates_clusters():
    groups = [1] * 6 + [2] * 6
    edges = [(i, j, 1.0) for i in range(6) for j in range(i + 1, 6)] + [
        (i, j, 1.0) for i in range(6, 12) for j in range(i + 1, 12)
    ]
    a, b = packed_layout(groups, edges), packed_layout(groups, edges)
    assert (a == b).all() and a.min() >= 0 and a.max() <= 1
    c1, c2 = a[:6].mean(0), a[6:].mean(0)
    spread = max(a[:6].std(0).max(), a[6:].std(0).max())
    assert ((c1 - c2) ** 2).sum() ** 0.5 > 2 * spread


def test_cluster_listed_in_details_shows_members_and_says_why(tmp_path):
    """A mirror cluster (members in clusters.details, none in cluster_members) lists them and
    explains why its member-based sections are left out, in the report and the web UI."""
    from ioscope.web import create_app, get

    path = build_case_workspace(tmp_path / "m.duckdb")
    listed = [
        {"platform": "twitter", "account_id": "o1", "handle": "o1", "posts": 9},
        {"platform": "twitter", "account_id": "o2", "handle": "o2", "posts": 4},
    ]
    with Workspace.open(path) as ws:
        cols = {
            r[0]
            for r in ws.sql(
                "SELECT column_name FROM duckdb_columns() WHERE table_name = 'clusters'"
            ).fetchall()
        }
        if not {"details", "kind"} <= cols:
            pytest.skip("clusters has no details column on this branch")
        ws.con.execute(
            "INSERT INTO clusters BY NAME SELECT 4 AS cluster_id, 4 AS rank, 2 AS size, "
            "'mirror' AS kind, 'Automated mirrors of one account.' AS explanation, "
            "? AS details",
            [json.dumps({"members": listed})],
        )
    html = report(path)
    article = html[html.index('id="cluster-4"') :]
    article = article[: article.index("</article>")]
    assert "Cluster 4 · rank 4 · 2 accounts" in article
    assert "does not flag" in article and "o1" in article and "o2" in article
    assert "Activity of the members" not in article
    with Workspace.open(path, read_only=True) as ws:
        q = next(q for q in collect(ws)["queries"] if q.title.startswith("Members listed"))
        assert len(ws.sql(q.display_sql).fetchall()) == q.rows == 2
    app = create_app(path)
    page = json.loads(get(app, "/clusters/4.json").body)["data"]
    assert page["members_source"] == "details" and page["n_members"] == 2
    assert sorted(m["posts"] for m in page["members"]) == [4, 9]
    r = get(app, "/clusters/4")
    assert r.status == 200 and "does not flag" in r.text
