"""Geometry of the network pictures (accounts, and clusters as nodes), as plain data; the
templates draw it as inline SVG.

No text is ever turned into markup here: labels stay strings and the (autoescaping) templates
write them. Layouts are deterministic for a seed (:mod:`ioscope.report.layout`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from ioscope.model.names import account_label
from ioscope.report.charts import OTHER, PALETTE
from ioscope.report.layout import packed_layout

__all__ = ["network_picture", "cluster_picture", "place_labels", "label_width", "KIND_COLOURS"]


def network_picture(
    nodes: list[dict[str, Any]],
    edges: list[dict[str, Any]],
    *,
    width: int = 720,
    height: int = 520,
    labels: int = 3,
) -> dict[str, Any]:
    """Positions, sizes and colours of a network of accounts; the ``labels`` strongest nodes
    per cluster get their handle written next to them where it overprints no other label.
    Every cluster drawn has a colour (the palette repeats after 8), a label and a legend key."""
    index = {(n.get("platform"), n["account_id"]): i for i, n in enumerate(nodes)}
    ends = [
        (
            (e.get("platform_1"), e["account_1"]),
            (e.get("platform_2"), e["account_2"]),
            float(e["weight"] or 1),
        )
        for e in edges
    ]
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
        seen[pos] = seen.get(pos, 0) + 1
        small = size[pos] <= 12  # handles are readable only in small clusters
        out_nodes.append(
            {
                "x": round(pad + xy[i][0] * (width - pad - pad_right), 1),
                "y": round(pad + xy[i][1] * (height - 2 * pad), 1),
                "r": round(2.5 + 6 * (strength[i] / smax) ** 0.5, 1),
                "fill": _colour(pos),
                "title": f"{account_label(n.get('name'), n['account_id'])} · cluster {n.get('cluster_id')}",
                "label": (n.get("name") or n["account_id"])
                if small and seen[pos] <= labels
                else None,
            }
        )
    groups = []
    for pos in dict.fromkeys(positions):
        members = [o for o, p in zip(out_nodes, positions) if p == pos]
        first = next(n for n, p in zip(nodes, positions) if p == pos)
        x0, x1 = min(m["x"] - m["r"] for m in members), max(m["x"] + m["r"] for m in members)
        y0, y1 = min(m["y"] - m["r"] for m in members), max(m["y"] + m["r"] for m in members)
        label = f"cluster {first.get('cluster_id')} ({len(members)})"
        w = label_width(label, 11)
        # above the group (left-aligned, then right-aligned), below it, beside it
        groups.append(
            {
                "label": label,
                "candidates": [
                    (x0, y0 - 4),
                    (x1 - w, y0 - 4),
                    (x0, y0 - 16),
                    (x0, y1 + 13),
                    (x1 - w, y1 + 13),
                    (x1 + 4, (y0 + y1) / 2 + 4),
                    (x0 - w - 4, (y0 + y1) / 2 + 4),
                ],
            }
        )
    circles = [
        (n["x"] - n["r"], n["y"] - n["r"], n["x"] + n["r"], n["y"] + n["r"]) for n in out_nodes
    ]
    place_labels(groups, width, height, obstacles=circles, size=11)
    taken = [_label_box(g["lx"], g["ly"], g["label"], 11) for g in groups if g["label"]]
    place_labels(out_nodes, width, height, obstacles=circles + taken)
    wmax = max((p[2] for p in pairs), default=1.0) or 1.0
    out_edges = [
        {
            "x1": out_nodes[i]["x"],
            "y1": out_nodes[i]["y"],
            "x2": out_nodes[j]["x"],
            "y2": out_nodes[j]["y"],
            "w": round(0.4 + 2.0 * (w / wmax), 2),
        }
        for i, j, w in pairs
    ]
    legend, done = [], set()
    for n in nodes:
        pos = n.get("position") or 0
        if pos not in done:
            done.add(pos)
            legend.append({"name": f"cluster {n.get('cluster_id')}", "fill": _colour(pos)})
    return {
        "width": width,
        "height": height,
        "nodes": out_nodes,
        "edges": out_edges,
        "legend": legend,
        "groups": groups,
        "level": "accounts",
    }


def _colour(position: int) -> str:
    return PALETTE[(position - 1) % len(PALETTE)] if position >= 1 else OTHER


#: Colours of the cluster-level picture, by kind of node; the legend lists each kind drawn.
KIND_COLOURS = {"campaign": PALETTE[0], "mirror": PALETTE[1], None: PALETTE[5]}
OUTSIDE = "outside"


def _label_box(x: float, y: float, text: str, size: float = 10.0) -> tuple[float, ...]:
    w = 0.6 * size * len(text)
    return (x, y - size * 0.85, x + w, y + size * 0.25)


def _overlaps(a: tuple[float, ...], b: tuple[float, ...], pad: float = 1.5) -> bool:
    return not (
        a[2] + pad <= b[0] or b[2] + pad <= a[0] or a[3] + pad <= b[1] or b[3] + pad <= a[1]
    )


def label_width(text: str, size: float = 10.0) -> float:
    """An upper estimate of the width of ``text`` in a sans-serif font of ``size`` px."""
    return 0.6 * size * len(text)


def place_labels(
    items: list[dict[str, Any]],
    width: float,
    height: float,
    obstacles: Iterable[tuple[float, ...]] = (),
    size: float = 10.0,
) -> None:
    """Give each item a label position (``lx``, ``ly``: start of the text's baseline), in the
    order given (most important first), at the first of its candidate positions where the label
    stays inside the picture and overprints no obstacle and no label placed before it. Candidates
    are the item's ``candidates`` or, for a circle (x, y, r), its right, left, top and bottom.
    An item with no free candidate gets ``label = None`` (its tooltip and the tables still name
    it): labels never overprint each other."""
    placed = list(obstacles)
    for it in items:
        text = it.get("label")
        if not text:
            it["label"] = None
            continue
        w = label_width(text, size)
        cands = it.pop("candidates", None)
        if cands is None:
            x, y, r = it["x"], it["y"], it.get("r", 3)
            # right, below, above, then left (a label on the left reads as the neighbour's)
            cands = [
                (x + r + 2, y + 0.35 * size),
                (x - w / 2, y + r + size),
                (x - w / 2, y - r - 3),
                (x - r - 2 - w, y + 0.35 * size),
            ]
        for lx, ly in cands:
            box = _label_box(lx, ly, text, size)
            if box[0] < 0 or box[2] > width or box[1] < 0 or box[3] > height:
                continue
            if any(_overlaps(box, b) for b in placed):
                continue
            placed.append(box)
            it.update(lx=round(lx, 1), ly=round(ly, 1))
            break
        else:
            it["label"] = None


def cluster_picture(
    nodes: list[dict[str, Any]],
    links: list[dict[str, Any]],
    outside: list[dict[str, Any]] | None = None,
    *,
    width: int = 720,
    height: int = 520,
) -> dict[str, Any]:
    """The cluster-level network: one circle per cluster (area ∝ its accounts), lines for the
    significant edges between clusters (width ∝ log of their number), and one grey circle for
    the accounts outside any cluster that share significant edges with cluster accounts.
    Connected clusters are laid out together (force-directed), components packed apart."""
    outside = outside or []
    items = [dict(n, key=n["cluster_id"]) for n in nodes]
    n_out = 0
    if outside:
        n_out = max(sum(int(o["accounts"] or 0) for o in outside), 1)
        items.append(
            {
                "key": OUTSIDE,
                "cluster_id": None,
                "kind": OUTSIDE,
                "accounts": n_out,
                "position": len(items) + 1,
            }
        )
    index = {it["key"]: i for i, it in enumerate(items)}
    pairs = [
        (index[lk["cluster_1"]], index[lk["cluster_2"]], float(lk["edges"] or 1))
        for lk in links
        if lk["cluster_1"] in index and lk["cluster_2"] in index
    ]
    pairs += [
        (index[o["cluster_id"]], index[OUTSIDE], float(o["edges"] or 1))
        for o in outside
        if o["cluster_id"] in index
    ]
    groups = _components(len(items), pairs)
    pad = 14
    xy = packed_layout(groups, pairs, aspect=(width - 2 * pad) / (height - 2 * pad))
    cells = max(len(set(groups)), 1)
    rmax = max(min(26.0, 0.32 * math.sqrt((width * height) / cells)), 5.0)
    amax = max((float(it.get("accounts") or 1) for it in items), default=1.0)
    out_nodes = []
    for i, it in enumerate(items):
        acc = float(it.get("accounts") or 1)
        kind = it.get("kind")
        fill = OTHER if kind == OUTSIDE else KIND_COLOURS.get(kind, KIND_COLOURS[None])
        rank = it.get("rank", it.get("position"))
        if kind == OUTSIDE:
            label, title = (
                f"outside ({n_out:,})",
                (
                    f"{n_out:,} accounts outside any cluster sharing significant edges with "
                    "cluster accounts"
                ),
            )
        else:
            label = f"#{rank} ({int(acc):,})"
            title = (
                f"cluster {it['cluster_id']} · rank {rank} · {kind or 'cluster'} · "
                f"{int(acc):,} accounts ({it.get('flagged', 0):,} flagged) · "
                f"{it.get('inner_edges', 0):,} significant edges inside"
                + (f" · {', '.join(it['signals'])}" if it.get("signals") else "")
            )
        out_nodes.append(
            {
                "cluster_id": it["cluster_id"],
                "kind": kind,
                "fill": fill,
                "label": label,
                "title": title,
                "accounts": int(acc),
                "x": round(pad + xy[i][0] * (width - 2 * pad), 1),
                "y": round(pad + xy[i][1] * (height - 2 * pad), 1),
                "r": round(2.5 + (rmax - 2.5) * math.sqrt(acc / amax), 1),
            }
        )
    # trim the empty bands above and below the drawing (few clusters leave wide ones)
    top = min((n["y"] - n["r"] for n in out_nodes), default=0.0)
    bottom = max((n["y"] + n["r"] for n in out_nodes), default=float(height))
    used = bottom - top + 2 * pad + 24
    if used < height:
        shift = top - pad - 12
        for n in out_nodes:
            n["y"] = round(n["y"] - shift, 1)
        height = int(math.ceil(used))
    wmax = max((math.log1p(w) for _, _, w in pairs), default=1.0) or 1.0
    out_edges = [
        {
            "x1": out_nodes[i]["x"],
            "y1": out_nodes[i]["y"],
            "x2": out_nodes[j]["x"],
            "y2": out_nodes[j]["y"],
            "w": round(0.6 + 3.0 * math.log1p(w) / wmax, 2),
            "title": f"{int(w):,} significant edges",
        }
        for i, j, w in pairs
    ]
    circles = [
        (n["x"] - n["r"], n["y"] - n["r"], n["x"] + n["r"], n["y"] + n["r"]) for n in out_nodes
    ]
    place_labels(out_nodes, width, height, obstacles=circles, size=12)
    legend, kinds = [], [n["kind"] for n in out_nodes]
    for kind in dict.fromkeys(kinds):
        count = kinds.count(kind)
        if kind == OUTSIDE:
            legend.append({"name": f"accounts outside any cluster ({n_out:,})", "fill": OTHER})
        else:
            name = f"{kind + ' ' if kind else ''}cluster{'s' if count > 1 else ''}"
            legend.append(
                {"name": f"{name} ({count:,})", "fill": KIND_COLOURS.get(kind, KIND_COLOURS[None])}
            )
    return {
        "width": width,
        "height": height,
        "nodes": out_nodes,
        "edges": out_edges,
        "legend": legend,
        "groups": [],
        "labelled": sum(1 for n in out_nodes if n["label"]),
        "level": "clusters",
    }


def _components(n: int, pairs: list[tuple[int, int, float]]) -> list[int]:
    """Connected-component id of each node (union-find), numbered from the first node."""
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j, _ in pairs:
        a, b = find(i), find(j)
        if a != b:
            parent[max(a, b)] = min(a, b)
    return [find(i) for i in range(n)]
