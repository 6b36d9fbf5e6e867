"""DuckDB against Spark local[2] on the same detection, in one process.

Simulates POSTS posts (``ioscope.simulate``, Parquet with accounts' creation dates and ads,
seeded), ingests them into a workspace (or reuses ``--workspace``) and runs ``detect`` with the
same signals and options on both engines: DuckDB in the workspace, and Spark on one local[2]
SparkSession started once (its start-up is timed apart). By default the whole default detect
(every default signal, then significance, fusion and clusters in the workspace: the calibrated
tail, timed apart); ``--raw`` runs the co-action part only. Prints the median wall-clock seconds
of each engine over the repeats, the ratio Spark / DuckDB, and the peak memory of the whole
process tree (the Python process with DuckDB inside it, plus Spark's JVM, which is a child process
that ``/usr/bin/time`` does not count), sampled with psutil. Both engines must give the same
edges (signal, accounts, weight, significance; p-values to 1e-9) and evidence counts; the script
stops if they do not.

The machine is shared: the load average is printed with the results.

    PYTHONPATH=src python benchmarks/bench_engines.py [--posts 1000000] [--repeat 3]
        [--signals co_repost,co_link,...] [--raw] [--workspace case.duckdb]
        [--spark-master local[2]] [--driver-memory 6g]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from ioscope.detect import detect  # noqa: E402
from ioscope.detect.engine import SparkEngine  # noqa: E402
from ioscope.detect.engine.spark import spark_session  # noqa: E402
from ioscope.detect.signals import default_signals  # noqa: E402
from ioscope.ingest import ingest  # noqa: E402
from ioscope.simulate import simulate  # noqa: E402
from ioscope.workspace import Workspace  # noqa: E402

GB = 1024**3


class TreeMemory:
    """Peak resident memory of this process and all its children, sampled every 0.2 s."""

    def __init__(self) -> None:
        self.peak = 0
        self.peak_children = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            try:
                kids = sum(c.memory_info().rss for c in me.children(recursive=True))
                self.peak = max(self.peak, me.memory_info().rss + kids)
                self.peak_children = max(self.peak_children, kids)
            except psutil.Error:
                pass
            self._stop.wait(0.2)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def counts(ws: Workspace) -> dict[str, tuple[int, int]]:
    rows = ws.sql("""SELECT e.signal, e.n, coalesce(v.n, 0) FROM
        (SELECT signal, count(*) AS n FROM edges GROUP BY signal) e
        LEFT JOIN (SELECT signal, count(*) AS n FROM edge_evidence GROUP BY signal) v
        USING (signal) ORDER BY e.signal""").fetchall()
    return {s: (e, v) for s, e, v in rows}


def timed_runs(ws: Workspace, repeat: int, **options) -> tuple[list[float], list[dict]]:
    times, reports = [], []
    for _ in range(repeat):
        t0 = time.perf_counter()
        report = detect(ws, **options)
        times.append(time.perf_counter() - t0)
        seconds = {s["signal"]: s["seconds"] for s in report.signals}
        # what the driver receives per signal for the calibrated tail (actions and pairs)
        seconds["rows"] = {
            s["signal"]: (s.get("actions", 0), s.get("pairs", 0), s["edges"])
            for s in report.signals
        }
        tail = getattr(report, "significance", {}).get("seconds")
        if tail is not None:
            seconds["(significance, fusion, clusters)"] = tail
        reports.append(seconds)
    return times, reports


def print_progress() -> None:
    """Print each signal's seconds as it finishes (a long Spark run shows where it is)."""
    import ioscope.detect.engine.runner as run

    inner = run._run_signal

    def timed(sql, signal, *args, **kwargs):
        t0 = time.perf_counter()
        try:
            return inner(sql, signal, *args, **kwargs)
        finally:
            print(
                f"  {type(sql).__name__} {signal.name}: {time.perf_counter() - t0:.1f} s "
                f"(load {os.getloadavg()[0]:.1f})",
                flush=True,
            )

    run._run_signal = timed


def keep_edges(ws: Workspace, name: str) -> None:
    ws.con.execute(
        f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT signal, platform_1, "
        "account_1, platform_2, account_2, weight, significant, p_value FROM edges"
    )


