"""Quantities that may be exact, a range or open-ended, as ad libraries publish them.

>>> parse_quantity("1,234.50")
(1234.5, 1234.5)
>>> parse_quantity("10k-100k")
(10000.0, 100000.0)
>>> parse_quantity("≤ 100")
(0.0, 100.0)
>>> parse_quantity("> 10M")
(10000000.0, None)
>>> parse_quantity("not a number")
(None, None)
"""

from __future__ import annotations

import functools
import re

__all__ = ["parse_quantity", "parse_number"]

_NUM = r"(\d[\d,\s]*(?:\.\d+)?|\.\d+)\s*([kmb]|thousand|million|billion)?"
_MULT = {None: 1, "k": 1e3, "thousand": 1e3, "m": 1e6, "million": 1e6, "b": 1e9, "billion": 1e9}
_CURRENCY = re.compile(r"[$€£₽¥]|\b(?:usd|eur|gbp|rub|us\$)\b", re.I)
_RANGE = re.compile(rf"^{_NUM}\s*(?:-|–|—|to)\s*{_NUM}$", re.I)
_UPPER = re.compile(rf"^(?:<=?|≤|under|less than|up to|fewer than)\s*{_NUM}$", re.I)
_LOWER = re.compile(rf"^(?:>=?|≥|over|more than|at least)\s*{_NUM}$", re.I)
_PLUS = re.compile(rf"^{_NUM}\s*\+$", re.I)
_EXACT = re.compile(rf"^{_NUM}$", re.I)


def parse_number(digits: str, suffix: str | None = None) -> float:
    value = float(re.sub(r"[,\s]", "", digits))
    return value * _MULT[suffix.lower() if suffix else None]


@functools.lru_cache(maxsize=100_000)
def parse_quantity(raw: str | None) -> tuple[float | None, float | None]:
    """(lower, upper) of a published figure; upper is None when open-ended; (None, None) if unreadable."""
    if raw is None:
        return None, None
    text = _CURRENCY.sub("", str(raw)).strip()
    if not text:
        return None, None
    if m := _EXACT.match(text):
        v = parse_number(*m.groups())
        return v, v
    if m := _RANGE.match(text):
        lo = parse_number(m.group(1), m.group(2))
        hi = parse_number(m.group(3), m.group(4))
        return (lo, hi) if lo <= hi else (hi, lo)
    if m := _UPPER.match(text):
        return 0.0, parse_number(*m.groups())
    if m := (_LOWER.match(text) or _PLUS.match(text)):
        return parse_number(*m.groups()), None
    return None, None
