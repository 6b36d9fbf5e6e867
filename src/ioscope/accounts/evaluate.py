"""Evaluate account scores against known truth: ROC AUC, average precision, precision at k.

Also the bridge to coordination detection: :func:`flagged_accounts` lists the accounts that
``ioscope.detect.flagged_accounts`` (stage signif) flags, and says clearly when detection has not
run.
"""

from __future__ import annotations

import os
from typing import Any, Iterable

import numpy as np

from ioscope.accounts.labels import read_labels, resolve_labels
from ioscope.accounts.scoring import account_scores
from ioscope.errors import StageNotRunError, UsageError
from ioscope.workspace import Workspace

__all__ = ["evaluate_scores", "flagged_accounts"]


def evaluate_scores(ws: Workspace, truth: str | os.PathLike, *, model_id: str | None = None,
                    k: Iterable[int] = (10, 50, 100)) -> dict[str, Any]:
    """Compare ``account_scores`` (one model, the latest by default) with a truth/label file.

    ``truth`` is a label file (``account_id,label``) or the simulator's ``truth.csv``. Accounts
    in the truth file without a score, and scored accounts not in it, are counted and left out.
    """
    from sklearn.metrics import average_precision_score, roc_auc_score

    labels = resolve_labels(ws, read_labels(truth))
    rows = account_scores(ws, model_id=model_id)
    by_key = {(r["platform"], r["account_id"]): r["score"] for r in rows}
    y, s = [], []
    unscored = 0
    for p, a, lab in zip(labels.platform, labels.account_id, labels.label):
        if (p, a) in by_key and by_key[(p, a)] is not None:
            y.append(lab)
            s.append(by_key[(p, a)])
        else:
            unscored += 1
    y_arr, s_arr = np.array(y), np.array(s, dtype=float)
    if len(set(y)) < 2:
        raise UsageError("The truth file must name scored accounts of both labels to compute an "
                         f"AUC; it matched {int(y_arr.sum())} positive and "
                         f"{int(len(y_arr) - y_arr.sum())} negative scored account(s).")
    order = np.lexsort((np.arange(len(s_arr)), -s_arr))
    prec = {str(kk): round(float(y_arr[order[:kk]].mean()), 4) for kk in k if kk <= len(y_arr)}
    return {
        "model_id": rows[0]["model_id"],
        "accounts_evaluated": int(len(y_arr)),
        "positives": int(y_arr.sum()),
        "roc_auc": round(float(roc_auc_score(y_arr, s_arr)), 4),
        "average_precision": round(float(average_precision_score(y_arr, s_arr)), 4),
        "precision_at_k": prec,
        "base_rate": round(float(y_arr.mean()), 4),
        "truth_absent_from_workspace": labels.absent,
        "truth_unscored": unscored,
    }


def flagged_accounts(ws: Workspace) -> list[dict[str, Any]]:
    """Accounts flagged by coordination detection (``ioscope.detect.flagged_accounts``)."""
    try:
        from ioscope.detect import flagged_accounts as detect_flagged  # type: ignore
    except ImportError:
        detect_flagged = None
    if detect_flagged is None:
        raise StageNotRunError(
            "Coordination detection has not run: this ioscope has no coordination significance "
            "stage (ioscope.detect.flagged_accounts), so no account is flagged.",
            hint="Run `ioscope detect WS` and the significance stage first; until then use "
                 "`ioscope accounts WS score` for account-level scores.")
    if not (ws.has_table("edges") or ws.has_table("cluster_members")):
        raise StageNotRunError(
            f"Coordination detection has not run on {ws.path}: it has no edges or clusters, so "
            "no account is flagged.", hint="Run `ioscope detect WS` first.")
    return detect_flagged(ws)
