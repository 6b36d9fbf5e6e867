"""Coordination detection: co-action signals → significance → fused network → campaign clusters.

``detect`` is what ``ioscope detect`` runs (:func:`ioscope.detect.pipeline.run_detect`): in mode
``calibrated`` (the default) every signal, per-edge and per-account significance under a null
model with false-discovery-rate control, Leiden clusters of the fused significant network,
explanations; in mode ``raw`` the co-action engine alone (every signal and its evidence), and in
mode ``cnt`` the same with coordination-network-toolkit's definitions. Parameters are declared in
:mod:`ioscope.detect.parameters` (the run) and on each signal; signals are registered in
:data:`ioscope.detect.signals.SIGNALS`, one module each. Results are read with
:func:`flagged_accounts` and :func:`list_clusters`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ioscope.detect.engine.runner import DetectReport, resolve_params
from ioscope.detect.parameters import DETECT_PARAMS, MODES
from ioscope.detect.pipeline import CalibratedReport, run_detect
from ioscope.detect.results import flagged_accounts, list_clusters
from ioscope.detect.signals import SIGNALS, default_signals, get_signal
from ioscope.detect.window import coornet_interval, estimate_window, window_sweep
from ioscope.workspace import Workspace

__all__ = [
    "detect",
    "run_detect",
    "DetectReport",
    "CalibratedReport",
    "SIGNALS",
    "DETECT_PARAMS",
    "MODES",
    "default_signals",
    "get_signal",
    "resolve_params",
    "flagged_accounts",
    "list_clusters",
    "window_sweep",
    "coornet_interval",
    "estimate_window",
]


def detect(
    ws: Workspace,
    *,
    signals: Iterable[str] | str | None = None,
    mode: str = "calibrated",
    params: dict[str, Any] | None = None,
    engine: Any = None,
    **values: Any,
) -> DetectReport:
    """Find accounts that act together beyond chance, and the campaigns they form.

    :func:`ioscope.detect.pipeline.run_detect` with the run-level parameters also taken by name:
    ``detect(ws, mode="raw", window="5m", fdr=0.001)`` is
    ``run_detect(ws, mode="raw", params={"window": "5m", "fdr": 0.001})``; a name that is not
    declared is a :class:`~ioscope.errors.ParameterError`. Returns a :class:`CalibratedReport`
    (or, in mode raw or cnt, a :class:`DetectReport`).
    """
    return run_detect(
        ws, signals=signals, mode=mode, engine=engine, params={**(params or {}), **values}
    )
