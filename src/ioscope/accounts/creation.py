"""Creation bursts: accounts created within a short span far more densely than the background.

Operations register their accounts in batches. Twitter's October 2018 release of the IRA's
accounts gives each one's creation date, and analyses of the IRA accounts report peaks of account
creation (Zannettou et al., "Who let the trolls out?", WebSci 2019); batch-created accounts are
also a classic sign of bot farms (Ferrara et al., "The rise of social bots", CACM 2016). For each
account we count the other accounts created within ± ``burst_window`` of it and compare with what
the density over ± ``burst_background`` (clipped to the workspace's range of creation dates)
predicts.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from ioscope.accounts._sql import has_rows, signal_rows
from ioscope.accounts.registry import NotApplicable, Signal, register_family
from ioscope.params import Param

__all__ = ["creation_signals"]

SIGNALS = (
    Signal(
        "creation_burst",
        +1,
        "ratio",
        "(accounts created within ± window + 1) / (expected from the background density + 1). "
        "About 1 for organic accounts; a batch of 50 accounts created on one day among a few "
        "per day gives about 8.",
    ),
)
PARAMS = (
    Param("burst_window", "duration", "1d", "Half-width of the creation-burst window.", min=1),
    Param(
        "burst_background",
        "duration",
        "180d",
        "Half-width of the background window the expected density comes from.",
        min=60,
    ),
)


@register_family(
    "creation",
    signals=SIGNALS,
    params=PARAMS,
    sources=(
        "Zannettou et al., Who let the trolls out? Towards understanding "
        "state-sponsored trolls, WebSci 2019",
        "Ferrara et al., The rise of social bots, CACM 59(7), 2016",
    ),
)
def creation_signals(
    con: duckdb.DuckDBPyConnection, *, burst_window: float, burst_background: float
) -> pa.Table:
    """Density of account creation dates around each account versus the background."""
    if not has_rows(con, "SELECT 1 FROM accounts WHERE created_at IS NOT NULL"):
        raise NotApplicable("no account has a creation date")
    if burst_background < burst_window:
        burst_background = burst_window
    w, b = float(burst_window), float(burst_background)
    return signal_rows(
        con,
        f"""
        WITH a AS (
            SELECT platform, account_id, created_at, epoch(created_at) AS t,
                   min(epoch(created_at)) OVER (PARTITION BY platform) AS t_min,
                   max(epoch(created_at)) OVER (PARTITION BY platform) AS t_max
            FROM accounts WHERE created_at IS NOT NULL),
        c AS (
            SELECT *,
              count(*) OVER (PARTITION BY platform ORDER BY t
                             RANGE BETWEEN {w} PRECEDING AND {w} FOLLOWING) - 1 AS nearby,
              count(*) OVER (PARTITION BY platform ORDER BY t
                             RANGE BETWEEN {b} PRECEDING AND {b} FOLLOWING) - 1 AS background,
              least(t + {w}, t_max) - greatest(t - {w}, t_min) AS w_span,
              least(t + {b}, t_max) - greatest(t - {b}, t_min) AS b_span
            FROM a),
        e AS (
            SELECT *, CASE WHEN b_span > 0 THEN (background - nearby) * w_span
                                                / greatest(b_span - w_span, {w})
                           ELSE nearby END AS expected
            FROM c)
        SELECT platform, account_id, 'creation_burst' AS signal,
               (nearby + 1) / (expected + 1) AS value,
               json_object('created_at', strftime(created_at, '%Y-%m-%dT%H:%M:%SZ'),
                           'created_within_window', nearby,
                           'expected_within_window', round(expected, 2),
                           'window_seconds', {w}, 'background_seconds', {b}) AS detail
        FROM e""",
    )
