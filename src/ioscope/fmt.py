"""The one set of number formatters: the CLI, the report, the web UI, the explanations and the
disclosure statement print a count, an amount, a share, a p-value, a ratio or a duration the same
way. ``missing`` is what a value the workspace does not have prints as (``–`` by default; the
disclosure statement says ``unknown``).

    >>> format_number(1234567), format_number(0.01234), format_number(12.0)
    ('1,234,567', '0.0123', '12')
    >>> format_usd(98765.4), format_usd(2.5), format_pct(0.256)
    ('$98,765', '$2.50', '25.6 %')
    >>> format_p_value(3.2e-12), format_p_value(0.0), format_ratio(41.3), format_seconds(125)
    ('3e-12', '< 1e-16', '41×', '2.1 min')
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

__all__ = [
    "MISSING",
    "P_PRINT_MIN",
    "format_number",
    "format_usd",
    "format_pct",
    "format_p",
    "format_p_value",
    "format_ratio",
    "format_seconds",
]

#: How a value the workspace does not have prints.
MISSING = "–"

#: Smallest p-value printed as a number. Below it a p-value is printed as a bound: a Poisson
#: tail that far out says more about the model than about the data, and double precision
#: (ε ≈ 2.2e-16) holds no digit of 1 − p there.
P_PRINT_MIN = 1e-16


def _absent(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def format_number(v: Any, *, missing: str = MISSING) -> str:
    """A count or a measure: thousands separated, whole numbers without decimals, others to 3
    significant digits.

    >>> format_number(None), format_number(Decimal("2500")), format_number(float("nan"))
    ('–', '2,500', '–')
    """
    if _absent(v):
        return missing
    if isinstance(v, Decimal):
        v = float(v)
    if isinstance(v, float):
        if abs(v) >= 1000 or v == int(v) and abs(v) >= 1:
            return f"{v:,.0f}"
        return f"{v:.3g}"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)


def format_usd(v: Any, *, missing: str = MISSING) -> str:
    """An amount in US dollars: whole dollars from $100 on, cents below."""
    if _absent(v):
        return missing
    v = float(v)
    return f"${v:,.0f}" if abs(v) >= 100 else f"${v:,.2f}"


def format_pct(v: Any, *, missing: str = MISSING) -> str:
    """A share (0–1) as a percentage with one decimal."""
    return missing if _absent(v) else f"{100 * float(v):.1f} %"


def format_p(log10_p: float | None) -> str:
    """'3e-12' from log10 p = −11.5; '< 1e-16' below :data:`P_PRINT_MIN`; '1' at the top.
    The one formatter of p- and q-values for the CLI, the report and the UI.

    >>> format_p(-11.5), format_p(-20.0), format_p(-0.0001), format_p(math.log10(0.0312))
    ('3e-12', '< 1e-16', '1', '0.031')
    """
    if log10_p is None or math.isnan(log10_p):
        return "n/a"
    if log10_p < math.log10(P_PRINT_MIN) - 0.5:
        return f"< {P_PRINT_MIN:.0e}".replace("e-0", "e-")
    p = 10.0**log10_p
    return "1" if p >= 0.9995 else (f"{p:.2g}" if p >= 1e-3 else f"{p:.0e}").replace("e-0", "e-")


def format_p_value(p: float | None, *, missing: str = "n/a") -> str:
    """:func:`format_p` of a p-value (not its log10); 0 (an underflow) reads '< 1e-16'."""
    if _absent(p):
        return missing
    p = float(p)
    return format_p(math.log10(p) if p > 0 else -math.inf)


def format_ratio(x: float | None) -> str:
    """An observed/expected ratio: '41×', '2.5×', '0.8×'.

    >>> format_ratio(2.46), format_ratio(float("inf")), format_ratio(3.4e7)
    ('2.5×', '∞×', '3.4e7×')
    """
    if x is None or math.isnan(x):
        return "n/a"
    if math.isinf(x):
        return "∞×"
    if x >= 1e6:
        return f"{x:.1e}×".replace("e+0", "e").replace("e+", "e")
    return f"{x:,.0f}×" if x >= 10 else f"{x:.1f}×"


def format_seconds(s: float | None) -> str:
    """A duration: '12 s', '0.4 s', '2.1 min', '3 h', '4.5 days'.

    >>> format_seconds(0.4), format_seconds(3 * 3600), format_seconds(4.5 * 86400)
    ('0.4 s', '3 h', '4.5 days')
    """
    if s is None or math.isnan(s):
        return "n/a"
    s = abs(float(s))
    if s < 90:
        return f"{s:.0f} s" if s >= 1 else f"{s:.1f} s"
    if s < 5400:
        return f"{s / 60:.1f} min".replace(".0 min", " min")
    if s < 2 * 86400:
        return f"{s / 3600:.1f} h".replace(".0 h", " h")
    return f"{s / 86400:.1f} days".replace(".0 days", " days")
