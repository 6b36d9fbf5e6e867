"""ioscope against coordination-network-toolkit (CNT 1.5.2), side by side on the same file.

1. Simulates a CNT-format CSV with planted campaigns (``ioscope.simulate``, seeded).
2. Runs CNT through ``../shared/tools/cnt_compare.sh``: its ingest and its co_retweet, co_tweet,
   co_reply and co_link networks (the script's own wall-clock timings).
3. Runs ioscope through its CLI, as a user would: ``ioscope ingest`` then
   ``ioscope detect --compat cnt`` (same window and minimum weight), start-up included.
4. Asserts that the four edge sets (user_1, user_2, weight) are identical, and prints both times
   and the speed ratio (medians over ``--repeat`` runs of ioscope).
5. Times the same two ioscope commands on the file's first 100 records: their fixed cost
   (start-up, imports, opening the workspace, recording the run); and DuckDB alone copying the
   CSV into a database file as text, a floor under any ingest into DuckDB.

With ``--near-dup-posts N`` it also simulates N posts, ingests them and times
``detect --signals near_duplicate_text`` and the default ``detect`` under ``--memory-limit``,
reporting the peak resident memory of the process (psutil).

    PYTHONPATH=src python benchmarks/bench_cnt_compare.py [--posts 1000000] [--repeat 3]
    PYTHONPATH=src python benchmarks/bench_cnt_compare.py --posts 0 --near-dup-posts 10000000

``--record benchmarks/results/NAME.txt`` also writes the output, with the date, commit and load
average, to that file, then rewrites the section NAME of docs/benchmarks.md from it
(``cnt_compare_results.py``); ``--record-only FILE`` rewrites the section from a recorded file
without running anything.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import cnt_compare_results  # noqa: E402  (beside this script)
import duckdb  # noqa: E402
from record import add_record_arguments, header, start_recording, uptime  # noqa: E402

NETWORKS = {
    "co_repost": "co_retweet",
    "co_text": "co_tweet",
    "co_reply": "co_reply",
    "co_link": "co_link",
}
SHARED = Path(os.environ.get("IOSCOPE_SHARED", ROOT.parent / "shared"))
if not (SHARED / "tools").is_dir():
    SHARED = Path("/work/shared")
CNT = SHARED / "tools" / "cnt_compare.sh"
PY = sys.executable
ENV = {**os.environ, "PYTHONPATH": str(ROOT / "src")}


def simulate_csv(outdir: Path, posts: int, seed: int) -> Path:
    from ioscope.simulate import simulate

    summary = simulate(outdir, posts=posts, seed=seed, format="cnt-csv")
    return Path(summary["paths"]["posts"])


def cpu_children() -> float:
    """CPU seconds (user + system) of every finished, waited-for descendant process so far."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


CPU: dict[str, float] = {}


def run_measured(cmd: list[str], label: str | None = None) -> tuple[float, int, str]:
    """Wall seconds, peak RSS (bytes, process and children) and stdout of a command; its CPU
    seconds go to ``CPU[label]`` (a fair measure when the machine is shared)."""
    c0 = cpu_children()
    # the output goes to files, not pipes: a child writing more than a pipe holds (a 74 KB JSON
    # report) would block until it is read, and it is read only after the child exits
    with tempfile.TemporaryFile("w+") as fout, tempfile.TemporaryFile("w+") as ferr:
        t0 = time.perf_counter()
        proc = psutil.Popen(cmd, env=ENV, stdout=fout, stderr=ferr, text=True)
        peak = 0
        while proc.poll() is None:
            try:
                procs = [proc] + proc.children(recursive=True)
                peak = max(peak, sum(p.memory_info().rss for p in procs))
            except psutil.Error:
                pass
            time.sleep(0.05)
        wall = time.perf_counter() - t0
        fout.seek(0)
        ferr.seek(0)
        out, err = fout.read(), ferr.read()
    if proc.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err[-2000:]}")
    if label:
        CPU[label] = CPU.get(label, 0.0) + cpu_children() - c0
    return wall, peak, out


def ioscope_run(csv_path: Path, ws: Path, window: int, min_weight: int) -> dict[str, float]:
    for suffix in ("", ".wal"):
        Path(str(ws) + suffix).unlink(missing_ok=True)
    t_ingest, _, _ = run_measured(
        [PY, "-m", "ioscope", "ingest", str(ws), str(csv_path), "--format", "cnt-csv", "--quiet"],
        "ioscope",
    )
    cpu_before = CPU.get("ioscope", 0.0)
    t_detect, _, out = run_measured(
        [
            PY,
            "-m",
            "ioscope",
            "detect",
            str(ws),
            "--compat",
            "cnt",
            "--window",
            str(window),
            "--min-weight",
            str(min_weight),
            "--max-evidence",
            "1",
            "--json",
        ],
        "ioscope",
    )
    per_signal = {s["signal"]: s["seconds"] for s in json.loads(out)["signals"]}
    detect_cpu = CPU["ioscope"] - cpu_before
    return {"ingest": t_ingest, "detect": t_detect, "detect_cpu": detect_cpu, **per_signal}


