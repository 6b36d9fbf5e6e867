"""Account classifier on real data: IRA accounts against organic controls of the same week.

Positives: IRA accounts of the FiveThirtyEight/Clemson tweets active during the week of the
geotagged 2016-election sample (all on the HPSCI lists); negatives: the accounts of that sample.
The sources are made comparable first (benchmarks/accounts_real_data.py; docs/accounts.md, "Real
data"), and the model uses only the signals both can have. Prints the grouped cross-validated
ROC AUC (each account its own group, and leave-persona-out: Linvill & Warren's account
categories as groups) next to the baselines of the same run: chance, the unsupervised z-score
ranking on the same signals, and a naive model on every signal of the raw, unharmonized sources
(which learns the sources). Medians over ``--repeat`` sub-sampling seeds. Published anchors:
0.989 (Im et al., WebSci 2020), 0.91 (Ezzeddine et al., 2023).

    PYTHONPATH=src python benchmarks/bench_accounts_real.py [--repeat 5] [--states AK,AR,...]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import accounts_real_data as real  # noqa: E402

from ioscope.accounts import compute_signals, evaluate_scores, score, train  # noqa: E402
from ioscope.workspace import Workspace  # noqa: E402

SHARED = Path(os.environ.get("IOSCOPE_SHARED", ROOT.parent / "shared"))
if not (SHARED / "data").is_dir():
    SHARED = Path("/work/shared")


def _train(ws: Workspace, labels: Path, features, group_column=None) -> dict:
    rep = train(ws, labels, features=features, group_column=group_column)
    return {**rep.metrics, "warnings": rep.warnings}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5, help="Sub-sampling seeds.")
    ap.add_argument("--states", default=None, help="Comma-separated control states (default all).")
    args = ap.parse_args()
    data = SHARED / "data"
    states = args.states.split(",") if args.states else None
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        base = tmp / "base.duckdb"
        t = time.perf_counter()
        with Workspace.open(base) as ws:
            info = real.ingest_sources(ws, data, tmp, states=states)
        print(
            f"ingested both sources in {time.perf_counter() - t:.1f} s: span {info['span'][0]} "
            f"to {info['span'][1]}, {info['ira_tweets_in_span']:,} IRA tweets in it"
        )

        naive_path = tmp / "naive.duckdb"
        shutil.copy(base, naive_path)
        with Workspace.open(naive_path) as ws:
            real.drop_accounts_without_posts(ws)
            labels = tmp / "naive_labels.csv"
            real.write_labels(ws, data, labels)
            compute_signals(ws)
            naive = _train(ws, labels, None)
        leaky = ", ".join(w["signal"] for w in naive["warnings"])
        print(
            f"naive (raw sources, every signal): CV ROC AUC {naive['roc_auc']:.3f}; source "
            f"warnings for {len(naive['warnings'])} signals: {leaky}"
        )

        runs = []
        for seed in range(args.repeat):
            path = tmp / f"h{seed}.duckdb"
            shutil.copy(base, path)
            with Workspace.open(path) as ws:
                h = real.harmonize(ws, info["week_file"], seed)
                labels = tmp / f"labels{seed}.csv"
                counts = real.write_labels(ws, data, labels)
                t = time.perf_counter()
                compute_signals(ws)
                per_account = _train(ws, labels, list(real.COMPARABLE))
                persona = _train(ws, labels, list(real.COMPARABLE), group_column="persona")
                score(ws, signals=list(real.COMPARABLE), params={"method": "zscore"})
                z = evaluate_scores(ws, labels, model_id="unsupervised:zscore")
                secs = time.perf_counter() - t
            runs.append(
                {
                    "per_account": per_account["roc_auc"],
                    "persona": persona["roc_auc"],
                    "zscore": z["roc_auc"],
                    "ap": per_account["average_precision"],
                    "warnings": len(per_account["warnings"]),
                    "seconds": secs,
                }
            )
            print(
                f"seed {seed}: {counts['positives']:,} IRA and {counts['negatives']:,} control "
                f"accounts ({h['ira_posts_per_account_after']:.2f} vs "
                f"{h['control_posts_per_account']:.2f} posts per account); CV ROC AUC "
                f"{per_account['roc_auc']:.3f} (AP {per_account['average_precision']:.3f}), "
                f"leave-persona-out {persona['roc_auc']:.3f} "
                f"(folds {persona['fold_roc_auc']}), zscore {z['roc_auc']:.3f}; "
                f"{len(per_account['warnings'])} source warnings; top: "
                + ", ".join(
                    f"{f['signal']} {f['auc_drop']:+.3f}"
                    for f in per_account["feature_importance"][:4]
                ),
                flush=True,
            )
    med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    print(f"\nmedian over {len(runs)} seeds (signals {real.COMPARABLE!r}):")
    print(f"  CV ROC AUC, each account its own group   {med['per_account']:.3f}")
    print(f"  CV ROC AUC, leave-persona-out            {med['persona']:.3f}")
    print(f"  unsupervised zscore, same signals        {med['zscore']:.3f}")
    print("  chance                                   0.500")
    print(
        f"  naive, raw sources and every signal      {naive['roc_auc']:.3f}   (learns the sources)"
    )
    print("  published: Im et al. 2020 0.989; Ezzeddine et al. 2023 0.91")
    print(
        f"  lift over chance, supervised / zscore    "
        f"{(med['per_account'] - 0.5) / max(med['zscore'] - 0.5, 1e-9):.2f}×"
    )
    print(f"  signals + 2 trainings + scoring: {med['seconds']:.1f} s per seed")


if __name__ == "__main__":
    main()
