"""Simulator speed: 1 M posts with the default campaigns, and the calibration preset.

Runs ``ioscope.simulate.simulate`` in this process (the time includes planning, generation and
writing every file; the lexicon is built once before the first timed run) and prints, per case,
the median wall time of the repeats, the median CPU time of the process (less sensitive to other
jobs on a shared machine), posts per second and the summary's counts.

    PYTHONPATH=src python benchmarks/bench_simulate.py [--posts 1000000] [--repeat 3] \
        [--format parquet|cnt-csv|io-archive]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from ioscope.simulate import simulate  # noqa: E402
from ioscope.simulate.vocab import lexicon  # noqa: E402

CASES = {
    "campaigns": {},  # the defaults: 8 campaigns, one per strategy
    "calibration": {"preset": "calibration"},
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--posts", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--format", default="parquet")
    args = ap.parse_args()
    lexicon()  # built once per process; not part of a run
    print(
        f"ioscope simulate, {args.posts:,} posts, format {args.format}, {os.cpu_count()} CPUs, "
        f"median of {args.repeat}, load average before: {os.getloadavg()[0]:.1f}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for name, knobs in CASES.items():
            times, cpu, summary = [], [], None
            for i in range(args.repeat):
                out = Path(tmp) / f"{name}-{i}"
                t0, c0 = time.perf_counter(), time.process_time()
                summary = simulate(
                    out, posts=args.posts, seed=args.seed, format=args.format, **knobs
                )
                times.append(time.perf_counter() - t0)
                cpu.append(time.process_time() - c0)
            med = statistics.median(times)
            c = summary["counts"]
            print(
                f"{name:<12} {med:6.2f} s wall ({', '.join(f'{t:.2f}' for t in times)}), "
                f"{statistics.median(cpu):.2f} s CPU, {args.posts / med:,.0f} posts/s | "
                f"{c['campaigns']} campaigns, "
                f"{c['campaign_accounts']:,} campaign accounts, {c['campaign_posts']:,} campaign "
                f"posts, {c['accounts']:,} accounts, {c['ads']:,} ads, {c['breaking_news']} "
                f"breaking-news moments, {c['news_bots']} news bots"
            )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of the process: {peak:,.0f} MB; load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
