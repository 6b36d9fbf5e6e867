"""Ad readers on small fixtures: quantities, targeting rules, quarantine, registry and policies."""

from __future__ import annotations

from pathlib import Path

import pytest

from ioscope.ads import audit
from ioscope.ads.targeting import classify_ad
from ioscope.ingest import detect_format, ingest

FIX = Path(__file__).parent / "fixtures" / "ads"


def _ads(ws):
    return {r["ad_id"]: r for r in ws.rows("SELECT * FROM ads")}


def _countries(ws, ad_id):
    return {r["country"]: (r["status"], r["rule"]) for r in ws.rows(
        "SELECT * FROM ad_country_targeting WHERE ad_id = ?", [ad_id])}


def test_promoted_csv(ws):
    f = FIX / "promoted.csv"
    assert detect_format(str(f)) == "promoted-csv"
    (r,) = ingest(ws, [f]).files
    assert (r.rows_read, r.rows_ingested, r.rows_quarantined) == (9, 7, 2)
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
    assert _countries(ws, "a3") == {"US": ("excluded", "exclude_location"),
                                    "FR": ("definite", "include_location")}
    a2 = _countries(ws, "a2")
    assert a2["US"] == ("potential", "language") and a2["RU"] == ("potential", "follower_lookalike")
    a5 = _countries(ws, "a5")
    assert a5 == {"CA": ("potential", "multi_country_location"),
                  "US": ("potential", "multi_country_location")}
    assert _countries(ws, "a6") == {"GB": ("potential", "custom_audience")}
    assert _countries(ws, "a7") == {"ZZ": ("unknown", "no_targeting_data")}
    other = ws.rows("SELECT * FROM ad_targeting WHERE ad_id = 'a6' AND kind = 'other'")
    assert other[0]["raw"] == "weird_kind:xyz"
    lookalike = ws.rows("SELECT value FROM ad_targeting WHERE ad_id = 'a2' "
                        "AND kind = 'follower_lookalike' ORDER BY ordinal")
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
    rows = classify_ad([
        {"kind": "location", "mode": "include", "countries": ["US"], "geo_scope": "country",
         "raw": "US"},
        {"kind": "location", "mode": "exclude", "countries": ["US"], "geo_scope": "country",
         "raw": "not US"},
        {"kind": "location", "mode": "exclude", "countries": ["GB"], "geo_scope": "subnational",
         "raw": "not London"},
    ])
    assert rows == [("US", "excluded", "exclude_location", "not US")]


def test_definite_geography_blocks_links():
    rows = classify_ad([
        {"kind": "location", "mode": "include", "countries": ["RU"], "geo_scope": "country",
         "raw": "Russia"},
        {"kind": "language", "mode": "include", "countries": ["US"], "geo_scope": None,
         "raw": "English (US)"},
    ])
    assert rows == [("RU", "definite", "include_location", "Russia")]
