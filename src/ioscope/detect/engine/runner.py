"""The co-action engine: run signals over a workspace into ``edges`` and ``edge_evidence``.

Inside a run opened by :func:`ioscope.detect.pipeline.run_detect`: the previous detect results
(all rows of ``edges`` and ``edge_evidence``) are replaced and every signal's resolved parameters
and counts are recorded. ``run_detect(ws, mode="raw")`` is this engine alone.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from ioscope.detect.engine import resolve_engine
from ioscope.detect.engine.cnt import cnt_edges, cnt_pairs
from ioscope.detect.engine.coaction import (
    ACCOUNTS,
    ACTIONS,
    PAIRS,
    aggregate_edges,
    apply_hot_policy,
    index_actions,
    load_actions,
    pair_actions,
    prepare_accounts,
    store,
)
from ioscope.detect.engine.coaction import EDGES as EDGES_TEMP
from ioscope.detect.engine.scales import run_scales
from ioscope.detect.engine.sql import Sql
from ioscope.detect.signals import SIGNALS, default_signals, get_signal
from ioscope.detect.signals.base import GENERIC_PARAMS, Signal
from ioscope.errors import ParameterError
from ioscope.model.detect import EDGE_EVIDENCE, EDGES
from ioscope.params import validate_params
from ioscope.workspace import Run, Workspace

#: Progress records (one per signal), shown by the CLI on a terminal.
_log = logging.getLogger("ioscope.detect")

__all__ = ["DetectReport", "resolve_params", "run_signals", "select_signals"]


def select_signals(
    signals: Iterable[str] | str | None, compat: str | None, engine: Any
) -> tuple[Any, list[str]]:
    """The engine and the signal names a run uses: those asked for (a list or a comma-separated
    string), else the defaults the engine supports; unknown or refused names raise."""
    if isinstance(signals, str):
        signals = [s.strip() for s in signals.split(",") if s.strip()]
    eng = resolve_engine(engine)
    names = list(signals) if signals else eng.supported(default_signals(compat))
    for n in names:
        get_signal(n)
    eng.check(names)
    return eng, names


@dataclass
class DetectReport:
    """What a detect run did: its id, the resolved parameters and per-signal counts."""

    run_id: str
    compat: str | None
    parameters: dict[str, dict[str, Any]]
    signals: list[dict[str, Any]] = field(default_factory=list)

    @property
    def totals(self) -> dict[str, int]:
        return {k: sum(s.get(k, 0) for s in self.signals) for k in ("edges", "evidence")}

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "compat": self.compat,
            "parameters": self.parameters,
            "signals": self.signals,
            "totals": self.totals,
        }


def _global(name: str, value: Any) -> Any:
    spec = {p.name: p for p in GENERIC_PARAMS}[name]
    return spec.coerce(value, "detect")


def resolve_params(
    names: Iterable[str],
    *,
    compat: str | None = None,
    overrides: dict[str, Any] | None = None,
    params: dict[str, dict[str, Any]] | None = None,
) -> dict[str, dict[str, Any]]:
    """Each signal's validated parameters: its defaults, then ``overrides`` (all signals), then
    ``params[signal]``. Raises :class:`ParameterError` with the standard message."""
    names = list(names)
    params = dict(params or {})
    stray = sorted(set(params) - set(names))
    if stray:
        raise ParameterError(
            f"Parameters were given for {stray[0]!r}, which is not among the "
            f"signals run ({', '.join(names)})."
        )
    overrides = {k: _global(k, v) for k, v in (overrides or {}).items() if v is not None}
    out = {}
    for name in names:
        sig = get_signal(name)
        if compat and compat not in sig.compat:
            raise ParameterError(
                f"The signal {name} has no {compat!r}-compatible mode. Signals with one: "
                f"{', '.join(default_signals(compat))}."
            )
        values: dict[str, Any] = {"hot_items": "keep"} if compat else {}
        values.update({k: v for k, v in overrides.items() if k != "window" or sig.windowed})
        values.update(params.get(name) or {})
        out[name] = validate_params(sig.spec, values, name)
    return out


def run_signals(
    ws: Workspace,
    run: Run,
    names: list[str],
    resolved: dict[str, dict[str, Any]],
    compat: str | None,
    *,
    on_signal: Callable[[Signal, dict[str, Any]], dict[str, Any] | None] | None = None,
    sql: Sql | None = None,
    scales: dict[str, list[float]] | None = None,
    choose: Callable[[Signal], Any] | None = None,
) -> DetectReport:
    """Inside an open ``ws.run``: replace ``edges``/``edge_evidence`` with the signals' results.

    ``resolved`` comes from :func:`resolve_params`. ``on_signal(signal, params)`` is called after
    each signal's edges are stored, while its temporary tables still exist (``_det_accounts``,
    ``_det_actions``, ``_det_pairs``, ``_det_edges`` and those the signal declares in
    ``Signal.shares``; the Spark engine copies them to ``ws.con`` for it);
    what it returns is added to the signal's counts. ``sql``: the engine's runner (default DuckDB).
    ``scales`` maps signals to their scales (seconds, ascending;
    :func:`ioscope.detect.engine.scales.scaled_signals`): each is paired once at the largest, and
    ``on_signal`` is called once per scale with ``window`` set to it; ``choose(signal)`` then
    gives each account pair's scale, the one stored (without ``choose``, every scale's edges are
    stored; :func:`ioscope.detect.engine.scales.run_scales`).
    """
    ws.ensure(EDGES, EDGE_EVIDENCE)
    report = DetectReport(run.run_id, compat, resolved)
    sql = sql if sql is not None else Sql(ws.con)
    try:
        sql.run("DELETE FROM edge_evidence")
        sql.run("DELETE FROM edges")
        accounts = prepare_accounts(sql)
        for name in names:
            t0 = time.perf_counter()
            _log.info("detect: %s …", name, extra={"step_start": True})
            signal = SIGNALS[name]

            def tested(p: dict[str, Any], signal: Signal = signal) -> dict[str, Any] | None:
                sql.share((ACCOUNTS, ACTIONS, PAIRS, EDGES_TEMP) + signal.shares)
                return on_signal(signal, p)

            if scales and name in scales:
                counts = run_scales(
                    sql,
                    signal,
                    resolved[name],
                    compat,
                    run.run_id,
                    scales[name],
                    tested if on_signal is not None else None,
                    choose,
                )
            else:
                counts = _run_signal(sql, signal, resolved[name], compat, run.run_id)
                if on_signal is not None:
                    counts.update(tested(resolved[name]) or {})
            sql.drop_temps(keep=(ACCOUNTS,))
            report.signals.append(
                {"signal": name, **counts, "seconds": round(time.perf_counter() - t0, 3)}
            )
            _log.info(
                "%-22s %10s edges %8.1f s",
                name,
                f"{counts.get('edges', 0):,}",
                time.perf_counter() - t0,
            )
    finally:
        sql.drop_temps()
    run.row_counts.update({"accounts": accounts, "signals": report.signals, **report.totals})
    return report


def _run_signal(
    sql: Sql, signal: Signal, p: dict[str, Any], compat: str | None, run_id: str
) -> dict[str, int]:
    if signal.pairs is not None:
        counts = signal.pairs(sql, p)
    else:
        counts = load_actions(sql, signal, p, compat)
        counts.update(apply_hot_policy(sql, p))
        index_actions(sql)
        if compat == "cnt":  # directed weights: only candidate account pairs are counted
            counts.update(cnt_pairs(sql, signal, p))
        else:
            counts["pairs"] = pair_actions(sql, signal, p)
    if compat == "cnt" and signal.pairs is None:
        cnt_edges(sql, p)
    else:
        aggregate_edges(sql, p, compat)
    if signal.finish is not None:
        counts.update(signal.finish(sql, p))
    counts.update(store(sql, signal.name, p, run_id))
    return counts
