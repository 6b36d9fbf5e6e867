"""Cost and precision of a multi-scale ``ioscope detect`` (``--scales``) against one window.

On one simulated workspace (the simulator's defaults) the script times, wall and CPU:

* ``single``: ``detect(ws, window="60s")``, the calibrated pipeline at one window;
* ``multi``: ``detect(ws, scales=...)``, every windowed co-action signal at every scale of ``--scales``
  (one pair join at the largest scale, a Δt filter per smaller one);

and prints the ratio multi / single, per-signal seconds of both, and the flagged accounts with
their precision and recall against the simulator's truth.

    PYTHONPATH=src python benchmarks/bench_multiscale.py [--posts 200000] [--seed 1] \\
        [--threads 2] [--scales 1m,10m,1h] [--record benchmarks/results/multiscale_200k.txt]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from record import add_record_arguments, header, record_section, start_recording  # noqa: E402

from ioscope.detect import detect  # noqa: E402
from ioscope.evaluate import evaluate  # noqa: E402
from ioscope.ingest import ingest  # noqa: E402
from ioscope.simulate import simulate  # noqa: E402
from ioscope.workspace import Workspace  # noqa: E402


def _timed(fn):
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - t0, time.process_time() - c0


def _line(name: str, report, wall: float, cpu: float, ev: dict) -> None:
    a = ev["accounts"]
    print(
        f"{name:<7} {wall:8.1f} s wall {cpu:8.1f} s CPU; flagged {a['flagged']:,} "
        f"(precision {a['precision'] or 0:.3f}, recall {a['recall'] or 0:.3f})"
    )
    for s in report.signals:
        print(
            f"    {s['signal']:<22} {s.get('edges', 0):>9,} edges "
            f"{s.get('significant_edges', 0):>7,} significant {s['seconds']:7.1f} s"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--posts", type=int, default=200_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--scales", default="1m,10m,1h")
    add_record_arguments(ap)
    args = ap.parse_args()
    if args.record_only:
        record_section(Path(args.record_only))
        return
    start_recording(args.record)
    if args.record:
        print(header("bench_multiscale.py", sys.argv[1:]), flush=True)
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        t0 = time.perf_counter()
        sim = simulate(tmp / "sim", posts=args.posts, seed=args.seed)
        ws = Workspace.open(tmp / "case.duckdb", threads=args.threads)
        ingest(ws, [sim["paths"]["posts"], sim["paths"]["accounts"], sim["paths"]["ads"]])
        print(
            f"{args.posts:,} simulated posts, seed {args.seed}, {args.threads} threads "
            f"(simulate + ingest {time.perf_counter() - t0:.0f} s)"
        )
        single, sw, sc = _timed(lambda: detect(ws, window="60s"))
        ev_single = evaluate(ws, sim["paths"]["truth"])
        multi, mw, mc = _timed(lambda: detect(ws, scales=args.scales))
        ev_multi = evaluate(ws, sim["paths"]["truth"])
        ws.close()
    _line("single", single, sw, sc, ev_single)
    _line("multi", multi, mw, mc, ev_multi)
    print(
        f"ratio multi-scale ({args.scales}) / single 60 s window: wall {mw / sw:.2f}, "
        f"CPU {mc / sc:.2f}"
    )
    if args.record:
        sys.stdout.flush()
        record_section(Path(args.record))


if __name__ == "__main__":
    main()
