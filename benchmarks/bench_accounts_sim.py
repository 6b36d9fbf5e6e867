"""Account classifier on simulated campaigns: grouped CV AUC against unsupervised baselines.

Simulates a collection (seeded), loads it, computes every signal family, trains on ``truth.csv``
grouped by campaign (StratifiedGroupKFold) and prints the cross-validated metrics next to the
unsupervised rankings (robust z-scores, isolation forest) and chance, with the time of each
step (medians over ``--repeat`` seeds).

    PYTHONPATH=src python benchmarks/bench_accounts_sim.py [--posts 100000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from ioscope.accounts import compute_signals, evaluate_scores, score, train  # noqa: E402
from ioscope.simulate import simulate  # noqa: E402
from ioscope.workspace import Workspace  # noqa: E402
from tests.fixtures.accounts import load_simulation  # noqa: E402


def one(posts: int, seed: int, tmp: Path) -> dict:
    out = tmp / f"sim{seed}"
    simulate(out, posts=posts, seed=seed)
    res: dict = {}
    with Workspace.open(tmp / f"sim{seed}.duckdb") as ws:
        load_simulation(ws, out)
        res["accounts"] = ws.count("accounts")
        t = time.perf_counter()
        compute_signals(ws)
        res["signals_s"] = time.perf_counter() - t
        t = time.perf_counter()
        rep = train(ws, out / "truth.csv")
        res["train_s"] = time.perf_counter() - t
        m = rep.metrics
        res.update(
            cv_auc=m["roc_auc"],
            cv_ap=m["average_precision"],
            precision=m["precision"],
            recall=m["recall"],
            positives=m["positives"],
            groups=m["groups"],
            top=[f["signal"] for f in m["feature_importance"][:5]],
        )
        for method in ("zscore", "isolation_forest"):
            score(ws, params={"method": method})
            ev = evaluate_scores(ws, out / "truth.csv", model_id=f"unsupervised:{method}")
            res[f"{method}_auc"] = ev["roc_auc"]
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--posts", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(args.repeat):
            r = one(args.posts, seed + 1, Path(tmp))
            runs.append(r)
            print(
                f"seed {seed + 1}: {r['accounts']:,} accounts, {r['positives']:,} campaign "
                f"accounts in {r['groups']:,} groups; CV AUC {r['cv_auc']:.3f} (AP "
                f"{r['cv_ap']:.3f}, precision {r['precision']:.3f}, recall {r['recall']:.3f}); "
                f"zscore AUC {r['zscore_auc']:.3f}, isolation forest AUC "
                f"{r['isolation_forest_auc']:.3f}; signals {r['signals_s']:.1f} s, train "
                f"{r['train_s']:.1f} s; top signals {', '.join(r['top'])}",
                flush=True,
            )
    med = {
        k: statistics.median(r[k] for r in runs)
        for k in ("cv_auc", "zscore_auc", "isolation_forest_auc", "signals_s", "train_s")
    }
    print(f"\nmedian over {len(runs)} seeds, {args.posts:,} posts each:")
    print(
        f"  supervised (grouped CV) ROC AUC  {med['cv_auc']:.3f}   "
        f"({(med['cv_auc'] - 0.5) / (med['zscore_auc'] - 0.5):.2f}× the zscore lift over chance)"
    )
    print(f"  unsupervised zscore ROC AUC      {med['zscore_auc']:.3f}")
    print(f"  isolation forest ROC AUC         {med['isolation_forest_auc']:.3f}")
    print("  chance                           0.500")
    print(f"  signals {med['signals_s']:.1f} s, train {med['train_s']:.1f} s")


if __name__ == "__main__":
    main()
