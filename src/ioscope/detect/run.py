"""``detect_coaction``: run co-action signals over a workspace into ``edges`` and ``edge_evidence``.

One run is one transaction: the previous detect results (all rows of ``edges`` and
``edge_evidence``) are replaced, the run is recorded in ``runs`` with every signal's resolved
parameters and counts, and a failure leaves the workspace as it was. No other table is touched.
"""

from __future__ import annotations

import logging

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterable

from ioscope.detect.base import COMPAT_MODES, GENERIC_PARAMS, Signal
from ioscope.detect.coaction import (ACCOUNTS, ACTIONS, KEPT_PAIRS, PAIRS, aggregate_edges,
                                     apply_hot_policy, index_actions, load_actions, pair_actions,
                                     prepare_accounts, store)
from ioscope.detect.coaction import EDGES as EDGES_TEMP
from ioscope.detect.engines import DuckDBEngine, SparkEngine, resolve_engine
from ioscope.detect.resources import TEMP_LIMIT, check_temp_limit, configure_run
from ioscope.detect.scales import ALL_PAIRS, parse_scales, scaled_signals
from ioscope.detect.signals import SIGNALS, default_signals, get_signal
from ioscope.detect.sql import Sql, lit
from ioscope.errors import ParameterError
from ioscope.model.detect import EDGE_EVIDENCE, EDGES
from ioscope.params import validate_params
from ioscope.workspace import Run, Workspace

if TYPE_CHECKING:
    import pyarrow as pa


#: Progress records (one per signal), shown by the CLI on a terminal.
_log = logging.getLogger("ioscope.detect")

__all__ = ["DetectReport", "TEMP_LIMIT", "check_compat", "check_temp_limit", "configure_run",
           "detect_coaction", "resolve_params", "run_signals", "select_signals"]


def check_compat(compat: str | None) -> None:
    """A ParameterError unless ``compat`` is None or one of :data:`COMPAT_MODES`."""
    if compat is not None and compat not in COMPAT_MODES:
        raise ParameterError(f"The 'compat' parameter of detect must be one of "
                             f"{', '.join(repr(c) for c in COMPAT_MODES)}. Got {compat!r} instead.")


def select_signals(signals: Iterable[str] | str | None, compat: str | None,
                   engine: Any) -> tuple[Any, list[str]]:
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
        return {"run_id": self.run_id, "compat": self.compat, "parameters": self.parameters,
                "signals": self.signals, "totals": self.totals}


def _global(name: str, value: Any) -> Any:
    spec = {p.name: p for p in GENERIC_PARAMS}[name]
    return spec.coerce(value, "detect")


def resolve_params(names: Iterable[str], *, compat: str | None = None,
                   overrides: dict[str, Any] | None = None,
                   params: dict[str, dict[str, Any]] | None = None) -> dict[str, dict[str, Any]]:
    """Each signal's validated parameters: its defaults, then ``overrides`` (all signals), then
    ``params[signal]``. Raises :class:`ParameterError` with the standard message."""
    names = list(names)
    params = dict(params or {})
    stray = sorted(set(params) - set(names))
    if stray:
        raise ParameterError(f"Parameters were given for {stray[0]!r}, which is not among the "
                             f"signals run ({', '.join(names)}).")
    overrides = {k: _global(k, v) for k, v in (overrides or {}).items() if v is not None}
    out = {}
    for name in names:
        sig = get_signal(name)
        if compat and compat not in sig.compat:
            raise ParameterError(
                f"The signal {name} has no {compat!r}-compatible mode. Signals with one: "
                f"{', '.join(default_signals(compat))}.")
        values: dict[str, Any] = {"hot_items": "keep"} if compat else {}
        values.update({k: v for k, v in overrides.items()
                       if k != "window" or sig.windowed})
        values.update(params.get(name) or {})
        out[name] = validate_params(sig.spec, values, name)
    return out