def edge_differences(ws: Workspace, a: str, b: str) -> tuple[int, float]:
    """Rows of ``a`` and ``b`` that differ in anything but the p-value; the largest relative
    difference of the p-values of the same edges."""
    cols = "signal, platform_1, account_1, platform_2, account_2, weight, significant"
    n = ws.con.execute(
        f"SELECT (SELECT count(*) FROM (SELECT {cols} FROM {a} EXCEPT ALL "
        f"SELECT {cols} FROM {b})) + (SELECT count(*) FROM (SELECT {cols} FROM "
        f"{b} EXCEPT ALL SELECT {cols} FROM {a}))"
    ).fetchone()[0]
    rel = ws.con.execute(f"""SELECT coalesce(max(abs(x.p_value - y.p_value)
                               / greatest(abs(x.p_value), 1e-300)), 0)
        FROM {a} x JOIN {b} y USING (signal, platform_1, account_1, platform_2, account_2)
        WHERE x.p_value IS NOT NULL""").fetchone()[0]
    return int(n), float(rel)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--posts", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--signals", default=",".join(default_signals()))
    ap.add_argument("--raw", action="store_true", help="co-action part only (no significance)")
    ap.add_argument("--workspace", help="an ingested workspace to use (a copy is run)")
    ap.add_argument("--spark-master", default="local[2]")
    ap.add_argument("--driver-memory", default="6g")
    ap.add_argument("--workdir", default=None)
    args = ap.parse_args()
    signals = args.signals.split(",")
    work = Path(args.workdir or tempfile.mkdtemp(prefix="bench-engines-"))
    work.mkdir(parents=True, exist_ok=True)

    t0 = time.perf_counter()
    ws_path = work / "engines.duckdb"
    for p in (ws_path, Path(str(ws_path) + ".wal")):
        if p.exists():
            p.unlink()
    if args.workspace:
        shutil.copy(args.workspace, ws_path)
        ws = Workspace.open(ws_path)
    else:
        summary = simulate(work / "sim", posts=args.posts, seed=args.seed, format="parquet")
        ws = Workspace.open(ws_path)
        ingest(ws, [summary["paths"][k] for k in ("posts", "accounts", "ads")])
    print(
        f"{ws.count('posts'):,} posts ready in {time.perf_counter() - t0:.0f} s; "
        f"signals: {', '.join(signals)}; {'raw' if args.raw else 'calibrated'}"
    )
    options = dict(signals=signals, mode="raw" if args.raw else "calibrated")
    print_progress()

    with TreeMemory() as duck_mem:
        duck_times, duck_reports = timed_runs(ws, args.repeat, **options)
    duck_counts = counts(ws)
    keep_edges(ws, "_bench_duck")
    print(
        f"duckdb: runs {', '.join(f'{t:.1f}' for t in duck_times)} s, peak process tree "
        f"{duck_mem.peak / GB:.2f} GB, per step {duck_reports[-1]}",
        flush=True,
    )

    with TreeMemory() as spark_mem:
        t0 = time.perf_counter()
        # the session a detect run would start itself (spark.session_settings), started here
        # to time it apart
        session, _ = spark_session(args.spark_master, {"spark.driver.memory": args.driver_memory})
        startup = time.perf_counter() - t0
        spark_times, spark_reports = timed_runs(ws, args.repeat, engine=SparkEngine(), **options)
    spark_counts = counts(ws)
    keep_edges(ws, "_bench_spark")
    differing, p_rel = edge_differences(ws, "_bench_duck", "_bench_spark")
    session.stop()
    ws.close()
    if spark_counts != duck_counts or differing or p_rel > 1e-9:
        sys.exit(
            f"DIFFERENT RESULTS: duckdb {duck_counts} spark {spark_counts}; "
            f"{differing} differing edge rows; p-values up to {p_rel:.2e} apart"
        )

    duck_med, spark_med = statistics.median(duck_times), statistics.median(spark_times)
    print(
        f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} on "
        f"{os.cpu_count()} cores; {args.repeat} run(s) per engine"
    )
    print(f"{'signal':18} {'edges':>9} {'evidence':>9} {'duckdb s':>9} {'spark s':>9}")
    for s in signals + ["(significance, fusion, clusters)"] * (not args.raw):
        e, v = duck_counts.get(s, (0, 0))
        d = statistics.median(r.get(s, 0.0) for r in duck_reports)
        k = statistics.median(r.get(s, 0.0) for r in spark_reports)
        print(f"{s:18} {e:9,} {v:9,} {d:9.1f} {k:9.1f}")
    print(
        f"duckdb: median {duck_med:.1f} s (runs {', '.join(f'{t:.1f}' for t in duck_times)}), "
        f"peak process tree {duck_mem.peak / GB:.2f} GB"
    )
    print(
        f"spark {args.spark_master}: median {spark_med:.1f} s "
        f"(runs {', '.join(f'{t:.1f}' for t in spark_times)}), session start {startup:.1f} s, "
        f"peak process tree {spark_mem.peak / GB:.2f} GB (JVM {spark_mem.peak_children / GB:.2f} GB)"
    )
    print(
        f"ratio spark / duckdb: {spark_med / duck_med:.1f}x (same edges, weights and "
        f"significance; p-values at most {p_rel:.1e} apart; same evidence counts)"
    )


if __name__ == "__main__":
    main()
