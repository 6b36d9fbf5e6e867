"""Multi-scale co-action: a windowed signal paired once, its edges made at several time scales.

A campaign's tempo is unknown before it is found: members of one operation may repost within
seconds (one script) or hours apart (a schedule, shift work). The calibrated ``ioscope detect``
therefore tests each co-action signal of the generic engine at every scale of ``scales`` (1 min,
10 min and 1 h by default) in one run, unless a window is given.

Shared work. The actions are paired once, at the largest scale W (the bucket join of
:mod:`ioscope.detect.engine.coaction` with buckets of W); the pairs at a smaller scale w are those
with ``|Δt| ≤ w``, a filter of that one table. The edges of scale w are then exactly those of a
single-window run at w (``tests/test_scales.py``), except that hot cells are ``(item, bucket of
W)``: an item with more than ``max_item_actions`` actions in a W-long bucket is hot at every
scale. The tests of the scales and their combination are in
:mod:`ioscope.detect.significance.scales`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import pyarrow as pa

from ioscope.detect.engine.coaction import (
    EDGES,
    PAIRS,
    aggregate_edges,
    apply_hot_policy,
    index_actions,
    load_actions,
    pair_actions,
    store,
)
from ioscope.detect.engine.sql import Sql
from ioscope.detect.signals.base import Signal
from ioscope.errors import ParameterError
from ioscope.params import parse_duration
from ioscope.sql import literal

__all__ = ["ALL_PAIRS", "parse_scales", "multi_scale", "scaled_signals", "run_scales"]

#: Every co-action pair at the largest scale; PAIRS holds those of the current scale.
ALL_PAIRS = "_det_pairs_all"
#: Each account pair's chosen scale (a1, a2, scale).
CHOSEN = "_det_chosen"


def parse_scales(value: Any, owner: str = "detect") -> list[float]:
    """Distinct scales in seconds, ascending, from a list or a comma-separated string.

    >>> parse_scales("1h, 1m,60s")
    [60.0, 3600.0]
    """
    items = [v.strip() for v in value.split(",")] if isinstance(value, str) else list(value)
    out: set[float] = set()
    for v in items:
        if str(v).strip() == "":
            continue
        try:
            s = parse_duration(v)
        except (TypeError, ValueError):
            s = float("nan")
        if not s >= 1:  # also NaN
            raise ParameterError(
                f"The 'scales' parameter of {owner} must be a comma-separated list of durations "
                f"≥ 1 s. Got {str(v)!r} instead."
            )
        out.add(float(s))
    if not out:
        raise ParameterError(
            f"The 'scales' parameter of {owner} must be a comma-separated list of durations "
            f"≥ 1 s. Got {str(value)!r} instead."
        )
    return sorted(out)


def multi_scale(signal: Signal) -> bool:
    """Whether ``signal`` is tested at several scales: a windowed signal of the generic engine
    (its own pairing, edge filter or test would not be a filter of the largest scale's pairs)."""
    return (
        signal.windowed
        and signal.actions is not None
        and signal.pairs is None
        and signal.finish is None
        and signal.test is None
    )


def scaled_signals(
    names: Iterable[str],
    resolved: dict[str, dict[str, Any]],
    scales: list[float] | None,
    per_signal: dict[str, dict[str, Any]] | None,
) -> dict[str, list[float]]:
    """The signals a run tests at ``scales``, each mapped to them: those of :func:`multi_scale`
    not given a window of their own in ``per_signal``. Their recorded ``window`` (in
    ``resolved``) becomes the largest scale, the one their actions are paired at."""
    from ioscope.detect.signals import get_signal

    if not scales:
        return {}
    out = {
        n: list(scales)
        for n in names
        if multi_scale(get_signal(n)) and "window" not in (per_signal or {}).get(n, {})
    }
    for n in out:
        resolved[n]["window"] = scales[-1]
    return out


def run_scales(
    sql: Sql,
    signal: Signal,
    p: dict[str, Any],
    compat: str | None,
    run_id: str,
    scales: list[float],
    on_scale: Callable[[dict[str, Any]], dict[str, Any] | None] | None,
    choose: Callable[[Signal], pa.Table] | None,
) -> dict[str, Any]:
    """One signal at every scale: one pairing at the largest, a Δt filter per scale.

    ``on_scale(params)`` is called after each scale's edges are made (PAIRS and EDGES hold that
    scale's; ``params["window"]`` is the scale). Without ``choose`` every scale's edges are
    stored. With it, ``choose(signal)`` (called once every scale was seen) gives each account
    pair's scale (a1, a2, scale) and only that scale's edge and evidence are stored."""
    top = {**p, "window": scales[-1]}
    counts: dict[str, Any] = load_actions(sql, signal, top, compat)
    counts.update(apply_hot_policy(sql, top))
    index_actions(sql)
    counts["pairs"] = pair_actions(sql, signal, top, dst=ALL_PAIRS)
    per_scale = []
    for w in scales:
        pw = {**p, "window": w}
        n = sql.temp(PAIRS, f"SELECT * FROM {ALL_PAIRS} WHERE ABS(t2 - t1) <= {literal(w)}")
        row: dict[str, Any] = {
            "scale_seconds": w,
            "pairs": n,
            "edges": aggregate_edges(sql, pw, compat),
        }
        if choose is None:
            row.update(store(sql, signal.name, pw, run_id, scale=w))
        if on_scale is not None:
            for k, v in (on_scale(pw) or {}).items():
                if k.endswith("seconds"):  # times are the signal's, over every scale
                    counts[k] = round(counts.get(k, 0) + v, 3)
                else:
                    row[k] = v
        per_scale.append(row)
    if choose is None:
        counts.update(
            edges=sum(r["edges"] for r in per_scale),
            evidence=sum(r["evidence"] for r in per_scale),
        )
    else:
        # each account pair's pairs within its chosen scale: aggregated, they give exactly the
        # edge of that scale (an edge depends on its own pairs only)
        sql.upload(CHOSEN, choose(signal).select(["a1", "a2", "scale"]))
        sql.temp(
            PAIRS,
            f"""SELECT x.*, c.scale FROM {ALL_PAIRS} x JOIN {CHOSEN} c
            ON c.a1 = x.a1 AND c.a2 = x.a2 WHERE ABS(x.t2 - x.t1) <= c.scale""",
        )
        aggregate_edges(sql, p, compat)
        sql.temp(
            f"{EDGES}_scaled",
            f"SELECT e.*, c.scale FROM {EDGES} e JOIN {CHOSEN} c ON c.a1 = e.a1 AND c.a2 = e.a2",
        )
        sql.temp(EDGES, f"SELECT * FROM {EDGES}_scaled")
        counts.update(store(sql, signal.name, p, run_id, scale="column"))
    counts["scales"] = per_scale
    return counts
