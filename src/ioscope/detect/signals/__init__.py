"""The registry of signals: ``SIGNALS[name]`` is a :class:`ioscope.detect.signals.base.Signal`.

Every module of this package that defines ``SIGNAL`` (or ``SIGNALS``, a tuple) is a signal
module: adding a signal is adding one module here (and its tests). The registry is ordered by
each signal's ``order``, then by name.

A signal module holds everything about its signal, in the manner of one algorithm per module:
its docstring gives the exact definition and cites the paper; its ``Signal`` declares the
statements (``actions``, or ``pairs``/``finish`` for its own pairing), the parameters, the words
of its explanations (``explanation``), what its null model is built from (``null``, ``timing``),
the engines that run it (``engines``, ``engine_note``), the temporary tables its null or its own
account-level ``test`` read (``shares``) and its place in outputs (``order``). The pipeline, the
significance tests, the explanations and the engines read these declarations only
(tests/test_detect_plugins.py checks that they never name a signal).

>>> from ioscope.detect.signals import SIGNALS
>>> list(SIGNALS)[:3]
['co_repost', 'co_link', 'co_reply']
"""

from __future__ import annotations

import importlib
import pkgutil

from ioscope.detect.signals.base import Signal
from ioscope.errors import ParameterError

__all__ = ["SIGNALS", "default_signals", "discover", "get_signal"]


def discover(package: str) -> list[Signal]:
    """The signals of every module of ``package`` (an importable package name): each module's
    ``SIGNALS`` tuple, or its ``SIGNAL``; modules with neither are helpers. Sorted by ``order``,
    then name."""
    pkg = importlib.import_module(package)
    found: list[Signal] = []
    for info in pkgutil.iter_modules(pkg.__path__, prefix=package + "."):
        module = importlib.import_module(info.name)
        own = getattr(module, "SIGNALS", None)
        if own is None:
            own = (module.SIGNAL,) if hasattr(module, "SIGNAL") else ()
        found.extend(s for s in own if isinstance(s, Signal))
    return sorted(found, key=lambda s: (s.order, s.name))


SIGNALS: dict[str, Signal] = {s.name: s for s in discover(__name__)}


def default_signals(compat: str | None = None) -> list[str]:
    """The signals ``detect`` runs when none are named (in compat mode: those it supports)."""
    if compat:
        return [n for n, s in SIGNALS.items() if compat in s.compat]
    return [n for n, s in SIGNALS.items() if s.default]


def get_signal(name: str) -> Signal:
    try:
        return SIGNALS[name]
    except KeyError:
        raise ParameterError(
            f"There is no signal {name!r}. Signals: {', '.join(SIGNALS)}.",
            hint="See docs/signals.md or `ioscope detect --help`.",
        ) from None