def bare_copy(csv_path: Path, db: Path) -> float:
    """Seconds DuckDB takes to copy the CSV, every field as text, into a new database file: a
    floor under any ingest into DuckDB (no value parsing, validation, entities or accounts)."""
    for suffix in ("", ".wal"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    t0 = time.perf_counter()
    con = duckdb.connect(str(db))
    con.execute(f"CREATE TABLE posts AS SELECT * FROM read_csv('{csv_path}', all_varchar=true)")
    con.close()
    return time.perf_counter() - t0


def compare_edges(ws: Path, cnt_out: Path) -> dict[str, int]:
    con = duckdb.connect(str(ws), read_only=True)
    sizes = {}
    for signal, net in NETWORKS.items():
        mine = set(
            con.execute(
                "SELECT account_1, account_2, weight FROM edges WHERE signal = ?", [signal]
            ).fetchall()
        )
        with open(cnt_out / f"{net}.csv", newline="") as f:
            theirs = {(a, b, int(w)) for a, b, w in list(csv.reader(f))[1:]}
        if mine != theirs:
            raise SystemExit(
                f"{signal} differs from CNT's {net}: {len(mine - theirs)} only in "
                f"ioscope, {len(theirs - mine)} only in CNT, e.g. "
                f"{sorted(mine ^ theirs)[:3]}"
            )
        sizes[signal] = len(mine)
    con.close()
    return sizes


def cnt_comparison(args: argparse.Namespace, work: Path) -> None:
    print(f"Simulating {args.posts:,} posts (seed {args.seed}) ...", flush=True)
    t0 = time.perf_counter()
    csv_path = simulate_csv(work / "sim", args.posts, args.seed)
    print(f"  {time.perf_counter() - t0:.1f} s -> {csv_path}", flush=True)
    print("Running CNT 1.5.2 (cnt_compare.sh) ...", flush=True)
    cnt_out = work / "cnt"
    c0 = cpu_children()
    t0 = time.perf_counter()
    subprocess.run(
        ["bash", str(CNT), str(csv_path), str(cnt_out), str(args.window), str(args.min_weight)],
        check=True,
        capture_output=True,
    )
    cnt_wall = time.perf_counter() - t0
    cnt_cpu = cpu_children() - c0
    cnt = json.loads((cnt_out / "timings.json").read_text())
    runs = []
    for i in range(args.repeat):
        print(f"Running ioscope ({i + 1}/{args.repeat}) ...", flush=True)
        runs.append(ioscope_run(csv_path, work / "ws.duckdb", args.window, args.min_weight))
    mine = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    mine_cpu = CPU.pop("ioscope") / args.repeat
    # the fixed cost of the two commands (start-up, imports, opening and recording the run):
    # the same two commands on the file's first 100 records
    tiny = work / "first100.csv"
    with open(csv_path, newline="") as src, open(tiny, "w", newline="") as dst:
        dst.writelines(line for _, line in zip(range(101), src))
    fixed = [
        ioscope_run(tiny, work / "tiny.duckdb", args.window, args.min_weight)
        for _ in range(args.repeat)
    ]
    fixed_cmd = {k: statistics.median(r[k] for r in fixed) for k in ("ingest", "detect")}
    copy = statistics.median(bare_copy(csv_path, work / "copy.duckdb") for _ in range(args.repeat))
    sizes = compare_edges(work / "ws.duckdb", cnt_out)
    cnt_total = sum(cnt.values())
    mine_total = mine["ingest"] + mine["detect"]
    print(
        f"\nCNT-compatible networks, {args.posts:,} posts, window {args.window} s, "
        f"min weight {args.min_weight}: identical edge sets "
        + ", ".join(f"{s} {n:,}" for s, n in sizes.items())
    )
    print(f"{'step':<12}{'CNT s':>10}{'ioscope s':>12}")
    print(f"{'ingest':<12}{cnt['preprocess']:>10.2f}{mine['ingest']:>12.2f}")
    for signal, net in NETWORKS.items():
        print(f"{signal:<12}{cnt[net]:>10.2f}{mine.get(signal, 0):>12.2f}   (ioscope: in-process)")
    print(
        f"{'detect CLI':<12}{sum(cnt[n] for n in NETWORKS.values()):>10.2f}{mine['detect']:>12.2f}"
    )
    print(
        f"{'total':<12}{cnt_total:>10.2f}{mine_total:>12.2f}   (CNT script wall {cnt_wall:.1f} s)"
    )
    print(
        f"detect CLI CPU seconds (median of {args.repeat}): {mine['detect_cpu']:.2f} "
        f"(CNT's network steps are single-threaded: their wall seconds are about their CPU "
        f"seconds on an idle machine)"
    )
    print(
        f"{'fixed cost':<12}{'':>10}{fixed_cmd['ingest'] + fixed_cmd['detect']:>12.2f}   "
        f"(ioscope: the two commands on the first 100 records: ingest "
        f"{fixed_cmd['ingest']:.2f} s, detect {fixed_cmd['detect']:.2f} s)"
    )
    print(
        f"{'bare copy':<12}{'':>10}{copy:>12.2f}   (DuckDB alone copying the CSV into a new "
        f"database file as text: no parsing, validation or entities)"
    )
    print(
        f"speed ratio (CNT / ioscope, end to end): {cnt_total / mine_total:.1f}x wall; "
        f"CPU seconds {cnt_cpu:.1f} / {mine_cpu:.1f} = {cnt_cpu / mine_cpu:.1f}x "
        f"(load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
    )


def scale_run(args: argparse.Namespace, work: Path) -> None:
    n = args.near_dup_posts
    print(f"Simulating {n:,} posts for the scale run ...", flush=True)
    t0 = time.perf_counter()
    csv_path = simulate_csv(work / "sim_scale", n, args.seed)
    print(f"  {time.perf_counter() - t0:.1f} s", flush=True)
    ws = work / "scale.duckdb"
    t_ingest, rss_ingest, _ = run_measured(
        [
            PY,
            "-m",
            "ioscope",
            "ingest",
            str(ws),
            str(csv_path),
            "--format",
            "cnt-csv",
            "--quiet",
            "--memory-limit",
            args.memory_limit,
        ],
        "ingest",
    )
    print(
        f"ingest: {t_ingest:.1f} s wall, {CPU['ingest']:.0f} CPU s, peak RSS "
        f"{rss_ingest / 2**30:.2f} GiB",
        flush=True,
    )
    common = [
        "--memory-limit",
        args.memory_limit,
        "--temp-directory",
        str(work / "spill"),
        "--json",
    ]
    t_nd, rss_nd, out = run_measured(
        [PY, "-m", "ioscope", "detect", str(ws), "--signals", "near_duplicate_text", *common],
        "near_dup",
    )
    nd = json.loads(out)["signals"][0]
    print(
        f"near_duplicate_text on {n:,} posts: {t_nd:.1f} s wall ({nd['seconds']:.1f} s in "
        f"detect), {CPU['near_dup']:.0f} CPU s, peak RSS {rss_nd / 2**30:.2f} GiB, "
        f"{nd['similar_text_pairs']:,} similar text pairs, {nd['edges']:,} edges "
        f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)",
        flush=True,
    )
    if args.full:
        t_all, rss_all, out = run_measured(
            [PY, "-m", "ioscope", "detect", str(ws), *common], "full"
        )
        rep = json.loads(out)
        print(
            f"default detect on {n:,} posts: {t_all:.1f} s wall, {CPU['full']:.0f} CPU s, "
            f"peak RSS {rss_all / 2**30:.2f} GiB; "
            + ", ".join(f"{s['signal']} {s['seconds']:.0f} s" for s in rep["signals"])
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--posts", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--window", type=int, default=60)
    ap.add_argument("--min-weight", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--near-dup-posts", type=int, default=0)
    ap.add_argument("--full", action="store_true", help="Also run the default detect at scale.")
    ap.add_argument("--memory-limit", default="3GB")
    ap.add_argument("--workdir", default=None)
    add_record_arguments(ap)
    args = ap.parse_args()
    if args.record_only:
        cnt_compare_results.record(Path(args.record_only))
        return
    start_recording(args.record)
    print(header("bench_cnt_compare.py", sys.argv[1:]), flush=True)
    work = Path(args.workdir or tempfile.mkdtemp(prefix="ioscope-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    if args.posts:
        cnt_comparison(args, work)
    if args.near_dup_posts:
        scale_run(args, work)
    print(f"after: {uptime()}", flush=True)
    if args.record:
        sys.stdout.flush()
        cnt_compare_results.record(Path(args.record))


if __name__ == "__main__":
    main()
