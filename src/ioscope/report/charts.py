"""Geometry of the plots, as plain data; the templates draw it as inline SVG.

No text is ever turned into markup here: labels stay strings and the (autoescaping) templates write
them. Bars are placed on a continuous time axis, so gaps in the data show as gaps.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, Iterable

from ioscope.model.names import account_label
from ioscope.report.layout import packed_layout

__all__ = ["PALETTE", "time_bars", "network_picture", "fmt_number"]

#: Okabe–Ito colours: distinguishable with colour-vision deficiencies and in grey print.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442",
           "#000000")
OTHER = "#9a9a9a"

_STEP = {"hour": timedelta(hours=1), "day": timedelta(days=1), "week": timedelta(weeks=1)}


def _as_dt(v: Any) -> datetime:
    if isinstance(v, datetime):
        return v
    return datetime(v.year, v.month, v.day)


def _next(t: datetime, bucket: str) -> datetime:
    if bucket == "month":
        return datetime(t.year + (t.month == 12), t.month % 12 + 1, 1)
    if bucket == "year":
        return datetime(t.year + 1, 1, 1)
    return t + _STEP[bucket]


def fmt_number(v: Any) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        if v != v:
            return "–"
        if abs(v) >= 1000 or v == int(v) and abs(v) >= 1:
            return f"{v:,.0f}"
        return f"{v:.3g}"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)


def time_bars(rows: Iterable[dict[str, Any]], *, time: str, value: str, bucket: str,
              series: str | None = None, order: Iterable[str] | None = None,
              width: int = 720, height: int = 200, label: str = "",
              min_buckets: int = 12) -> dict[str, Any]:
    """Stacked bars per time bucket. ``series`` names the column that splits each bar."""
    rows = [r for r in rows if r.get(time) is not None]
    left, right, top, bottom = 56, 30, 10, 34
    chart: dict[str, Any] = {"width": width, "height": height, "bars": [], "xticks": [],
                             "yticks": [], "legend": [], "label": label,
                             "plot": {"x": left, "y": top, "w": width - left - right,
                                      "h": height - top - bottom}}
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
            chart["bars"].append({"x": round(x, 2), "y": round(y1, 2), "w": round(w, 2),
                                  "h": round(max(y0 - y1, 0.5), 2), "fill": colour[s],
                                  "title": f"{_fmt_t(t, bucket)} · {s}: {fmt_number(v)}"})
            base += v
    for v in yticks:
        chart["yticks"].append({"y": round(y_of(v), 2), "label": fmt_number(v)})
    for t in _time_ticks(t0, t1):
        chart["xticks"].append({"x": round(x_of(t), 2), "label": _fmt_t(t, "month" if bucket in ("month", "year") or span > 86400 * 400
                                          else "day")})
    if series:
        chart["legend"] = [{"name": str(s), "fill": colour[s]} for s in names]
    return chart


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
    if bucket == "month":
        return datetime(t.year - (t.month == 1), (t.month - 2) % 12 + 1, 1)
    if bucket == "year":
        return datetime(t.year - 1, 1, 1)
    return t - _STEP[bucket]


def _fmt_t(t: datetime, bucket: str) -> str:
    if bucket == "hour":
        return t.strftime("%Y-%m-%d %H:00")
    if bucket == "month":
        return t.strftime("%Y-%m")
    if bucket == "year":
        return t.strftime("%Y")
    return t.strftime("%Y-%m-%d")


def _nice_ticks(vmax: float, n: int = 4) -> list[float]:
    import math

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


def network_picture(nodes: list[dict[str, Any]], edges: list[dict[str, Any]], *,
                    width: int = 720, height: int = 520, labels: int = 3) -> dict[str, Any]:
    """Positions, sizes and colours of a network; the ``labels`` strongest nodes per cluster
    get their handle written next to them."""
    index = {(n.get("platform"), n["account_id"]): i for i, n in enumerate(nodes)}
    ends = [((e.get("platform_1"), e["account_1"]), (e.get("platform_2"), e["account_2"]),
             float(e["weight"] or 1)) for e in edges]
    pairs = [(index[a], index[b], w) for a, b, w in ends if a in index and b in index]
    positions = [n.get("position") or 0 for n in nodes]
    pad, pad_right = 16, 70
    xy = packed_layout(positions, pairs, aspect=(width - pad - pad_right) / (height - 2 * pad))
    strength = [float(n.get("strength") or 0) for n in nodes]
    smax = max(strength, default=1.0) or 1.0
    out_nodes = []
    size = {pos: positions.count(pos) for pos in set(positions)}
    seen: dict[Any, int] = {}
    for i, n in enumerate(nodes):
        pos = positions[i]
        colour = PALETTE[(pos - 1) % len(PALETTE)] if 1 <= pos <= len(PALETTE) else OTHER
        seen[pos] = seen.get(pos, 0) + 1
        small = size[pos] <= 12  # handles are readable only in small clusters
        out_nodes.append({
            "x": round(pad + xy[i][0] * (width - pad - pad_right), 1),
            "y": round(pad + xy[i][1] * (height - 2 * pad), 1),
            "r": round(2.5 + 6 * (strength[i] / smax) ** 0.5, 1), "fill": colour,
            "title": f"{account_label(n.get('name'), n['account_id'])} · cluster {n.get('cluster_id')}",
            "label": (n.get("name") or n["account_id"]) if small and seen[pos] <= labels
            else None,
        })
    groups = []
    for pos in dict.fromkeys(positions):
        members = [o for o, p in zip(out_nodes, positions) if p == pos]
        first = next(n for n, p in zip(nodes, positions) if p == pos)
        groups.append({"x": round(min(m["x"] for m in members), 1),
                       "y": round(max(min(m["y"] for m in members) - 8, 10), 1),
                       "label": f"cluster {first.get('cluster_id')} ({len(members)})"})
    wmax = max((p[2] for p in pairs), default=1.0) or 1.0
    out_edges = [{"x1": out_nodes[i]["x"], "y1": out_nodes[i]["y"], "x2": out_nodes[j]["x"],
                  "y2": out_nodes[j]["y"], "w": round(0.4 + 2.0 * (w / wmax), 2)}
                 for i, j, w in pairs]
    legend, done = [], set()
    for n in nodes:
        pos = n.get("position") or 0
        if pos not in done and 1 <= pos <= len(PALETTE):
            done.add(pos)
            legend.append({"name": f"cluster {n.get('cluster_id')}", "fill": PALETTE[pos - 1]})
    return {"width": width, "height": height, "nodes": out_nodes, "edges": out_edges,
            "legend": legend, "groups": groups}
