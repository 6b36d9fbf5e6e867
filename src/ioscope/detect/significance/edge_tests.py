"""Per-edge significance: observed co-actions against the stratified null, then FDR control.

For each signal, the observed weight k of an edge (distinct items both accounts acted on within
the window) is compared with λ, its expectation under the time-stratified configuration null
(:mod:`ioscope.detect.significance.nullmodel`, never below its floor: a pseudo-count of one co-action per
stratum), through the Poisson tail P(K ≥ k | K ≥ min_weight): the
detector keeps only edges with k ≥ min_weight, and conditioning on that selection keeps the
p-values valid over exactly the stored edges. The null's totals are estimated robustly: accounts
already far beyond chance are masked out of them and the edges retested (a campaign that makes up
most of a sparse signal would otherwise define its own null). The p-values of every signal are
then pooled and
adjusted with Benjamini–Hochberg, so that the expected share of false edges among the significant
edges of the multiplex network is at most the chosen level (default 0.01).

Accounts are then tested on their own: an account's p-value combines the p-values of all its
edges (every signal) with Simes' method (Simes 1986, "An improved Bonferroni procedure for multiple
tests of significance", Biometrika 73(3)): min over i of n·p_(i)/i, valid for independent or
positively dependent edges. Benjamini–Hochberg over the accounts then bounds the expected share
of organic accounts among the flagged ones by the same level. This matters because false edges
scatter over many accounts while a campaign's edges concentrate on few: FDR over edges alone
does not bound FDR over accounts.

Each edge also gets ``similarity``: the cosine of the two accounts' TF-IDF vectors over the
signal's items (Pacheco et al., ICWSM 2021), a strength that discounts popular items.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pyarrow as pa

from ioscope.detect.engine.coaction import ACTIONS
from ioscope.detect.significance.nullmodel import fit_null
from ioscope.detect.significance.stats import (
    P_MIN,
    benjamini_hochberg,
    conditional_log_p,
    poisson_log_sf,
    simes_by_group,
    truncated_mean,
)
from ioscope.detect.significance.weighting import rowwise_dot, tfidf_matrix

__all__ = [
    "EdgeTests",
    "test_edges",
    "edge_arrays",
    "intersection_union",
    "similarity",
    "suspects",
    "pool_fdr",
    "account_fdr",
    "ACCOUNT_TESTS",
    "LOG10",
    "MASK_LEVEL",
    "ROUNDS",
]

#: Temp table of the account-level tests: platform, account_id, edges, log10_p, q_value, flagged.
ACCOUNT_TESTS = "_sig_accounts"

LOG10 = np.log(10.0)
#: Robust background: accounts at account-level q ≤ MASK_LEVEL (within one signal) are masked
#: out of the null's totals, and the edges retested, at most ROUNDS times.
MASK_LEVEL = 0.1
ROUNDS = 3


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
    masked: int = 0
    #: The window of one scale's tests in a multi-scale run
    #: (:mod:`ioscope.detect.significance.scales`), else None.
    scale: float | None = None
    #: After the scales are combined: each edge's strongest scale.
    scales: np.ndarray | None = None

    def __len__(self) -> int:
        return int(self.a1.size)

    @classmethod
    def empty(cls, signal: str, a1: np.ndarray, a2: np.ndarray, weight: np.ndarray) -> EdgeTests:
        """The results of a signal without edges."""
        z = np.zeros(0)
        return cls(signal, a1, a2, weight, z, z, z)

    @property
    def p_value(self) -> np.ndarray:
        """exp(log_p), never below :data:`ioscope.detect.significance.stats.P_MIN` (no p-value is 0)."""
        return np.maximum(np.exp(self.log_p), P_MIN)

    @property
    def observed_expected(self) -> np.ndarray:
        """weight / expected: how many times the null's expectation the edge's weight is."""
        return np.divide(
            self.weight,
            self.expected,
            out=np.full(self.weight.shape, np.inf),
            where=self.expected > 0,
        )


def test_edges(
    con: duckdb.DuckDBPyConnection,
    signal: str,
    *,
    actions: str,
    edges: str,
    window: float | None,
    stratum: float,
    min_weight: int,
    n_accounts: int,
    pairs: str | None = None,
    items: str | None = None,
) -> EdgeTests:
    """Test the edges of one signal.

    ``actions`` has (aid, item, t): the very actions the edges were built from (after the hot-item
    policy), integer account ids in ``[0, n_accounts)``; ``edges`` has (a1, a2, weight);
    ``items`` (aid, item), default ``actions``, are what the TF-IDF similarity is computed on.
    ``pairs`` (a1, a2, t1, t2), the co-action pairs, enables the robust background: accounts
    that are already far beyond chance (see :func:`suspects`) are masked out of Π and N and the
    edges retested, up to :data:`ROUNDS` times.
    """
    a1, a2, k = edge_arrays(con, edges)
    if a1.size == 0:
        return EdgeTests.empty(signal, a1, a2, k)
    full = fit_null(con, actions, window=window, stratum=stratum, n_accounts=n_accounts)
    k0 = min(min_weight, int(k.min()))
    null, masked = full, np.zeros(0, dtype=np.int64)
    for _ in range(ROUNDS if pairs else 1):
        lam = np.maximum(null.expected(a1, a2), null.floor(a1, a2))
        log_p = conditional_log_p(k, lam, k0)
        found = suspects(a1, a2, log_p, weight=k, expected=lam, k0=k0)
        if pairs is None or np.array_equal(found, masked):
            break
        masked = found
        null = full.masked(con, pairs, masked)
    return EdgeTests(
        signal,
        a1,
        a2,
        k,
        lam,
        log_p,
        similarity(con, items or actions, n_accounts, a1, a2),
        masked=int(masked.size),
    )


def edge_arrays(
    con: duckdb.DuckDBPyConnection, edges: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(a1, a2, weight) of ``edges`` as arrays."""
    e = con.execute(f"SELECT a1, a2, weight FROM {edges}").fetchnumpy()
    return (e["a1"].astype(np.int64), e["a2"].astype(np.int64), e["weight"].astype(np.float64))