def detect_coaction(ws: Workspace, *, signals: Iterable[str] | str | None = None,
                    window: str | float | None = "60s", min_weight: int | None = None,
                    compat: str | None = None, hot_items: str | None = None,
                    max_item_actions: int | None = None, max_evidence: int | None = None,
                    params: dict[str, dict[str, Any]] | None = None,
                    memory_limit: str | None = None, temp_directory: str | None = None,
                    temp_limit: str = TEMP_LIMIT, threads: int | None = None,
                    engine: str | DuckDBEngine | SparkEngine | None = None,
                    scales: str | Iterable[str | float] | None = None) -> DetectReport:
    """Run co-action signals on ``ws`` and replace its ``edges`` and ``edge_evidence``.

    ``signals``: names from :data:`ioscope.detect.signals.SIGNALS` (default: every signal on by
    default; with ``compat='cnt'``, the four CNT networks). ``window``, ``min_weight``,
    ``hot_items``, ``max_item_actions`` and ``max_evidence`` apply to every signal unless None
    (then each signal's default holds); ``params`` gives per-signal values, e.g.
    ``{"near_duplicate_text": {"threshold": 0.9}}``. ``compat='cnt'`` reproduces
    coordination-network-toolkit's definitions (directed weights, its text normalization, raw
    URLs, no hot-item policy unless one is asked for). ``memory_limit`` (e.g. ``"4GB"``),
    ``temp_directory`` and ``temp_limit`` bound DuckDB's memory, say where it spills and how much.
    ``engine``: ``"duckdb"`` (default), ``"spark"`` or an :mod:`ioscope.detect.engines` object
    such as ``SparkEngine(master="spark://host:7077")`` (same results; see docs/scale.md).
    ``scales`` (e.g. ``"1m,10m,1h"``) stores the edges of every multi-scale signal once per
    scale, with ``scale_seconds`` (:mod:`ioscope.detect.scales`); ``window`` then is not used.
    """
    check_compat(compat)
    scale_list = None if scales is None else parse_scales(scales)
    if scale_list is not None and compat:
        raise ParameterError("The 'scales' parameter of detect applies to the default mode, not "
                             "to a CNT-compatible run.")
    eng, names = select_signals(signals, compat, engine)
    if scale_list is not None and isinstance(eng, SparkEngine):
        raise ParameterError("The 'scales' parameter of detect is not available with the Spark "
                             "engine, which runs one window.")
    resolved = resolve_params(names, compat=compat, params=params, overrides={
        "window": window, "min_weight": min_weight, "hot_items": hot_items,
        "max_item_actions": max_item_actions, "max_evidence": max_evidence})
    scaled = scaled_signals(names, resolved, scale_list, params)
    resources = configure_run(ws, memory_limit=memory_limit, temp_directory=temp_directory,
                              temp_limit=temp_limit, threads=threads)
    recorded = {"mode": "raw", "signals": names, "compat": compat, **resources,
                "per_signal": resolved, "engine": eng.describe()}
    if scale_list is not None:
        recorded["scales"] = scale_list
    twins = () if compat else (EDGES.name, EDGE_EVIDENCE.name)  # see pipeline.run_detect
    with ws.run("detect", recorded, replaces=twins) as run, \
            eng.open(ws) as sql:
        report = run_signals(ws, run, names, resolved, compat, sql=sql, scales=scaled)
    return report


