"""``ioscope detect``: one run, one transaction, calibrated by default.

:func:`run_detect` validates every parameter against its declaration
(:mod:`ioscope.detect.parameters`), opens the run, rewrites ``edges`` and ``edge_evidence`` with
the co-action engine (:func:`ioscope.detect.engine.runner.run_signals`) and, unless the mode is
``raw`` or ``cnt`` (CNT-compatible), tests every edge and account and
clusters the significant ones (:mod:`ioscope.detect.significance.calibrated`). ``clusters`` and
``cluster_members`` are rewritten in the same transaction, emptied by a raw run, so they always
describe the edges beside them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ioscope.detect.engine import DuckDBEngine, SparkEngine
from ioscope.detect.engine.deletions import posts_seen
from ioscope.detect.engine.resources import RESOURCE_PARAMS, configure_run
from ioscope.detect.engine.runner import DetectReport, resolve_params, run_signals, select_signals
from ioscope.detect.engine.scales import parse_scales, scaled_signals
from ioscope.detect.parameters import COACTION_PARAMS, DETECT_PARAMS, MODE, split_params
from ioscope.detect.results import cluster_totals, list_clusters
from ioscope.detect.signals import get_signal
from ioscope.detect.significance.calibrated import (
    SIGNIF_PARAMS,
    SignificanceTester,
    finish_calibrated,
)
from ioscope.errors import UsageError
from ioscope.model.detect import EDGE_EVIDENCE, EDGES
from ioscope.model.signif import CLUSTER_MEMBERS, CLUSTERS
from ioscope.params import validate_params
from ioscope.workspace import Workspace

_log = logging.getLogger("ioscope.detect")

__all__ = ["CalibratedReport", "run_detect", "REPLACED", "CLUSTERS_LISTED"]

#: Clusters a detect report lists (the strongest first); its totals count them all.
CLUSTERS_LISTED = 20

#: The workspace tables a detect run rewrites.
REPLACED = (EDGES.name, EDGE_EVIDENCE.name, CLUSTERS.name, CLUSTER_MEMBERS.name)


@dataclass
class CalibratedReport(DetectReport):
    """A raw report (per-signal counts, each with ``tested_edges`` and ``significant_edges``)
    plus the significance summary and the top clusters."""

    significance: dict[str, Any] = field(default_factory=dict)
    clusters: list[dict[str, Any]] = field(default_factory=list)
    #: Counts from the tables (:func:`ioscope.detect.results.cluster_totals`): ``clusters`` is
    #: the first :data:`CLUSTERS_LISTED` of them only.
    cluster_totals: dict[str, int] = field(default_factory=dict)

    @property
    def flagged(self) -> int:
        return int(
            self.cluster_totals.get("flagged_accounts", self.significance.get("cluster_members", 0))
        )

    def to_dict(self) -> dict[str, Any]:
        d = super().to_dict()
        total = int(self.cluster_totals.get("clusters", len(self.clusters)))
        d.update(
            {
                "mode": "calibrated",
                "significance": self.significance,
                "flagged_accounts": self.flagged,
                "cluster_totals": self.cluster_totals,
                "clusters": self.clusters,
                "clusters_listed": len(self.clusters),
                "clusters_total": total,
                "clusters_truncated": len(self.clusters) < total,
            }
        )
        return d


def _signal_params(
    names: list[str], params: dict[str, dict[str, Any]] | None
) -> dict[str, dict[str, Any]]:
    """Per-signal parameters with the calibrated defaults (``Signal.calibrated_defaults``) under
    the caller's own."""
    out = {k: dict(v) for k, v in (params or {}).items()}
    for name in names:
        own = {p.name for p in get_signal(name).params}
        for k, v in get_signal(name).calibrated_defaults.items():
            if k in own:
                out.setdefault(name, {}).setdefault(k, v)
    return out


