"""creation_burst and promoted_amplification: the scan statistic, the account-level tests, hand-made
workspaces with known edges, workspaces without creation dates or ads, and the simulator."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pytest
from scipy.stats import binom

from ioscope.detect import detect, flagged_accounts
from ioscope.detect.signals.creation_burst import scan_bursts
from ioscope.detect.signals.promoted_amplification import binomial_log_sf
from ioscope.evaluate import evaluate
from ioscope.ingest import ingest
from ioscope.simulate import simulate
from ioscope.workspace import Workspace
from tests.fixtures.detect import date_accounts, edges, evidence, load, planted, post, promote

DAY = 86400.0


# -- the scan statistic ------------------------------------------------------------------------


def test_scan_finds_a_planted_burst_and_nothing_in_a_poisson_background():
    rng = np.random.default_rng(3)
    background = rng.uniform(0, 1000 * DAY, 3000)  # 3 accounts a day
    assert (scan_bursts(background, window=DAY, background=90 * DAY, fdr=0.01) < 0).all()
    burst = 500 * DAY + rng.uniform(0, DAY, 40)
    b = scan_bursts(np.r_[background, burst], window=DAY, background=90 * DAY, fdr=0.01)
    assert (b[3000:] == 0).all()  # every planted account, one burst
    inside = np.flatnonzero(b[:3000] >= 0)
    assert inside.size <= 10  # only accounts of those same days
    assert ((background[inside] >= 499 * DAY) & (background[inside] <= 502 * DAY)).all()


def test_scan_separates_two_bursts_and_needs_a_minimum_size():
    rng = np.random.default_rng(4)
    background = rng.uniform(0, 400 * DAY, 400)
    t = np.r_[background, 100 * DAY + rng.uniform(0, DAY, 20), 300 * DAY + rng.uniform(0, DAY, 20)]
    b = scan_bursts(t, window=DAY, background=90 * DAY, fdr=0.01)
    first, second = set(b[400:420].tolist()), set(b[420:].tolist())
    assert len(first) == len(second) == 1 and first != second and -1 not in first | second
    assert (scan_bursts(np.array([0.0, 1.0]), window=DAY, background=90 * DAY, fdr=0.5) < 0).all()
    assert scan_bursts(np.zeros(0), window=DAY, background=DAY, fdr=0.01).size == 0


def test_binomial_tail_matches_scipy_and_stays_finite_far_out():
    x, n = np.array([0, 1, 3, 10]), np.array([10, 10, 10, 10])
    got = binomial_log_sf(x, n, 0.2)
    assert got[0] == 0.0
    assert np.allclose(got[1:], binom.logsf(x[1:] - 1, n[1:], 0.2))
    far = binomial_log_sf(np.array([300]), np.array([300]), 1e-3)
    assert np.isfinite(far).all() and far[0] == pytest.approx(300 * np.log(1e-3))


# -- creation_burst on hand-made workspaces -----------------------------------------------------


@pytest.fixture
def burst_ws(ws):
    rows, groups = planted(seed=5, groups=2, size=5, events=6, noise=40, noise_posts=600)
    load(ws, rows)
    # group 0 and three noise accounts were created in the same day; group 1 long before
    date_accounts(ws, groups[0] + ["n1", "n2", "n3"])
    return ws, groups


def test_creation_burst_links_the_burst_accounts_that_share_items(burst_ws):
    ws, groups = burst_ws
    report = detect(ws, signals=["creation_burst"])
    counts = report.signals[0]
    # the five members, the three noise accounts of that day, and a few of the days around it
    # (the 3- and 9-day windows)
    assert counts["bursts"] == 1 and 8 <= counts["burst_accounts"] <= 12
    found = edges(ws, "creation_burst")
    significant = {k for k, e in found.items() if e["significant"]}
    members = {(a, b) for a in groups[0] for b in groups[0] if a < b}
    assert significant == members  # every pair of the five members, only them
    flagged = {r["account_id"] for r in flagged_accounts(ws)}
    assert flagged == set(groups[0])  # the organic accounts of the burst stay out
    items = {v["item"].split(":")[0] for v in evidence(ws, "creation_burst")}
    assert items <= {"hashtag", "url", "post"} and "hashtag" in items


def test_creation_burst_weight_counts_shared_items_once(ws):
    rows = []
    for a in ("a", "b", "c"):  # a uses #x three times, b twice, c once; all use #y once
        n = {"a": 3, "b": 2, "c": 1}[a]
        rows += [post(f"{a}{i}", a, 3600 * i, hashtags=["x"]) for i in range(n)]
        rows.append(post(f"{a}y", a, 50_000, hashtags=["y"]))
    rows += [post(f"o{i}", f"o{i}", 100 * i, hashtags=["z"]) for i in range(5)]
    load(ws, rows)
    date_accounts(ws, ["a", "b", "c"], spread_days=2000)
    detect(ws, mode="raw", signals=["creation_burst"], params={"creation_burst": {"min_weight": 1}})
    w = {k: e["weight"] for k, e in edges(ws, "creation_burst").items()}
    assert w == {("a", "b"): 2, ("a", "c"): 2, ("b", "c"): 2}  # #x and #y, each once
    first = {
        (v["account_1"], v["account_2"], v["item"]): (v["post_1"], v["post_2"])
        for v in evidence(ws, "creation_burst")
    }
    assert first[("a", "b", "hashtag:x")] == ("a0", "b0")  # the first uses


def test_creation_burst_without_creation_dates_is_empty_not_an_error(ws):
    load(ws, planted(seed=5, events=4)[0])
    report = detect(ws, signals=["creation_burst"])
    assert report.signals[0]["dated_accounts"] == 0 and report.totals["edges"] == 0
    ws.con.execute("UPDATE accounts SET created_at = TIMESTAMP '2020-01-01'")  # one day for all
    report = detect(ws, signals=["creation_burst"])
    assert report.totals["edges"] == 0  # no burst: the density is the background


# -- promoted_amplification on hand-made workspaces ---------------------------------------------


def test_promoted_amplification_links_the_paid_amplifiers_only(ws):
    rows, groups = planted(seed=6, groups=2, size=5, events=8, noise=40, noise_posts=600)
    # fans: noise accounts repost an organic advertiser's posts, two of which it promoted
    rows += [
        post(f"fan{f}_{k}", f"n{f}", 7200 * k + 60 * f, "repost", target=f"star{k}")
        for f in range(30)
        for k in range(8)
    ]
    load(ws, rows)
    promote(ws, [f"orig1_{e}" for e in range(8)], advertiser="g1m0")
    promote_more = [f"star{k}" for k in (2, 5)]
    for i, p in enumerate(promote_more):
        ws.con.execute(
            "INSERT INTO ads (platform, ad_id, advertiser_id, post_id) VALUES "
            "('twitter', ?, 'star', ?)",
            [f"s{i}", p],
        )
    report = detect(ws, signals=["promoted_amplification"])
    found = edges(ws, "promoted_amplification")
    significant = {k for k, e in found.items() if e["significant"]}
    assert significant and all(a in groups[1] and b in groups[1] for a, b in significant)
    assert any(a.startswith("n") for a, _ in found)  # fans share promoted posts too ...
    flagged = {r["account_id"] for r in flagged_accounts(ws)}
    assert flagged == set(groups[1])  # ... but stay at the population rate
    assert report.signals[0]["promoted_amplifications"] == 8 * 5 + 30 * 2
    assert {v["item"] for v in evidence(ws, "promoted_amplification")} >= {"orig1_0"}


def test_promoted_amplification_without_ads_is_empty_not_an_error(ws):
    load(ws, planted(seed=6, events=4)[0])
    report = detect(ws, signals=["promoted_amplification"])
    assert report.totals["edges"] == 0
    promote(ws, [])  # an ads table naming no promoted post
    ws.con.execute("INSERT INTO ads (platform, ad_id, advertiser_id) VALUES ('twitter', 'a', 'x')")
    report = detect(ws, signals=["promoted_amplification"])
    assert report.totals["edges"] == 0 and report.signals[0]["promoted_amplifications"] == 0


def test_every_signal_has_a_phrase_for_the_explanations():
    from ioscope.detect import SIGNALS
    from ioscope.detect.significance.explain import cluster_sentence

    assert all(s.explanation is not None and s.explanation.verb for s in SIGNALS.values())
    # the span of creation dates and the gap between first uses are two figures, said apart;
    # the p-value is named for the test it comes from (the accounts', not the pair's)
    f = {
        "accounts": 12,
        "items": 5,
        "posts": 40,
        "median_dt_seconds": 86400 * 3,
        "median_log10_p": -40.0,
        "median_observed_expected": 25.0,
        "first_created": datetime(2016, 3, 1),
        "last_created": datetime(2016, 3, 4),
    }
    assert cluster_sentence("creation_burst", f) == (
        "12 accounts created between 2016-03-01 and 2016-03-04 (creation dates spanning "
        "3 days) used the same 5 items (hashtags, links, reposted posts; 40 posts); their first "
        "uses of a shared item were a median of 3 days apart (burst test of the weaker account "
        "of each pair: median p < 1e-16; shared items 25× the null's expectation)."
    )
    assert "median pair p" not in cluster_sentence("creation_burst", f)


# -- the simulator --------------------------------------------------------------------------------


def test_simulated_creation_bursts_and_paid_promotion_are_found(tmp_path):
    s = simulate(
        tmp_path / "sim",
        posts=40_000,
        seed=2,
        campaigns=2,
        campaign_share=0.1,
        strategies="creation_burst,paid_promotion",
    )
    with Workspace.open(tmp_path / "w.duckdb") as ws:
        ingest(ws, [s["paths"]["posts"], s["paths"]["accounts"], s["paths"]["ads"]])
        detect(ws, signals=["creation_burst", "promoted_amplification"])
        r = evaluate(ws, s["paths"]["truth"])
    strategies = r["strategies"]
    assert (
        strategies["creation_burst"]["flagged"] >= 0.85 * strategies["creation_burst"]["accounts"]
    )
    assert (
        strategies["paid_promotion"]["flagged"] >= 0.85 * strategies["paid_promotion"]["accounts"]
    )
    assert r["accounts"]["precision"] >= 0.95
