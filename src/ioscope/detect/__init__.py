"""Coordination detection: co-action signals → ``edges`` and ``edge_evidence``.

``detect_coaction`` is the raw co-action engine (every signal, its evidence, CNT-compatible
mode); ``detect`` is what ``ioscope detect`` runs. Signals are registered in
:data:`ioscope.detect.signals.SIGNALS`, one module each.
"""

from __future__ import annotations

from typing import Any

from ioscope.detect.run import DetectReport, detect_coaction, resolve_params
from ioscope.detect.signals import SIGNALS, default_signals, get_signal
from ioscope.workspace import Workspace

__all__ = ["detect", "detect_coaction", "DetectReport", "SIGNALS", "default_signals",
           "get_signal", "resolve_params"]


def detect(ws: Workspace, **kwargs: Any) -> DetectReport:
    """Find pairs of accounts that act together; see :func:`detect_coaction` for the options."""
    return detect_coaction(ws, **kwargs)
