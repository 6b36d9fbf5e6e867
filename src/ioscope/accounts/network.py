"""Network position: where coordination detection placed the account.

Account-level cues and coordination evidence are complementary: the coordination tables say who
acted together, the other families say what each account looks like. When the workspace has the
tables of ``ioscope detect`` (``edges``) and of the significance stage (``cluster_members``,
``clusters``), each account gets the size of the coordinated cluster it belongs to and its number
of distinct partners in significant edges (all edges when detection ran without the
significance test). Accounts outside every cluster get 0, so the signal is present for everyone.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from ioscope.accounts._sql import detect_tables, signal_rows
from ioscope.accounts.registry import NotApplicable, Signal, register_family

__all__ = ["network_signals"]

SIGNALS = (
    Signal(
        "cluster_size",
        +1,
        "accounts",
        "Size of the largest coordinated cluster the account belongs to (0 when none).",
    ),
    Signal(
        "coordination_degree",
        +1,
        "accounts",
        "Distinct accounts linked to this one by significant coordination edges (0 when none).",
    ),
)


@register_family(
    "network",
    signals=SIGNALS,
    sources=("Pacheco et al., Uncovering coordinated networks on social media, ICWSM 2021",),
)
def network_signals(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """Cluster membership and degree in significant coordination edges."""
    if not detect_tables(con):
        raise NotApplicable(
            "coordination detection has not run (no edges, clusters or cluster_members)"
        )
    tested = (
        con.execute("SELECT count(*) FROM edges WHERE significant IS NOT NULL").fetchall()[0][0] > 0
    )
    where = "WHERE significant" if tested else ""  # a raw run leaves significant NULL
    parts = [
        """
            WITH m AS (SELECT m.platform, m.account_id, m.cluster_id, c.size
                       FROM cluster_members m LEFT JOIN clusters c ON c.cluster_id = m.cluster_id),
            best AS (SELECT platform, account_id, max(size) AS size,
                            arg_max(cluster_id, size) AS cluster_id, count(*) AS clusters
                     FROM m GROUP BY ALL)
            SELECT a.platform, a.account_id, 'cluster_size' AS signal, COALESCE(b.size, 0) AS value,
                   json_object('cluster_id', b.cluster_id, 'clusters', COALESCE(b.clusters, 0))
                       AS detail
            FROM accounts a LEFT JOIN best b
              ON b.account_id = a.account_id AND b.platform = a.platform""",
        f"""
            WITH e AS (SELECT platform_1 AS pa, account_1 AS a, account_2 AS b, signal AS s
                       FROM edges {where}
                       UNION ALL SELECT platform_2, account_2, account_1, signal FROM edges {where}),
            d AS (SELECT pa, a, count(DISTINCT b) AS degree, list(DISTINCT s ORDER BY s) AS signals
                  FROM e GROUP BY pa, a)
            SELECT x.platform, x.account_id, 'coordination_degree' AS signal,
                   COALESCE(d.degree, 0) AS value,
                   json_object('signals', d.signals, 'significant_only', {bool(where)}) AS detail
            FROM accounts x LEFT JOIN d ON d.a = x.account_id AND d.pa = x.platform""",
    ]
    return signal_rows(con, " UNION ALL ".join(f"SELECT * FROM ({p})" for p in parts))
