"""Choosing the time window from the data, and seeing what the choice changes.

:func:`coornet_interval` is CooRnet's automatic coordination interval (Giglietto, Righetti,
Rossi & Marino, "It takes a village to manipulate the media: coordinated link sharing behavior
during 2018 and 2019 Italian elections", Information, Communication & Society 23(6), 2020;
``estimate_coord_interval`` in the CooRnet R package): rank the shares of every item shared more
than once by time; keep the items whose second share came quickest (time to the second share at
or below its q-quantile); for each of them take the time from the first share until more than a
share p of all its shares had happened; the interval is the p-quantile of those times
(q = 0.1, p = 0.5 by default; quantiles as R's type 7; 0 becomes 1 s).
"""

from __future__ import annotations

from typing import Any

import duckdb

__all__ = ["coornet_interval"]


def coornet_interval(con: duckdb.DuckDBPyConnection, actions: str, *, q: float = 0.1,
                     p: float = 0.5) -> dict[str, Any]:
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
