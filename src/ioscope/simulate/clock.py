"""When people post: diurnal and weekly cycles in each account's own time zone, and delays.

Times are int64 milliseconds since the Unix epoch, UTC, everywhere in the simulator.
Daylight-saving time is not modelled: each account keeps one UTC offset for the whole period.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

__all__ = ["PROFILES", "WEEKLY", "Period", "sample_times", "lognormal_delays", "clamp_to_period"]

# Share of posts per local hour 0..23. "organic" follows the familiar shape of Twitter activity
# (trough around 4-5 am, slow morning rise, evening peak around 21 h); "office" is a working
# day of a troll farm or marketing agency (IRA shifts were 9-18 Moscow time on weekdays, with day
# and night shifts for foreign audiences); "flat" is a machine.
_ORGANIC = np.array(
    [
        4.5,
        3.0,
        2.0,
        1.3,
        1.0,
        1.2,
        2.0,
        3.5,
        4.5,
        5.0,
        5.0,
        5.2,
        5.5,
        5.2,
        5.0,
        5.0,
        5.2,
        5.5,
        5.8,
        6.2,
        6.5,
        6.6,
        6.2,
        5.5,
    ]
)
_OFFICE = np.array(
    [
        0.2,
        0.1,
        0.1,
        0.1,
        0.1,
        0.1,
        0.3,
        1.0,
        4.0,
        9.0,
        10,
        10,
        7.0,
        9.0,
        10,
        10,
        9.0,
        8.0,
        3.0,
        1.0,
        0.5,
        0.4,
        0.3,
        0.2,
    ]
)
_FLAT = np.ones(24)
PROFILES = {
    name: p / p.sum() for name, p in (("organic", _ORGANIC), ("office", _OFFICE), ("flat", _FLAT))
}
# Monday..Sunday
WEEKLY = {
    "organic": np.array([1.0, 1.02, 1.02, 1.0, 0.96, 0.84, 0.86]),
    "office": np.array([1.0, 1.0, 1.0, 1.0, 0.95, 0.08, 0.05]),
    "flat": np.ones(7),
}

_MS = 1000
_DAY_MS = 86_400_000


class Period:
    """The simulated period: ``start_ms`` (midnight UTC of the start date) and ``days``."""

    def __init__(self, start: str, days: int):
        self.start_date = dt.date.fromisoformat(start)
        self.days = int(days)
        self.start_ms = (
            int(
                dt.datetime(
                    self.start_date.year, self.start_date.month, self.start_date.day, tzinfo=dt.UTC
                ).timestamp()
            )
            * _MS
        )
        self.span_ms = self.days * _DAY_MS
        self.end_ms = self.start_ms + self.span_ms
        self.start_weekday = self.start_date.weekday()


def sample_times(
    rng: np.random.Generator,
    period: Period,
    utc_offset_min: np.ndarray,
    shift_h: np.ndarray | float = 0.0,
    profile: str = "organic",
    window_ms: tuple[np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """One posting time per element of ``utc_offset_min`` (the poster's clock), in ms UTC.

    The local day follows the weekly cycle, the local hour the daily ``profile`` shifted by the
    poster's own chronotype ``shift_h``. Times wrap around inside the period (or inside
    ``window_ms = (lo, hi)`` per element, which keeps the cycle because windows are whole days
    long when they can be).
    """
    n = len(utc_offset_min)
    if n == 0:
        return np.zeros(0, np.int64)
    weekday = (period.start_weekday + np.arange(period.days)) % 7
    day_w = WEEKLY[profile][weekday]
    day = rng.choice(period.days, size=n, p=day_w / day_w.sum())
    hour = rng.choice(24, size=n, p=PROFILES[profile])
    local_ms = ((hour + rng.random(n) + shift_h) * 3_600_000).astype(np.int64) % _DAY_MS
    t = day.astype(np.int64) * _DAY_MS + local_ms - np.asarray(utc_offset_min, np.int64) * 60_000
    if window_ms is None:
        return period.start_ms + np.mod(t, period.span_ms)
    lo, hi = (np.asarray(w, np.int64) for w in window_ms)
    width = np.maximum(hi - lo, 1)
    whole_days = np.maximum(width // _DAY_MS, 1) * _DAY_MS
    t = lo + np.mod(t + period.start_ms - lo, np.minimum(whole_days, width))
    return t


def lognormal_delays(rng: np.random.Generator, n: int, median_s: float, sigma: float) -> np.ndarray:
    """Delays in ms, log-normal with the given median (seconds) and log-space spread."""
    return (median_s * _MS * np.exp(sigma * rng.standard_normal(n))).astype(np.int64) + 1


def clamp_to_period(
    rng: np.random.Generator, t: np.ndarray, after: np.ndarray, period: Period
) -> np.ndarray:
    """Times past the period's end are redrawn uniformly between ``after`` and the end."""
    late = t >= period.end_ms
    if late.any():
        a = np.asarray(after, np.int64)[late]
        t = t.copy()
        t[late] = a + ((period.end_ms - 1 - a) * rng.random(int(late.sum()))).astype(np.int64)
    return t
