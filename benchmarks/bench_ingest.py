"""Ingest speed: 1 M posts in CNT CSV form, ioscope against coordination-network-toolkit (CNT).

Generates the posts with ``ioscope.simulate`` (format cnt-csv, seeded), ingests them with
ioscope's ``cnt-csv`` reader (in process, and through the ``ioscope ingest`` CLI so that start-up
counts as it does for CNT), then runs CNT 1.5.2's own ingest (``compute_networks preprocess``) on
the same file through ``../shared/tools/cnt_compare.sh`` and prints both times and the ratio
(medians over the repeats), in wall-clock and in CPU seconds. The machine is shared: the load
average is printed, and CPU seconds are the steadier comparison.

The script's NETWORKS argument is given as a single space: an empty string would make it fall back
to its default list of networks, and only the ingest is compared here.

    PYTHONPATH=src python benchmarks/bench_ingest.py [--posts 1000000] [--repeat 3] [--cnt-repeat 1]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from ioscope.ingest import ingest  # noqa: E402
from ioscope.simulate import simulate  # noqa: E402
from ioscope.workspace import Workspace  # noqa: E402

SHARED = Path(os.environ.get("IOSCOPE_SHARED", ROOT.parent / "shared"))
CNT_SCRIPT = next(
    (
        p
        for p in (SHARED / "tools" / "cnt_compare.sh", Path("/work/shared/tools/cnt_compare.sh"))
        if p.exists()
    ),
    None,
)


def _fresh(path: Path) -> Path:
    for p in (path, Path(str(path) + ".wal")):
        if p.exists():
            p.unlink()
    return path


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def ioscope_library(csv: Path, work: Path) -> tuple[float, float, dict]:
    ws = Workspace.open(_fresh(work / "lib.duckdb"))
    w, c = time.perf_counter(), time.process_time()
    report = ingest(ws, [csv], format="cnt-csv")
    wall, cpu = time.perf_counter() - w, time.process_time() - c
    ws.close()
    return wall, cpu, report.totals


def ioscope_cli(csv: Path, work: Path) -> tuple[float, float]:
    ws = _fresh(work / "cli.duckdb")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    w, c = time.perf_counter(), _children_cpu()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "ioscope",
            "ingest",
            str(ws),
            str(csv),
            "--format",
            "cnt-csv",
            "--quiet",
        ],
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - w, _children_cpu() - c


def cnt_preprocess(csv: Path, work: Path) -> tuple[float, float]:
    """CNT's own preprocess timing (from timings.json) and the CPU of the whole script."""
    out = work / "cnt"
    c = _children_cpu()
    subprocess.run(
        ["bash", str(CNT_SCRIPT), str(csv), str(out), "60", "2", " "],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return json.loads((out / "timings.json").read_text())["preprocess"], _children_cpu() - c


def _line(label: str, runs: list[tuple[float, float]]) -> tuple[float, float]:
    wall, cpu = statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)
    print(
        f"{label:38s} median {wall:6.2f} s wall, {cpu:6.2f} s CPU   runs "
        + " ".join(f"{r[0]:.2f}" for r in runs)
    )
    return wall, cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--posts", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3, help="ioscope runs (median)")
    ap.add_argument("--cnt-repeat", type=int, default=1, help="CNT runs (median; ~10-50 s each)")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    if CNT_SCRIPT is None:
        raise SystemExit("cnt_compare.sh not found (set IOSCOPE_SHARED to the shared folder)")
    print(f"load average before: {os.getloadavg()[0]:.1f} (2 CPUs)")
    with tempfile.TemporaryDirectory(prefix="bench_ingest_") as tmp:
        work = Path(tmp)
        t0 = time.perf_counter()
        out = simulate(work / "sim", posts=args.posts, seed=args.seed, format="cnt-csv")
        csv = Path(out["paths"]["posts"])
        print(
            f"simulated {args.posts:,} posts in CNT CSV ({csv.stat().st_size / 1e6:.0f} MB, "
            f"{out['counts']['accounts']:,} accounts) in {time.perf_counter() - t0:.1f} s"
        )
        lib, cli = [], []
        for _ in range(args.repeat):
            wall, cpu, totals = ioscope_library(csv, work)
            assert totals["rows_read"] == args.posts, totals
            lib.append((wall, cpu))
            cli.append(ioscope_cli(csv, work))
        cnt = [cnt_preprocess(csv, work) for _ in range(args.cnt_repeat)]
    print(
        f"ioscope ingested {totals['rows_ingested']:,} posts, {totals['accounts_new']:,} "
        f"accounts, {totals['rows_quarantined']:,} quarantined"
    )
    lw, lc = _line("ioscope ingest (library, in process)", lib)
    cw, cc = _line("ioscope ingest (CLI, with start-up)", cli)
    nw, nc = _line("CNT 1.5.2 preprocess (CLI)", cnt)
    print(
        f"ratio CNT / ioscope, CLI vs CLI: {nw / cw:.1f}x wall, {nc / cc:.1f}x CPU "
        f"(library: {nw / lw:.1f}x wall); CNT's CPU includes the script's own python calls"
    )
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
