"""``ioscope detect``: one run, one transaction, calibrated by default.

:func:`run_detect` validates every option, opens the run, rewrites ``edges`` and
``edge_evidence`` with the co-action engine (:func:`ioscope.detect.engine.runner.run_signals`) and, unless
the run is raw (``raw=True``) or CNT-compatible (``compat``), tests every edge and account and
clusters the significant ones (:mod:`ioscope.detect.significance.calibrated`). ``clusters`` and
``cluster_members`` are rewritten in the same transaction, emptied by a raw run, so they always
describe the edges beside them.
"""

from __future__ import annotations

import logging

import time
from dataclasses import dataclass, field
from typing import Any, Iterable

from ioscope.detect.significance.calibrated import (SIGNIF_PARAMS, SignificanceTester,
                                                    finish_calibrated, significance_params)
from ioscope.detect.engine.deletions import posts_seen
from ioscope.detect.engine import DuckDBEngine, SparkEngine
from ioscope.detect.results import cluster_totals, list_clusters
from ioscope.detect.engine.runner import (TEMP_LIMIT, DetectReport, check_compat, configure_run,
                                resolve_params, run_signals, select_signals)
from ioscope.detect.signals import get_signal
from ioscope.errors import UsageError
from ioscope.model.detect import EDGE_EVIDENCE, EDGES
from ioscope.model.signif import CLUSTER_MEMBERS, CLUSTERS
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
        return int(self.cluster_totals.get("flagged_accounts",
                                           self.significance.get("cluster_members", 0)))

    def to_dict(self) -> dict[str, Any]:
        d = super().to_dict()
        total = int(self.cluster_totals.get("clusters", len(self.clusters)))
        d.update({"mode": "calibrated", "significance": self.significance,
                  "flagged_accounts": self.flagged, "cluster_totals": self.cluster_totals,
                  "clusters": self.clusters, "clusters_listed": len(self.clusters),
                  "clusters_total": total, "clusters_truncated": len(self.clusters) < total})
        return d


def _signal_params(names: list[str],
                   params: dict[str, dict[str, Any]] | None) -> dict[str, dict[str, Any]]:
    """Per-signal parameters with the calibrated defaults (``Signal.calibrated_defaults``) under
    the caller's own."""
    out = {k: dict(v) for k, v in (params or {}).items()}
    for name in names:
        own = {p.name for p in get_signal(name).params}
        for k, v in get_signal(name).calibrated_defaults.items():
            if k in own:
                out.setdefault(name, {}).setdefault(k, v)
    return out


def run_detect(ws: Workspace, *, raw: bool = False, compat: str | None = None,
               signals: Iterable[str] | str | None = None, window: str | float | None = "60s",
               min_weight: int | None = None, hot_items: str | None = None,
               max_item_actions: int | None = None, max_evidence: int | None = None,
               params: dict[str, dict[str, Any]] | None = None,
               fdr: float | None = None, stratum: str | float | None = None,
               timing_stratum: str | float | None = None, resolution: float | None = None,
               min_cluster_size: int | None = None, seed: int | None = None,
               memory_limit: str | None = None, temp_directory: str | None = None,
               temp_limit: str = TEMP_LIMIT, threads: int | None = None,
               engine: str | DuckDBEngine | SparkEngine | None = None,
               honor_deletions: bool = False) -> DetectReport:
    """Run ``ioscope detect``. The co-action options (and ``engine``) are those of
    :func:`ioscope.detect.engine.runner.detect_coaction`; fdr, stratum, timing_stratum, resolution,
    min_cluster_size and seed (:data:`ioscope.detect.significance.calibrated.SIGNIF_PARAMS`) apply to the
    calibrated pipeline only. ``honor_deletions`` leaves out the posts a compliance event says
    were deleted (:func:`ioscope.ingest.compliance.honor_deletions`)."""
    check_compat(compat)
    calibrated = not raw and compat is None
    given = {"fdr": fdr, "stratum": stratum, "timing_stratum": timing_stratum,
             "resolution": resolution, "min_cluster_size": min_cluster_size, "seed": seed}
    given = {k: v for k, v in given.items() if v is not None}
    if given and not calibrated:
        raise UsageError(f"The option {sorted(given)[0]!r} applies to the calibrated pipeline, "
                         "not to a raw or CNT-compatible run.", hint="Drop it, or drop --raw/--compat.")
    sp = significance_params(given) if calibrated else None
    eng, names = select_signals(signals, compat, engine)
    resolved = resolve_params(
        names, compat=compat, params=_signal_params(names, params) if calibrated else params,
        overrides={"window": window, "min_weight": min_weight, "hot_items": hot_items,
                   "max_item_actions": max_item_actions, "max_evidence": max_evidence})
    resources = configure_run(ws, memory_limit=memory_limit, temp_directory=temp_directory,
                              temp_limit=temp_limit, threads=threads)
    recorded = {"mode": "calibrated" if calibrated else "raw", "signals": names,
                "compat": compat, **resources, "per_signal": resolved, "engine": eng.describe(),
                "honor_deletions": honor_deletions}
    if sp is not None:
        recorded["significance"] = sp
    # the four tables are rewritten through temporary twins, so that each step's temporary
    # tables are freed when dropped (see Workspace.run); a CNT-compatible run keeps the single
    # transaction, which is faster at the sizes CNT handles (no copy at the end)
    with ws.run("detect", recorded, replaces=() if compat else REPLACED) as run, \
            posts_seen(ws, honor_deletions=honor_deletions) as held, eng.open(ws) as sql:
        run.row_counts["posts"] = held
        ws.ensure(CLUSTERS, CLUSTER_MEMBERS)
        ws.con.execute("DELETE FROM cluster_members")
        ws.con.execute("DELETE FROM clusters")
        if sp is None:
            return run_signals(ws, run, names, resolved, compat, sql=sql)
        tester = SignificanceTester(ws.con, stratum=sp["stratum"],
                                    timing_stratum=sp["timing_stratum"])
        report = run_signals(ws, run, names, resolved, None, on_signal=tester, sql=sql)
        t0 = time.perf_counter()
        _log.info("detect: significance and clusters …", extra={"step_start": True})
        summary, _ = finish_calibrated(ws.con, tester, sp, run.run_id)
        _log.info("%-22s %10s edges %8.1f s", "significance, clusters",
                  f"{summary.get('significant_edges', 0):,}", time.perf_counter() - t0)
        summary["seconds"] = round(time.perf_counter() - t0, 3)
        run.row_counts["significance"] = {k: v for k, v in summary.items() if k != "per_signal"}
    for s in report.signals:
        per = summary["per_signal"].get(s["signal"], {})
        s.update({"tested_edges": per.get("tested", 0),
                  "significant_edges": per.get("significant", 0)})
    summary.pop("per_signal", None)
    return CalibratedReport(run.run_id, None, resolved, report.signals, summary,
                            list_clusters(ws, limit=CLUSTERS_LISTED), cluster_totals(ws))


assert {p.name for p in SIGNIF_PARAMS} == {"fdr", "stratum", "timing_stratum", "resolution",
                                          "min_cluster_size", "seed"}
