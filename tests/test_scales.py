"""Multi-scale co-action: shared work equals separate windows; the combination is valid."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest

from ioscope.detect import detect
from ioscope.detect.engine.scales import multi_scale, parse_scales
from ioscope.detect.signals import SIGNALS
from ioscope.detect.significance.scales import combine_scales
from ioscope.errors import ParameterError, UsageError
from tests.fixtures.detect import load, planted, post

SCALES = (60.0, 600.0, 3600.0)
EDGE_COLS = (
    "signal",
    "account_1",
    "account_2",
    "directed",
    "weight",
    "shared_items",
    "co_actions",
    "score",
    "first_at",
    "last_at",
)
EV_COLS = ("signal", "account_1", "account_2", "item", "post_1", "post_2", "dt_seconds", "score")


def _slow_world(seed: int = 3):
    """The planted world plus a group of 5 that reposts the same posts, 4 to 8 min apart in turn."""
    rows, truth = planted(seed)
    rng = random.Random(seed)
    members = [f"slow{m}" for m in range(5)]
    for e in range(8):
        start = 7200 * e + 1800
        for j, m in enumerate(members):
            t = start + 360 * j + rng.uniform(-60, 60)
            rows.append(post(f"s{e}_{j}", m, t, "repost", target=f"slow_orig{e}", text="x"))
    return rows, truth + [members]


def _rows(ws, table, cols, where=""):
    return sorted(ws.sql(f"SELECT {', '.join(cols)} FROM {table} {where}").fetchall(), key=repr)


def test_each_scale_equals_a_single_window_run(ws):
    load(ws, _slow_world()[0])
    multi = [n for n in SIGNALS if multi_scale(SIGNALS[n]) and SIGNALS[n].default]
    detect(ws, signals=multi, mode="raw", scales="1m,10m,1h", hot_items="keep")
    per_scale = {
        w: (
            _rows(ws, "edges", EDGE_COLS, f"WHERE scale_seconds = {w}"),
            _rows(ws, "edge_evidence", EV_COLS, f"WHERE scale_seconds = {w}"),
        )
        for w in SCALES
    }
    assert len(per_scale[600.0][0]) > len(per_scale[60.0][0])  # the slow group appears
    for w in SCALES:
        detect(ws, signals=multi, mode="raw", window=w, hot_items="keep")
        assert (
            ws.sql("SELECT count(*) FROM edges WHERE scale_seconds IS NOT NULL").fetchone()[0] == 0
        )
        assert per_scale[w] == (_rows(ws, "edges", EDGE_COLS), _rows(ws, "edge_evidence", EV_COLS))


def test_one_scale_is_the_single_window_run(ws):
    """Simes over one scale is the scale's own p-value: the run equals ``window=60``."""
    load(ws, _slow_world()[0])
    cols = EDGE_COLS + ("expected", "p_value", "q_value", "significant", "observed_expected")
    detect(ws, scales="60s")
    one = _rows(ws, "edges", cols)
    assert ws.sql("SELECT count(*) FROM edges WHERE scale_seconds = 60").fetchone()[0] > 0
    detect(ws, window="60s")
    assert ws.sql("SELECT count(*) FROM edges WHERE scale_seconds IS NOT NULL").fetchone()[0] == 0
    assert one == _rows(ws, "edges", cols)


def test_the_default_run_is_one_60_s_window(ws):
    """Multi-scale is asked for (its precision on large organic backgrounds is measured in
    docs/benchmarks.md): without --scales a run equals ``window=60s`` and names no scale."""
    load(ws, _slow_world()[0])
    cols = EDGE_COLS + ("expected", "p_value", "q_value", "significant", "observed_expected")
    detect(ws)
    default = _rows(ws, "edges", cols)
    params = json.loads(ws.last_runs(1)[0]["parameters"])
    assert "scales" not in params and params["per_signal"]["co_repost"]["window"] == 60
    assert ws.sql("SELECT count(*) FROM edges WHERE scale_seconds IS NOT NULL").fetchone()[0] == 0
    detect(ws, window="60s")
    assert default == _rows(ws, "edges", cols) and default


