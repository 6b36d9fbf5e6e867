"""Browser tests: Playwright driving Debian's chromium (no browser download).

They open the overview, follow a campaign, check that its network renders, open an account,
check that hostile content runs no script in the UI or the report, and that the report opens
with networking disabled. Screenshots go to ``$IOSCOPE_SCREENSHOTS`` (default: the test's
temporary folder).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures.browser import BROWSER, Server
from tests.fixtures.case import build_case_workspace

pytestmark = BROWSER


@pytest.fixture(scope="module")
def case_server(tmp_path_factory):
    server = Server(build_case_workspace(tmp_path_factory.mktemp("b") / "case.duckdb"))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def hostile_ws(tmp_path_factory) -> Path:
    return build_case_workspace(tmp_path_factory.mktemp("bh") / "h.duckdb", hostile=True)


@pytest.fixture(scope="module")
def hostile_server(hostile_ws):
    server = Server(hostile_ws)
    yield server
    server.stop()


def watch(page) -> dict:
    """Console errors (CSP violations show up there), dialogs and page errors of a page."""
    seen = {"errors": [], "dialogs": []}
    page.on("console", lambda m: m.type == "error" and seen["errors"].append(m.text))
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))

    def dialog(d):
        seen["dialogs"].append(d.message)
        d.dismiss()

    page.on("dialog", dialog)
    return seen


def test_overview_campaign_network_account(browser, case_server, shots):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    seen = watch(page)
    page.goto(case_server.url + "/")
    assert page.locator("h1").inner_text() == "Overview"
    page.screenshot(path=str(shots / "overview.png"), full_page=True)
    page.locator("a.cluster-link").first.click()
    page.wait_for_selector("#network[data-rendered]")
    assert page.locator("h1").inner_text().startswith("Cluster 1")
    assert page.locator("#network svg circle").count() == 8
    assert page.locator("#network svg line").count() == 28
    page.locator("#network").scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "cluster.png"), full_page=True)
    # hovering a node names it; clicking it opens the account
    node = page.locator("#network svg circle").first
    node.hover()
    assert "cluster 1" in page.locator("#network-info").inner_text()
    node.click()
    page.wait_for_url("**/account?*")
    assert page.locator("h1").inner_text().startswith("@c1_")
    page.go_back()
    page.locator("table.members a.account-link").first.click()
    page.wait_for_url("**/account?*")
    assert "Clusters" in page.content() and page.locator("a.cluster-link").count() == 1
    page.screenshot(path=str(shots / "account.png"), full_page=True)
    # the network at cluster level: one circle per cluster, each opening its page
    page.goto(case_server.url + "/network")
    assert page.locator("figure.clusters-net > svg circle").count() == 3
    assert (
        page.locator("figure.clusters-net .legend").inner_text().strip().startswith("clusters (3)")
    )
    page.screenshot(path=str(shots / "network-clusters.png"))
    page.locator("figure.clusters-net > svg a").first.click()
    page.wait_for_url("**/clusters/1")
    # and the accounts of the highest-ranked clusters, every cluster in the legend
    page.goto(case_server.url + "/network?view=accounts")
    page.wait_for_selector("#network[data-rendered]")
    assert page.locator("#network svg circle").count() == 19
    assert page.locator("figure.network-live .legend .key").count() == 3
    page.screenshot(path=str(shots / "network.png"))
    page.goto(case_server.url + "/ads")
    page.screenshot(path=str(shots / "ads.png"), full_page=True)
    assert seen == {"errors": [], "dialogs": []}
    page.close()


def test_search_form(browser, case_server):
    page = browser.new_page()
    page.goto(case_server.url + "/accounts")
    page.fill("form.filter input[name=q]", "c2_")
    page.click("form.filter button")
    page.wait_for_url("**q=c2_*")
    assert page.locator("table.accounts tbody tr").count() == 6
    page.close()


def test_hostile_content_runs_no_script_in_ui(browser, hostile_server, shots):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    seen = watch(page)
    for path in (
        "/",
        "/clusters",
        "/clusters/1",
        "/network",
        "/accounts?q=script",
        "/account?platform=twitter&id=c1_0",
        "/ads",
        "/advertiser?platform=facebook&id=adv0",
    ):
        page.goto(hostile_server.url + path)
        page.wait_for_load_state("networkidle")
        assert page.evaluate("window.__pwned") is None, path
        assert page.title() != "pwned"
    page.goto(hostile_server.url + "/clusters/1")
    page.wait_for_selector("#network[data-rendered]")
    assert "<script>" in page.locator(".evidence").inner_text()  # shown as text
    page.screenshot(path=str(shots / "hostile-cluster.png"), full_page=True)
    assert seen["dialogs"] == [] and seen["errors"] == []
    page.close()


def test_report_opens_offline_and_runs_nothing(browser, hostile_ws, tmp_path, shots):
    from ioscope.report import build_report
    from ioscope.workspace import Workspace

    out = tmp_path / "report.html"
    with Workspace.open(hostile_ws, read_only=True) as ws:
        build_report(ws, out)
    context = browser.new_context(offline=True)
    requests = []
    context.route(
        "**/*",
        lambda route: (
            requests.append(route.request.url),
            route.continue_() if route.request.url.startswith("file:") else route.abort(),
        ),
    )
    page = context.new_page()
    seen = watch(page)
    page.goto(out.as_uri())
    assert [u for u in requests if not u.startswith("file:")] == []
    assert page.evaluate("window.__pwned") is None and page.title() != "pwned"
    assert seen["dialogs"] == []
    # the inline stylesheet is allowed by its CSP hash: styles apply
    border = page.evaluate("getComputedStyle(document.querySelector('h2')).borderBottomStyle")
    assert border == "solid"
    # the network section at cluster level, each detailed cluster with its accounts
    assert page.locator("section#network figure > svg circle").count() == 3
    assert page.locator("article.cluster figure.network > svg circle").count() == 19
    page.locator("section#network figure > svg a").first.click()
    assert page.evaluate("location.hash") == "#cluster-1"
    page.screenshot(path=str(shots / "report.png"))
    # print: the queries move to the appendix, the collapsible boxes disappear
    page.emulate_media(media="print")
    assert (
        page.evaluate("getComputedStyle(document.querySelector('details.query')).display") == "none"
    )
    assert page.locator("#queries .appendix-query").count() > 20
    page.pdf(path=str(tmp_path / "report.pdf"))
    assert (tmp_path / "report.pdf").stat().st_size > 10_000
    assert seen["errors"] == []
    context.close()


def test_long_posts_collapse_and_open_with_show_more(browser, tmp_path, shots):
    """Evidence posts show four lines; "show more" (a <details>, no script) opens the rest."""
    from ioscope.workspace import Workspace

    path = build_case_workspace(tmp_path / "long.duckdb")
    long_text = "\n".join(
        f"line {k}: a long channel post, as channels write them" for k in range(80)
    )
    with Workspace.open(path) as ws:
        ws.sql("UPDATE posts SET text = ? WHERE kind = 'repost'", [long_text])
    server = Server(path)
    try:
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        seen = watch(page)
        page.goto(server.url + "/clusters/1")
        first = page.locator(".evidence details.post-text").first
        closed = first.bounding_box()["height"]
        assert closed < 140  # four lines and the "show more" link
        first.locator("summary .more").click()
        assert first.get_attribute("open") is not None
        assert first.bounding_box()["height"] > 10 * closed  # all 80 lines
        page.screenshot(path=str(shots / "cluster-long-posts.png"))
        assert seen == {"errors": [], "dialogs": []}
        page.close()
    finally:
        server.stop()
