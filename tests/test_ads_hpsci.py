"""The HPSCI IRA ads: every ad accounted for, the released totals reproduced exactly, and the
figures Facebook published in 2017 reproduced within a few points."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from ioscope.ads import audit
from ioscope.cli.main import app
from ioscope.ingest import detect_format, ingest
from ioscope.workspace import Workspace


@pytest.fixture(scope="module")
def hpsci_ws(tmp_path_factory):
    from tests.fixtures.paths import SHARED

    src = SHARED / "data" / "hpsci-ira-facebook-ads" / "ads.csv"
    if not src.is_file():
        pytest.skip(f"real sample data not present at {src}")
    path = tmp_path_factory.mktemp("hpsci") / "case.duckdb"
    with Workspace.open(path) as ws:
        report = ingest(ws, [src])
    return path, src, report


def test_every_ad_accounted_for(hpsci_ws):
    path, src, report = hpsci_ws
    assert detect_format(str(src)) == "hpsci-ads"
    (f,) = report.files
    assert f.rows_read == 3498 and f.rows_ingested + f.rows_quarantined == 3498
    assert f.rows_quarantined == 0 and f.ads_new == 3498
    with Workspace.open(path, read_only=True) as ws:
        assert ws.count("ads") == 3498
        # the targeting files beside ads.csv were read and hashed into the run's inputs
        inputs = json.loads(ws.rows("SELECT inputs FROM runs")[0]["inputs"])
        assert {i["path"].rsplit("/", 1)[-1] for i in inputs} == {
            "ads.csv",
            "ad_targets.csv",
            "targets.csv",
        }
        assert ws.count("ad_targeting") == 35786
        assert (
            ws.rows("SELECT count(DISTINCT ad_id) AS n FROM ad_country_targeting")[0]["n"] == 3498
        )


def test_released_totals_exact(hpsci_ws):
    path, _, _ = hpsci_ws
    with Workspace.open(path, read_only=True) as ws:
        r = audit(ws)
    cur = {c["currency"]: c for c in r["spend_by_currency"]}
    assert round(cur["RUB"]["spend"], 2) == 5822554.92 and cur["RUB"]["ads"] == 2533
    assert round(cur["USD"]["spend"], 2) == 109.33
    assert r["totals"]["impressions"] == 40285461
    assert r["totals"]["clicks"] == 3708749


def test_published_facebook_figures(hpsci_ws):
    """Facebook (2017): ~3,000-3,500 ads, ~$100,000, ~25 % never shown, ~50 % under $3,
    ~99 % under $1,000."""
    path, _, _ = hpsci_ws
    with Workspace.open(path, read_only=True) as ws:
        t = audit(ws)["totals"]
    assert t["ads"] == 3498
    assert 85_000 < t["spend_usd"] < 105_000
    assert abs(t["share_never_shown"] - 0.25) < 0.03
    assert abs(t["share_under_3_usd"] - 0.50) < 0.05
    assert abs(t["share_under_1000_usd"] - 0.99) < 0.01
    assert t["ads_not_converted"] == 1  # ad 131 has no date in the release


def test_conversion_uses_the_start_date_rate(hpsci_ws):
    from datetime import date

    from ioscope.reference.fx import usd_rate

    path, _, _ = hpsci_ws
    with Workspace.open(path, read_only=True) as ws:
        ad = ws.rows("SELECT * FROM ads WHERE ad_id = '5'")[0]
        rates = ws.rows("SELECT count(DISTINCT fx_rate) AS n FROM ads WHERE currency = 'RUB'")
    assert ad["currency"] == "RUB" and ad["spend_lower"] == 3714.15
    assert ad["fx_date"] == date(2016, 6, 15)
    assert ad["fx_rate"] == pytest.approx(usd_rate("RUB", date(2016, 6, 15)))
    assert ad["spend_usd_lower"] == pytest.approx(3714.15 * ad["fx_rate"])
    assert rates[0]["n"] > 100  # one rate per day, not one for all


def test_targeting_and_ocr_repairs(hpsci_ws):
    path, _, _ = hpsci_ws
    with Workspace.open(path, read_only=True) as ws:
        us = ws.rows(
            "SELECT status, count(*) AS n FROM ad_country_targeting WHERE country = 'US' GROUP BY 1"
        )
        domains = {r["landing_domain"] for r in ws.rows("SELECT DISTINCT landing_domain FROM ads")}
        lookalike = ws.rows("SELECT * FROM ad_targeting WHERE kind = 'follower_lookalike' LIMIT 1")[
            0
        ]
        raw = ws.rows("SELECT landing_url FROM ads WHERE landing_url LIKE '%b|ack%' LIMIT 1")
    counts = {r["status"]: r["n"] for r in us}
    assert counts["definite"] > 3300
    assert "blackmattersus.com" in domains and not any("|" in (d or "") for d in domains)
    assert lookalike["countries"] == ["US"]
    assert raw, "the source URL is kept as released"


def test_idempotent(hpsci_ws, tmp_path):
    path, src, _ = hpsci_ws
    copy = tmp_path / "copy.duckdb"
    copy.write_bytes(path.read_bytes())
    with Workspace.open(copy) as ws:
        rep = ingest(ws, [src])
        assert rep.totals["ads_new"] == 0 and ws.count("ads") == 3498
        assert ws.count("ad_targeting") == 35786


def test_cli_ads_json_text_and_disclosure(hpsci_ws, tmp_path):
    path, _, _ = hpsci_ws
    runner = CliRunner()
    res = runner.invoke(app, ["ads", str(path), "--json", "--split", "2016-11-08"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert {
        "ads",
        "spend_usd",
        "impressions",
        "clicks",
        "share_never_shown",
        "share_under_3_usd",
        "share_under_1000_usd",
    } <= set(data["totals"])
    assert (
        data["split"]["before"]["ads"] + data["split"]["after"]["ads"] + data["split"]["undated"]
        == 3498
    )
    assert sum(a["ads"] for a in data["advertisers"]) == 3498
    res = runner.invoke(app, ["ads", str(path)])
    assert res.exit_code == 0 and "3,498 ads" in res.stdout
    out = tmp_path / "disclosure.md"
    res = runner.invoke(app, ["ads", str(path), "--disclosure", "-o", str(out)])
    assert res.exit_code == 0, res.output
    text = out.read_text()
    assert "[3,498](#query-totals)" in text and '<a id="query-totals"></a>' in text
    res = runner.invoke(app, ["ads", str(path), "--split", "not-a-date", "--json"])
    assert res.exit_code == 2 and json.loads(res.stdout)["error"]["code"] == "parameter"