def test_multi_scale_run_keeps_each_edge_at_its_strongest_scale(ws):
    rows, truth = _slow_world()
    load(ws, rows)
    report = detect(ws, scales="1m,10m,1h")
    edges = ws.rows("SELECT * FROM edges WHERE scale_seconds IS NOT NULL")
    keys = [(e["signal"], e["account_1"], e["account_2"]) for e in edges]
    assert len(keys) == len(set(keys))  # one row per pair and signal
    slow = [e for e in edges if e["signal"] == "co_repost" and e["account_1"].startswith("slow")]
    assert len(slow) == 10 and all(e["scale_seconds"] in (600.0, 3600.0) for e in slow)
    assert {
        e["scale_seconds"] for e in slow if e["account_2"][-1] == str(int(e["account_1"][-1]) + 1)
    } == {600.0}  # neighbours act 4 to 8 min apart
    assert all(e["significant"] for e in slow)
    # evidence is that of the kept scale, within it
    bad = ws.sql("""SELECT count(*) FROM edge_evidence v JOIN edges e USING (signal, platform_1,
        account_1, platform_2, account_2) WHERE abs(v.dt_seconds) > e.scale_seconds
        OR v.scale_seconds <> e.scale_seconds""").fetchone()[0]
    assert bad == 0
    flagged = {r[0] for r in ws.sql("SELECT DISTINCT account_id FROM cluster_members").fetchall()}
    assert set(truth[-1]) <= flagged
    assert report.to_dict()["totals"]["edges"] == ws.count("edges")


def test_scales_are_validated(ws):
    assert parse_scales("1h, 1m,60s") == [60.0, 3600.0]
    with pytest.raises(ParameterError, match="'scales' parameter of detect must be"):
        parse_scales("1m,-5")
    with pytest.raises(UsageError, match="window or scales"):
        detect(ws, window="60s", scales="1m,1h")
    with pytest.raises(ParameterError, match="'scales' parameter of detect must be"):
        detect(ws, scales="1m,0s")


def _simes_brute(p: list[float], s: int) -> float:
    p = sorted(p) + [1.0] * (s - len(p))
    return min(1.0, min(s * x / (i + 1) for i, x in enumerate(p)))


def test_combine_scales_is_simes_with_missing_scales_at_one():
    rng = np.random.default_rng(4)
    n = 300
    a1 = rng.integers(0, 20, n)
    a2 = a1 + 1 + rng.integers(0, 5, n)
    scale = rng.choice([60.0, 600.0, 3600.0, 86400.0], n)
    keep = np.unique(np.stack([a1, a2, scale], 1), axis=0, return_index=True)[1]
    a1, a2, scale = a1[keep], a2[keep], scale[keep]
    p = rng.uniform(0, 1, a1.size)
    rows, lp = combine_scales(a1, a2, np.log(p), scale, 4)
    assert rows.size == len({(x, y) for x, y in zip(a1, a2)})
    for r, v in zip(rows, lp):
        mine = (a1 == a1[r]) & (a2 == a2[r])
        assert np.exp(v) == pytest.approx(_simes_brute(list(p[mine]), 4), rel=1e-12)
        assert p[r] == p[mine].min()  # the strongest scale's row


def test_combined_p_values_are_valid_under_the_null_across_scales():
    """Nested windows: the count at a larger scale includes the smaller one's, so the scales'
    p-values are positively dependent. Under the null the Simes combination stays at or below
    uniform (one-sided Kolmogorov–Smirnov distance), where the uncorrected minimum does not."""
    rng = np.random.default_rng(16)
    n, s = 20_000, 4
    z = np.cumsum(rng.standard_normal((n, s)), axis=1) / np.sqrt(np.arange(1, s + 1))
    from scipy.stats import norm

    p = norm.sf(z)
    a1 = np.repeat(np.arange(n), s)
    _, lp = combine_scales(a1, a1 + 1, np.log(p.ravel()), np.tile(np.arange(s, dtype=float), n), s)
    combined = np.sort(np.exp(lp))
    grid = np.arange(1, n + 1) / n
    d_plus = np.max(grid - combined)  # how far the empirical cdf rises above the uniform's
    assert d_plus < 1.36 / np.sqrt(n)  # 5 % critical value of the one-sided KS
    naive = np.sort(p.min(axis=1))
    assert np.max(grid - naive) > 5 / np.sqrt(n)  # the test can fail: min p is anti-conservative


