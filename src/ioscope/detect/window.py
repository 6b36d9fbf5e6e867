"""Choosing the time window from the data, and seeing what the choice changes.

:func:`coornet_interval` is CooRnet's automatic coordination interval (Giglietto, Righetti,
Rossi & Marino, "It takes a village to manipulate the media: coordinated link sharing behavior
during 2018 and 2019 Italian elections", Information, Communication & Society 23(6), 2020;
``estimate_coord_interval`` in the CooRnet R package): rank the shares of every item shared more
than once by time; keep the items whose second share came quickest (time to the second share at
or below its q-quantile); for each of them take the time from the first share until more than a
share p of all its shares had happened; the interval is the p-quantile of those times
(q = 0.1, p = 0.5 by default; quantiles as R's type 7; 0 becomes 1 s). On CooRTweet's Russian
retweet sample it gives 1,439 s, as the R package does.

:func:`window_sweep` runs the calibrated pipeline at several windows and reports how the raw and
the significant results change (``ioscope detect --window-sweep 10s,60s,10m,1h``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import duckdb

from ioscope.params import parse_duration

if TYPE_CHECKING:
    from ioscope.workspace import Workspace

__all__ = ["coornet_interval", "estimate_window", "window_sweep"]


def coornet_interval(
    con: duckdb.DuckDBPyConnection, actions: str, *, q: float = 0.1, p: float = 0.5
) -> dict[str, Any]:
    """CooRnet's coordination interval of ``actions`` (item, t in epoch seconds), in seconds.

    Returns {"seconds", "items", "quick_items"}; seconds is None without any item shared twice.
    """
    row = con.execute(f"""
        WITH s AS (
            SELECT item, t - min(t) OVER (PARTITION BY item) AS dt,
                   row_number() OVER (PARTITION BY item ORDER BY t) AS rnk,
                   count(*) OVER (PARTITION BY item) AS n
            FROM (SELECT item, t FROM ({actions}) WHERE item IS NOT NULL AND t IS NOT NULL)),
        multi AS (SELECT * FROM s WHERE n > 1),
        second AS (SELECT item, dt FROM multi WHERE rnk = 2),
        cut AS (SELECT quantile_cont(dt, {float(q)!r}) AS c FROM second),
        quick AS (SELECT item FROM second, cut WHERE dt <= cut.c),
        reach AS (SELECT m.item, min(m.dt) AS dt FROM multi m JOIN quick USING (item)
                  WHERE 1.0 * m.rnk / m.n > {float(p)!r} GROUP BY m.item)
        SELECT (SELECT quantile_cont(dt, {float(p)!r}) FROM reach),
               (SELECT count(*) FROM second), (SELECT count(*) FROM reach)""").fetchone()
    seconds = None if row[0] is None else max(float(row[0]), 1.0)
    return {"seconds": seconds, "items": int(row[1]), "quick_items": int(row[2]), "q": q, "p": p}


def window_sweep(
    ws: Workspace,
    windows: Sequence[float | str],
    *,
    final_window: float | str | None = None,
    **options: Any,
) -> list[dict[str, Any]]:
    """Run the calibrated pipeline once per window and say how the results move.

    Each row: window (seconds), raw_edges and raw_accounts (every co-action edge and the accounts
    in one: what raw counts would flag), significant_edges, flagged (accounts in campaign
    clusters), clusters, and the Jaccard index of the flagged set with the previous window's and
    with the first window's. Every run is recorded in ``runs``; with ``final_window`` the
    pipeline runs once more at that window so that the workspace ends with its results.
    ``options``: those of :func:`ioscope.detect.detect` (signals, params, engine, declared
    parameters by name).
    """
    from ioscope.detect import detect
    from ioscope.detect.results import flagged_accounts

    rows: list[dict[str, Any]] = []
    sets: list[set[tuple[str, str]]] = []
    for w in windows:
        result = detect(ws, **{**options, "window": w})
        raw_edges, raw_accounts = ws.sql("""
            SELECT count(*), (SELECT count(*) FROM (SELECT platform_1, account_1 FROM edges
                                                   UNION SELECT platform_2, account_2 FROM edges))
            FROM edges""").fetchone()
        flagged = {(a["platform"], a["account_id"]) for a in flagged_accounts(ws)}
        rows.append(
            {
                "window": parse_duration(w),
                "raw_edges": raw_edges,
                "raw_accounts": raw_accounts,
                "significant_edges": result.significance.get("significant_edges", 0),
                "flagged": len(flagged),
                "clusters": result.cluster_totals.get("campaign_clusters", 0),
                "jaccard_previous": _jaccard(flagged, sets[-1]) if sets else None,
                "jaccard_first": _jaccard(flagged, sets[0]) if sets else None,
                "run_id": result.run_id,
            }
        )
        sets.append(flagged)
    if final_window is not None and (
        not windows or parse_duration(final_window) != parse_duration(windows[-1])
    ):
        detect(ws, **{**options, "window": final_window})
    return rows


def _jaccard(a: set, b: set) -> float | None:
    return len(a & b) / len(a | b) if a | b else None


def estimate_window(
    ws: Workspace, *, signal: str | None = None, q: float = 0.1, p: float = 0.5
) -> dict[str, Any]:
    """CooRnet's coordination interval of one signal's actions in ``ws`` (default: the first
    registered signal with timed actions, reposts)."""
    from ioscope.detect.engine.runner import resolve_params
    from ioscope.detect.signals import SIGNALS, get_signal
    from ioscope.errors import UsageError

    timed = [n for n, s in SIGNALS.items() if s.actions is not None and s.windowed]
    signal = signal or timed[0]
    sig = get_signal(signal)
    if signal not in timed:
        raise UsageError(
            f"The window of {signal} cannot be estimated: it has no timed actions.",
            hint=f"Use a windowed signal such as {timed[0]} or {timed[1]}.",
        )
    actions = sig.actions(resolve_params([signal])[signal], None)
    return {"signal": signal, **coornet_interval(ws.con, actions, q=q, p=p)}
