"""One absurd date (9999-12-31, 1970-01-01) takes no renderer down: the report in every format and
every page of the web UI render with 200, and the charts say what they leave off their axis."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from ioscope.report import build_report
from ioscope.report.charts import time_bars
from ioscope.web import create_app, get
from ioscope.workspace import Workspace
from tests.fixtures.case import build_case_workspace

FAR = "TIMESTAMP '9999-12-31 23:59:59'"
EPOCH = "TIMESTAMP '1970-01-01 00:00:00'"


@pytest.fixture(scope="module")
def absurd(tmp_path_factory):
    path = build_case_workspace(tmp_path_factory.mktemp("dates") / "case.duckdb")
    with Workspace.open(path) as ws:
        ws.sql(f"UPDATE accounts SET created_at = {FAR} WHERE account_id = 'c1_0'")
        ws.sql(f"UPDATE accounts SET created_at = {EPOCH} WHERE account_id = 'c1_1'")
        for account, when in (("c1_2", FAR), ("c1_3", EPOCH)):
            ws.sql(
                f"UPDATE posts SET created_at = {when} WHERE post_id = (SELECT min(post_id) "
                f"FROM posts WHERE account_id = ?)",
                [account],
            )
        ws.sql(f"UPDATE clusters SET last_at = {FAR}, first_at = {EPOCH} WHERE cluster_id = 1")
        ws.sql(f"UPDATE edges SET last_at = {FAR} WHERE account_1 = 'c1_0'")
        ws.sql(f"UPDATE ads SET start_at = {FAR} WHERE ad_id = 'ad1'")
        ws.sql(f"UPDATE ads SET start_at = {EPOCH} WHERE ad_id = 'ad2'")
    return path


@pytest.mark.parametrize("fmt", ["html", "md", "json"])
def test_report_renders_with_absurd_dates(absurd, fmt):
    with Workspace.open(absurd, read_only=True) as ws:
        text = build_report(ws, format=fmt)
    if fmt == "json":
        doc = json.loads(text)
        assert doc["sections"]["campaigns"]["status"] == "ok"
    if fmt == "html":
        assert "9999-12-31" in text  # shown as the source gave it
        assert "Not drawn:" in text and "dated outside 1995" in text


PAGES = [
    "/",
    "/clusters",
    "/clusters/1",
    "/clusters/2",
    "/network",
    "/accounts",
    "/accounts?flagged=true",
    "/account?platform=twitter&id=c1_0",
    "/account?platform=twitter&id=c1_1",
    "/account?platform=twitter&id=c1_2",
    "/account?platform=twitter&id=c1_3",
    "/ads",
    "/advertiser?platform=facebook&id=adv1",
    "/advertiser?platform=facebook&id=adv2",
    "/method",
]


def test_every_page_renders_with_absurd_dates(absurd):
    app = create_app(absurd)
    try:
        for page in PAGES:
            path, _, query = page.partition("?")
            for target in (
                page,
                ("/index" if path == "/" else path) + ".json" + ("?" + query if query else ""),
            ):
                r = get(app, target)
                assert r.status == 200, (target, r.text[:300])
        cluster = get(app, "/clusters/1").text
        assert "Not drawn:" in cluster and "9999-12-31" in cluster
    finally:
        app.state.ui.ws.close()


def test_time_bars_leave_implausible_dates_off_the_axis_and_say_so():
    rows = [{"t": datetime(2016, 3, d), "n": 2} for d in range(1, 10)] + [
        {"t": datetime(9999, 12, 31, 23, 59), "n": 5},
        {"t": datetime(1970, 1, 1), "n": 1},
    ]
    for bucket in ("hour", "day", "week", "month", "year"):
        chart = time_bars(rows, time="t", value="n", bucket=bucket, label="posts")
        assert chart["excluded"]["value"] == 6
        assert chart["excluded"]["dates"] == ["1970-01-01", "9999-12-31"]
        assert sum(float(b["title"].rsplit(": ", 1)[1]) for b in chart["bars"]) == 18
        assert all("2000" < t["label"] < "2030" for t in chart["xticks"])
    only_absurd = time_bars(rows[-2:], time="t", value="n", bucket="month", label="posts")
    assert only_absurd["bars"] == [] and only_absurd["excluded"]["value"] == 6