def run_detect(
    ws: Workspace,
    *,
    signals: Iterable[str] | str | None = None,
    mode: str = "calibrated",
    params: dict[str, Any] | None = None,
    engine: str | DuckDBEngine | SparkEngine | None = None,
) -> DetectReport:
    """Run ``ioscope detect`` on ``ws``; one run, recorded in ``runs`` with its resolved parameters.

    ``signals``: names from :data:`ioscope.detect.signals.SIGNALS`, a list or a comma-separated
    string (default: every signal on by default that the engine runs; in mode ``cnt``, the four
    CNT networks). ``mode`` (:data:`ioscope.detect.parameters.MODES`): ``"calibrated"`` (default:
    significance and clusters), ``"raw"`` (co-action edges and evidence only; ``clusters`` is
    emptied) or ``"cnt"`` (raw, with coordination-network-toolkit's exact definitions: directed
    weights, its text normalization, raw URLs, hot items kept). ``params``: run-level parameters
    by name (:data:`ioscope.detect.parameters.DETECT_PARAMS`: window, min_weight, fdr,
    memory_limit, honor_deletions, …; the significance ones apply to the calibrated mode only) and
    a signal's own under its name, e.g. ``{"window": "5m", "<signal>": {"<parameter>":
    value}}`` (:mod:`ioscope.detect.parameters`). ``engine``: ``"duckdb"`` (default), ``"spark"`` or
    an engine object such as ``SparkEngine(master="spark://host:7077")`` (same results).
    Without a ``window`` a run uses 60 s; given ``scales`` (e.g. ``"1m,10m,1h"``;
    :mod:`ioscope.detect.engine.scales`) instead, the calibrated mode tests every windowed
    co-action signal at each scale and keeps each edge at its strongest; raw stores every scale.
    A bad value raises :class:`ParameterError` with the standard message before anything runs."""
    mode = MODE.coerce(mode, "detect")
    compat = "cnt" if mode == "cnt" else None
    calibrated = mode == "calibrated"
    given, per_signal = split_params(params)
    signif = {p.name for p in SIGNIF_PARAMS}
    stray = sorted(k for k in signif if given.get(k) is not None)
    if stray and not calibrated:
        raise UsageError(
            f"The option {stray[0]!r} applies to the calibrated pipeline, "
            "not to a raw or CNT-compatible run.",
            hint="Drop it, or drop --raw/--compat.",
        )
    values = validate_params(DETECT_PARAMS, given, "detect")
    sp = {k: values[k] for k in signif} if calibrated else None
    scales_given = given.get("scales") is not None
    if scales_given and (values["window"] is not None or compat):
        raise UsageError(
            "Give a window or scales, not both; a CNT-compatible run has one window.",
            hint="--window tests one window; --scales several at once.",
        )
    multi = values["window"] is None and scales_given
    scale_list = parse_scales(values["scales"]) if multi else None
    eng, names = select_signals(signals, compat, engine)
    resolved = resolve_params(
        names,
        compat=compat,
        params=_signal_params(names, per_signal) if calibrated else per_signal,
        overrides={p.name: values[p.name] for p in COACTION_PARAMS},
    )
    scaled = scaled_signals(names, resolved, scale_list, per_signal)
    resources = configure_run(ws, **{p.name: values[p.name] for p in RESOURCE_PARAMS})
    honor_deletions = values["honor_deletions"]
    recorded = {
        "mode": mode,
        "signals": names,
        "compat": compat,
        **resources,
        "honor_deletions": honor_deletions,
        "per_signal": resolved,
        "engine": eng.describe(),
    }
    if sp is not None:
        recorded["significance"] = sp
    if scaled:
        recorded["scales"] = scale_list
    # the four tables are rewritten through temporary twins, so that each step's temporary
    # tables are freed when dropped (see Workspace.run); a CNT-compatible run keeps the single
    # transaction, which is faster at the sizes CNT handles (no copy at the end)
    with (
        ws.run("detect", recorded, replaces=() if compat else REPLACED) as run,
        posts_seen(ws, honor_deletions=honor_deletions) as held,
        eng.open(ws) as sql,
    ):
        run.row_counts["posts"] = held
        ws.ensure(CLUSTERS, CLUSTER_MEMBERS)
        ws.con.execute("DELETE FROM cluster_members")
        ws.con.execute("DELETE FROM clusters")
        if not calibrated:
            return run_signals(ws, run, names, resolved, compat, sql=sql, scales=scaled)
        tester = SignificanceTester(
            ws.con,
            stratum=sp["stratum"],
            timing_stratum=sp["timing_stratum"],
            scaled=frozenset(scaled),
        )
        report = run_signals(
            ws,
            run,
            names,
            resolved,
            None,
            on_signal=tester,
            sql=sql,
            scales=scaled,
            choose=tester.strongest,
        )
        t0 = time.perf_counter()
        _log.info("detect: significance and clusters …", extra={"step_start": True})
        summary, _ = finish_calibrated(ws.con, tester, sp, run.run_id)
        _log.info(
            "%-22s %10s edges %8.1f s",
            "significance, clusters",
            f"{summary.get('significant_edges', 0):,}",
            time.perf_counter() - t0,
        )
        summary["seconds"] = round(time.perf_counter() - t0, 3)
        run.row_counts["significance"] = {k: v for k, v in summary.items() if k != "per_signal"}
    for s in report.signals:
        per = summary["per_signal"].get(s["signal"], {})
        s.update(
            {"tested_edges": per.get("tested", 0), "significant_edges": per.get("significant", 0)}
        )
    summary.pop("per_signal", None)
    return CalibratedReport(
        run.run_id,
        None,
        resolved,
        report.signals,
        summary,
        list_clusters(ws, limit=CLUSTERS_LISTED),
        cluster_totals(ws),
    )


assert {p.name for p in SIGNIF_PARAMS} == {
    "fdr",
    "stratum",
    "timing_stratum",
    "resolution",
    "min_cluster_size",
    "seed",
}
