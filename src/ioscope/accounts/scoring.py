"""Score every account: with a trained model, or without one by unsupervised outlier ranking.

With a model the score is its predicted probability and each account's top signals are the
features whose replacement by typical training values lowers that probability most (an occlusion
attribution averaged over a background sample kept with the model — a cheap relative of
interventional SHAP values). Without labels the score is either ``zscore`` — the mean of the three
largest positive robust z-scores, each clipped at 10, threshold 3.5 as for modified z-scores
(Iglewicz & Hoaglin, 1993) — or ``isolation_forest`` (Liu, Ting & Zhou, ICDM 2008), whose
score is −score_samples (threshold 0.5). Scores, thresholds and labels are stored apart.
"""

from __future__ import annotations

import hashlib
import json
import pickle
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

from ioscope.accounts._sql import register_arrow
from ioscope.accounts.compute import ensure_signals
from ioscope.accounts.features import FeatureMatrix, available_signals, feature_matrix
from ioscope.accounts.training import single_threaded
from ioscope.errors import IncompatibleWorkspaceError, NotFoundError
from ioscope.model.accounts import ACCOUNT_SCORES
from ioscope.model.names import name_sql
from ioscope.params import Param, validate_params
from ioscope.workspace import Workspace

__all__ = [
    "score",
    "ScoreReport",
    "SCORE_PARAMS",
    "load_model",
    "latest_model_id",
    "account_scores",
    "contributions",
]

OWNER = "accounts score"
SCORE_PARAMS = (
    Param(
        "method",
        "choice",
        "auto",
        "'model' (a trained model), 'zscore' or "
        "'isolation_forest' (unsupervised); 'auto' = the latest model if any, else zscore.",
        choices=("auto", "model", "zscore", "isolation_forest"),
    ),
    Param("top", "int", 5, "Contributing signals kept per account.", min=1, max=50),
    Param("seed", "int", 0, "Random seed (isolation forest).", min=0),
)
Z_CLIP, Z_TOP, Z_THRESHOLD = 10.0, 3, 3.5


@dataclass
class ScoreReport:
    run_id: str
    model_id: str
    method: str
    threshold: float
    accounts: int
    above_threshold: int
    missing_features: list[str] = field(default_factory=list)
    signals_computed: bool = False

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def latest_model_id(ws: Workspace) -> str | None:
    if not ws.has_table("models"):
        return None
    row = ws.sql(
        "SELECT model_id FROM models ORDER BY created_at DESC, model_id DESC LIMIT 1"
    ).fetchall()
    return row[0][0] if row else None


def load_model(ws: Workspace, model_id: str) -> dict[str, Any]:
    """The stored model dict (estimator, features, background, threshold), integrity-checked."""
    rows = (
        ws.sql("SELECT model, model_sha256 FROM models WHERE model_id = ?", [model_id]).fetchall()
        if ws.has_table("models")
        else []
    )
    if not rows:
        raise NotFoundError(
            f"No model {model_id!r} in {ws.path}.",
            hint="Train one with `ioscope accounts WS train --labels FILE`.",
        )
    blob, digest = rows[0]
    if "sha256:" + hashlib.sha256(blob).hexdigest() != digest:
        raise IncompatibleWorkspaceError(
            f"Model {model_id} does not match its recorded sha256.",
            hint="Retrain it; nothing was changed.",
        )
    return pickle.loads(blob)  # noqa: S301 - workspaces are trusted files (docs/accounts.md)


