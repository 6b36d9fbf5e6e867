"""Data-quality notes of the ads audit, on the bundled HPSCI excerpt and the full HPSCI release:
ads dated outside the release's stated period, and advertiser names that differ only by
OCR-like variation (suggested groups with their evidence, never merged)."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ioscope.ads import audit
from ioscope.ads.quality import LONG_KEY, MIN_KEY, RELEASE_PERIODS
from ioscope.cli.main import app
from ioscope.ingest import ingest
from ioscope.workspace import Workspace

SAMPLE = files("ioscope.data") / "samples" / "hpsci"
PERIOD = RELEASE_PERIODS["hpsci-ads"]


def _copy_sample(folder: Path, *, edit=None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("ads.csv", "ad_targets.csv", "targets.csv"):
        shutil.copy(str(SAMPLE / name), folder / name)
    if edit:
        text = (folder / "ads.csv").read_text(encoding="utf-8")
        (folder / "ads.csv").write_text(edit(text), encoding="utf-8")
    return folder / "ads.csv"


def _ingested(path: Path, src: Path) -> Path:
    with Workspace.open(path) as ws:
        ingest(ws, [src])
    return path


@pytest.fixture(scope="module")
def sample_ws(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("hpsci_sample")
    return _ingested(tmp / "case.duckdb", _copy_sample(tmp / "in"))


@pytest.fixture(scope="module")
def full_ws(tmp_path_factory):
    from tests.fixtures.paths import SHARED

    src = SHARED / "data" / "hpsci-ira-facebook-ads" / "ads.csv"
    if not src.is_file():
        pytest.skip(f"real sample data not present at {src}")
    return _ingested(tmp_path_factory.mktemp("hpsci_full") / "case.duckdb", src), src


# --- an independent re-implementation of the rule, in Python, over every pair (no blocking:
# the SQL's deletion-variant blocking must miss no pair) ---


def _key(name: str) -> str:
    k = re.sub(r"\.(com|us|org|net|info|ru)$", "", name.strip().lower())
    k = "".join(ch for ch in k if ch.isalnum())
    return k.translate(str.maketrans("01i2o", "cllzc"))


def _lev(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def _expected_pairs(ws: Workspace) -> set[frozenset]:
    adv = ws.rows("""SELECT platform, advertiser_id, mode(advertiser_name) AS name FROM ads
                     WHERE advertiser_id IS NOT NULL AND advertiser_name IS NOT NULL
                     GROUP BY ALL""")
    out = set()
    for i, x in enumerate(adv):
        for y in adv[i + 1 :]:
            kx, ky = _key(x["name"]), _key(y["name"])
            if not kx or not ky:
                continue
            short = min(len(kx), len(ky))
            near = (
                short >= MIN_KEY
                and abs(len(kx) - len(ky)) <= 2
                and re.sub(r"\D", "", kx) == re.sub(r"\D", "", ky)
                and _lev(kx, ky) <= (2 if short >= LONG_KEY else 1)
            )
            if kx == ky or near:
                out.add(
                    frozenset(
                        {(x["platform"], x["advertiser_id"]), (y["platform"], y["advertiser_id"])}
                    )
                )
    return out


def _got_pairs(result: dict) -> set[frozenset]:
    return {
        frozenset({tuple(p["advertiser_1"]), tuple(p["advertiser_2"])})
        for g in result["quality"]["name_variants"]["groups"]
        for p in g["pairs"]
    }


def _check_groups(ws: Workspace, result: dict) -> None:
    """Every group's figures recomputed from ads; nothing merged in the audit's own figures."""
    groups = result["quality"]["name_variants"]["groups"]
    seen = set()
    for g in groups:
        keys = {(a["platform"], a["advertiser_id"]) for a in g["advertisers"]}
        assert not keys & seen  # an advertiser is in one group
        seen |= keys
        for a in g["advertisers"]:
            (row,) = ws.rows(
                """SELECT count(*) AS ads, sum(spend_usd_lower) AS usd,
                                       list(DISTINCT advertiser_name) AS names
                                FROM ads WHERE platform = ? AND advertiser_id = ?""",
                [a["platform"], a["advertiser_id"]],
            )
            assert a["ads"] == row["ads"] and a["spend_usd"] == pytest.approx(row["usd"] or 0)
            assert set(a["names"]) == set(row["names"])
        assert g["ads"] == sum(a["ads"] for a in g["advertisers"])
        linked = {
            k for p in g["pairs"] for k in (tuple(p["advertiser_1"]), tuple(p["advertiser_2"]))
        }
        assert linked == keys  # every member is linked by at least one pair shown
    n = ws.rows("SELECT count(DISTINCT platform || ':' || advertiser_id) AS n FROM ads")[0]["n"]
    assert result["totals"]["advertisers"] == n  # the suggestion merged nothing
    assert result["quality"]["name_variants"]["advertisers"] == len(seen)


def _group_of(result: dict, name: str) -> set[str]:
    for g in result["quality"]["name_variants"]["groups"]:
        if name in g["names"]:
            return set(g["names"])
    return set()


def test_sample_name_variants(sample_ws):
    with Workspace.open(sample_ws, read_only=True) as ws:
        result = audit(ws)
        assert _got_pairs(result) == _expected_pairs(ws)
        _check_groups(ws, result)
    assert {"blackmattersus", "blackmattersus.com", "BlaCk Matters"} <= _group_of(
        result, "blackmattersus"
    )
    assert _group_of(result, "Dont Shoot") == {"Dont Shoot", "donotshoot.us"}
    assert "quality_name_pairs" in result["queries"]


def _outside(csv_text: str) -> set[str]:
    """Ads whose created or ended date (UTC, as ingest stores them) is outside the stated
    period: read from the CSV, independently of ingest."""
    out = set()
    for r in csv.DictReader(io.StringIO(csv_text)):
        for col in ("created", "ended"):
            if r[col]:
                d = datetime.fromisoformat(r[col]).astimezone(UTC).date()
                if not (PERIOD.start <= d <= PERIOD.end):
                    out.add(r["id"])
    return out


def test_sample_dates_outside_period(sample_ws, tmp_path):
    with Workspace.open(sample_ws, read_only=True) as ws:
        q = audit(ws)["quality"]["dates_outside_period"]
    assert q["ads"] == len(_outside((SAMPLE / "ads.csv").read_text(encoding="utf-8"))) == 0
    # an OCR-like misread year, as in the full release: 2016 read as 2018
    first = next(csv.DictReader(io.StringIO((SAMPLE / "ads.csv").read_text(encoding="utf-8"))))
    garbled = first["created"].replace(first["created"][:4], "2018", 1)
    src = _copy_sample(tmp_path / "in", edit=lambda t: t.replace(first["created"], garbled, 1))
    ws_path = _ingested(tmp_path / "case.duckdb", src)
    with Workspace.open(ws_path, read_only=True) as ws:
        result = audit(ws)
    q = result["quality"]["dates_outside_period"]
    assert q["ads"] == 1 and [a["ad_id"] for a in q["listed"]] == [first["id"]]
    assert q["releases"][0]["format"] == "hpsci-ads" and q["releases"][0]["ads"] == 1
    assert q["listed"][0]["start_at"].year == 2018
    assert _outside(src.read_text(encoding="utf-8")) == {first["id"]}
    # kept as released: the ad still counts in the totals
    assert result["totals"]["ads"] == 300


def test_full_release(full_ws):
    path, src = full_ws
    with Workspace.open(path, read_only=True) as ws:
        result = audit(ws)
        assert _got_pairs(result) == _expected_pairs(ws)
        _check_groups(ws, result)
    q = result["quality"]["dates_outside_period"]
    # the two 2018 "creation" dates of the release (ads 631 and 818)
    assert (
        {a["ad_id"] for a in q["listed"]}
        == _outside(src.read_text(encoding="utf-8"))
        == {"631", "818"}
    )
    assert {
        "blackmattersus",
        "blackmattersus.com",
        "BlaCk Matters",
        "BlaCk Matters US",
    } <= _group_of(result, "blackmattersus")


def test_cli_text_json_and_report(sample_ws, tmp_path):
    r = CliRunner().invoke(app, ["ads", str(sample_ws)], env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.output
    assert "groups of advertiser names that differ only by OCR-like variation" in r.output
    assert "not merged" in r.output and "blackmattersus.com" in r.output
    r = CliRunner().invoke(app, ["ads", str(sample_ws), "--json"])
    doc = json.loads(r.output)
    assert doc["quality"]["name_variants"]["groups"]
    assert doc["quality"]["dates_outside_period"]["ads"] == 0
    from ioscope.report import build_report

    with Workspace.open(sample_ws, read_only=True) as ws:
        html = build_report(ws, format="html")
        md = build_report(ws, format="md")
    assert "Suggested groups of advertiser name variants" in html
    assert "No ad is dated outside the period its release states" in html
    assert "suggested groups of advertiser names" in md


def test_blocking_misses_no_pair_on_planted_variants(tmp_path):
    """Seeded names with OCR-like edits anywhere (first and last characters too, which a
    prefix/suffix blocking would miss): the SQL pairs equal the brute-force pairs."""
    import random

    from tests.fixtures.case import _insert

    rng = random.Random(7)
    letters = "abcdefghijklmnopqrstuvwxyz"
    names = []
    for _ in range(120):
        base = "".join(rng.choice(letters) for _ in range(rng.randint(4, 16)))
        names.append(base)
        for _ in range(rng.randint(0, 2)):  # a variant: substitutions, insertions, deletions
            v = list(base)
            for _ in range(rng.randint(1, 3)):
                i = rng.choice([0, len(v) - 1, rng.randrange(len(v))])
                op = rng.choice("sid")
                if op == "s":
                    v[i] = rng.choice(letters)
                elif op == "i":
                    v.insert(i, rng.choice(letters))
                elif len(v) > 1:
                    del v[i]
            names.append("".join(v).upper() if rng.random() < 0.3 else "".join(v))
    with Workspace.open(tmp_path / "w.duckdb") as ws:
        ws.ensure("ads")
        ws.ensure("ad_country_targeting")
        _insert(
            ws,
            "ads",
            [
                {
                    "platform": "facebook",
                    "ad_id": f"ad{i}",
                    "advertiser_id": f"a{i}",
                    "advertiser_name": n,
                    "spend_usd_lower": 1.0,
                }
                for i, n in enumerate(names)
            ],
        )
        result = audit(ws)
        expected = _expected_pairs(ws)
        assert len(expected) > 30  # the planted variants are found
        assert _got_pairs(result) == expected
        _check_groups(ws, result)


def test_names_of_any_script(tmp_path):
    """Keys keep letters of every script: Cyrillic names are compared, not reduced to an empty
    key that would pair them all; a name with no letter or digit is left out."""
    from tests.fixtures.case import _insert

    names = {
        "a1": "Россия Сегодня",
        "a2": "РОССИЯ-СЕГОДНЯ",
        "a3": "Первый канал",
        "a4": "Новая газета",
        "a5": "!!!",
        "a6": "???",
    }
    with Workspace.open(tmp_path / "w.duckdb") as ws:
        ws.ensure("ads")
        ws.ensure("ad_country_targeting")
        _insert(
            ws,
            "ads",
            [
                {
                    "platform": "facebook",
                    "ad_id": a,
                    "advertiser_id": a,
                    "advertiser_name": n,
                    "spend_usd_lower": 1.0,
                }
                for a, n in names.items()
            ],
        )
        result = audit(ws)
        assert (
            _got_pairs(result)
            == _expected_pairs(ws)
            == {frozenset({("facebook", "a1"), ("facebook", "a2")})}
        )
