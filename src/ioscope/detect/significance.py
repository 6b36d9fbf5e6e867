"""Per-edge significance: observed co-actions against the stratified null, then FDR control.

For each signal, the observed weight k of an edge (distinct items both accounts acted on within
the window) is compared with λ, its expectation under the time-stratified configuration null
(:mod:`ioscope.detect.nullmodel`), through the Poisson tail P(K ≥ k | K ≥ min_weight): the
detector keeps only edges with k ≥ min_weight, and conditioning on that selection keeps the
p-values valid over exactly the stored edges. The p-values of every signal are then pooled and
adjusted with Benjamini–Hochberg, so that the expected share of false edges among the significant
edges of the multiplex network is at most the chosen level (default 0.01).

Each edge also gets ``similarity``: the cosine of the two accounts' TF-IDF vectors over the
signal's items (Pacheco et al., ICWSM 2021), a strength that discounts popular items.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np

from ioscope.detect.nullmodel import fit_null
from ioscope.detect.stats import benjamini_hochberg, conditional_log_p
from ioscope.detect.weighting import rowwise_dot, tfidf_matrix

__all__ = ["EdgeTests", "test_edges", "pool_fdr", "LOG10"]

LOG10 = np.log(10.0)


@dataclass
class EdgeTests:
    """Test results of one signal's edges, aligned with the (a1, a2) arrays."""

    signal: str
    a1: np.ndarray
    a2: np.ndarray
    weight: np.ndarray
    expected: np.ndarray
    log_p: np.ndarray  # natural log of the p-value
    similarity: np.ndarray
    q_value: np.ndarray | None = None

    def __len__(self) -> int:
        return int(self.a1.size)

    @property
    def p_value(self) -> np.ndarray:
        return np.exp(self.log_p)


def test_edges(con: duckdb.DuckDBPyConnection, signal: str, *, actions: str, edges: str,
               window: float | None, stratum: float, min_weight: int,
               n_accounts: int) -> EdgeTests:
    """Test the edges of one signal.

    ``actions`` has (aid, item, t): the very actions the edges were built from (after the hot-item
    policy), integer account ids in ``[0, n_accounts)``; ``edges`` has (a1, a2, weight).
    """
    e = con.execute(f"SELECT a1, a2, weight FROM {edges}").fetchnumpy()
    a1 = e["a1"].astype(np.int64)
    a2 = e["a2"].astype(np.int64)
    k = e["weight"].astype(np.float64)
    if a1.size == 0:
        z = np.zeros(0)
        return EdgeTests(signal, a1, a2, k, z, z, z)
    null = fit_null(con, actions, window=window, stratum=stratum, n_accounts=n_accounts)
    lam = null.expected(a1, a2)
    log_p = conditional_log_p(k, lam, min(min_weight, int(k.min())))
    vectors = tfidf_matrix(con, actions, n_accounts)
    sim = np.clip(rowwise_dot(vectors, vectors, a1, a2), 0.0, 1.0)
    return EdgeTests(signal, a1, a2, k, lam, log_p, sim)


def pool_fdr(tests: list[EdgeTests]) -> None:
    """Benjamini–Hochberg over the edges of every signal together; fills ``q_value``."""
    sizes = [len(t) for t in tests]
    if not sum(sizes):
        for t in tests:
            t.q_value = np.zeros(0)
        return
    q = benjamini_hochberg(np.concatenate([t.p_value for t in tests]))
    start = 0
    for t, n in zip(tests, sizes):
        t.q_value = q[start:start + n]
        start += n
