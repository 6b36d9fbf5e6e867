"""The registry of account-signal families.

A family is one module with one public function ``(con, **params) -> pyarrow.Table`` that reads the
canonical ``accounts`` and ``posts`` tables (and, for ``network``, the coordination tables) and
returns one row per account and signal: ``platform, account_id, signal, value, detail`` (detail a
JSON string). It declares the signals it emits and its parameters; it never writes to the
workspace. When the data cannot support it (no creation dates, no coordination tables) it raises
:class:`NotApplicable` with the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pyarrow as pa

from ioscope.errors import UsageError
from ioscope.params import Param

__all__ = [
    "Signal",
    "Family",
    "NotApplicable",
    "register_family",
    "FAMILIES",
    "SIGNALS",
    "SIGNAL_SCHEMA",
    "all_params",
    "get_families",
]

#: What every family function returns.
SIGNAL_SCHEMA = pa.schema(
    [
        ("platform", pa.string()),
        ("account_id", pa.string()),
        ("signal", pa.string()),
        ("value", pa.float64()),
        ("detail", pa.string()),
    ]
)


class NotApplicable(Exception):
    """The family cannot be computed on this workspace (the message says why)."""


@dataclass(frozen=True)
class Signal:
    """One signal. ``direction``: +1 higher values are campaign-like, -1 lower ones, 0 both tails."""

    name: str
    direction: int
    unit: str
    doc: str


@dataclass(frozen=True)
class Family:
    name: str
    func: Callable[..., pa.Table]
    signals: tuple[Signal, ...]
    params: tuple[Param, ...] = ()
    doc: str = ""
    sources: tuple[str, ...] = field(default_factory=tuple)

    @property
    def signal_names(self) -> list[str]:
        return [s.name for s in self.signals]


FAMILIES: dict[str, Family] = {}
SIGNALS: dict[str, Signal] = {}


def register_family(
    name: str,
    *,
    signals: tuple[Signal, ...],
    params: tuple[Param, ...] = (),
    sources: tuple[str, ...] = (),
) -> Callable:
    """Register the decorated function as the family ``name`` (its docstring is the doc)."""

    def deco(func: Callable[..., pa.Table]) -> Callable[..., pa.Table]:
        for s in signals:
            if s.name in SIGNALS and SIGNALS[s.name] is not s:
                raise ValueError(f"signal {s.name!r} registered twice")
            SIGNALS[s.name] = s
        taken = {p.name for f in FAMILIES.values() if f.name != name for p in f.params}
        clash = taken & {p.name for p in params}
        if clash:
            raise ValueError(f"parameter {sorted(clash)[0]!r} declared by two families")
        FAMILIES[name] = Family(
            name, func, tuple(signals), tuple(params), (func.__doc__ or "").strip(), tuple(sources)
        )
        return func

    return deco


def get_families(names: list[str] | tuple[str, ...] | None) -> list[Family]:
    """The families named (all when None), in registry order; unknown names are a usage error."""
    if not names:
        return list(FAMILIES.values())
    unknown = [n for n in names if n not in FAMILIES]
    if unknown:
        raise UsageError(
            f"Unknown signal family {unknown[0]!r}. Known families: {', '.join(FAMILIES)}."
        )
    return [FAMILIES[n] for n in FAMILIES if n in names]


def all_params(families: list[Family] | None = None) -> tuple[Param, ...]:
    return tuple(p for f in (families or FAMILIES.values()) for p in f.params)
