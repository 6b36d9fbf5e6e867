"""Tail probabilities and false-discovery control, vectorized over every edge at once.

* :func:`poisson_log_sf` — log P(K ≥ k) for K ~ Poisson(λ), accurate far into the tail (p-values
  of 10⁻³⁰⁰ and below do not underflow to log 0, so edges stay ranked).
* :func:`conditional_log_p` — the p-value of an observed count given that only counts ≥ k0 were
  kept (the detector's minimum weight), so that the tested set is exactly the stored edges.
* :func:`benjamini_hochberg` — q-values of Benjamini & Hochberg (1995), "Controlling the false
  discovery rate", JRSS B 57(1).
* :func:`simes_by_group` — Simes' combination (Simes 1986, "An improved Bonferroni procedure for
  multiple tests of significance", Biometrika 73(3)) of the p-values of each group.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "poisson_log_sf",
    "conditional_log_p",
    "truncated_mean",
    "benjamini_hochberg",
    "simes_by_group",
    "P_MIN",
    "p_from_log10",
]

#: The smallest p-value stored as a number: the smallest normal double. Below it a p-value
#: would underflow to 0 (or lose its digits); log10_p keeps the model's value, and any
#: p' ≥ p is still a valid p-value.
P_MIN = float(np.finfo(np.float64).tiny)

_SERIES_TERMS = 40


def poisson_log_sf(k: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """Natural log of P(K ≥ k), K ~ Poisson(lam); 0 where k ≤ 0."""
    from scipy.special import gammainc, gammaln

    k = np.asarray(k, dtype=np.float64)
    lam = np.maximum(np.asarray(lam, dtype=np.float64), 1e-300)
    k, lam = np.broadcast_arrays(k, lam)
    out = np.zeros(k.shape)
    pos = k > 0
    if not pos.any():
        return out
    kk, ll = k[pos], lam[pos]
    # P(K >= k) is the regularized lower incomplete gamma function P(k, λ).
    with np.errstate(divide="ignore"):
        direct = np.log(gammainc(kk, ll))
    # Far in the tail use the series P(K ≥ k) = e^-λ λ^k / k! · Σ_j λ^j k! / (k+j)!.
    tiny = ~np.isfinite(direct) | (direct < -600)
    if tiny.any():
        kt, lt = kk[tiny], ll[tiny]
        term = np.ones_like(kt)
        total = np.ones_like(kt)
        for j in range(1, _SERIES_TERMS):
            term = term * lt / (kt + j)
            total += term
        direct[tiny] = -lt + kt * np.log(lt) - gammaln(kt + 1) + np.log(total)
    out[pos] = np.minimum(direct, 0.0)
    return out


def p_from_log10(log10_p):
    """p = 10^log10_p, never below :data:`P_MIN` (scalars or arrays)."""
    return np.maximum(np.power(10.0, np.asarray(log10_p, dtype=np.float64)), P_MIN)


def conditional_log_p(k: np.ndarray, lam: np.ndarray, k0: int = 1) -> np.ndarray:
    """log P(K ≥ k | K ≥ k0): valid p-values for the edges that passed a minimum count k0.

    Under the null, conditioning on the selection keeps the p-value uniform (or conservative) among
    the selected edges, so Benjamini–Hochberg can run over the stored edges only.
    """
    k = np.asarray(k, dtype=np.float64)
    return np.minimum(
        poisson_log_sf(k, lam) - poisson_log_sf(np.full(k.shape, float(k0)), lam), 0.0
    )


def truncated_mean(lam: np.ndarray, k0: int) -> np.ndarray:
    """E[K | K ≥ k0] for K ~ Poisson(lam): the expected weight of an edge kept at min weight k0."""
    from scipy.special import gammaln

    lam = np.maximum(np.asarray(lam, dtype=np.float64), 1e-300)
    if k0 <= 0:
        return lam
    j = np.arange(k0)[:, None]
    below = np.exp(-lam + j * np.log(lam) - gammaln(j + 1.0))  # P(K = j), j < k0
    tail = np.exp(poisson_log_sf(np.full(lam.shape, float(k0)), lam))
    mean = np.divide(
        lam - (j * below).sum(axis=0), tail, out=np.full(lam.shape, float(k0)), where=tail > 1e-12
    )
    return np.maximum(mean, float(k0))


def benjamini_hochberg(p: np.ndarray, m: int | None = None) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values (q-values); reject where q ≤ the FDR level.

    ``m`` is the number of hypotheses tested (default ``len(p)``); NaNs count as p = 1.
    """
    p = np.asarray(p, dtype=np.float64)
    n = p.size
    if n == 0:
        return p.copy()
    m = n if m is None else max(int(m), n)
    p = np.where(np.isnan(p), 1.0, p)
    order = np.argsort(p, kind="mergesort")
    ranked = p[order] * m / np.arange(1, n + 1)
    ranked = np.minimum.accumulate(ranked[::-1])[::-1]
    q = np.empty(n)
    q[order] = np.minimum(ranked, 1.0)
    return q


def simes_by_group(
    group: np.ndarray, log_p: np.ndarray, *values: np.ndarray, size: int | None = None
) -> tuple[np.ndarray, ...]:
    """Simes' combination of the (natural log) p-values of each group: min over i of
    n·p_(i)/i, valid for independent or positively dependent tests.

    ``n`` is the group's number of p-values, or ``size`` when every group has that many tests
    and the missing ones count as p = 1 (they never lower the minimum).

    >>> g, lp = simes_by_group(np.array([0, 0]), np.log([0.01, 0.04]), size=3)
    >>> round(float(np.exp(lp[0])), 6)  # min(3 · 0.01 / 1, 3 · 0.04 / 2)
    0.03

    Returns (the groups in ascending order, the log Simes p-value of each, never above 0), then
    the per-group sum of each array of ``values`` (aligned with ``group``).
    """
    if group.size == 0:
        return (group, np.zeros(0)) + tuple(np.zeros(0) for _ in values)
    order = np.lexsort((log_p, group))
    g, lp = group[order], log_p[order]
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    sizes = np.diff(np.r_[starts, g.size])
    rank = np.arange(g.size) - np.repeat(starts, sizes) + 1
    n = np.repeat(sizes, sizes) if size is None else np.full(g.size, max(int(size), 1))
    simes = np.minimum.reduceat(lp + np.log(n) - np.log(rank), starts)
    sums = tuple(np.add.reduceat(np.asarray(v)[order], starts) for v in values)
    return (g[starts], np.minimum(simes, 0.0)) + sums
