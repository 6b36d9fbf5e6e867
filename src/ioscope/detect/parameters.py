"""The parameters of a detect run, declared once.

:func:`ioscope.detect.pipeline.run_detect` validates against these declarations, ``ioscope
detect`` builds its options from them (:mod:`ioscope.cli.params`) and ``runs.parameters``
records their resolved values. A run's ``params`` is one dict:

- a run-level parameter by its name (:data:`DETECT_PARAMS`): ``{"window": "5m", "fdr": 0.001,
  "memory_limit": "4GB"}``; the co-action ones (window, min_weight, …) apply to every signal;
- a signal's own parameters under the signal's name: ``{"<signal>": {"<parameter>": value}}``
  (on the command line, ``--param <signal>.<parameter>=value``; docs/signals.md lists them).

>>> name = default_signals()[0]
>>> split_params({"fdr": 0.05, name: {"min_weight": 3}}) == ({"fdr": 0.05}, {name: {"min_weight": 3}})
True
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ioscope.detect.engine.resources import RESOURCE_PARAMS
from ioscope.detect.signals import SIGNALS, default_signals
from ioscope.detect.signals.base import GENERIC_PARAMS
from ioscope.detect.significance.calibrated import SIGNIF_PARAMS
from ioscope.errors import ParameterError
from ioscope.params import Param

__all__ = [
    "MODES",
    "MODE",
    "COACTION_PARAMS",
    "SCALES",
    "RUN_PARAMS",
    "DETECT_PARAMS",
    "split_params",
]

#: calibrated: significance and clusters; raw: co-action edges only; cnt: raw, with
#: coordination-network-toolkit's exact definitions.
MODES = ("calibrated", "raw", "cnt")

MODE = Param(
    "mode",
    "choice",
    "calibrated",
    "calibrated: every edge and account tested against "
    "a null model, significant edges clustered into campaigns; raw: the co-action edges "
    "and their evidence only; cnt: raw, with coordination-network-toolkit's exact "
    f"definitions ({', '.join(default_signals('cnt'))}).",
    choices=MODES,
)

#: The co-action parameters every signal has, set for all signals of a run at once; None leaves
#: each signal's own default. The window, when given, applies to every windowed signal; without
#: it a run uses 60 s, or every one of ``scales`` when they are given.
COACTION_PARAMS = tuple(
    replace(
        p,
        default=None,
        help=p.help + " Default: 60 s, unless --scales is given.",
    )
    if p.name == "window"
    else replace(p, default=None, help=p.help + " Default: each signal's own (docs/signals.md).")
    for p in GENERIC_PARAMS
)

#: The time scales of a multi-scale run (:mod:`ioscope.detect.engine.scales`).
SCALES = Param(
    "scales",
    "list",
    None,
    "Time scales (e.g. 1m,10m,1h) at which to test every windowed co-action signal in one run "
    "instead of one window: its actions paired once at the largest, each pair's p-values "
    "combined over the scales (Simes), its edge kept at its strongest scale (docs/signals.md, "
    "Multi-scale co-action, which gives its measured precision: not yet the default). In raw "
    "mode, every scale's edges are stored.",
)

#: What a run may use and which posts it reads.
RUN_PARAMS = RESOURCE_PARAMS + (
    Param(
        "honor_deletions",
        "bool",
        False,
        "Leave out the posts that compliance events "
        "(ingested deletion notices or compliance files) say were deleted, or whose account "
        "was (default: keep them; docs/signals.md).",
    ),
)

#: Every run-level parameter of a detect run (the significance ones apply to the calibrated mode).
DETECT_PARAMS = COACTION_PARAMS + (SCALES,) + SIGNIF_PARAMS + RUN_PARAMS


def split_params(params: dict[str, Any] | None) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """``params`` as (run-level values, per-signal dicts); an unknown name is a ParameterError."""
    known = {p.name for p in DETECT_PARAMS}
    run: dict[str, Any] = {}
    per_signal: dict[str, dict[str, Any]] = {}
    for key, value in (params or {}).items():
        if key in known:
            run[key] = value
        elif key in SIGNALS and isinstance(value, dict):
            per_signal[key] = dict(value)
        else:
            ex = next(s for s in SIGNALS.values() if s.params)
            raise ParameterError(
                f"detect has no parameter {key!r}. Known parameters: {', '.join(sorted(known))}; "
                f"a signal's own parameters go under its name, e.g. "
                f"{{{ex.name!r}: {{{ex.params[0].name!r}: {ex.params[0].default!r}}}}}."
            )
    return run, per_signal