def contributions(
    estimator, x: np.ndarray, background: np.ndarray, chunk_rows: int = 400_000
) -> np.ndarray:
    """(n × d) occlusion attributions: f(x) − mean_b f(x with feature j set to b_j)."""
    n, d = x.shape
    k = len(background)
    base = estimator.predict_proba(x)[:, 1]
    out = np.zeros((n, d))
    step = max(1, chunk_rows // max(k, 1))
    for j in range(d):
        for s in range(0, n, step):
            xs = x[s : s + step]
            rep = np.repeat(xs, k, axis=0)
            rep[:, j] = np.tile(background[:, j], len(xs))
            p = estimator.predict_proba(rep)[:, 1].reshape(len(xs), k).mean(axis=1)
            out[s : s + step, j] = base[s : s + step] - p
    return out


def score(
    ws: Workspace,
    *,
    model_id: str | None = None,
    signals: list[str] | None = None,
    params: dict[str, Any] | None = None,
) -> ScoreReport:
    """Score every account of ``ws`` into ``account_scores`` (rows of the same model replaced).

    ``signals`` restricts an unsupervised ranking to some signals (a model uses its own).
    """
    values = validate_params(SCORE_PARAMS, params, OWNER)
    method = values["method"]
    if model_id is not None:
        method = "model"
    elif method in ("auto", "model"):
        model_id = latest_model_id(ws)
        if model_id is None and method == "model":
            raise NotFoundError(
                f"{ws.path} has no trained model.",
                hint="Train one with `ioscope accounts WS train --labels FILE`, "
                "or use --method zscore.",
            )
        method = "model" if model_id else "zscore"
    computed = ensure_signals(ws)
    missing: list[str] = []
    with single_threaded():
        if method == "model":
            model = load_model(ws, model_id)
            fm = feature_matrix(ws, model["features"])
            missing = [f for f in model["features"] if f not in set(available_signals(ws))]
            s = model["estimator"].predict_proba(fm.values)[:, 1]
            contrib = contributions(model["estimator"], fm.values, model["background"])
            threshold = float(model["threshold"])
        else:
            fm = feature_matrix(ws, signals)
            s, contrib, threshold = _unsupervised(fm, method, values["seed"])
            model_id = f"unsupervised:{method}"
    top = _top_signals(fm, contrib, values["top"])
    ws.ensure(ACCOUNT_SCORES)
    run_params = {**values, "model_id": model_id, "method": method, "signals": signals}
    with ws.run("accounts score", run_params) as run:
        t = pa.table(
            {
                "i": np.arange(len(s)),
                "platform": fm.platform.tolist(),
                "account_id": fm.account_id.tolist(),
                "score": np.round(s, 9),
            }
        )
        register_arrow(ws.con, "_scores_arrow", t)
        register_arrow(ws.con, "_top_arrow", top)
        try:
            ws.sql("DELETE FROM account_scores WHERE model_id = ?", [model_id])
            ws.sql(
                """
                INSERT INTO account_scores (platform, account_id, score, rank, threshold,
                    above_threshold, top_signals, model_id, run_id)
                WITH t AS (
                    SELECT i, to_json(list({'signal': signal,
                        'value': CASE WHEN isnan(value) THEN NULL ELSE round(value, 6) END,
                        'signal_score': CASE WHEN isnan(signal_score) THEN NULL
                                             ELSE round(signal_score, 3) END,
                        'contribution': round(contribution, 6)} ORDER BY r)) AS top
                    FROM _top_arrow GROUP BY i)
                SELECT s.platform, s.account_id, s.score,
                       row_number() OVER (ORDER BY s.score DESC, s.platform, s.account_id),
                       ?, s.score >= ?, COALESCE(t.top, '[]'::JSON), ?, ?
                FROM _scores_arrow s LEFT JOIN t USING (i)""",
                [threshold, threshold, model_id, run.run_id],
            )
        finally:
            ws.con.unregister("_scores_arrow")
            ws.con.unregister("_top_arrow")
        above = int((s >= threshold).sum())
        run.row_counts = {"account_scores": len(s), "above_threshold": above}
    return ScoreReport(run.run_id, model_id, method, threshold, len(s), above, missing, computed)


def _unsupervised(fm: FeatureMatrix, method: str, seed: int):
    z = np.clip(np.nan_to_num(fm.scores, nan=0.0), 0, Z_CLIP)
    if method == "zscore":
        top = -np.sort(-z, axis=1)[:, :Z_TOP] if z.shape[1] else np.zeros((len(z), 1))
        return top.mean(axis=1), z, Z_THRESHOLD
    from sklearn.ensemble import IsolationForest

    x = fm.values.copy()
    med = np.nanmedian(np.where(np.isnan(x).all(axis=0), 0, x), axis=0) if x.size else []
    x = np.where(np.isnan(x), med, x)
    forest = IsolationForest(n_estimators=200, random_state=seed).fit(x)
    return -forest.score_samples(x), z, -float(forest.offset_)


def _top_signals(fm: FeatureMatrix, contrib: np.ndarray, k: int) -> pa.Table:
    """Long table (i, r, signal, value, signal_score, contribution): each account's k signals with
    the largest positive contribution, r = 1 for the largest."""
    k = min(k, contrib.shape[1])
    order = np.argsort(-contrib, axis=1, kind="stable")[:, :k]
    i = np.repeat(np.arange(len(contrib)), k)
    j = order.ravel()
    c = contrib[i, j]
    keep = c > 0
    i, j, c = i[keep], j[keep], c[keep]
    r = np.tile(np.arange(1, k + 1), len(contrib))[keep]
    names = np.array(fm.names, dtype=object)
    return pa.table(
        {
            "i": i,
            "r": r,
            "signal": names[j].tolist() if len(j) else pa.array([], pa.string()),
            "value": fm.values[i, j],
            "signal_score": fm.scores[i, j],
            "contribution": c,
        }
    )


def account_scores(
    ws: Workspace, *, model_id: str | None = None, limit: int | None = None
) -> list[dict[str, Any]]:
    """Scored accounts of one model (the latest scored one by default), best first."""
    if not ws.has_table("account_scores") or ws.count("account_scores") == 0:
        raise NotFoundError(
            f"{ws.path} has no account scores.", hint="Run `ioscope accounts WS score` first."
        )
    if model_id is None:
        model_id = ws.sql(
            "SELECT model_id FROM account_scores ORDER BY run_id DESC LIMIT 1"
        ).fetchall()[0][0]
    rows = ws.rows(
        f"""
        SELECT s.platform, s.account_id, a.handle, {name_sql("a.handle", "a.display_name")} AS name,
               s.score, s.rank, s.threshold,
               s.above_threshold, s.top_signals, s.model_id
        FROM account_scores s LEFT JOIN accounts a USING (platform, account_id)
        WHERE s.model_id = ? ORDER BY s.rank"""
        + (" LIMIT ?" if limit else ""),
        [model_id] + ([limit] if limit else []),
    )
    if not rows:
        raise NotFoundError(f"No scores for model {model_id!r}.")
    for r in rows:
        r["top_signals"] = json.loads(r["top_signals"]) if r["top_signals"] else []
    return rows