def similarity(
    con: duckdb.DuckDBPyConnection, items: str, n_accounts: int, a1: np.ndarray, a2: np.ndarray
) -> np.ndarray:
    """Cosine of the two accounts' TF-IDF vectors over ``items`` (aid, item), per edge."""
    vectors = tfidf_matrix(con, items, n_accounts, rows=np.r_[a1, a2])
    return np.clip(rowwise_dot(vectors, vectors, a1, a2), 0.0, 1.0)


def intersection_union(
    con: duckdb.DuckDBPyConnection,
    signal: str,
    a1: np.ndarray,
    a2: np.ndarray,
    weight: np.ndarray,
    accounts: np.ndarray,
    account_log_p: np.ndarray,
    *,
    stratum: float,
    n_accounts: int,
    masked: int = 0,
) -> EdgeTests:
    """Edges tested through their accounts: p = max(p_a, p_b), the intersection–union test of
    "both accounts are beyond chance" (Berger, "Multiparameter hypothesis testing and
    acceptance sampling", Technometrics 1982), valid whenever either account is organic.

    ``account_log_p`` (natural log) is the p-value of each account id in ``accounts``; an
    account not named has p = 1. ``expected`` is λ of the configuration null of the detector's
    actions (aid, item, t) with no window, never below its floor; ``similarity`` the TF-IDF
    cosine over the same actions.
    """
    per = np.zeros(n_accounts)
    per[accounts] = account_log_p
    actions = f"(SELECT aid, iid AS item, t FROM {ACTIONS})"
    null = fit_null(con, actions, window=None, stratum=stratum, n_accounts=n_accounts)
    lam = np.maximum(null.expected(a1, a2), null.floor(a1, a2))
    return EdgeTests(
        signal,
        a1,
        a2,
        weight,
        lam,
        np.maximum(per[a1], per[a2]),
        similarity(con, actions, n_accounts, a1, a2),
        masked=masked,
    )


