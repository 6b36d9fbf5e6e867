"""The statistical core of significance: tails, conditional p-values, BH, the analytic null."""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa
import pytest
from scipy import stats

from ioscope.detect.significance.nullmodel import fit_null
from ioscope.detect.significance.stats import benjamini_hochberg, conditional_log_p, poisson_log_sf
from ioscope.detect.significance.weighting import rowwise_dot, tfidf_matrix


def test_poisson_tail_matches_scipy_and_never_underflows():
    k = np.array([0, 1, 2, 5, 10, 40, 200, 1000])
    lam = np.array([0.5, 0.5, 3.0, 0.01, 2.0, 1e-3, 1e-6, 1e-9])
    ours = poisson_log_sf(k, lam)
    ref = stats.poisson.logsf(k - 1, lam)
    ok = np.isfinite(ref) & (ref > -700)
    np.testing.assert_allclose(ours[ok], ref[ok], rtol=1e-9, atol=1e-12)
    assert ours[0] == 0.0
    assert np.all(np.isfinite(ours)) and ours[-1] < -10000
    # monotone in k far into the tail
    tail = poisson_log_sf(np.arange(1, 400), np.full(399, 1e-4))
    assert np.all(np.diff(tail) < 0)


def test_conditional_p_is_uniform_or_conservative_under_the_null():
    rng = np.random.default_rng(3)
    lam = rng.gamma(0.5, 0.4, 400_000)
    k = rng.poisson(lam)
    for k0 in (1, 2, 3):
        sel = k >= k0
        p = np.exp(conditional_log_p(k[sel], lam[sel], k0))
        for u in (0.001, 0.01, 0.05, 0.2):
            assert (p <= u).mean() <= u * 1.1 + 1e-4


def test_benjamini_hochberg_matches_the_textbook_procedure():
    rng = np.random.default_rng(0)
    p = np.concatenate([rng.uniform(size=900), rng.uniform(0, 1e-4, 100)])
    q = benjamini_hochberg(p)
    m = p.size
    order = np.sort(p)
    passing = np.nonzero(order <= np.arange(1, m + 1) / m * 0.05)[0]
    cutoff = order[passing.max()] if passing.size else -1
    assert set(np.nonzero(q <= 0.05)[0]) == set(np.nonzero(p <= cutoff)[0])
    assert np.all(q >= p) and np.all(q <= 1)
    assert benjamini_hochberg(np.array([])).size == 0


def _actions_con(acc, item, t):
    con = duckdb.connect()
    con.register(
        "a",
        pa.table(
            {
                "aid": np.asarray(acc, dtype=np.int64),
                "item": pa.array([str(i) for i in item]),
                "t": np.asarray(t, dtype=np.float64),
            }
        ),
    )
    con.execute("CREATE TABLE actions AS SELECT * FROM a")
    return con


def _shuffled_mean(acc, item, t, stratum, window, n_acc, reps, rng):
    """Monte Carlo: mean co-action pair count per account pair under within-stratum shuffles."""
    acc, item, t = map(np.asarray, (acc, item, t))
    h = np.floor(t / stratum).astype(int)
    x, y = np.triu_indices(len(acc), 1)
    close = (item[x] == item[y]) & (np.abs(t[x] - t[y]) <= window if window is not None else True)
    x, y = x[close], y[close]
    total = np.zeros((n_acc, n_acc))
    for _ in range(reps):
        lab = acc.copy()
        for s in np.unique(h):
            idx = np.nonzero(h == s)[0]
            lab[idx] = lab[rng.permutation(idx)]
        a, b = lab[x], lab[y]
        np.add.at(total, (np.minimum(a, b), np.maximum(a, b)), 1)
    return total / reps


@pytest.mark.parametrize("window", [900.0, None])
def test_analytic_null_equals_the_mean_of_within_stratum_shuffles(window):
    rng = np.random.default_rng(7)
    n_acc, n = 6, 60
    acc = rng.integers(0, n_acc, n)
    item = rng.integers(0, 3, n)
    t = np.sort(rng.uniform(0, 3 * 3600, n))  # three strata, pairs straddle their borders
    con = _actions_con(acc, item, t)
    null = fit_null(con, "actions", window=window, stratum=3600, n_accounts=n_acc)
    mc = _shuffled_mean(acc, item, t, null.stratum, window, n_acc, 4000, rng)
    i, j = np.triu_indices(n_acc, 1)
    lam = null.expected(i, j)
    np.testing.assert_allclose(lam, mc[i, j], rtol=0.08, atol=0.02)
    assert lam.sum() > 1


def test_null_of_an_empty_signal_is_zero():
    con = _actions_con([], [], [])
    null = fit_null(con, "actions", window=60, stratum=3600, n_accounts=3)
    assert null.expected(np.array([0]), np.array([1])).tolist() == [0.0]


def test_tfidf_cosine_discounts_items_everybody_shares():
    # accounts 0 and 1 share a rare item; 2 and 3 share only the item everybody has
    acc = [0, 0, 1, 1, 2, 3, 0, 1, 2, 3, 2, 3]
    item = ["rare", "x0", "rare", "x1", "y2", "y3", "all", "all", "all", "all", "z2", "z3"]
    con = _actions_con(acc, item, np.zeros(len(acc)))
    v = tfidf_matrix(con, "actions", 4)
    sim = rowwise_dot(v, v, np.array([0, 2]), np.array([1, 3]))
    assert sim[0] > 0.1 and sim[1] == 0.0
    np.testing.assert_allclose(rowwise_dot(v, v, np.arange(4), np.arange(4)), 1.0)


def test_window_pair_counts_match_brute_force_with_ties_and_stratum_borders():
    rng = np.random.default_rng(5)
    n, n_acc, w, s = 400, 30, 120.0, 3600.0
    acc = rng.integers(0, n_acc, n)
    item = rng.integers(0, 7, n)
    t = np.round(rng.uniform(0, 5 * 3600, n) / 30) * 30  # many exact ties
    con = _actions_con(acc, item, t)
    null = fit_null(con, "actions", window=w, stratum=s, n_accounts=n_acc)
    h = np.floor(t / s).astype(int) - null.origin
    x, y = np.triu_indices(n, 1)
    keep = (item[x] == item[y]) & (np.abs(t[x] - t[y]) <= w)
    brute = np.zeros(null.pairs.shape)
    np.add.at(brute, (h[x][keep], h[y][keep]), 1)
    np.add.at(brute, (h[y][keep], h[x][keep]), 1)
    np.testing.assert_allclose(null.pairs.toarray(), brute)
