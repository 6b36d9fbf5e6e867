"""The workbench in Chromium: the SQL box, an error page and the CSV twin link, as a user
clicks through them (screenshots at 1,400 px in ``$IOSCOPE_SCREENSHOTS``)."""

from __future__ import annotations

import pytest

from tests.fixtures.browser import BROWSER, Server
from tests.fixtures.case import build_case_workspace

pytestmark = BROWSER


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = Server(build_case_workspace(tmp_path_factory.mktemp("bw") / "case.duckdb", hostile=True))
    yield s
    s.stop()


def test_sql_box_in_the_browser(browser, server, shots):
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(server.url + "/")
    page.click("nav >> text=SQL")
    assert page.url.endswith("/sql")
    page.fill("textarea[name=sql]", "SELECT handle, text FROM posts ORDER BY post_id")
    page.fill("input[name=limit]", "7")
    page.click("button[type=submit]")
    page.wait_for_selector("table.sql-result")
    assert page.locator("table.sql-result tbody tr").count() == 7
    assert "more exist" in page.inner_text(".sql-summary")
    assert page.evaluate("window.__pwned") is None  # hostile post text stays text
    page.screenshot(path=str(shots / "sql.png"), full_page=True)
    page.fill("textarea[name=sql]", "DROP TABLE posts")
    with page.expect_navigation() as nav:
        page.click("button[type=submit]")
    assert nav.value.status == 400
    assert "SELECT statements only" in page.inner_text(".error-message")
    assert page.input_value("textarea[name=sql]") == "DROP TABLE posts"  # the query stays
    page.screenshot(path=str(shots / "sql-refused.png"), full_page=True)


def test_error_page_and_csv_link(browser, server, shots):
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    response = page.goto(server.url + "/clusters/abc")
    assert response.status == 400 and page.inner_text("h1") == "Error 400"
    assert "positive integer" in page.inner_text("main")
    page.screenshot(path=str(shots / "error-400.png"), full_page=True)
    page.goto(server.url + "/clusters")
    link = page.locator("a.csv-link")
    assert link.get_attribute("href") == "/clusters.csv"
    body = page.request.get(server.url + "/clusters.csv")
    assert body.ok and body.text().startswith("cluster_id,")
    page.screenshot(path=str(shots / "clusters.png"), full_page=True)
