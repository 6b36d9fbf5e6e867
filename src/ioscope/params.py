"""Parameters declared once, as data.

The same declaration drives validation, CLI help, the web UI and the docs, with one error format:
``The 'window' parameter of co_link must be a duration ≥ 1 s. Got '-5' instead.``
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ioscope.errors import ParameterError, UsageError

__all__ = [
    "Param",
    "validate_params",
    "parse_duration",
    "parse_size",
    "parse_pairs",
    "invalid_value",
    "KINDS",
]

#: The declared kinds of parameter.
KINDS = ("int", "float", "bool", "str", "duration", "choice", "list", "size", "threads")

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$")
_UNIT = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, None: 1}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*$", re.I)
_SIZE_UNITS = {
    u.lower(): (u, b)
    for u, b in (
        ("B", 1),
        ("KB", 1000),
        ("MB", 1000**2),
        ("GB", 1000**3),
        ("TB", 1000**4),
        ("KiB", 2**10),
        ("MiB", 2**20),
        ("GiB", 2**30),
        ("TiB", 2**40),
    )
}


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


def _size(value: Any) -> tuple[str, int]:
    """``("4GB", 4_000_000_000)`` for ``"4 gb"``: the size as DuckDB writes it and its bytes."""
    m = _SIZE.match(str(value)) if isinstance(value, str) else None
    if not m:
        raise ValueError(value)
    unit, factor = _SIZE_UNITS[m[2].lower()]
    return m[1] + unit, int(float(m[1]) * factor)


def parse_size(value: Any) -> int:
    """Bytes of a size as DuckDB writes them (``"4GB"`` = 4·10⁹, ``"4GiB"`` = 4·2³⁰)."""
    return _size(value)[1]


def parse_pairs(
    items: Iterable[str] | str | None, *, option: str, form: str = "KEY=VALUE", example: str = ""
) -> dict[str, str]:
    """The one ``KEY=VALUE`` parser: ``["a=1", "b=2"]`` (a repeated option) or ``"a=1,b=2"``
    (one comma-separated option) -> ``{"a": "1", "b": "2"}``; keys and values are stripped.
    Anything else is a UsageError naming ``option`` and the ``form`` it takes."""
    if isinstance(items, str):
        items = [part for part in items.split(",") if part.strip()]
    out: dict[str, str] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(
                f"{option} takes {form}; got {item!r}.",
                hint=f"Example: {option} {example}" if example else None,
            )
        out[key.strip()] = value.strip()
    return out


@dataclass(frozen=True)
class Param:
    """One declared parameter: ``kind`` is one of :data:`KINDS`.

    ``size`` is a memory or disk size as DuckDB writes it (``"4GB"``, ``"512MiB"``; normalized to
    that spelling); ``threads`` an integer ≥ 1, or None / ``"auto"`` (all cores). A parameter
    whose default is None also takes None ("not set": the owner's documented fallback holds).
    """

    name: str
    kind: str
    default: Any
    help: str
    min: float | None = None
    max: float | None = None
    choices: tuple = field(default_factory=tuple)

    @property
    def option(self) -> str:
        """Its command-line option: ``min_weight`` -> ``--min-weight``."""
        return "--" + self.name.replace("_", "-")

    def requirement(self) -> str:
        if self.kind == "size":
            return "a size such as '4GB'"
        if self.kind == "threads":
            return "an integer ≥ 1 or 'auto'"
        if self.kind == "duration":
            return f"a duration ≥ {self.min:g} s" if self.min is not None else "a duration"
        if self.kind == "choice":
            return "one of " + ", ".join(repr(c) for c in self.choices)
        if self.kind == "list":
            return "a comma-separated list" + (
                " of " + ", ".join(repr(c) for c in self.choices) if self.choices else ""
            )
        text = {
            "int": "an integer",
            "float": "a number",
            "bool": "true or false",
            "str": "a string",
        }[self.kind]
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
                f"Got {str(value)!r} instead."
            )

        if value is None and self.default is None:
            return None
        try:
            if self.kind == "size":
                return _size(value)[0]
            if self.kind == "threads":
                if value is None or (isinstance(value, str) and value.strip().lower() == "auto"):
                    return None
                if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                    raise ValueError
                out: Any = int(value)
                if out < 1:
                    raise ValueError
                return out
            if self.kind == "int":
                if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                    raise ValueError
                out = int(value)
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
                items = (
                    [v.strip() for v in value.split(",")] if isinstance(value, str) else list(value)
                )
                items = [v for v in items if v != ""]
                if self.choices and any(v not in self.choices for v in items):
                    raise ValueError
                out = tuple(items)
            else:
                out = str(value)
        except (TypeError, ValueError):
            raise fail() from None
        if isinstance(out, (int, float)) and not isinstance(out, bool):
            if (
                out != out
                or (self.min is not None and out < self.min)
                or (self.max is not None and out > self.max)
            ):
                raise fail()
        return out


def validate_params(
    spec: Iterable[Param], values: dict[str, Any] | None, owner: str
) -> dict[str, Any]:
    """Defaults filled in, every value coerced and checked; unknown names are rejected."""
    spec = list(spec)
    values = dict(values or {})
    known = {p.name for p in spec}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ParameterError(
            f"{owner} has no parameter {unknown[0]!r}. Known parameters: {', '.join(sorted(known))}."
        )
    return {p.name: p.coerce(values.get(p.name, p.default), owner) for p in spec}


def invalid_value(p: Param) -> Any:
    """A value the declaration ``p`` rejects, in the form a user would type it (a string), or
    None when every string is valid (an unconstrained ``str``). Like scikit-learn's
    ``generate_invalid_param_val``: out of range when there is a range, else of the wrong type."""
    if p.kind in ("int", "float"):
        if p.min is not None:
            return f"{p.min - 1:g}" if p.kind == "int" else f"{p.min - abs(p.min) - 1:g}"
        if p.max is not None:
            return f"{p.max + 1:g}"
        return "x" if p.kind == "float" else "1.5"
    return {
        "bool": "maybe",
        "duration": "-5",
        "size": "lots",
        "threads": "0",
        "choice": "no_such_choice",
        "list": "no_such_choice" if p.choices else None,
        "str": None,
    }[p.kind]