def run_signals(ws: Workspace, run: Run, names: list[str], resolved: dict[str, dict[str, Any]],
                compat: str | None, *,
                on_signal: Callable[[Signal, dict[str, Any]], dict[str, Any] | None] | None = None,
                sql: Sql | None = None, scales: dict[str, list[float]] | None = None,
                choose: Callable[[Signal], pa.Table] | None = None) -> DetectReport:
    """Inside an open ``ws.run``: replace ``edges``/``edge_evidence`` with the signals' results.

    ``resolved`` comes from :func:`resolve_params`. ``on_signal(signal, params)`` is called after
    each signal's edges are stored, while its temporary tables still exist (``_det_accounts``,
    ``_det_actions``, ``_det_pairs``, ``_det_edges``; near_duplicate_text: ``_nd_posts_cold``,
    ``_nd_similar``; the Spark engine copies them to ``ws.con`` for it);
    what it returns is added to the signal's counts. ``sql``: the engine's runner (default DuckDB).
    ``scales`` maps signals to their scales (seconds, ascending; see
    :func:`ioscope.detect.scales.scaled_signals`): each is paired once at the largest and stored
    (and passed to ``on_signal``) once per scale, with ``window`` set to the scale; the other
    signals run at their own window. ``choose(signal)``, after ``on_signal`` has seen every
    scale of a signal, gives each account pair's scale (a1, a2, scale): only that scale's edge
    and evidence are then stored (without it, every scale's are).
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
            if scales and name in scales:
                counts = _run_scales(sql, signal, resolved[name], compat, run.run_id,
                                     scales[name], on_signal, choose)
            else:
                counts = _run_signal(sql, signal, resolved[name], compat, run.run_id)
                if on_signal is not None:
                    _share(sql)
                    counts.update(on_signal(signal, resolved[name]) or {})
            sql.drop_temps(keep=(ACCOUNTS,))
            report.signals.append({"signal": name, **counts,
                                   "seconds": round(time.perf_counter() - t0, 3)})
            _log.info("%-22s %10s edges %8.1f s", name, f"{counts.get('edges', 0):,}",
                      time.perf_counter() - t0)
    finally:
        sql.drop_temps()
    run.row_counts.update({"accounts": accounts, "signals": report.signals, **report.totals})
    return report


def _share(sql: Sql) -> None:
    sql.share((ACCOUNTS, ACTIONS, PAIRS, EDGES_TEMP, "_nd_posts_cold", "_nd_similar",
               "_cb_members", "_pa_actions"))


def _run_scales(sql: Sql, signal: Signal, p: dict[str, Any], compat: str | None, run_id: str,
                scales: list[float], on_signal: Callable[..., dict[str, Any] | None] | None,
                choose: Callable[[Signal], pa.Table] | None) -> dict[str, Any]:
    """One signal at every scale: one pairing at the largest, a Δt filter per scale.

    Without ``choose`` every scale's edges are stored. With it, ``choose(signal)`` (called after
    ``on_signal`` has seen every scale) gives each account pair's scale (a1, a2, scale), and only
    that scale's edge and evidence are stored."""
    top = {**p, "window": scales[-1]}
    counts: dict[str, Any] = load_actions(sql, signal, top, compat)
    counts.update(apply_hot_policy(sql, top))
    index_actions(sql)
    counts["pairs"] = pair_actions(sql, signal, top, dst=ALL_PAIRS)
    per_scale = []
    for i, w in enumerate(scales):
        pw = {**p, "window": w}
        n = sql.temp(PAIRS, f"SELECT * FROM {ALL_PAIRS} WHERE ABS(t2 - t1) <= {lit(w)}")
        row: dict[str, Any] = {"scale_seconds": w, "pairs": n,
                               "edges": aggregate_edges(sql, pw, compat)}
        if choose is None:
            row.update(store(sql, signal.name, pw, run_id, scale=w))
        else:
            sql.temp(f"_det_edges_s{i}", f"SELECT *, {lit(float(w))} AS scale FROM {EDGES_TEMP}")
        if on_signal is not None:
            _share(sql)
            row.update(on_signal(signal, pw) or {})
        per_scale.append(row)
    if choose is None:
        counts.update(edges=sum(r["edges"] for r in per_scale),
                      evidence=sum(r["evidence"] for r in per_scale))
    else:
        sql.temp_table("_det_chosen", "a1 BIGINT, a2 BIGINT, scale DOUBLE")
        sql.con.register("_det_chosen_arrow", choose(signal))
        try:
            sql.con.execute("INSERT INTO _det_chosen SELECT a1, a2, scale FROM _det_chosen_arrow")
        finally:
            sql.con.unregister("_det_chosen_arrow")
        every = " UNION ALL ".join(f"SELECT * FROM _det_edges_s{i}" for i in range(len(scales)))
        sql.temp(EDGES_TEMP, f"""SELECT e.* FROM ({every}) e JOIN _det_chosen c
            ON c.a1 = e.a1 AND c.a2 = e.a2 AND c.scale = e.scale""")
        sql.temp(KEPT_PAIRS, f"""SELECT x.*, c.scale FROM {ALL_PAIRS} x JOIN _det_chosen c
            ON c.a1 = x.a1 AND c.a2 = x.a2 WHERE ABS(x.t2 - x.t1) <= c.scale""")
        counts.update(store(sql, signal.name, p, run_id, per_edge_scale=True))
    counts["scales"] = per_scale
    return counts


def _run_signal(sql: Sql, signal: Signal, p: dict[str, Any], compat: str | None,
                run_id: str) -> dict[str, int]:
    if signal.pairs is not None:
        counts = signal.pairs(sql, p)
    else:
        counts = load_actions(sql, signal, p, compat)
        counts.update(apply_hot_policy(sql, p))
        index_actions(sql)
        counts["pairs"] = pair_actions(sql, signal, p)
    aggregate_edges(sql, p, compat)
    if signal.finish is not None:
        counts.update(signal.finish(sql, p))
    counts.update(store(sql, signal.name, p, run_id))
    return counts
