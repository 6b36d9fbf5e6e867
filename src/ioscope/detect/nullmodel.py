"""The null model of co-action: a time-stratified configuration model, solved analytically.

Cut time into strata (default one hour). Within each stratum, keep every action's item and time
exactly and shuffle which account performed it, keeping how many actions each account has in that
stratum. This keeps each account's volume and daily rhythm, every item's popularity and every burst
(a breaking-news moment stays a burst), and breaks only *who* acts together. It is the
degree-preserving bipartite shuffle of Pacheco et al. / coordinationz restricted to one stratum at a
time, which is what keeps breaking news and busy hours from looking coordinated.

Its expectation needs no shuffling. Let Π(h, h') be the number of pairs of actions on the same item
within the window whose actions fall in strata h and h' (h' = h or h + 1 when the stratum is at
least the window), N_h the actions in stratum h and d_a(h) those of account a. Under the shuffle a
given pair of action slots goes to accounts {a, b} with probability 2·d_a(h)·d_b(h)/(N_h(N_h−1))
(same stratum) or (d_a(h)d_b(h')+d_b(h)d_a(h'))/(N_h N_h') (adjacent strata), so the expected number
of co-actions of a and b is the bilinear form

    λ_ab = d_a · M · d_b,  M tridiagonal over strata,

computed for all edges at once with sparse matrices. Π itself comes from two window functions
(count of later actions on the same item within the window), with no pair join: the null costs
O(n log n) in the number of actions, whatever the popularity of items.

The observed statistic is the number of distinct co-action occasions of a pair; the expectation
counts action pairs, which is at least the expected number of occasions, so the resulting Poisson
p-values err on the conservative side. Calibration is checked in tests and benchmarks.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import scipy.sparse as sp

from ioscope.detect.weighting import rowwise_dot

__all__ = ["StratifiedNull", "fit_null"]


@dataclass
class StratifiedNull:
    """The fitted null of one signal, for integer account ids in ``[0, n_accounts)``."""

    window: float | None
    stratum: float
    n_accounts: int
    n_actions: int
    counts: sp.csr_matrix  # accounts × strata: d_a(h)
    weighted: sp.csr_matrix  # counts @ M

    def expected(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """λ for the account pairs (i[k], j[k])."""
        if self.n_actions == 0:
            return np.zeros(np.asarray(i).size)
        return rowwise_dot(self.weighted, self.counts, i, j)


def fit_null(con: duckdb.DuckDBPyConnection, actions: str, *, window: float | None,
             stratum: float, n_accounts: int, account: str = "aid") -> StratifiedNull:
    """Fit the stratified null to ``actions`` (integer ``account``, item, t in epoch seconds).

    ``window`` None means the signal pairs accounts on the item alone (the item already encodes
    time, e.g. a day or a time bin). A stratum shorter than the window is widened to it, so that
    two actions within the window always lie in the same or in adjacent strata.
    """
    s = float(max(stratum, window or 0.0, 1.0))
    base = con.execute(f"SELECT count(*), min(FLOOR(t / {s!r})) FROM {actions} "
                       "WHERE t IS NOT NULL AND item IS NOT NULL").fetchone()
    n_act = int(base[0])
    if not n_act:
        empty = sp.csr_matrix((n_accounts, 1))
        return StratifiedNull(window, s, n_accounts, 0, empty, empty)
    h0 = int(base[1])
    strat = f"CAST(FLOOR(t / {s!r}) - {h0} AS BIGINT)"
    src = (f"SELECT {account} AS acc, item, t, {strat} AS h FROM {actions} "
           "WHERE t IS NOT NULL AND item IS NOT NULL")
    d = con.execute(f"SELECT acc, h, count(*) AS d FROM ({src}) GROUP BY ALL").fetchnumpy()
    n_strata = int(d["h"].max()) + 1
    counts = sp.csr_matrix((d["d"].astype(np.float64), (d["acc"], d["h"])),
                           shape=(n_accounts, n_strata))
    total = np.asarray(counts.sum(axis=0)).ravel()
    if window is None:
        m = _item_pairs_matrix(con, src, total)
    else:
        m = _window_pairs_matrix(con, src, float(window), total)
    return StratifiedNull(window, s, n_accounts, n_act, counts, (counts @ m).tocsr())


def _window_pairs_matrix(con: duckdb.DuckDBPyConnection, src: str, w: float,
                         total: np.ndarray) -> sp.csr_matrix:
    """M from Π(h, h) and Π(h, h+1): pairs of actions on one item within ``w`` seconds.

    For each action, (actions on its item with time ≤ t + w) − (its row number in time order) is
    the number of later actions within the window; summing by stratum gives Π without a join.
    """
    n = total.size
    rows = con.execute(f"""
        WITH r AS (
          SELECT h,
            count(*) OVER (PARTITION BY item ORDER BY t
                           RANGE BETWEEN UNBOUNDED PRECEDING AND {w!r} FOLLOWING)
              - row_number() OVER (PARTITION BY item ORDER BY t) AS later_all,
            count(*) OVER (PARTITION BY item, h ORDER BY t
                           RANGE BETWEEN UNBOUNDED PRECEDING AND {w!r} FOLLOWING)
              - row_number() OVER (PARTITION BY item, h ORDER BY t) AS later_same
          FROM ({src}))
        SELECT h, CAST(sum(later_same) AS DOUBLE) AS same,
               CAST(sum(later_all - later_same) AS DOUBLE) AS nxt
        FROM r GROUP BY h""").fetchnumpy()
    same = np.zeros(n)
    nxt = np.zeros(n)
    same[rows["h"]] = rows["same"]
    nxt[rows["h"]] = rows["nxt"]
    diag = np.divide(2.0 * same, total * (total - 1.0), out=np.zeros(n), where=total > 1)
    prod = total[:-1] * total[1:]
    off = np.divide(nxt[:-1], prod, out=np.zeros(max(n - 1, 0)), where=prod > 0)
    return sp.diags([off, diag, off], [-1, 0, 1], shape=(n, n), format="csr")


def _item_pairs_matrix(con: duckdb.DuckDBPyConnection, src: str,
                       total: np.ndarray) -> sp.csr_matrix:
    """M when every pair of actions on an item counts: from the item × stratum count matrix C,
    Π(h, h') = (CᵀC)[h, h'] off the diagonal and Σ c(c−1)/2 on it."""
    n = total.size
    c = con.execute(f"""SELECT dense_rank() OVER (ORDER BY item) - 1 AS i, h, n FROM (
        SELECT item, h, count(*) AS n FROM ({src}) GROUP BY ALL)""").fetchnumpy()
    cm = sp.csr_matrix((c["n"].astype(np.float64), (c["i"], c["h"])),
                       shape=(int(c["i"].max()) + 1, n))
    ctc = (cm.T @ cm).tocsr()
    ctc.setdiag(ctc.diagonal() - total)  # Σ c(c−1) = 2Π(h, h)
    ctc.eliminate_zeros()
    inv = np.divide(1.0, total, out=np.zeros(n), where=total > 0)
    m = (sp.diags(inv) @ ctc @ sp.diags(inv)).tocsr()
    same = np.divide(total, total - 1.0, out=np.zeros(n), where=total > 1)
    m.setdiag(m.diagonal() * same)  # N_h(N_h − 1) rather than N_h² on the diagonal
    return m
