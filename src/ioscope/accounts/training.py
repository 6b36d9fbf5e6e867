"""Train a gradient-boosted account classifier on user-brought labels, with grouped CV.

The estimator is scikit-learn's HistGradientBoostingClassifier (missing signals stay NaN and are
handled natively). Cross-validation uses StratifiedGroupKFold: all accounts of one group (a
campaign) fall in the same fold, so the reported AUC measures recognising accounts of campaigns
the model has not seen, not members of campaigns it has.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ioscope.accounts.compute import ensure_signals
from ioscope.accounts.features import available_signals, feature_matrix, training_hash
from ioscope.accounts.labels import read_labels, resolve_labels
from ioscope.errors import UsageError
from ioscope.model.accounts import MODELS
from ioscope.params import Param, validate_params
from ioscope.workspace import Workspace, utcnow

__all__ = [
    "train",
    "TrainReport",
    "TRAIN_PARAMS",
    "make_estimator",
    "cross_validate",
    "single_threaded",
    "source_warnings",
]


def single_threaded():
    """scikit-learn's OpenMP pools pinned to one thread: on a shared, busy machine the boosting
    fits of small account tables run ~100× faster than with spinning OpenMP workers, and the
    results do not depend on the core count. scikit-learn's estimators are imported first: a limit
    set before its OpenMP runtime is loaded does not reach that runtime."""
    import sklearn.ensemble  # noqa: F401  (loads the OpenMP runtime the limit must see)
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1)


OWNER = "accounts train"
TRAIN_PARAMS = (
    Param(
        "folds",
        "int",
        5,
        "Cross-validation folds (fewer when there are fewer groups).",
        min=2,
        max=50,
    ),
    Param(
        "seed", "int", 0, "Random seed for fold assignment, the estimator and backgrounds.", min=0
    ),
    Param(
        "threshold",
        "float",
        0.5,
        "Decision threshold on the predicted probability, recorded "
        "with the model (scores and labels are kept apart).",
        min=0,
        max=1,
    ),
    Param("max_iter", "int", 100, "Boosting iterations.", min=1, max=10000),
    Param("learning_rate", "float", 0.1, "Boosting learning rate.", min=0.0001, max=1),
    Param("max_leaf_nodes", "int", 15, "Leaves per tree.", min=2, max=1024),
    Param("min_samples_leaf", "int", 10, "Smallest leaf.", min=1),
    Param("l2_regularization", "float", 1.0, "L2 penalty on leaf values.", min=0),
    Param(
        "class_weight",
        "choice",
        "balanced",
        "Weight classes equally ('balanced') or by count ('none').",
        choices=("balanced", "none"),
    ),
    Param(
        "background",
        "int",
        16,
        "Training rows kept with the model to explain scores (per-account contributions).",
        min=1,
        max=1000,
    ),
)


@dataclass
class TrainReport:
    model_id: str
    run_id: str
    features: list[str]
    dropped_features: list[str]
    labels: dict[str, Any]
    metrics: dict[str, Any]
    training_data_hash: str
    signals_computed: bool = False
    params: dict[str, Any] = field(default_factory=dict)
    warnings: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def make_estimator(params: dict[str, Any]):
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(
        max_iter=params["max_iter"],
        learning_rate=params["learning_rate"],
        max_leaf_nodes=params["max_leaf_nodes"],
        min_samples_leaf=params["min_samples_leaf"],
        l2_regularization=params["l2_regularization"],
        early_stopping=False,
        class_weight=None if params["class_weight"] == "none" else "balanced",
        random_state=params["seed"],
    )


def cross_validate(
    x: np.ndarray,
    y: np.ndarray,
    groups: np.ndarray,
    params: dict[str, Any],
    names: list[str] | None = None,
) -> dict[str, Any]:
    """Out-of-fold probabilities with StratifiedGroupKFold and the metrics computed from them.

    With ``names``, also the permutation importance of each feature on the held-out folds (the
    drop in ROC AUC when the feature is shuffled, averaged over folds), largest first.
    """
    from sklearn.inspection import permutation_importance
    from sklearn.metrics import (
        average_precision_score,
        precision_score,
        recall_score,
        roc_auc_score,
    )
    from sklearn.model_selection import StratifiedGroupKFold

    pos_groups = len(set(groups[y == 1]))
    neg_groups = len(set(groups[y == 0]))
    folds = min(params["folds"], pos_groups, neg_groups)
    if folds < 2:
        raise UsageError(
            f"Grouped cross-validation needs at least 2 groups of each label; the labels have "
            f"{pos_groups} positive and {neg_groups} negative group(s).",
            hint="Label more accounts, or label positives without a group column so each is its "
            "own group.",
        )
    cv = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=params["seed"])
    oof = np.full(len(y), np.nan)
    fold_auc, importances = [], []
    with single_threaded():
        for tr, te in cv.split(x, y, groups):
            if len(set(y[tr])) < 2:
                continue
            # a signal absent from every training account of a fold cannot be binned
            cols = ~np.isnan(x[tr]).all(axis=0)
            est = make_estimator(params).fit(x[tr][:, cols], y[tr])
            oof[te] = est.predict_proba(x[te][:, cols])[:, 1]
            if len(set(y[te])) == 2:
                fold_auc.append(float(roc_auc_score(y[te], oof[te])))
                if names:
                    imp = np.zeros(x.shape[1])
                    imp[cols] = permutation_importance(
                        est,
                        x[te][:, cols],
                        y[te],
                        scoring="roc_auc",
                        n_repeats=3,
                        random_state=params["seed"],
                    ).importances_mean
                    importances.append(imp)
    ok = ~np.isnan(oof)
    pred = (oof[ok] >= params["threshold"]).astype(int)
    importance = []
    if importances:
        mean = np.mean(importances, axis=0)
        importance = [
            {"signal": names[j], "auc_drop": round(float(mean[j]), 4)}
            for j in np.argsort(-mean, kind="stable")[:15]
        ]
    return {
        "roc_auc": float(roc_auc_score(y[ok], oof[ok])),
        "average_precision": float(average_precision_score(y[ok], oof[ok])),
        "precision": float(precision_score(y[ok], pred, zero_division=0)),
        "recall": float(recall_score(y[ok], pred, zero_division=0)),
        "threshold": params["threshold"],
        "folds": folds,
        "fold_roc_auc": [round(a, 4) for a in fold_auc],
        "grouping": "StratifiedGroupKFold",
        "accounts": int(ok.sum()),
        "positives": int(y[ok].sum()),
        "negatives": int((1 - y[ok]).sum()),
        "groups": int(len(set(groups))),
        "feature_importance": importance,
    }


def train(
    ws: Workspace,
    labels: str | os.PathLike,
    *,
    features: list[str] | None = None,
    exclude: list[str] | None = None,
    group_column: str | None = None,
    params: dict[str, Any] | None = None,
) -> TrainReport:
    """Fit the classifier on the labelled accounts of ``ws`` and store it in ``models``.

    Signals are computed first when the workspace has none or they predate the latest ingest or
    detect run. ``features`` restricts the model to some signals and ``exclude`` removes some
    (e.g. those one data source cannot have).
    """
    values = validate_params(TRAIN_PARAMS, params, OWNER)
    parsed = read_labels(labels, group_column=group_column)
    computed = ensure_signals(ws)
    resolved = resolve_labels(ws, parsed)
    n_pos, n_neg = sum(resolved.label), len(resolved.label) - sum(resolved.label)
    if n_pos < 2 or n_neg < 2:
        raise UsageError(
            f"Training needs at least 2 accounts of each label in the workspace; {labels} matched "
            f"{n_pos} positive and {n_neg} negative account(s) ({resolved.absent} label(s) name "
            "accounts not in the workspace).",
            hint="Check that the ids in the label file are the workspace's account_id values "
            "(or use a 'handle' column).",
        )
    names = [n for n in (features or available_signals(ws)) if n not in set(exclude or ())]
    fm = feature_matrix(ws, names)
    rows = fm.rows_for(resolved.platform, resolved.account_id)
    x_all = fm.values[rows]
    keep = [j for j in range(len(names)) if _informative(x_all[:, j])]
    dropped = [names[j] for j in range(len(names)) if j not in keep]
    if not keep:
        raise UsageError(
            "None of the signals varies among the labelled accounts.",
            hint="Run `ioscope accounts WS signals` and check which signals exist.",
        )
    used = [names[j] for j in keep]
    x = x_all[:, keep]
    y = np.array(resolved.label, dtype=np.int64)
    groups = np.array(resolved.group, dtype=object)
    warnings = source_warnings(x, y, used)
    metrics = cross_validate(x, y, groups, values, used)
    metrics["source_warnings"] = warnings
    with single_threaded():
        estimator = make_estimator(values).fit(x, y)
    rng = np.random.default_rng(values["seed"])
    bg = x[rng.choice(len(x), size=min(values["background"], len(x)), replace=False)]
    blob = pickle.dumps(
        {
            "estimator": estimator,
            "features": used,
            "background": bg,
            "threshold": values["threshold"],
        },
        protocol=5,
    )
    data_hash = training_hash(used, resolved.platform, resolved.account_id, x, y, groups)
    label_summary = {**parsed.summary(), **resolved.summary()}
    run_params = {
        **values,
        "labels": str(labels),
        "features": features,
        "exclude": exclude,
        "group_column": parsed.group_column,
    }
    ws.ensure(MODELS)
    with ws.run("accounts train", run_params, inputs=[labels]) as run:
        model_id = f"hgb-{run.run_id}"
        ws.sql(
            "INSERT INTO models VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                model_id,
                type(estimator).__name__,
                json.dumps(used),
                data_hash,
                json.dumps(label_summary),
                json.dumps(metrics),
                json.dumps(run_params),
                blob,
                "sha256:" + hashlib.sha256(blob).hexdigest(),
                utcnow(),
                run.run_id,
            ],
        )
        run.row_counts = {"models": 1, "labels": label_summary}
    return TrainReport(
        model_id,
        run.run_id,
        used,
        dropped,
        label_summary,
        metrics,
        data_hash,
        computed,
        run_params,
        warnings,
    )


def _informative(col: np.ndarray) -> bool:
    finite = col[~np.isnan(col)]
    return finite.size > 0 and (finite.size < col.size or np.ptp(finite) > 0)


def source_warnings(
    x: np.ndarray, y: np.ndarray, names: list[str], max_gap: float = 0.5
) -> list[dict[str, Any]]:
    """Signals that may tell the data sources apart rather than the behaviour.

    When positives and negatives come from different collections, a signal that exists for one
    label far more often than for the other (``coverage`` gap above ``max_gap``), or that never
    varies within one label while it varies in the other, often reflects what each source
    records, not what the accounts do (no retweets in a geotagged sample; no reply flag in a
    takedown archive). The model is still trained; the report names them so you can ``--exclude``
    them.
    """
    out = []
    for j, name in enumerate(names):
        col = x[:, j]
        cov = [float((~np.isnan(col[y == k])).mean()) for k in (0, 1)]
        distinct = [len(np.unique(col[(y == k) & ~np.isnan(col)])) for k in (0, 1)]
        if abs(cov[1] - cov[0]) > max_gap:
            out.append(
                {
                    "signal": name,
                    "reason": "coverage",
                    "coverage_negatives": round(cov[0], 3),
                    "coverage_positives": round(cov[1], 3),
                }
            )
        elif min(cov) > 0 and sorted(distinct)[0] == 1 and max(distinct) > 1:
            const = 0 if distinct[0] == 1 else 1
            value = float(col[(y == const) & ~np.isnan(col)][0])
            out.append(
                {
                    "signal": name,
                    "reason": "constant",
                    "constant_in": "negatives" if const == 0 else "positives",
                    "value": value,
                }
            )
    return out
