"""A large workspace built directly in SQL, for timing pages when the full pipeline at 10 M posts
would take too long: posts with skewed account activity, accounts with creation dates, and the
stage tables (edges, edge_evidence, clusters, cluster_members, account_scores) shaped like the
detect and accounts stages' output — 60 clusters from 10 to 1,500 members, ≈ 1 M organic edges
and 5 evidence rows per edge.

    PYTHONPATH=src python benchmarks/web_data.py OUT.duckdb --posts 10000000
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import ioscope.model.stages  # noqa: E402,F401
from ioscope.model.table import _REGISTRY  # noqa: E402
from ioscope.workspace import Workspace  # noqa: E402


def build_synthetic(path: Path, posts: int, *, seed: int = 1) -> None:
    a = max(posts // 100, 1000)
    ws = Workspace.open(path)
    con = ws.con
    con.execute(f"SELECT setseed({1 / (seed + 1)})")
    con.execute(f"""
        INSERT INTO accounts (platform, account_id, handle, display_name, created_at, followers)
        SELECT 'twitter', 'a' || i, 'user_' || i, 'User ' || i,
               TIMESTAMP '2010-01-01' + to_seconds(CAST(hash(i, {seed}) % 250000000 AS BIGINT)),
               CAST(hash(i * 7, {seed}) % 10000 AS BIGINT)
        FROM range({a}) t(i)""")
    con.execute(f"""
        INSERT INTO posts (platform, post_id, account_id, created_at, kind, text, hashtags, urls)
        SELECT 'twitter', 'p' || i,
               'a' || CAST(floor(pow((hash(i, {seed}) % 1000000) / 1000000.0, 2) * {a}) AS BIGINT),
               TIMESTAMP '2016-01-01' + to_seconds(CAST(hash(i * 3, {seed}) % 31536000 AS BIGINT)),
               CASE WHEN i % 3 = 0 THEN 'repost' WHEN i % 7 = 0 THEN 'reply' ELSE 'post' END,
               'text number ' || i, ['tag' || (i % 1000)], []
        FROM range({posts}) t(i)""")
    for name in ("edges", "edge_evidence", "clusters", "cluster_members", "account_scores"):
        if name in _REGISTRY:
            ws.ensure(name)
    sizes = "CASE WHEN k = 1 THEN 1500 WHEN k < 5 THEN 400 ELSE 10 + (k * 7) % 120 END"
    step = max(a // 61, 1)
    con.execute(f"""
        CREATE TEMP TABLE cm AS
        SELECT k AS cluster_id, 'twitter' AS platform, 'a' || ((k * {step} + j) % {a}) AS account_id
        FROM range(1, 61) t(k), range(0, 1500) s(j) WHERE j < least({sizes}, {step})""")
    con.execute(
        "INSERT INTO cluster_members (cluster_id, platform, account_id, degree, strength) "
        "SELECT cluster_id, platform, account_id, 5, 10.0 FROM cm"
    )
    con.execute("""
        INSERT INTO clusters (cluster_id, rank, size, edges, score, signals, first_at, last_at,
                              explanation)
        SELECT cluster_id, cluster_id, count(*), count(*) * 3, 100.0 - cluster_id, ['co_repost'],
               TIMESTAMP '2016-01-01', TIMESTAMP '2016-12-01',
               count(*) || ' accounts reposted the same posts' FROM cm GROUP BY cluster_id""")
    con.execute("""
        INSERT INTO edges (signal, platform_1, account_1, platform_2, account_2, weight,
                           shared_items, first_at, last_at)
        SELECT 'co_repost', 'twitter', x.account_id, 'twitter', y.account_id, 3, 3,
               TIMESTAMP '2016-02-01', TIMESTAMP '2016-03-01'
        FROM cm x JOIN cm y ON x.cluster_id = y.cluster_id AND x.account_id < y.account_id
        WHERE hash(x.account_id || y.account_id) % 50 < 3""")
    con.execute(f"""
        INSERT INTO edges (signal, platform_1, account_1, platform_2, account_2, weight,
                           shared_items, first_at, last_at)
        SELECT 'co_link', 'twitter', 'a' || (hash(i, {seed}) % {a}), 'twitter',
               'a' || (hash(i * 7 + 1, {seed}) % {a}), 1, 1, TIMESTAMP '2016-02-01',
               TIMESTAMP '2016-03-01'
        FROM range({posts // 10}) t(i)""")
    con.execute(f"""
        INSERT INTO edge_evidence (signal, platform_1, account_1, platform_2, account_2, item,
                                   post_1, post_2, dt_seconds)
        SELECT e.signal, e.platform_1, e.account_1, e.platform_2, e.account_2,
               'item' || (hash(e.account_1) % 1000 + k), 'p' || (hash(e.account_1 || k) % {posts}),
               'p' || (hash(e.account_2 || k) % {posts}), k * 3.0
        FROM edges e, range(5) t(k)""")
    if "account_scores" in _REGISTRY:
        con.execute(f"""
            INSERT INTO account_scores (platform, account_id, score, model_id, run_id)
            SELECT 'twitter', 'a' || i, (hash(i, {seed}) % 1000) / 1000.0, 'zscore', 'r'
            FROM range({a}) t(i)""")
    ws.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--posts", type=int, default=10_000_000)
    args = ap.parse_args()
    t = time.perf_counter()
    build_synthetic(args.out, args.posts)
    print(f"{args.out}: {args.posts:,} posts in {time.perf_counter() - t:.0f} s")


if __name__ == "__main__":
    main()
