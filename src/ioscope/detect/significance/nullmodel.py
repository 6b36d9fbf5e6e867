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

computed for all edges at once with sparse matrices. Π itself comes from binary searches over the
actions sorted by (item, time) (count of later actions on the same item within the window), with
no pair join: the null costs O(n log n) in the number of actions, whatever the popularity of
items.

When the item already encodes time (``window`` None: a day's hashtag sequence, a time bin) every
pair of actions on the item counts, and Π(h, h') = (CᵀC)[h, h'] from the item × stratum count
matrix C, for any strata.

Robust background. A campaign that dominates its signal (a reply swarm where organic replies
rarely coincide) would otherwise *be* most of Π and so define its own null. :meth:`masked`
re-estimates Π and N without the actions and co-action pairs of given accounts (those already
far beyond chance), keeping their own activity d_a; :mod:`ioscope.detect.significance.edge_tests`
iterates this a few times.

Floor. Where the shuffle leaves almost no co-action (a quiet stratum, or one whose only
co-actions were a campaign's, masked out), λ goes to 0 and a handful of shared items would reach
p-values of 10⁻³⁰⁰ or an exact 0: an artefact of the model, not evidence.
:meth:`StratifiedNull.floor` adds a pseudo-count, as if one more pair of actions had co-occurred
in every stratum and one more over the whole period:
λ ≥ Σ_h 2 d_a(h) d_b(h) / (N_h (N_h − 1)) + 2 D_a D_b / (N (N − 1)), D_a all of a's actions. It is positive for every pair that acted at all, tiny wherever the null has
co-actions to go by, and raising λ only makes the p-values larger (conservative).

The observed statistic is the number of distinct co-action occasions of a pair; the expectation
counts action pairs, which is at least the expected number of occasions, so the resulting Poisson
p-values err on the conservative side. Calibration is checked in tests and benchmarks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import duckdb
import numpy as np
import pyarrow as pa

from ioscope.detect.engine.sql import chunk_filters
from ioscope.detect.significance.weighting import rowwise_dot

if TYPE_CHECKING:  # imported where used: the CLI starts faster without it
    import scipy.sparse as sp

__all__ = ["StratifiedNull", "fit_null"]


@dataclass
class StratifiedNull:
    """The fitted null of one signal, for integer account ids in ``[0, n_accounts)``.

    ``pairs`` is P: P[h, h'] the ordered pairs of distinct actions on one item (within the
    window) with the first in stratum h and the second in h' (symmetric; the diagonal counts
    each unordered pair twice). ``counts`` is D: d_a(h).
    """

    window: float | None
    stratum: float
    origin: int  # first stratum, as floor(t / stratum)
    n_accounts: int
    n_actions: int
    counts: sp.csr_matrix
    pairs: sp.csr_matrix
    weighted: sp.csr_matrix = field(init=False)

    def __post_init__(self) -> None:
        self.weighted = (self.counts @ _weights(self.pairs, _totals(self.counts))).tocsr()

    def expected(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """λ for the account pairs (i[k], j[k])."""
        if self.n_actions == 0:
            return np.zeros(np.asarray(i).size)
        return rowwise_dot(self.weighted, self.counts, i, j)

    def floor(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """The floor of λ for the account pairs (i[k], j[k]): one pseudo-count co-action pair
        in every stratum, Σ_h 2 d_a(h) d_b(h) / (N_h (N_h − 1)), plus one over the whole period,
        2 D_a D_b / (N (N − 1)) (N_h and N count every action; D_a all of a's actions)."""
        import scipy.sparse as sp

        i, j = np.asarray(i, dtype=np.int64), np.asarray(j, dtype=np.int64)
        n = float(self.n_actions)
        if n < 2 or i.size == 0:
            return np.zeros(i.size)
        per = _totals(self.counts)
        w = np.divide(2.0, per * (per - 1.0), out=np.zeros(per.size), where=per > 1)
        strata = rowwise_dot((self.counts @ sp.diags(w)).tocsr(), self.counts, i, j)
        total = np.asarray(self.counts.sum(axis=1)).ravel()
        return strata + 2.0 * total[i] * total[j] / (n * (n - 1.0))

    def masked(
        self, con: duckdb.DuckDBPyConnection, pairs: str, accounts: np.ndarray
    ) -> StratifiedNull:
        """The null with Π and N estimated without ``accounts``: their actions leave N and their
        co-action pairs (rows of ``pairs``: a1, a2, t1, t2) leave Π; their own d_a stays."""
        import scipy.sparse as sp

        if self.n_actions == 0 or len(accounts) == 0:
            return self
        accounts = np.unique(np.asarray(accounts, dtype=np.int64))
        con.register("_null_mask", pa.table({"aid": accounts}))
        try:
            rows = con.execute(f"""
                SELECT CAST(FLOOR(t1 / {self.stratum!r}) - {self.origin} AS BIGINT) AS h1,
                       CAST(FLOOR(t2 / {self.stratum!r}) - {self.origin} AS BIGINT) AS h2,
                       count(*) AS n
                FROM {pairs} WHERE a1 IN (SELECT aid FROM _null_mask)
                               OR a2 IN (SELECT aid FROM _null_mask)
                GROUP BY ALL""").fetchnumpy()
        finally:
            con.unregister("_null_mask")
        n = self.pairs.shape[0]
        h1, h2 = np.clip(rows["h1"], 0, n - 1), np.clip(rows["h2"], 0, n - 1)
        w = rows["n"].astype(np.float64)
        removed = sp.coo_matrix((np.r_[w, w], (np.r_[h1, h2], np.r_[h2, h1])), shape=(n, n))
        keep = np.ones(self.counts.shape[0])
        keep[accounts[accounts < keep.size]] = 0.0
        background = sp.diags(keep) @ self.counts
        out = StratifiedNull.__new__(StratifiedNull)
        out.window, out.stratum, out.origin = self.window, self.stratum, self.origin
        out.n_accounts, out.n_actions = self.n_accounts, self.n_actions
        out.counts = self.counts
        out.pairs = (self.pairs - removed).tocsr()
        out.pairs.data = np.maximum(out.pairs.data, 0.0)
        out.weighted = (self.counts @ _weights(out.pairs, _totals(background))).tocsr()
        return out


def _totals(counts: sp.csr_matrix) -> np.ndarray:
    return np.asarray(counts.sum(axis=0)).ravel()


def _weights(pairs: sp.csr_matrix, total: np.ndarray) -> sp.csr_matrix:
    """M: P[h, h'] / (N_h N_h') off the diagonal, P[h, h] / (N_h (N_h − 1)) on it."""
    import scipy.sparse as sp

    n = total.size
    inv = np.divide(1.0, total, out=np.zeros(n), where=total > 0)
    m = (sp.diags(inv) @ pairs @ sp.diags(inv)).tocsr()
    same = np.divide(total, total - 1.0, out=np.zeros(n), where=total > 1)
    m.setdiag(m.diagonal() * same)
    m.eliminate_zeros()
    return m


def fit_null(
    con: duckdb.DuckDBPyConnection,
    actions: str,
    *,
    window: float | None,
    stratum: float,
    n_accounts: int,
    account: str = "aid",
) -> StratifiedNull:
    """Fit the stratified null to ``actions`` (integer ``account``, item, t in epoch seconds).

    ``window`` None means the signal pairs accounts on the item alone (the item already encodes
    time, e.g. a day or a time bin). A stratum shorter than the window is widened to it, so that
    two actions within the window always lie in the same or in adjacent strata.
    """
    import scipy.sparse as sp

    s = float(max(stratum, window or 0.0, 1.0))
    base = con.execute(
        f"SELECT count(*), min(FLOOR(t / {s!r})) FROM {actions} "
        "WHERE t IS NOT NULL AND item IS NOT NULL"
    ).fetchone()
    n_act = int(base[0])
    if not n_act:
        empty = sp.csr_matrix((n_accounts, 1))
        return StratifiedNull(window, s, 0, n_accounts, 0, empty, sp.csr_matrix((1, 1)))
    h0 = int(base[1])
    strat = f"CAST(FLOOR(t / {s!r}) - {h0} AS BIGINT)"
    src = (
        f"SELECT {account} AS acc, item, t, {strat} AS h FROM {actions} "
        "WHERE t IS NOT NULL AND item IS NOT NULL"
    )
    d = con.execute(f"SELECT acc, h, count(*) AS d FROM ({src}) GROUP BY ALL").fetchnumpy()
    n_strata = int(d["h"].max()) + 1
    counts = sp.csr_matrix(
        (d["d"].astype(np.float64), (d["acc"], d["h"])), shape=(n_accounts, n_strata)
    )
    if window is None:
        pairs = _item_pairs(con, src, n_strata)
    else:
        pairs = _window_pairs(con, src, float(window), n_strata, s, h0)
    return StratifiedNull(window, s, h0, n_accounts, n_act, counts, pairs)


#: Rows of actions fetched into NumPy at a time by the Π computations (about 120 bytes each
#: at the peak of :func:`_window_pairs`): the null's memory outside DuckDB stays bounded
#: whatever the number of actions.
CHUNK_ROWS = 1_000_000


def _item_chunks(con: duckdb.DuckDBPyConnection, src: str) -> list[str]:
    """Filters on ``item`` that split the actions of ``src`` into about CHUNK_ROWS-row groups of
    whole items (by a hash of the item), or one empty filter when they are few."""
    n = con.execute(f"SELECT count(*) FROM ({src})").fetchone()[0]
    return chunk_filters(n, CHUNK_ROWS, "hash(item)")


def _window_pairs(
    con: duckdb.DuckDBPyConnection, src: str, w: float, n: int, stratum: float, origin: int
) -> sp.csr_matrix:
    """P from Π(h, h) and Π(h, h+1): pairs of actions on one item within ``w`` seconds.

    Actions come sorted by (item, time) from the database; for each action a binary search
    gives how many later actions of its item fall within the window, and how many of those
    before the end of its stratum. Summing by stratum gives Π without a pair join, in
    O(n log n) whatever the popularity of items. Items are taken in chunks of whole items
    (:func:`_item_chunks`); the counts are integers, so the sums do not depend on the chunks.
    """
    import scipy.sparse as sp

    same = np.zeros(n)
    nxt = np.zeros(n)
    for where in _item_chunks(con, src):
        d = con.execute(f"""SELECT dense_rank() OVER (ORDER BY item) AS c, t, h FROM ({src})
                            {where} ORDER BY c, t""").fetchnumpy()
        if d["t"].size == 0:
            continue
        c = d["c"].astype(np.float64)
        t = d["t"].astype(np.float64)
        h = d["h"].astype(np.int64)
        del d
        t0 = float(t.min())
        span = float(t.max()) - t0 + 2.0 * w + 1.0  # one item's keys never reach the next item's
        key = c * span + (t - t0)
        del t
        idx = np.arange(key.size)
        end_all = np.searchsorted(key, key + w, side="right")
        edge = c * span + ((h + origin + 1) * stratum - t0)  # where the action's stratum ends
        del c
        end_same = np.minimum(end_all, np.searchsorted(key, edge, side="left"))
        del edge
        same += np.bincount(h, weights=(end_same - idx - 1).astype(np.float64), minlength=n)
        nxt += np.bincount(h, weights=(end_all - end_same).astype(np.float64), minlength=n)
    return sp.diags([nxt[:-1], 2.0 * same, nxt[:-1]], [-1, 0, 1], shape=(n, n), format="csr")


def _item_pairs(con: duckdb.DuckDBPyConnection, src: str, n: int) -> sp.csr_matrix:
    """P when every pair of actions on an item counts: CᵀC from the item × stratum count matrix
    C, less N_h on the diagonal (an action does not pair with itself). C is taken in chunks of
    whole items: CᵀC is the sum of the chunks' (integer counts, so the same whatever the chunks)."""
    import scipy.sparse as sp

    ctc = sp.csr_matrix((n, n))
    totals = np.zeros(n)
    for where in _item_chunks(con, src):
        c = con.execute(f"""SELECT dense_rank() OVER (ORDER BY item) - 1 AS i, h, n FROM (
            SELECT item, h, count(*) AS n FROM ({src}) {where} GROUP BY ALL)""").fetchnumpy()
        if c["i"].size == 0:
            continue
        cm = sp.csr_matrix(
            (c["n"].astype(np.float64), (c["i"], c["h"])), shape=(int(c["i"].max()) + 1, n)
        )
        del c
        ctc = ctc + (cm.T @ cm).tocsr()
        totals += np.asarray(cm.sum(axis=0)).ravel()
    ctc = ctc.tocsr()
    ctc.setdiag(ctc.diagonal() - totals)
    ctc.eliminate_zeros()
    return ctc
