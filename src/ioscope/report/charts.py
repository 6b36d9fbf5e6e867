"""Geometry of the time charts, as plain data; the templates draw it as inline SVG (the network
pictures are in :mod:`ioscope.report.pictures`).

No text is ever turned into markup here: labels stay strings and the (autoescaping) templates write
them. Bars are placed on a continuous time axis, so gaps in the data show as gaps.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from ioscope.fmt import format_number

__all__ = [
    "PALETTE",
    "time_bars",
    "activity_bars",
    "creation_bars",
    "spend_bars",
    "plausible_range",
]

#: Okabe–Ito colours: distinguishable with colour-vision deficiencies and in grey print.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
OTHER = "#9a9a9a"

_STEP = {"hour": timedelta(hours=1), "day": timedelta(days=1), "week": timedelta(weeks=1)}


def _as_dt(v: Any) -> datetime:
    if isinstance(v, datetime):
        return v
    return datetime(v.year, v.month, v.day)


def plausible_range() -> tuple[datetime, datetime]:
    """The dates a chart places on its axis: from 1995 (before any platform ioscope reads) to a
    year after today. Rows dated outside (epoch zeros, 9999-12-31 placeholders) are counted in
    the chart's ``excluded`` note instead of stretching the axis over millennia."""
    return datetime(1995, 1, 1), datetime.now(UTC).replace(tzinfo=None) + timedelta(days=366)


def _next(t: datetime, bucket: str) -> datetime:
    try:
        if bucket == "month":
            return datetime(t.year + (t.month == 12), t.month % 12 + 1, 1)
        if bucket == "year":
            return datetime(t.year + 1, 1, 1)
        return t + _STEP[bucket]
    except (ValueError, OverflowError):  # past year 9999
        return datetime.max


def time_bars(
    rows: Iterable[dict[str, Any]],
    *,
    time: str,
    value: str,
    bucket: str,
    series: str | None = None,
    order: Iterable[str] | None = None,
    width: int = 720,
    height: int = 200,
    label: str = "",
    min_buckets: int = 12,
) -> dict[str, Any]:
    """Stacked bars per time bucket. ``series`` names the column that splits each bar."""
    rows = [r for r in rows if r.get(time) is not None]
    lo, hi = plausible_range()
    outside = [r for r in rows if not lo <= _as_dt(r[time]) < hi]
    rows = [r for r in rows if lo <= _as_dt(r[time]) < hi]
    left, right, top, bottom = 56, 30, 10, 34
    chart: dict[str, Any] = {
        "width": width,
        "height": height,
        "bars": [],
        "xticks": [],
        "yticks": [],
        "legend": [],
        "label": label,
        "plot": {"x": left, "y": top, "w": width - left - right, "h": height - top - bottom},
        "excluded": None,
    }
    if outside:
        when = sorted({_as_dt(r[time]) for r in outside})
        chart["excluded"] = {
            "value": sum(float(r[value] or 0) for r in outside),
            "what": label or value,
            "from": lo.year,
            "to": hi.year,
            "dates": [_fmt_t(t, "day") for t in when[:3]] + (["…"] if len(when) > 3 else []),
        }
    if not rows:
        return chart
    present = {r.get(series) if series else label for r in rows}
    names = list(order or [])
    for r in rows:
        s = r.get(series) if series else label
        if s not in names:
            names.append(s)
    colour = {s: PALETTE[i % len(PALETTE)] for i, s in enumerate(names)}
    names = [s for s in names if s in present]
    stacks: dict[datetime, list[tuple[str, float]]] = {}
    for r in rows:
        s = r.get(series) if series else label
        stacks.setdefault(_as_dt(r[time]), []).append((s, float(r[value] or 0)))
    t0 = min(stacks)
    t1 = _next(max(stacks), bucket)
    t0, t1 = _widen(t0, t1, bucket, min_buckets)
    span = (t1 - t0).total_seconds() or 1.0
    ymax = max(sum(v for _, v in parts) for parts in stacks.values()) or 1.0
    yticks = _nice_ticks(ymax)
    ymax = max(yticks[-1], ymax)
    p = chart["plot"]

    def x_of(t: datetime) -> float:
        return p["x"] + p["w"] * (t - t0).total_seconds() / span

    def y_of(v: float) -> float:
        return p["y"] + p["h"] * (1 - v / ymax)

    for t, parts in sorted(stacks.items()):
        x, x2 = x_of(t), x_of(_next(t, bucket))
        w = max(x2 - x - (1 if x2 - x > 3 else 0), 0.6)
        base = 0.0
        for s, v in sorted(parts, key=lambda sv: names.index(sv[0])):
            if v <= 0:
                continue
            y1, y0 = y_of(base + v), y_of(base)
            chart["bars"].append(
                {
                    "x": round(x, 2),
                    "y": round(y1, 2),
                    "w": round(w, 2),
                    "h": round(max(y0 - y1, 0.5), 2),
                    "fill": colour[s],
                    "title": f"{_fmt_t(t, bucket)} · {s}: {format_number(v)}",
                }
            )
            base += v
    for v in yticks:
        chart["yticks"].append({"y": round(y_of(v), 2), "label": format_number(v)})
    for t in _time_ticks(t0, t1):
        chart["xticks"].append(
            {
                "x": round(x_of(t), 2),
                "label": _fmt_t(
                    t, "month" if bucket in ("month", "year") or span > 86400 * 400 else "day"
                ),
            }
        )
    if series:
        chart["legend"] = [{"name": str(s), "fill": colour[s]} for s in names]
    return chart


