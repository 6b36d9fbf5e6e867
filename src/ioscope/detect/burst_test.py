"""The test of creation_burst: each account against its own burst, edges by intersection–union.

A pair of accounts of one burst shares few items (a campaign's handful of hashtags), so one
pair's count is weak evidence, while an account that shares items with half of its burst is not.
The test is therefore at the level of the account. For account a of burst B let

    K_a = Σ_{b ∈ B, b ≠ a} k_ab    (k_ab: the pair's weight, over *all* pairs of the burst)

(k_ab counts posts matched one to one on shared items, Σ_i min(n_a(i), n_b(i)), at most the
number of action pairs λ_ab counts, so the test errs on the conservative side),
    Λ_a = Σ_{b ∈ B, b ≠ a} λ_ab = w_a · (Σ_{b ∈ B} d_b − d_a)

where λ_ab is the expectation of the configuration null of :mod:`ioscope.detect.nullmodel`
(no window, fitted to every account's actions), which is bilinear, so Λ_a needs no pair
enumeration. Under the null the k_ab are independent Poisson counts given the accounts'
activity, so K_a is Poisson(Λ_a) and p_a = P(K ≥ K_a). A campaign's items (its own hashtags)
would otherwise define their own null, so the null is made robust as for the other signals
(:mod:`ioscope.detect.significance`): accounts at q ≤ 0.1 are masked out of the null's totals
(their actions, and their action pairs with other burst accounts) and the test repeated, at
most three times. (Taking the totals from the accounts outside every burst instead was tried:
it lets any other campaign in the background inflate the null, and lost a fifth of the burst
campaign's accounts on the simulator.)

An edge (a, b) gets p = max(p_a, p_b): the intersection–union test of "both accounts go beyond
chance with their burst" (Berger, "Multiparameter hypothesis testing and acceptance sampling",
Technometrics 1982), a valid p-value whenever either account is organic. Simes and
Benjamini–Hochberg then run over these with every other signal's edges.
"""

from __future__ import annotations

from typing import Any

import duckdb
import numpy as np
import scipy.sparse as sp

from ioscope.detect.coaction import ACTIONS, EDGES
from ioscope.detect.nullmodel import fit_null
from ioscope.detect.significance import MASK_LEVEL, ROUNDS, EdgeTests
from ioscope.detect.stats import benjamini_hochberg, poisson_log_sf
from ioscope.detect.weighting import rowwise_dot, tfidf_matrix

__all__ = ["test_burst_edges", "burst_account_log_p"]


def burst_account_log_p(observed: np.ndarray, weighted: sp.csr_matrix, counts: sp.csr_matrix,
                        aid: np.ndarray, burst: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(log p_a, Λ_a) for the accounts ``aid`` of bursts ``burst``, given their ``observed`` K_a.

    ``weighted`` is W = D·M and ``counts`` D (accounts × strata) of a fitted null.
    """
    if aid.size == 0:
        return np.zeros(0), np.zeros(0)
    groups, inv = np.unique(burst, return_inverse=True)
    member = sp.csr_matrix((np.ones(aid.size), (inv, aid)),
                           shape=(groups.size, counts.shape[0]))
    totals = (member @ counts).tocsr()  # Σ_{b ∈ B} d_b per burst
    own = np.asarray(weighted[aid].multiply(counts[aid]).sum(axis=1)).ravel()
    expected = np.asarray(weighted[aid].multiply(totals[inv]).sum(axis=1)).ravel() - own
    expected = np.maximum(expected, 1e-12)
    return poisson_log_sf(observed, expected), expected


def test_burst_edges(con: duckdb.DuckDBPyConnection, p: dict[str, Any], *, stratum: float,
                     n_accounts: int, members: str, weights: str, mask_pairs: str) -> EdgeTests:
    """Test creation_burst's edges (``_det_edges``) with the account-level burst test.

    ``members`` (aid, burst) are the burst accounts, ``weights`` (a1, a2, k) the weights of
    every pair of them that shares an item, ``mask_pairs`` (a1, a2, t1, t2) their action pairs
    (what the robust null takes out of its totals for masked accounts).
    """
    e = con.execute(f"SELECT a1, a2, weight FROM {EDGES}").fetchnumpy()
    a1, a2 = e["a1"].astype(np.int64), e["a2"].astype(np.int64)
    k = e["weight"].astype(np.float64)
    if a1.size == 0:
        z = np.zeros(0)
        return EdgeTests("creation_burst", a1, a2, k, z, z, z)
    # K_a over every pair of the burst, whatever its weight
    obs = con.execute(f"""
        WITH ends AS (SELECT a1 AS aid, k FROM {weights} UNION ALL SELECT a2, k FROM {weights})
        SELECT m.aid, m.burst, coalesce(sum(ends.k), 0) AS k
        FROM {members} m LEFT JOIN ends USING (aid) GROUP BY ALL ORDER BY m.aid""").fetchnumpy()
    aid, burst = obs["aid"].astype(np.int64), obs["burst"].astype(np.int64)
    observed = obs["k"].astype(np.float64)
    actions = f"(SELECT aid, iid AS item, t FROM {ACTIONS})"
    full = fit_null(con, actions, window=None, stratum=stratum, n_accounts=n_accounts)
    null, masked = full, np.zeros(0, dtype=np.int64)
    for _ in range(ROUNDS):
        log_pa, _ = burst_account_log_p(observed, null.weighted, null.counts, aid, burst)
        found = np.sort(aid[benjamini_hochberg(np.exp(log_pa)) <= MASK_LEVEL])
        if np.array_equal(found, masked):
            break
        masked = found
        null = full.masked(con, mask_pairs, masked)
    per = np.zeros(n_accounts)
    per[aid] = log_pa
    log_p = np.maximum(per[a1], per[a2])
    lam = null.expected(a1, a2)
    vectors = tfidf_matrix(con, actions, n_accounts)
    sim = np.clip(rowwise_dot(vectors, vectors, a1, a2), 0.0, 1.0)
    return EdgeTests("creation_burst", a1, a2, k, lam, log_p, sim, masked=int(masked.size))