def suspects(
    a1: np.ndarray,
    a2: np.ndarray,
    log_p: np.ndarray,
    *,
    weight: np.ndarray,
    expected: np.ndarray,
    k0: int,
    level: float = MASK_LEVEL,
) -> np.ndarray:
    """Accounts already far beyond chance in one signal, to keep out of the null's totals.

    Two account-level tests, each under Benjamini–Hochberg at ``level``: Simes over the
    account's edge p-values (one strong edge), and the sum of its edges' weights against the sum
    of their expectations given the selection k ≥ k0, as a Poisson upper tail (many edges each a
    little beyond chance: a campaign that shaped its own null). The union is returned.
    """
    acc = np.concatenate([a1, a2])
    if acc.size == 0:
        return np.zeros(0, dtype=np.int64)
    ek = np.concatenate([expected, expected])
    accounts, simes, total, mean = simes_by_group(
        acc,
        np.concatenate([log_p, log_p]),
        np.concatenate([weight, weight]),
        truncated_mean(ek, k0),
    )
    excess = poisson_log_sf(total, mean)
    hit = (benjamini_hochberg(np.exp(simes)) <= level) | (
        benjamini_hochberg(np.exp(excess)) <= level
    )
    return np.sort(accounts[hit])


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
        t.q_value = q[start : start + n]
        start += n


def account_fdr(con: duckdb.DuckDBPyConnection, edges: str, fdr: float) -> dict[str, int]:
    """Account-level tests from the tested ``edges`` (platform_1, account_1, platform_2,
    account_2, log10_p); fills :data:`ACCOUNT_TESTS`. Returns {"tested_accounts", "flagged"}."""
    con.execute(f"""CREATE OR REPLACE TEMP TABLE {ACCOUNT_TESTS} AS
        WITH ends AS (SELECT platform_1 AS platform, account_1 AS account_id, log10_p FROM {edges}
                      WHERE log10_p IS NOT NULL UNION ALL
                      SELECT platform_2, account_2, log10_p FROM {edges}
                      WHERE log10_p IS NOT NULL),
             r AS (SELECT platform, account_id, log10_p,
                          row_number() OVER (PARTITION BY platform, account_id ORDER BY log10_p)
                            AS i,
                          count(*) OVER (PARTITION BY platform, account_id) AS n FROM ends)
        SELECT platform, account_id, any_value(n) AS edges,
               LEAST(0.0, min(log10_p + log10(n) - log10(i))) AS log10_p,
               CAST(NULL AS DOUBLE) AS q_value, FALSE AS flagged
        FROM r GROUP BY platform, account_id ORDER BY platform, account_id""")
    lp = con.execute(
        f"SELECT log10_p FROM {ACCOUNT_TESTS} ORDER BY platform, account_id"
    ).fetchnumpy()["log10_p"]
    if lp.size == 0:
        return {"tested_accounts": 0, "flagged_accounts": 0}
    q = benjamini_hochberg(np.power(10.0, lp))
    con.register("_sig_acc_q", pa.table({"k": np.arange(lp.size), "q": q}))
    try:
        con.execute(f"""CREATE OR REPLACE TEMP TABLE {ACCOUNT_TESTS} AS
            SELECT a.platform, a.account_id, a.edges, a.log10_p, q.q AS q_value,
                   q.q <= {float(fdr)!r} AS flagged
            FROM (SELECT *, row_number() OVER (ORDER BY platform, account_id) - 1 AS k
                  FROM {ACCOUNT_TESTS}) a JOIN _sig_acc_q q USING (k)""")
    finally:
        con.unregister("_sig_acc_q")
    return {"tested_accounts": int(lp.size), "flagged_accounts": int((q <= fdr).sum())}
