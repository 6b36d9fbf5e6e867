"""Evaluate account scores against known truth: ROC AUC, average precision, precision at k.

Also the bridge to coordination detection: :func:`flagged_accounts` lists the accounts that
``ioscope.detect.flagged_accounts`` (stage signif) flags, and says clearly when detection has not
run.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

import numpy as np

from ioscope.accounts.labels import read_labels, resolve_labels
from ioscope.accounts.scoring import account_scores
from ioscope.detect.results import flagged_accounts as detect_flagged
from ioscope.errors import StageNotRunError, UsageError
from ioscope.workspace import Workspace

__all__ = ["evaluate_scores", "score_metrics", "account_scores_section", "flagged_accounts"]


def score_metrics(y: np.ndarray, s: np.ndarray, k: Iterable[int] = (10, 50, 100)) -> dict[str, Any]:
    """ROC AUC, average precision and precision at k of scores ``s`` against labels ``y``.

    Ties in the ranking are broken by input order. ``precision_at_positives`` is precision at
    k = number of positives (R-precision).
    """
    from sklearn.metrics import average_precision_score, roc_auc_score

    y, s = np.asarray(y, dtype=int), np.asarray(s, dtype=float)
    order = np.lexsort((np.arange(len(s)), -s))
    out: dict[str, Any] = {
        "accounts": int(len(y)),
        "positives": int(y.sum()),
        "base_rate": round(float(y.mean()), 4) if len(y) else None,
    }
    if len(set(y.tolist())) < 2:
        return {**out, "roc_auc": None, "average_precision": None}
    out["roc_auc"] = round(float(roc_auc_score(y, s)), 4)
    out["average_precision"] = round(float(average_precision_score(y, s)), 4)
    for kk in [*k, int(y.sum())]:
        if 0 < kk <= len(y):
            key = "precision_at_positives" if kk == int(y.sum()) else f"precision_at_{kk}"
            out[key] = round(float(y[order[:kk]].mean()), 4)
    return out


def evaluate_scores(
    ws: Workspace,
    truth: str | os.PathLike,
    *,
    model_id: str | None = None,
    k: Iterable[int] = (10, 50, 100),
) -> dict[str, Any]:
    """Compare ``account_scores`` (one model, the latest scored by default) with a label file.

    ``truth`` is a label file (``account_id,label``) or the simulator's ``truth.csv``. Accounts
    in the truth file without a score, and scored accounts not in it, are counted and left out.
    """
    labels = resolve_labels(ws, read_labels(truth))
    rows = account_scores(ws, model_id=model_id)
    by_key = {(r["platform"], r["account_id"]): r["score"] for r in rows}
    y, s = [], []
    for p, a, lab in zip(labels.platform, labels.account_id, labels.label):
        if by_key.get((p, a)) is not None:
            y.append(lab)
            s.append(by_key[(p, a)])
    if len(set(y)) < 2:
        raise UsageError(
            "The truth file must name scored accounts of both labels to compute an "
            f"AUC; it matched {sum(y)} positive and {len(y) - sum(y)} negative "
            "scored account(s)."
        )
    return {
        "model_id": rows[0]["model_id"],
        **score_metrics(np.array(y), np.array(s), k),
        "truth_absent_from_workspace": labels.absent,
        "truth_unscored": len(labels.account_id) - len(y),
    }


def account_scores_section(ws: Workspace, truth: str) -> dict[str, Any] | None:
    """The ``account_scores`` section of ``ioscope evaluate``: the latest scored model against
    the truth table (campaign_id not empty = positive), over accounts both scored and in truth."""
    if not ws.has_table("account_scores") or ws.count("account_scores") == 0:
        return None
    rows = ws.sql(f"""
        WITH m AS (SELECT model_id FROM account_scores ORDER BY run_id DESC, model_id LIMIT 1)
        SELECT s.model_id, CASE WHEN t.campaign_id IS NULL THEN 0 ELSE 1 END, s.score
        FROM account_scores s JOIN m USING (model_id) JOIN {truth} t USING (account_id)
        WHERE s.score IS NOT NULL ORDER BY s.rank""").fetchall()
    if not rows:
        return None
    return {
        "model_id": rows[0][0],
        **score_metrics(np.array([r[1] for r in rows]), np.array([r[2] for r in rows])),
    }


def flagged_accounts(ws: Workspace) -> list[dict[str, Any]]:
    """Accounts flagged by coordination detection (``ioscope.detect.flagged_accounts``)."""
    if not ws.has_table("cluster_members"):
        raise StageNotRunError(
            f"Coordination detection has not run on {ws.path}: it has no clusters, so no "
            "account is flagged.",
            hint="Run `ioscope detect WS` first.",
        )
    return detect_flagged(ws)
