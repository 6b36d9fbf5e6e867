"""Ad readers on small fixtures: quantities, targeting rules, quarantine, registry and policies."""

from __future__ import annotations

from pathlib import Path

import pytest

from ioscope.ads import audit
from ioscope.ingest import detect_format, ingest
from ioscope.ingest.ad_targeting import classify_ad

FIX = Path(__file__).parent / "fixtures" / "ads"


def _ads(ws):
    return {r["ad_id"]: r for r in ws.rows("SELECT * FROM ads")}


def _countries(ws, ad_id):
    return {
        r["country"]: (r["status"], r["rule"])
        for r in ws.rows("SELECT * FROM ad_country_targeting WHERE ad_id = ?", [ad_id])
    }


def test_promoted_csv(ws):
    f = FIX / "promoted.csv"
    assert detect_format(str(f)) == "promoted-csv"
    (r,) = ingest(ws, [f]).files
    assert (r.rows_read, r.rows_ingested, r.rows_duplicate, r.rows_quarantined) == (9, 6, 1, 2)
    assert r.ads_new == 6  # a1 appears twice: the first occurrence wins
    q = {x["source_line"]: x for x in ws.rows("SELECT * FROM quarantine")}
    assert q[5]["field"] == "start_date" and "2016-13-45" in q[5]["reason"]
    assert q[6]["field"] == "ad_id"
    ads = _ads(ws)
    assert ads["a1"]["spend_lower"] == 1000.0 and ads["a1"]["platform"] == "twitter"
    assert (ads["a5"]["spend_lower"], ads["a5"]["spend_upper"]) == (100.0, 499.0)
    assert (ads["a5"]["impressions_lower"], ads["a5"]["impressions_upper"]) == (1e4, 1e5)
    assert ads["a6"]["spend_upper"] is None and ads["a6"]["impressions_lower"] == 1e6
    assert ads["a2"]["fx_rate"] == 1.0 and ads["a2"]["spend_usd_lower"] == 50.0
    assert ads["a3"]["spend_usd_lower"] == pytest.approx(2.5 * ads["a3"]["fx_rate"])
    assert ads["a7"]["spend_usd_lower"] is None
    assert any("no ECB rate for XYZ" in n for n in ads["a7"]["notes"])
    # targeting rules
    assert _countries(ws, "a1") == {"US": ("definite", "include_location")}
    assert _countries(ws, "a3") == {
        "US": ("excluded", "exclude_location"),
        "FR": ("definite", "include_location"),
    }
    a2 = _countries(ws, "a2")
    assert a2["US"] == ("potential", "language") and a2["RU"] == ("potential", "follower_lookalike")
    a5 = _countries(ws, "a5")
    assert a5 == {
        "CA": ("potential", "multi_country_location"),
        "US": ("potential", "multi_country_location"),
    }
    assert _countries(ws, "a6") == {"GB": ("potential", "custom_audience")}
    assert _countries(ws, "a7") == {"ZZ": ("unknown", "no_targeting_data")}
    other = ws.rows("SELECT * FROM ad_targeting WHERE ad_id = 'a6' AND kind = 'other'")
    assert other[0]["raw"] == "weird_kind:xyz"
    lookalike = ws.rows(
        "SELECT value FROM ad_targeting WHERE ad_id = 'a2' "
        "AND kind = 'follower_lookalike' ORDER BY ordinal"
    )
    assert [x["value"] for x in lookalike] == ["CNN", "rt"]


def test_promoted_csv_audit_state_media_and_policy(ws):
    ingest(ws, [FIX / "promoted.csv"])
    r = audit(ws, split="2017-01-01")
    t = r["totals"]
    assert t["ads"] == 6 and t["promoted_posts"] == 6
    assert t["spend_usd_upper"] is None and not t["spend_usd_exact"]
    assert t["share_never_shown"] == pytest.approx(1 / 6)
    rt = next(a for a in r["advertisers"] if a["advertiser_id"] == "u1")
    assert rt["state_affiliation"]["country"] == "RU"
    assert rt["state_affiliation"]["matched_on"] == "name"
    # judged by the rules in force at each ad's date: only the November 2017 ad was banned
    assert rt["ads_under_policy"] == {"twitter-2017-rt-sputnik": 1}
    assert r["split"]["before"]["ads"] == 5 and r["split"]["after"]["ads"] == 1
    assert r["organic"]["available"] is False


def test_classify_rules_exclusion_beats_inclusion():
    rows = classify_ad(
        [
            {
                "kind": "location",
                "mode": "include",
                "countries": ["US"],
                "geo_scope": "country",
                "raw": "US",
            },
            {
                "kind": "location",
                "mode": "exclude",
                "countries": ["US"],
                "geo_scope": "country",
                "raw": "not US",
            },
            {
                "kind": "location",
                "mode": "exclude",
                "countries": ["GB"],
                "geo_scope": "subnational",
                "raw": "not London",
            },
        ]
    )
    assert rows == [("US", "excluded", "exclude_location", "not US")]


def test_definite_geography_blocks_links():
    rows = classify_ad(
        [
            {
                "kind": "location",
                "mode": "include",
                "countries": ["RU"],
                "geo_scope": "country",
                "raw": "Russia",
            },
            {
                "kind": "language",
                "mode": "include",
                "countries": ["US"],
                "geo_scope": None,
                "raw": "English (US)",
            },
        ]
    )
    assert rows == [("RU", "definite", "include_location", "Russia")]


