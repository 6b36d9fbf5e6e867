"""Detection quality and speed of the calibrated ``ioscope detect`` on simulated data.

Two cases, each simulated, ingested and detected in one workspace:

* ``campaigns``: the simulator's defaults (8 campaigns, one per strategy, with breaking news, fan
  communities and news bots as hard negatives): account precision / recall / F1 of the flagged
  accounts, per strategy, pair precision and ARI/NMI of clusters vs campaigns;
* ``calibration``: the calibration preset (no campaigns, more hard negatives): the share of
  accounts flagged, to compare with the nominal FDR.

Baseline in the same run: the raw co-action engine (``--raw``) on the same workspace, whose
"flagged" set is every account in an edge; the script prints both and the ratios (time of the
calibrated pipeline over the raw engine; precision gained). Times are medians of ``--repeat``
runs, wall and CPU (CPU counts every DuckDB thread and is steadier on a shared machine).

The workspace holds the simulated posts, accounts (with creation dates) and ads (promoted-csv).
Recall is reported over all campaign accounts and over the strategies that leave co-actions:
the simulator's creation_burst campaigns act with no synchronization at all (the signals
creation_burst finds them: a creation scan statistic plus shared items over the whole period),
and paid_promotion members repost their promoted posts hours later (log-normal around 2 h),
which the promoted_amplification signal finds through the ads.

    PYTHONPATH=src python benchmarks/bench_detect_quality.py [--posts 1000000] [--seed 1] \\
        [--repeat 1] [--threads 2] [--case campaigns|calibration]

``--record benchmarks/results/NAME.txt`` also writes the output, with the date, commit and load
average, to that file, then rewrites the section NAME of docs/benchmarks.md from it
(``detect_quality_results.py``); ``--record-only FILE`` rewrites the section from a recorded file
without running anything.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import detect_quality_results  # noqa: E402  (beside this script)
from record import add_record_arguments, header, start_recording  # noqa: E402

from ioscope.detect import detect  # noqa: E402
from ioscope.evaluate import evaluate, load_truth  # noqa: E402
from ioscope.ingest import ingest  # noqa: E402
from ioscope.simulate import simulate  # noqa: E402
from ioscope.workspace import Workspace  # noqa: E402

COACTION = (
    "co_repost",
    "link_amplification",
    "copypasta",
    "hashtag_flooding",
    "reply_swarm",
    "synchronized_posting",
)
CASES = {"campaigns": {}, "calibration": {"preset": "calibration"}}


def _timed(fn, repeat: int):
    wall, cpu, out = [], [], None
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return out, statistics.median(wall), statistics.median(cpu)


def _raw_metrics(ws: Workspace, truth: str) -> dict:
    load_truth(ws, truth)
    flagged, tp, pos = ws.sql("""
        WITH f AS (SELECT account_1 AS a FROM edges UNION SELECT account_2 FROM edges),
             t AS (SELECT * FROM _eval_truth WHERE account_id IN (SELECT account_id FROM posts))
        SELECT (SELECT count(*) FROM f),
               (SELECT count(*) FROM f JOIN t ON t.account_id = f.a WHERE t.campaign_id IS NOT NULL),
               (SELECT count(*) FROM t WHERE campaign_id IS NOT NULL)""").fetchone()
    return {
        "flagged": flagged,
        "precision": tp / flagged if flagged else None,
        "recall": tp / pos if pos else None,
    }


def _fmt(x) -> str:
    return "-" if x is None else f"{x:.3f}"


def run_case(name: str, knobs: dict, args, tmp: Path) -> dict:
    t0 = time.perf_counter()
    sim = simulate(tmp / name, posts=args.posts, seed=args.seed, **knobs)
    path = tmp / f"{name}.duckdb"
    ws = Workspace.open(path, threads=args.threads)
    ingest(ws, [sim["paths"]["posts"], sim["paths"]["accounts"], sim["paths"]["ads"]])
    prep = time.perf_counter() - t0
    accounts = ws.sql("SELECT count(DISTINCT account_id) FROM posts").fetchone()[0]
    _, raw_wall, raw_cpu = _timed(lambda: detect(ws, mode="raw"), args.repeat)
    raw = _raw_metrics(ws, sim["paths"]["truth"])
    report, wall, cpu = _timed(lambda: detect(ws), args.repeat)
    ev = evaluate(ws, sim["paths"]["truth"])
    ws.close()
    sig = report.significance
    out = {
        "case": name,
        "posts": args.posts,
        "accounts": accounts,
        "prepare_seconds": prep,
        "raw": {"wall": raw_wall, "cpu": raw_cpu, **raw},
        "calibrated": {
            "wall": wall,
            "cpu": cpu,
            "significance_seconds": sig.get("seconds"),
            "null_seconds": sum(s.get("null_seconds", 0) for s in report.signals),
        },
        "evaluation": ev,
        "flagged_share": ev["accounts"]["flagged"] / accounts,
        "signals": [
            {
                k: s.get(k)
                for k in (
                    "signal",
                    "edges",
                    "significant_edges",
                    "masked_accounts",
                    "seconds",
                    "null_seconds",
                )
            }
            for s in report.signals
        ],
    }
    strat = ev.get("strategies") or {}
    co = [v for k, v in strat.items() if k in COACTION]
    if co:
        out["recall_coaction_strategies"] = sum(v["flagged"] for v in co) / sum(
            v["accounts"] for v in co
        )
    return out


def show(r: dict) -> None:
    a, raw, cal = r["evaluation"]["accounts"], r["raw"], r["calibrated"]
    print(
        f"\n== {r['case']}: {r['posts']:,} posts, {r['accounts']:,} accounts "
        f"(simulate + ingest {r['prepare_seconds']:.0f} s)"
    )
    print(
        f"calibrated detect: {cal['wall']:.1f} s wall, {cal['cpu']:.1f} s CPU "
        f"(null models {cal['null_seconds']:.1f} s, FDR + fusion + clusters "
        f"{cal['significance_seconds']:.1f} s)"
    )
    print(
        f"raw co-action engine (baseline): {raw['wall']:.1f} s wall, {raw['cpu']:.1f} s CPU; "
        f"ratio calibrated/raw: wall {cal['wall'] / raw['wall']:.2f}, "
        f"CPU {cal['cpu'] / raw['cpu']:.2f}"
    )
    print(
        f"flagged: {a['flagged']:,} accounts = {r['flagged_share']:.5f} of all "
        f"(raw: {raw['flagged']:,} = {raw['flagged'] / r['accounts']:.5f})"
    )
    if a["positives"]:
        print(
            f"accounts: precision {_fmt(a['precision'])}, recall {_fmt(a['recall'])}, "
            f"F1 {_fmt(a['f1'])}; recall over co-action strategies "
            f"{_fmt(r.get('recall_coaction_strategies'))} | raw: precision "
            f"{_fmt(raw['precision'])}, recall {_fmt(raw['recall'])}"
        )
        p, c = r["evaluation"].get("pairs", {}), r["evaluation"]["clusters"]
        print(
            f"pairs: precision {_fmt(p.get('precision'))}; clusters vs campaigns: "
            f"ARI {_fmt(c['ari'])}, NMI {_fmt(c['nmi'])}"
        )
        print(
            "recall by strategy: "
            + ", ".join(
                f"{k} {v['flagged']}/{v['accounts']}"
                for k, v in r["evaluation"]["strategies"].items()
            )
        )
    for s in r["signals"]:
        print(
            f"  {s['signal']:<20} {s['edges'] or 0:>9,} edges {s['significant_edges'] or 0:>7,} "
            f"significant, {s['masked_accounts'] or 0:>4} masked, {s['seconds']:6.1f} s "
            f"(null {s['null_seconds'] or 0:.1f} s)"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--posts", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--case", choices=list(CASES), action="append")
    ap.add_argument("--json", help="Also write the results to this file.")
    add_record_arguments(ap)
    args = ap.parse_args()
    if args.record_only:
        detect_quality_results.record(Path(args.record_only))
        return
    start_recording(args.record)
    if args.record:
        print(header("bench_detect_quality.py", sys.argv[1:]), flush=True)
    print(
        f"ioscope detect quality, {args.posts:,} posts, seed {args.seed}, {args.threads} threads, "
        f"{os.cpu_count()} CPUs, median of {args.repeat}; load average {os.getloadavg()[0]:.1f}"
    )
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.case or list(CASES):
            results.append(run_case(name, CASES[name], args, Path(tmp)))
            show(results[-1])
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, default=str))
    print(f"\nload average after: {os.getloadavg()[0]:.1f}", flush=True)
    if args.record:
        detect_quality_results.record(Path(args.record))


if __name__ == "__main__":
    main()