def activity_bars(rows: Iterable[dict[str, Any]], bucket: str, *, height: int) -> dict[str, Any]:
    """Posts per time bucket, stacked by kind (rows: bucket, kind, posts)."""
    return time_bars(
        rows,
        time="bucket",
        value="posts",
        series="kind",
        bucket=bucket,
        order=("post", "repost", "reply", "quote"),
        height=height,
    )


def creation_bars(rows: Iterable[dict[str, Any]], bucket: str, *, height: int) -> dict[str, Any]:
    """Accounts created per time bucket (rows: bucket, accounts)."""
    return time_bars(
        rows,
        time="bucket",
        value="accounts",
        bucket=bucket,
        height=height,
        label="accounts created",
    )


def spend_bars(rows: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Ad spend per month, lower bound in USD (rows: month, spend_usd_lower)."""
    return time_bars(
        rows,
        time="month",
        value="spend_usd_lower",
        bucket="month",
        height=170,
        label="spend (USD, lower bound)",
    )


def _widen(t0: datetime, t1: datetime, bucket: str, n: int) -> tuple[datetime, datetime]:
    """Extend [t0, t1) to at least ``n`` buckets, half before and half after, so that a short
    series is drawn as narrow bars on a readable axis rather than one bar across the plot."""
    count, t = 0, t0
    while t < t1 and count < n:
        t, count = _next(t, bucket), count + 1
    missing = n - count
    for i in range(max(missing, 0)):
        if i % 2:
            t0 = _prev(t0, bucket)
        else:
            t1 = _next(t1, bucket)
    return t0, t1


def _prev(t: datetime, bucket: str) -> datetime:
    try:
        if bucket == "month":
            return datetime(t.year - (t.month == 1), (t.month - 2) % 12 + 1, 1)
        if bucket == "year":
            return datetime(t.year - 1, 1, 1)
        return t - _STEP[bucket]
    except (ValueError, OverflowError):  # before year 1
        return datetime.min


def _fmt_t(t: datetime, bucket: str) -> str:
    if bucket == "hour":
        return t.strftime("%Y-%m-%d %H:00")
    if bucket == "month":
        return t.strftime("%Y-%m")
    if bucket == "year":
        return t.strftime("%Y")
    return t.strftime("%Y-%m-%d")


def _nice_ticks(vmax: float, n: int = 4) -> list[float]:

    raw = vmax / n
    mag = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    ticks, v = [0.0], 0.0
    while v < vmax * 0.9999:
        v += step
        ticks.append(v)
    return ticks


def _time_ticks(t0: datetime, t1: datetime, n: int = 6) -> list[datetime]:
    span = (t1 - t0).total_seconds()
    if span <= 0:
        return [t0]
    step = span / n
    return [t0 + timedelta(seconds=step * i) for i in range(n + 1)]
