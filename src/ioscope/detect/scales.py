"""Multi-scale co-action: every windowed co-action signal tested at several time scales at once.

A campaign's tempo is unknown before it is found: members of one operation may repost within
seconds (one script) or hours apart (a schedule, shift work). Instead of one window, the default
``ioscope detect`` tests each co-action signal of the generic engine at every scale of
``scales`` (1 min, 10 min and 1 h by default).

Shared work. The actions are paired once, at the largest scale W (the bucket join of
:mod:`ioscope.detect.coaction` with buckets of W); the pairs at a smaller scale w are those with
``|Δt| ≤ w``, a filter of that one table. The edges of scale w are then exactly those of a
single-window run at w (tested in ``tests/test_scales.py``), except that hot cells are
``(item, bucket of W)``: an item with more than ``max_item_actions`` actions in a W-long bucket
is hot at every scale.

Combination. Each scale's edges are tested against their own null (the null's window is the
scale). One account pair's p-values at different scales are positively dependent (the co-actions
within 1 min are among those within 10 min), so they are combined with Simes' method (Simes
1986, Biometrika 73(3)): p = min over i of S·p_(i)/i over the S scales, a scale at which the pair
has no edge (weight below ``min_weight``) counting as p = 1. Simes' combination is a valid
p-value under independence and under positive regression dependence (Sarkar 1998, "Some
probability inequalities for ordered MTP2 random variables", Annals of Statistics 26(2)), the
same method the account-level test uses. The combined p-values of every signal are then pooled
under one Benjamini–Hochberg procedure, so the false discovery rate holds over all scales and
signals together. The stored edge is the one of its strongest scale (the smallest p-value; the
shorter scale on a tie): weight, expected, evidence and ``scale_seconds`` come from it.
"""

from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from ioscope.detect.base import Signal
from ioscope.errors import ParameterError
from ioscope.params import parse_duration

__all__ = ["parse_scales", "multi_scale", "scaled_signals", "combine_scales", "ALL_PAIRS"]

#: Every co-action pair at the largest scale; PAIRS holds those of the current scale.
ALL_PAIRS = "_det_pairs_all"


def parse_scales(value: Any, owner: str = "detect") -> list[float]:
    """Distinct scales in seconds, ascending, from a list or a comma-separated string."""
    items = [v.strip() for v in value.split(",")] if isinstance(value, str) else list(value)
    out: set[float] = set()
    for v in items:
        if v == "":
            continue
        try:
            s = parse_duration(v)
        except (TypeError, ValueError):
            s = float("nan")
        if not s >= 1:  # also NaN
            raise ParameterError(f"The 'scales' parameter of {owner} must be a comma-separated "
                                 f"list of durations ≥ 1 s. Got {str(v)!r} instead.")
        out.add(float(s))
    if not out:
        raise ParameterError(f"The 'scales' parameter of {owner} must be a comma-separated list "
                             f"of durations ≥ 1 s. Got {str(value)!r} instead.")
    return sorted(out)


def multi_scale(signal: Signal) -> bool:
    """Whether ``signal`` is tested at several scales: a windowed signal of the generic engine
    (its own pairing, edge filter or test would not be a filter of the largest scale's pairs)."""
    return (signal.windowed and signal.actions is not None and signal.pairs is None
            and signal.finish is None and signal.test is None)


def scaled_signals(names: Iterable[str], resolved: dict[str, dict[str, Any]],
                   scales: list[float] | None,
                   params: dict[str, dict[str, Any]] | None) -> dict[str, list[float]]:
    """The signals a run tests at ``scales``, each mapped to them: those of :func:`multi_scale`
    not given a window of their own in ``params``. Their recorded ``window`` (in ``resolved``)
    becomes the largest scale, the one their actions are paired at."""
    from ioscope.detect.signals import get_signal

    if not scales:
        return {}
    out = {n: list(scales) for n in names if multi_scale(get_signal(n))
           and "window" not in (params or {}).get(n, {})}
    for n in out:
        resolved[n]["window"] = scales[-1]
    return out


def combine_scales(a1: np.ndarray, a2: np.ndarray, log_p: np.ndarray, scale: np.ndarray,
                   n_scales: int) -> tuple[np.ndarray, np.ndarray]:
    """Simes' combination of each account pair's p-values over ``n_scales`` scales.

    Rows are (pair, scale) tests; a pair missing at a scale counts as p = 1 there. Returns
    (rows, combined natural-log p): ``rows`` indexes the row of each pair's strongest scale
    (smallest p, then smallest scale), one per pair, in the order of the pairs' first rows.
    """
    if a1.size == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    _, pair = np.unique(np.stack([a1, a2], axis=1), axis=0, return_inverse=True)
    pair = pair.ravel()
    order = np.lexsort((scale, log_p, pair))
    ps, lp = pair[order], log_p[order]
    starts = np.flatnonzero(np.r_[True, ps[1:] != ps[:-1]])
    sizes = np.diff(np.r_[starts, ps.size])
    rank = np.arange(ps.size) - np.repeat(starts, sizes) + 1
    simes = np.minimum.reduceat(lp + np.log(n_scales) - np.log(rank), starts)
    return order[starts], np.minimum(simes, 0.0)

