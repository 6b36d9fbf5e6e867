"""Coordination detection: co-action signals → significance → fused network → campaign clusters.

``detect`` is what ``ioscope detect`` runs: by default the calibrated pipeline
(:func:`ioscope.detect.pipeline.run_detect`: every signal, per-edge and per-account
significance under a null model with false-discovery-rate control, Leiden clusters of the fused
significant network, explanations); with ``raw=True`` or a ``compat`` mode the raw co-action
engine alone (``detect_coaction``: every signal, its evidence, CNT-compatible mode). Signals are
registered in :data:`ioscope.detect.signals.SIGNALS`, one module each. Results are read with
:func:`flagged_accounts` and :func:`list_clusters`.
"""

from __future__ import annotations

from typing import Any

from ioscope.detect.pipeline import CalibratedReport, run_detect
from ioscope.detect.results import flagged_accounts, list_clusters
from ioscope.detect.engine.runner import DetectReport, detect_coaction, resolve_params
from ioscope.detect.signals import SIGNALS, default_signals, get_signal
from ioscope.detect.window import coornet_interval, estimate_window, window_sweep
from ioscope.workspace import Workspace

__all__ = ["detect", "detect_coaction", "DetectReport", "CalibratedReport", "SIGNALS",
           "default_signals", "get_signal", "resolve_params", "flagged_accounts",
           "list_clusters", "window_sweep", "coornet_interval", "estimate_window"]


def detect(ws: Workspace, **options: Any) -> DetectReport:
    """Find accounts that act together beyond chance, and the campaigns they form.

    By default the calibrated pipeline; ``raw=True`` or ``compat='cnt'`` runs the co-action
    engine alone (and empties ``clusters``). Options: see
    :func:`ioscope.detect.pipeline.run_detect`. Returns a :class:`CalibratedReport` (or, raw, a
    :class:`DetectReport`).
    """
    return run_detect(ws, **options)