def _null_world(seed: int, accounts: int = 80, items: int = 80, per_account: int = 60):
    """No coordination: every account reposts random posts at uniformly random times."""
    rng = np.random.default_rng(seed)
    rows = []
    for a in range(accounts):
        for j, (item, t) in enumerate(
            zip(rng.integers(0, items, per_account), rng.uniform(0, 2 * 86400, per_account))
        ):
            rows.append(post(f"n{a}_{j}", f"acc{a}", float(t), "repost", target=f"orig{item}"))
    return rows


@pytest.mark.parametrize("seed", [1, 2])
def test_combined_edge_p_values_are_uniform_or_conservative_on_a_null_world(ws, seed):
    """Posts without any coordination, tested at three scales: the combined p-values of the
    tested edges are at or above uniform in every bin (share with p ≤ α at most α plus three
    binomial standard errors), and nothing is significant."""
    load(ws, _null_world(seed))
    detect(ws, signals="co_repost", scales="1m,10m,1h")
    p = np.array([r[0] for r in ws.sql("SELECT p_value FROM edges").fetchall()])
    assert p.size > 300 and (p < 0.9).sum() > 100  # a real check: many pairs tested
    assert ws.sql("SELECT count(DISTINCT scale_seconds) FROM edges").fetchone()[0] >= 2
    for alpha in (0.01, 0.05, 0.1, 0.25, 0.5):
        assert (p <= alpha).mean() <= alpha + 3 * np.sqrt(alpha * (1 - alpha) / p.size), alpha
    assert ws.sql("SELECT count(*) FROM edges WHERE significant").fetchone()[0] == 0


def _calibration(tmp_path):
    from ioscope.ingest import ingest
    from ioscope.simulate import simulate
    from ioscope.workspace import Workspace

    s = simulate(tmp_path / "sim", posts=30_000, seed=11, preset="calibration", format="cnt-csv")
    ws = Workspace.open(tmp_path / "case.duckdb")
    ingest(ws, [s["paths"]["posts"]])
    return ws, s["paths"]["truth"]


@pytest.mark.slow
def test_calibration_preset_stays_clean_at_every_scale(tmp_path):
    """No campaigns, all the hard negatives: at each scale alone and at all of them combined,
    flagged accounts stay within the nominal false discovery rate (0.01 of all accounts)."""
    from ioscope.evaluate import evaluate

    ws, truth = _calibration(tmp_path)
    with ws:
        accounts = ws.sql("SELECT count(DISTINCT account_id) FROM posts").fetchone()[0]
        for window in [None, *SCALES]:
            detect(ws, window=window)
            result = evaluate(ws, truth)
            assert result["accounts"]["positives"] == 0
            assert result["accounts"]["flagged"] <= 0.01 * accounts, window


def test_cli_scales_option(ws, ws_path):
    import json

    from typer.testing import CliRunner

    from ioscope.cli.main import app

    load(ws, _slow_world()[0])
    ws.close()
    runner = CliRunner()
    r = runner.invoke(
        app, ["detect", str(ws_path), "--signals", "co_repost", "--scales", "1m,10m", "--json"]
    )
    assert r.exit_code == 0, r.output
    d = json.loads(r.output)
    (sig,) = d["signals"]
    assert [s["scale_seconds"] for s in sig["scales"]] == [60, 600]
    assert d["parameters"]["co_repost"]["window"] == 600
    for other in (["--compat", "cnt"], ["--window", "60s"]):  # one window only
        r = runner.invoke(app, ["detect", str(ws_path), *other, "--scales", "1m,10m"])
        assert r.exit_code == 2 and "window or scales" in r.output, r.output
    r = runner.invoke(app, ["detect", str(ws_path), "--scales", "1m,-5"])
    assert r.exit_code == 2 and "'scales' parameter of detect" in r.output
