"""Hand-made significant edges and evidence for the fusion, cluster and evaluation tests."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

from ioscope.detect.significance.clusters import write_clusters
from ioscope.detect.significance.fusion import communities, fuse
from ioscope.model.signif import CLUSTER_MEMBERS, CLUSTERS

T0 = datetime(2024, 3, 1, 12)

EDGE_DDL = """CREATE TABLE sig_edges (signal VARCHAR, platform_1 VARCHAR, account_1 VARCHAR,
    platform_2 VARCHAR, account_2 VARCHAR, log10_p DOUBLE, first_at TIMESTAMP, last_at TIMESTAMP,
    weight BIGINT DEFAULT 1, expected DOUBLE DEFAULT 0.5, co_actions BIGINT DEFAULT 0)"""
#: Insert an edge with its first eight columns (weight 1, expected 0.5 by default).
EDGE_INSERT = ("INSERT INTO sig_edges (signal, platform_1, account_1, platform_2, account_2, "
               "log10_p, first_at, last_at) VALUES")
EVIDENCE_DDL = """CREATE TABLE ev (signal VARCHAR, platform_1 VARCHAR, account_1 VARCHAR,
    platform_2 VARCHAR, account_2 VARCHAR, item VARCHAR, post_1 VARCHAR, post_2 VARCHAR,
    dt_seconds DOUBLE)"""


def setup_groups(ws, groups):
    """groups: (name, members, signal, log10_p, items); every pair of a group gets an edge."""
    con = ws.con
    con.execute(EDGE_DDL)
    con.execute(EVIDENCE_DDL)
    ws.ensure(CLUSTERS, CLUSTER_MEMBERS)
    for name, members, signal, log10_p, items in groups:
        for a, b in itertools.combinations(sorted(members), 2):
            con.execute("INSERT INTO sig_edges VALUES (?, 'x', ?, 'x', ?, ?, ?, ?, ?, 0.5, ?)",
                        [signal, a, b, log10_p, T0, T0 + timedelta(hours=2), max(items, 1),
                         items])
            for i in range(items):
                con.execute("INSERT INTO ev VALUES (?, 'x', ?, 'x', ?, ?, ?, ?, ?)",
                            [signal, a, b, f"{name}-item{i}", f"{a}-{name}-{i}",
                             f"{b}-{name}-{i}", 5.0 + i])
    posts = {(m, f"{m}-{n}-{i}") for n, ms, _, _, k in groups for m in ms for i in range(k)}
    for acc, pid in sorted(posts):
        con.execute("INSERT INTO posts (platform, post_id, account_id, created_at, kind) "
                    "VALUES ('x', ?, ?, ?, 'repost')", [pid, acc, T0])
    for acc in sorted({a for a, _ in posts}):
        con.execute("INSERT INTO accounts (platform, account_id, handle) VALUES ('x', ?, ?)",
                    [acc, "h_" + acc])


def cluster(ws, **kw):
    n = fuse(ws.con, "sig_edges")
    kept = communities(ws.con, **kw)
    counts = write_clusters(ws.con, significant_edges="sig_edges", evidence="ev", run_id="r1")
    return n, kept, counts


