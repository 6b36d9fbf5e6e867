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
#: it the calibrated mode tests them at every one of ``scales`` and raw and cnt use 60 s.
COACTION_PARAMS = tuple(
    replace(
        p,
        default=None,
        help=p.help + " Default: every scale of --scales (calibrated mode); 60 s in raw and cnt.",
    )
    if p.name == "window"
    else replace(p, default=None, help=p.help + " Default: each signal's own (docs/signals.md).")
    for p in GENERIC_PARAMS
)

#: The time scales of a multi-scale run (:mod:`ioscope.detect.engine.scales`).
SCALES = Param(
    "scales",
    "list",
    "1m,10m,1h",
    "Time scales at which the calibrated mode tests every windowed co-action signal when no "
    "window is given: its actions paired once at the largest, each pair's p-values combined over "
    "the scales (Simes), its edge kept at its strongest scale (docs/signals.md, Multi-scale "
    "co-action). In raw mode, given scales store every scale's edges.",
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
