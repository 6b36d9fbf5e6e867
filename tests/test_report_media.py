"""Media as evidence in the report and the web UI: the items a cluster's members posted together
and the pictures they share, recomputed here; URLs are inert text, never fetched."""

from __future__ import annotations

from collections import defaultdict

import pytest

from ioscope.detect import detect
from ioscope.ingest import ingest
from ioscope.report import build_report, collect
from ioscope.simulate import simulate
from ioscope.workspace import Workspace

HOSTILE_URL = '"><img src="https://evil.example/x.png">'


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    d = tmp_path_factory.mktemp("media")
    s = simulate(
        d / "sim",
        format="parquet",
        posts=30_000,
        seed=1,
        campaigns=2,
        campaign_share=0.1,
        strategies="link_amplification,copypasta",
    )
    path = d / "case.duckdb"
    with Workspace.open(path) as ws:
        ingest(ws, [s["paths"]["posts"]])
        detect(ws, signals=["co_media"])
        ws.con.execute("UPDATE post_media SET url = ?", [HOSTILE_URL])
    return path


def _expected(ws, cluster_id) -> dict[str, tuple[int, int]]:
    members = set(
        ws.sql(
            "SELECT platform, account_id FROM cluster_members WHERE cluster_id = ?", [cluster_id]
        ).fetchall()
    )
    by_item: dict[str, tuple[set, set]] = defaultdict(lambda: (set(), set()))
    for item, platform, account, post, kind in ws.sql(
        "SELECT m.media_item, p.platform, p.account_id, p.post_id, p.kind FROM post_media m "
        "JOIN posts p USING (platform, post_id)"
    ).fetchall():
        if (platform, account) in members and kind != "repost":
            by_item[item][0].add(account)
            by_item[item][1].add(post)
    return {i: (len(a), len(p)) for i, (a, p) in by_item.items() if len(a) >= 2}


def test_cluster_media_items_recomputed(case):
    with Workspace.open(case, read_only=True) as ws:
        facts = collect(ws, format="json")
        details = facts["sections"]["campaigns"]["details"]
        assert details
        for d in details:
            want = _expected(ws, d["cluster_id"])
            got = {r["item"]: (r["members"], r["posts"]) for r in d["media_items"]}
            top = sorted(want.items(), key=lambda kv: (-kv[1][0], -kv[1][1], kv[0]))[:20]
            assert got == dict(top)
            assert "shared_pictures" not in d  # the simulator gives no profile pictures
        assert any(d["media_items"] for d in details)


def test_urls_are_inert_text_in_html_and_markdown(case, tmp_path):
    with Workspace.open(case, read_only=True) as ws:
        html = build_report(ws, tmp_path / "r.html")
        md = build_report(ws, tmp_path / "r.md", format="md")
    assert "Media posted by two or more members" in html
    assert 'src="https://evil.example' not in html and "evil.example" in html
    assert "#### Media posted by two or more members" in md


def test_web_cluster_page_lists_media_as_text(case):
    from ioscope.web import create_app, get

    with Workspace.open(case, read_only=True) as ws:
        cid = ws.sql("SELECT cluster_id FROM clusters ORDER BY cluster_id LIMIT 1").fetchone()[0]
    page = get(create_app(case), f"/clusters/{cid}")
    assert page.status == 200
    assert "Media posted by two or more members" in page.text
    assert 'src="https://evil.example' not in page.text and "evil.example" in page.text
