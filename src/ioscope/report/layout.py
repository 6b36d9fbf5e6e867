"""A deterministic force-directed layout (Fruchterman & Reingold 1991) in numpy, with packing.

Used for the static network picture of the report. Each group (cluster) is laid out on its own
and the groups are packed in rows, largest first, each in a square whose side grows with the
square root of its size: the clusters stay apart and readable whatever the edges between them.
Deterministic for a seed, so the same workspace always gives the same picture.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

__all__ = ["force_layout", "packed_layout"]


def force_layout(
    n: int, edges: list[tuple[int, int, float]], *, iterations: int | None = None, seed: int = 7
) -> np.ndarray:
    """Positions (n × 2, in [0, 1]) of ``n`` nodes joined by ``(i, j, weight)`` edges."""
    if n == 0:
        return np.zeros((0, 2))
    if n == 1:
        return np.array([[0.5, 0.5]])
    iterations = iterations or (200 if n <= 100 else 120)
    rng = np.random.default_rng(seed)
    x, y = (rng.uniform(-1, 1, n), rng.uniform(-1, 1, n))
    k2 = 4.0 / n
    k = np.sqrt(k2)
    if edges:
        src = np.array([e[0] for e in edges])
        dst = np.array([e[1] for e in edges])
        w = np.array([e[2] for e in edges], dtype=float)
        w = 1.0 + np.log1p(w / max(float(np.median(w)), 1e-9))
    temp = 0.2
    cool = (0.005 / temp) ** (1 / iterations)
    for _ in range(iterations):
        dx = x[:, None] - x[None, :]
        dy = y[:, None] - y[None, :]
        d2 = dx * dx + dy * dy + 1e-9
        np.fill_diagonal(d2, np.inf)
        f = k2 / d2
        fx, fy = (f * dx).sum(1), (f * dy).sum(1)
        if edges:
            ex, ey = x[src] - x[dst], y[src] - y[dst]
            a = np.sqrt(ex * ex + ey * ey) / k * w
            fx -= np.bincount(src, a * ex, n) - np.bincount(dst, a * ex, n)
            fy -= np.bincount(src, a * ey, n) - np.bincount(dst, a * ey, n)
        fx -= 0.3 * x  # gravity: keeps loose nodes of the group near it
        fy -= 0.3 * y
        length = np.sqrt(fx * fx + fy * fy) + 1e-9
        step = np.minimum(length, temp) / length
        x, y = x + fx * step, y + fy * step
        temp *= cool
    pos = np.c_[x, y]
    # scale on the 2nd–98th percentiles and clip: one stray node does not shrink the rest
    q = 0.02 if n >= 20 else 0.0
    lo, hi = np.quantile(pos, q, axis=0), np.quantile(pos, 1 - q, axis=0)
    span = float(max((hi - lo).max(), 1e-9))
    out = (pos - lo) / span + (1 - (hi - lo) / span) / 2
    return np.clip(out, 0.0, 1.0)


def packed_layout(
    groups: list, edges: list[tuple[int, int, float]], *, aspect: float = 1.4, seed: int = 7
) -> np.ndarray:
    """Positions in [0, 1]² of nodes labelled by ``groups``: each group laid out apart, packed.

    Cached: the same picture asked again (a page reloaded) costs nothing."""
    return _packed(tuple(groups), tuple(edges), aspect, seed).copy()


@lru_cache(maxsize=64)
def _packed(groups: tuple, edges: tuple, aspect: float, seed: int) -> np.ndarray:
    n = len(groups)
    order = list(dict.fromkeys(groups))
    members = {g: [i for i in range(n) if groups[i] == g] for g in order}
    order.sort(key=lambda g: -len(members[g]))
    sides = {g: math.sqrt(len(members[g])) for g in order}
    # shelf packing: rows of width `row_width`, in units of the side of a one-node square
    row_width = max(
        max(sides.values(), default=1.0),
        math.sqrt(sum(s * s for s in sides.values()) * aspect) * 1.1,
    )
    boxes, x, y, row_h = {}, 0.0, 0.0, 0.0
    for g in order:
        s = sides[g]
        if x + s > row_width + 1e-9 and x > 0:
            x, y, row_h = 0.0, y + row_h, 0.0
        boxes[g] = (x, y, s)
        x += s
        row_h = max(row_h, s)
    height = y + row_h
    scale = 1.0 / max(row_width, height * aspect, 1e-9)
    pos = np.zeros((n, 2))
    for g in order:
        idx = members[g]
        local = {old: new for new, old in enumerate(idx)}
        sub = [(local[i], local[j], w) for i, j, w in edges if i in local and j in local]
        xy = force_layout(len(idx), sub, seed=seed)
        bx, by, s = boxes[g]
        margin = 0.12 * s
        pos[idx, 0] = (bx + margin + xy[:, 0] * (s - 2 * margin)) * scale
        pos[idx, 1] = (by + margin + xy[:, 1] * (s - 2 * margin)) * scale * aspect
    # centre the packed boxes in the frame (one cluster alone would otherwise hug the left)
    used_w = max(bx + s for bx, _, s in boxes.values()) * scale
    pos[:, 0] += (1.0 - used_w) / 2
    pos[:, 1] += (1.0 - height * scale * aspect) / 2
    return pos
