"""Parameters declared once, as data.

The same declaration drives validation, CLI help, the web UI and the docs, with one error format:
``The 'window' parameter of co_link must be a duration ≥ 1 s. Got '-5' instead.``
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterable

from ioscope.errors import ParameterError

__all__ = ["Param", "validate_params", "parse_duration"]

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$")
_UNIT = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, None: 1}


def parse_duration(value: Any) -> float:
    """Seconds in ``value``: a number of seconds or a string like ``90s``, ``10m``, ``1h``, ``2d``."""
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, (int, float)):
        return float(value)
    m = _DURATION.match(str(value))
    if not m:
        raise ValueError(value)
    return float(m.group(1)) * _UNIT[m.group(2)]


@dataclass(frozen=True)
class Param:
    """One declared parameter: ``kind`` is int, float, bool, str, duration, choice or list."""

    name: str
    kind: str
    default: Any
    help: str
    min: float | None = None
    max: float | None = None
    choices: tuple = field(default_factory=tuple)

    def requirement(self) -> str:
        if self.kind == "duration":
            return f"a duration ≥ {self.min:g} s" if self.min is not None else "a duration"
        if self.kind == "choice":
            return "one of " + ", ".join(repr(c) for c in self.choices)
        if self.kind == "list":
            return "a comma-separated list" + (
                " of " + ", ".join(repr(c) for c in self.choices) if self.choices else "")
        text = {"int": "an integer", "float": "a number", "bool": "true or false",
                "str": "a string"}[self.kind]
        if self.min is not None and self.max is not None:
            return f"{text} in [{self.min:g}, {self.max:g}]"
        if self.min is not None:
            return f"{text} ≥ {self.min:g}"
        if self.max is not None:
            return f"{text} ≤ {self.max:g}"
        return text

    def coerce(self, value: Any, owner: str) -> Any:
        def fail() -> ParameterError:
            return ParameterError(
                f"The '{self.name}' parameter of {owner} must be {self.requirement()}. "
                f"Got {str(value)!r} instead.")

        try:
            if self.kind == "int":
                if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                    raise ValueError
                out: Any = int(value)
            elif self.kind == "float":
                if isinstance(value, bool):
                    raise ValueError
                out = float(value)
            elif self.kind == "duration":
                out = parse_duration(value)
            elif self.kind == "bool":
                if isinstance(value, bool):
                    out = value
                elif str(value).lower() in {"true", "1", "yes", "on"}:
                    out = True
                elif str(value).lower() in {"false", "0", "no", "off"}:
                    out = False
                else:
                    raise ValueError
            elif self.kind == "choice":
                if value not in self.choices:
                    raise ValueError
                out = value
            elif self.kind == "list":
                items = [v.strip() for v in value.split(",")] if isinstance(value, str) else list(value)
                items = [v for v in items if v != ""]
                if self.choices and any(v not in self.choices for v in items):
                    raise ValueError
                out = tuple(items)
            else:
                out = str(value)
        except (TypeError, ValueError):
            raise fail() from None
        if isinstance(out, (int, float)) and not isinstance(out, bool):
            if out != out or (self.min is not None and out < self.min) or (
                    self.max is not None and out > self.max):
                raise fail()
        return out


def validate_params(spec: Iterable[Param], values: dict[str, Any] | None, owner: str) -> dict[str, Any]:
    """Defaults filled in, every value coerced and checked; unknown names are rejected."""
    spec = list(spec)
    values = dict(values or {})
    known = {p.name for p in spec}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ParameterError(
            f"{owner} has no parameter {unknown[0]!r}. Known parameters: {', '.join(sorted(known))}.")
    return {p.name: p.coerce(values.get(p.name, p.default), owner) for p in spec}
