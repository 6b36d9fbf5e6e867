"""Web UI and report speed on a large simulated workspace, against a small one in the same run.

Builds (or reuses) two workspaces with the demo's pipeline — simulate, ingest, detect, accounts
score — one small (``--small`` posts) and one large (``--posts``, default 10 M), then times every
page of the UI in-process (median of ``--repeat`` requests after one warm-up request, which also
compiles the templates and builds the connection's summaries: its time is printed as "1st") and
the whole report, and prints the medians and the large/small ratio.
The slowest query of each page is printed too (every query is timed in the JSON twin).

    PYTHONPATH=src python benchmarks/bench_web.py [--posts 10000000] [--small 100000]
        [--dir /tmp/ioscope-bench-web] [--repeat 5] [--synthetic]

``--synthetic`` builds both workspaces directly in SQL (``web_data.py``: same shape of tables,
minutes instead of the pipeline's much longer run at 10 M posts).

Workspaces are kept in ``--dir`` and reused when present (delete them to rebuild).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from ioscope.ingest import ingest  # noqa: E402
from ioscope.workspace import Workspace  # noqa: E402

PAGES = [
    "/",
    "/clusters",
    "/clusters/1",
    "/clusters/{mid}",
    "/clusters/1.json",
    "/network",
    "/accounts",
    "/accounts?q=an",
    "/accounts?flagged=true",
    "/account?{member}",
    "/account?{busiest}",
    "/account?{busiest}&page=20",
    "/ads",
    "/method",
]


def build(path: Path, posts: int, seed: int, synthetic: bool = False) -> None:
    """simulate → ingest → detect → accounts score, timed, unless the workspace exists."""
    if path.exists():
        with Workspace.open(path, read_only=True) as ws:
            runs = [r[0] for r in ws.sql("SELECT command FROM runs ORDER BY started_at").fetchall()]
        print(f"reusing {path} (runs: {', '.join(runs)}; delete it to rebuild)")
        return
    if synthetic:
        from web_data import build_synthetic

        t = time.perf_counter()
        build_synthetic(path, posts, seed=seed)
        print(f"  built in SQL: {time.perf_counter() - t:.1f} s")
        return
    from ioscope.simulate import simulate

    sim_dir = path.with_suffix(".sim")
    t = time.perf_counter()
    sim = simulate(sim_dir, posts=posts, seed=seed, format="parquet")
    print(f"  simulate {posts:,} posts: {time.perf_counter() - t:.1f} s")
    with Workspace.open(path, memory_limit="6GB") as ws:
        ws.sql("SET enable_progress_bar = false")
        t = time.perf_counter()
        ingest(ws, [sim["paths"]["posts"], sim["paths"]["accounts"]])
        ingest(ws, [sim["paths"]["ads"]], format="promoted-csv")
        print(f"  ingest: {time.perf_counter() - t:.1f} s")
        from ioscope.detect import detect

        t = time.perf_counter()
        detect(ws)
        print(f"  detect: {time.perf_counter() - t:.1f} s")
        try:
            from ioscope.accounts import score
        except ImportError:
            print("  accounts stage not installed: no scores")
        else:
            t = time.perf_counter()
            score(ws)
            print(f"  accounts score: {time.perf_counter() - t:.1f} s")


def targets(path: Path) -> list[str]:
    """The page list with real ids: a mid-ranked cluster, a member, the busiest account."""
    from urllib.parse import urlencode

    with Workspace.open(path, read_only=True) as ws:
        mid = member = None
        if ws.has_table("clusters") and ws.count("clusters"):
            n = ws.count("clusters")
            mid = ws.sql(
                "SELECT cluster_id FROM clusters ORDER BY rank LIMIT 1 OFFSET ?", [n // 2]
            ).fetchone()[0]
            member = ws.sql(
                "SELECT platform, account_id FROM cluster_members WHERE cluster_id = 1 LIMIT 1"
            ).fetchone()
        busy = ws.sql(
            "SELECT platform, account_id FROM posts GROUP BY ALL ORDER BY count(*) DESC LIMIT 1"
        ).fetchone()
    out = []
    for p in PAGES:
        if ("{mid}" in p and mid is None) or ("{member}" in p and member is None):
            continue
        p = p.replace("{mid}", str(mid))
        if member:
            p = p.replace("{member}", urlencode({"platform": member[0], "id": member[1]}))
        out.append(p.replace("{busiest}", urlencode({"platform": busy[0], "id": busy[1]})))
    return out


def time_pages(path: Path, pages: list[str], repeat: int) -> dict[str, tuple[float, str]]:
    from ioscope.web import create_app, get

    app = create_app(path)
    out = {}
    for page in pages:
        t = time.perf_counter()
        get(app, page)  # warm-up: templates compiled, summaries of the connection built
        first = time.perf_counter() - t
        times = []
        for _ in range(repeat):
            t = time.perf_counter()
            r = get(app, page)
            times.append(time.perf_counter() - t)
        assert r.status == 200, (page, r.text[:300])
        twin = page.split("?")[0]
        twin = (
            ("/index" if twin == "/" else twin.removesuffix(".json"))
            + ".json"
            + ("?" + page.split("?", 1)[1] if "?" in page else "")
        )
        queries = json.loads(get(app, twin).body)["queries"]
        slow = max(queries, key=lambda q: q["seconds"]) if queries else None
        out[page] = (
            statistics.median(times),
            first,
            f"{slow['title']} ({slow['seconds'] * 1000:.0f} ms)" if slow else "",
        )
    return out


def time_report(path: Path, repeat: int) -> float:
    from ioscope.report import build_report

    times = []
    with Workspace.open(path, read_only=True) as ws:
        for _ in range(repeat):
            t = time.perf_counter()
            build_report(ws)
            times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--posts", type=int, default=10_000_000)
    ap.add_argument("--small", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--dir", type=Path, default=Path("/tmp/ioscope-bench-web"))
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--synthetic", action="store_true")
    args = ap.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    kind = "sql" if args.synthetic else "sim"
    small = args.dir / f"web-{kind}-{args.small}.duckdb"
    large = args.dir / f"web-{kind}-{args.posts}.duckdb"
    for path, n in ((small, args.small), (large, args.posts)):
        print(f"workspace {path} ({n:,} posts)")
        build(path, n, args.seed, args.synthetic)
    print("load average before:", " ".join(f"{x:.2f}" for x in os.getloadavg()))
    pages = targets(large)
    base = time_pages(small, targets(small), args.repeat)
    big = time_pages(large, pages, args.repeat)
    print(
        f"\n{'page':<44}{'small ms':>10}{'large ms':>10}{'ratio':>8}{'1st ms':>8}"
        "  slowest query (large)"
    )
    for page in pages:
        key = next(
            (
                k
                for k in base
                if k.split("?")[0] == page.split("?")[0] and ("page=" in k) == ("page=" in page)
            ),
            None,
        )
        b = base[key][0] if key else float("nan")
        t, first, slow = big[page]
        print(
            f"{page[:43]:<44}{b * 1000:>10.0f}{t * 1000:>10.0f}{t / b:>8.1f}"
            f"{first * 1000:>8.0f}  {slow}"
        )
    rs, rl = time_report(small, 1), time_report(large, 1)
    print(f"{'report (html, whole)':<44}{rs * 1000:>10.0f}{rl * 1000:>10.0f}{rl / rs:>8.1f}")
    print("load average after:", " ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