def test_meta_ad_library_json(ws):
    f = FIX / "meta_ads_archive.json"
    assert detect_format(str(f)) == "meta-ad-library"
    (r,) = ingest(ws, [f]).files
    assert (r.rows_read, r.rows_ingested, r.rows_quarantined) == (4, 2, 2)
    reasons = {x["reason"] for x in ws.rows("SELECT reason FROM quarantine")}
    assert reasons == {"missing ad id", "not an ad object"}
    ads = _ads(ws)
    rt = ads["901"]
    assert (rt["spend_lower"], rt["spend_upper"], rt["currency"]) == (100.0, 199.0, "EUR")
    assert rt["spend_usd_lower"] == pytest.approx(100 * rt["fx_rate"]) and rt["fx_rate"] > 1
    assert rt["landing_domain"] == "rt.com" and rt["payer"] == "RT"
    assert "<script>" in rt["creative_text"]  # stored verbatim; escaped when rendered
    big = ads["902"]
    assert big["spend_upper"] is None and big["impressions_lower"] == 1e6
    assert str(big["start_at"]) == "2020-10-01 12:00:00" and big["payer"] == "Big Spender PAC"
    assert _countries(ws, "901") == {"US": ("definite", "include_location")}
    delivery = ws.rows(
        "SELECT dimension, value, share FROM ad_delivery WHERE ad_id = '901' "
        "ORDER BY dimension, value"
    )
    assert [(d["dimension"], d["value"], d["share"]) for d in delivery] == [
        ("age_gender", "25-34|female", 0.3),
        ("age_gender", "35-44|male", 0.7),
        ("region", "California", 0.6),
        ("region", "New York", 0.4),
    ]
    a = audit(ws)
    rt_adv = next(x for x in a["advertisers"] if x["advertiser_id"] == "326683984410")
    assert rt_adv["state_affiliation"]["country"] == "RU"
    # 2021: Meta labelled state media (2020) but had not yet banned Russian state media (2022)
    assert rt_adv["ads_under_policy"] == {"meta-2020-state-media-labels": 1}
    assert rt_adv["ads_to_state_media_domains"] == 1


def test_meta_ad_library_csv(ws):
    f = FIX / "meta_ads_report.csv"
    assert detect_format(str(f)) == "meta-ad-library"
    (r,) = ingest(ws, [f]).files
    assert (r.rows_read, r.rows_ingested, r.rows_quarantined) == (2, 2, 0)
    ads = _ads(ws)
    assert (ads["911"]["spend_lower"], ads["911"]["spend_upper"]) == (0.0, 99.0)
    assert ads["911"]["spend_usd_lower"] == 0.0
    assert _countries(ws, "911") == {"GB": ("definite", "include_location")}
    assert _countries(ws, "912") == {"ZZ": ("unknown", "no_targeting_data")}
    t = audit(ws)["totals"]
    assert t["share_under_3_usd"] == 0.0  # upper bounds of $99+ are not known to be under $3
    assert t["impressions"] == 1000 and t["impressions_upper"] == 2998


def test_bundled_hpsci_sample(ws):
    from ioscope.demo import sample_path

    (r,) = ingest(ws, [sample_path("hpsci/ads.csv")]).files
    assert r.format == "hpsci-ads" and (r.rows_read, r.rows_quarantined) == (300, 0)
    assert ws.count("ad_targeting") > 2000


def test_google_political_ads(ws):
    f = FIX / "google" / "google-political-ads-creative-stats.csv"
    assert detect_format(str(f)) == "google-political-ads"
    rep = ingest(ws, [f])
    (r,) = rep.files
    assert (r.rows_read, r.rows_ingested, r.rows_quarantined) == (3, 2, 1)
    assert ws.rows("SELECT field FROM quarantine")[0]["field"] == "Date_Range_Start"
    ads = _ads(ws)
    a1, a2 = ads["CR1"], ads["CR2"]
    assert (a1["spend_lower"], a1["spend_upper"], a1["currency"]) == (100.0, 1000.0, "USD")
    assert (a1["impressions_lower"], a1["impressions_upper"]) == (1e4, 1e5)
    assert (a2["spend_lower"], a2["spend_upper"], a2["currency"]) == (50000.0, None, "EUR")
    assert a2["impressions_lower"] == 1e7 and a2["impressions_upper"] is None
    assert a2["advertiser_name"] == "Europa Jetzt"  # from the advertiser stats file beside it
    assert _countries(ws, "CR1") == {"US": ("definite", "include_location")}
    assert set(_countries(ws, "CR2")) == {"DE", "FR"}
    ages = ws.rows("SELECT value FROM ad_targeting WHERE ad_id = 'CR1' AND kind = 'age'")
    assert ages[0]["value"] == "18-24, 25-34"
    # the advertiser file is an input of the run (hashed) and the report says what read it
    (comp,) = rep.companions
    assert comp["of"] == str(f) and comp["path"].endswith("advertiser-stats.csv")
    from ioscope.report.data.overview import analysed
    from ioscope.report.trace import Tracer

    sources = {r["path"]: r for r in analysed(Tracer(ws))["sources"]}
    assert sources[str(f)]["format"] == "google-political-ads"
    assert sources[str(f)]["rows_read"] == 3
    assert sources[comp["path"]]["format"] == (
        "google-political-ads, read with google-political-ads-creative-stats.csv"
    )
    assert sources[comp["path"]]["sha256"].startswith("sha256:")
    assert sources[comp["path"]]["rows_read"] is None
