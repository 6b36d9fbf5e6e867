"""The tests of a multi-scale signal combined into one p-value per account pair.

Each scale's edges (:mod:`ioscope.detect.engine.scales`) are tested against their own null, the
scale being its window. One account pair's p-values at different scales are positively dependent
(the co-actions within 1 min are among those within 10 min), so they are combined with Simes'
method (Simes 1986, "An improved Bonferroni procedure for multiple tests of significance",
Biometrika 73(3)): p = min over i of S·p_(i)/i over the S scales, a scale at which the pair has
no edge (weight below ``min_weight``) counting as p = 1. Simes' combination is a valid p-value
under independence and under positive regression dependence (Sarkar 1998, "Some probability
inequalities for ordered MTP2 random variables", Annals of Statistics 26(2)); the account-level
test uses the same method. The combined p-values of every signal are then pooled under one
Benjamini–Hochberg procedure, so the false discovery rate holds over all scales and signals
together. The stored edge is the one of its strongest scale (the smallest p-value; the shorter
scale on a tie): weight, expected, evidence and ``scale_seconds`` come from it.
"""

from __future__ import annotations

import numpy as np

from ioscope.detect.significance.edge_tests import EdgeTests
from ioscope.detect.significance.stats import simes_by_group

__all__ = ["combine_scales", "combined_tests"]


def combine_scales(
    a1: np.ndarray, a2: np.ndarray, log_p: np.ndarray, scale: np.ndarray, n_scales: int
) -> tuple[np.ndarray, np.ndarray]:
    """Simes' combination of each account pair's p-values over ``n_scales`` scales.

    Rows are (pair, scale) tests; a pair missing at a scale counts as p = 1 there. Returns
    (rows, combined natural-log p): ``rows`` indexes the row of each pair's strongest scale
    (smallest p, then smallest scale), one per pair, pairs in ascending (a1, a2) order.
    """
    if a1.size == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    _, pair = np.unique(np.stack([a1, a2], axis=1), axis=0, return_inverse=True)
    pair = pair.ravel()
    order = np.lexsort((scale, log_p, pair))
    ps = pair[order]
    first = np.flatnonzero(np.r_[True, ps[1:] != ps[:-1]])
    _, simes = simes_by_group(pair, log_p, size=n_scales)
    return order[first], simes


def combined_tests(parts: list[EdgeTests], keys: list[np.ndarray]) -> tuple[EdgeTests, np.ndarray]:
    """One signal's tests at every scale (``parts``, one per scale; ``keys`` their rows' keys) as
    one :class:`EdgeTests`: each pair's strongest scale's row, with the combined p-value, and
    ``scales`` set; returns it and the keys of the rows kept."""

    def cat(f):
        return np.concatenate([f(t) for t in parts])

    a1, a2 = cat(lambda t: t.a1), cat(lambda t: t.a2)
    scale = cat(lambda t: np.full(len(t), t.scale, dtype=np.float64))
    rows, log_p = combine_scales(a1, a2, cat(lambda t: t.log_p), scale, len(parts))
    out = EdgeTests(
        parts[0].signal,
        a1[rows],
        a2[rows],
        cat(lambda t: t.weight)[rows],
        cat(lambda t: t.expected)[rows],
        log_p,
        cat(lambda t: t.similarity)[rows],
        masked=max(t.masked for t in parts),
    )
    out.scales = scale[rows]
    return out, np.concatenate(keys)[rows]
