"""The difficulty grid: campaign tempo × group size × events, multi-scale detect against one window.

For every cell the simulator plants ``--campaigns`` small campaigns of co-action strategies
(co_repost, link_amplification, copypasta, reply_swarm, hashtag_flooding, in turn), each of
exactly ``size`` accounts acting in exactly ``events`` actions, members acting in turn ``tempo``
apart (``ioscope simulate --tempo``), among the usual organic background with its hard
negatives (breaking news, fan communities, news bots). On the same workspace it runs the multi-scale
``detect --scales`` (multi-scale) and ``detect --window 60s`` and prints account precision and recall of
both side by side, per cell.

    PYTHONPATH=src python benchmarks/bench_tempo_grid.py [--posts 30000] [--seed 1] \\
        [--tempos 10s,10m,1h] [--sizes 4,8] [--events 4,8] [--campaigns 6] [--threads 2] \\
        [--record benchmarks/results/tempo_grid_100k.txt]
"""

from __future__ import annotations

import argparse
import itertools
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

STRATEGIES = "co_repost,link_amplification,copypasta,reply_swarm,hashtag_flooding"


def _metrics(ws: Workspace, truth: str) -> tuple[float | None, float | None, int]:
    a = evaluate(ws, truth)["accounts"]
    return a["precision"], a["recall"], a["flagged"]


def cell(tmp: Path, args, tempo: str, size: int, events: int) -> dict:
    name = f"{tempo}_{size}_{events}"
    sim = simulate(
        tmp / name,
        posts=args.posts,
        seed=args.seed,
        campaigns=args.campaigns,
        strategies=STRATEGIES,
        campaign_size_min=size,
        campaign_size_max=size,
        campaign_events=events,
        tempo=tempo,
    )
    ws = Workspace.open(tmp / f"{name}.duckdb", threads=args.threads)
    try:
        ingest(ws, [sim["paths"]["posts"], sim["paths"]["accounts"]])
        t0 = time.process_time()
        detect(ws, scales=args.scales)
        multi = (*_metrics(ws, sim["paths"]["truth"]), time.process_time() - t0)
        t0 = time.process_time()
        detect(ws, window="60s")
        single = (*_metrics(ws, sim["paths"]["truth"]), time.process_time() - t0)
    finally:
        ws.close()
    return {"tempo": tempo, "size": size, "events": events, "multi": multi, "single": single}


def _f(x) -> str:
    return "  -  " if x is None else f"{x:.3f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--posts", type=int, default=30_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--tempos", default="10s,10m,1h")
    ap.add_argument("--sizes", default="4,8")
    ap.add_argument("--events", default="4,8")
    ap.add_argument("--campaigns", type=int, default=6)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--scales", default="1m,10m,1h", help="Scales of the multi-scale run.")
    add_record_arguments(ap)
    args = ap.parse_args()
    if args.record_only:
        record_section(Path(args.record_only))
        return
    start_recording(args.record)
    if args.record:
        print(header("bench_tempo_grid.py", sys.argv[1:]), flush=True)
    grid = itertools.product(
        args.tempos.split(","),
        [int(x) for x in args.sizes.split(",")],
        [int(x) for x in args.events.split(",")],
    )
    print(
        f"{args.posts:,} posts per cell, {args.campaigns} campaigns of {STRATEGIES}, "
        f"seed {args.seed}; CPU seconds of each detect"
    )
    print(
        f"{'tempo':>6} {'size':>4} {'events':>6} | {'multi-scale (1m,10m,1h)':^30} | "
        f"{'single 60 s window':^30}"
    )
    print(
        f"{'':>6} {'':>4} {'':>6} | {'precision':>9} {'recall':>7} {'flagged':>7} {'CPU s':>5} | "
        f"{'precision':>9} {'recall':>7} {'flagged':>7} {'CPU s':>5}"
    )
    with tempfile.TemporaryDirectory() as d:
        for tempo, size, events in grid:
            r = cell(Path(d), args, tempo, size, events)
            m, s = r["multi"], r["single"]
            print(
                f"{tempo:>6} {size:>4} {events:>6} | {_f(m[0]):>9} {_f(m[1]):>7} {m[2]:>7} "
                f"{m[3]:5.0f} | {_f(s[0]):>9} {_f(s[1]):>7} {s[2]:>7} {s[3]:5.0f}",
                flush=True,
            )
    if args.record:
        sys.stdout.flush()
        record_section(Path(args.record))


if __name__ == "__main__":
    main()
