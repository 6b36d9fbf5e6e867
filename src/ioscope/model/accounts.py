"""Account-level tables: signals per account, account scores, and trained models."""

from __future__ import annotations

from ioscope.model.table import Column as C
from ioscope.model.table import Table, register

ACCOUNT_SIGNALS = Table(
    "account_signals",
    "One row per account and signal: the raw measurement, how unusual it is in "
    "this workspace, and the evidence behind it. Rewritten (per signal) by `ioscope accounts WS "
    "signals`; `train` and `score` compute it when missing.",
    (
        C("platform", "VARCHAR", "Platform of the account (accounts.platform).", nullable=False),
        C("account_id", "VARCHAR", "The account (accounts.account_id).", nullable=False),
        C(
            "signal",
            "VARCHAR",
            "Signal name, e.g. 'creation_burst', 'tz_mismatch' (docs/accounts.md lists them all).",
            nullable=False,
        ),
        C(
            "family",
            "VARCHAR",
            "Signal family (one module of ioscope.accounts): creation, rhythm, "
            "language, clients, identity, content, audience, network.",
        ),
        C("value", "DOUBLE", "Raw value in the signal's own unit (a share, hours, a count, ...)."),
        C(
            "score",
            "DOUBLE",
            "Robust z-score of the value among this workspace's accounts, signed "
            "so that positive means 'in the direction campaigns go': (value − median) / (1.4826 · MAD), "
            "falling back to the mean absolute deviation when the MAD is 0. A score, not a verdict.",
        ),
        C(
            "detail",
            "JSON",
            "The evidence behind the value (counts, the reference it was compared "
            "with, the offending handles or domains), for display.",
        ),
        C("run_id", "VARCHAR", "The `runs.run_id` that computed it."),
    ),
    primary_key=("platform", "account_id", "signal"),
    stage="accounts",
    indexes=(("signal",),),
)

ACCOUNT_SCORES = Table(
    "account_scores",
    "One row per account and model: a score (probability of being a campaign "
    "account for a trained model, an outlier score without one), the signals that contributed "
    "most, and, kept apart from the score, the threshold and the label it implies.",
    (
        C("platform", "VARCHAR", "Platform of the account.", nullable=False),
        C("account_id", "VARCHAR", "The account.", nullable=False),
        C(
            "score",
            "DOUBLE",
            "Higher = more like the positive labels (trained model: predicted "
            "probability; unsupervised: outlier score).",
        ),
        C("rank", "BIGINT", "1 = highest score under this model."),
        C("threshold", "DOUBLE", "The decision threshold recorded with the model."),
        C("above_threshold", "BOOLEAN", "score ≥ threshold: the label, kept apart from the score."),
        C(
            "top_signals",
            "JSON",
            "Signals that pushed the score up most, each "
            "{signal, value, signal_score, contribution}, largest contribution first.",
        ),
        C(
            "model_id",
            "VARCHAR",
            "The `models.model_id` (or 'unsupervised:<method>').",
            nullable=False,
        ),
        C("run_id", "VARCHAR", "The scoring run."),
    ),
    primary_key=("platform", "account_id", "model_id"),
    stage="accounts",
)

MODELS = Table(
    "models",
    "Trained account classifiers, with their features, training data hash and "
    "cross-validated metrics.",
    (
        C("model_id", "VARCHAR", "Unique id, 'hgb-<run id>'.", nullable=False),
        C("kind", "VARCHAR", "Estimator, e.g. 'HistGradientBoostingClassifier'."),
        C("features", "JSON", "Ordered list of the signals used as features."),
        C(
            "training_data_hash",
            "VARCHAR",
            "sha256 of the feature matrix and labels it was fitted on ('sha256:...').",
        ),
        C(
            "labels",
            "JSON",
            "Label file summary: positives, negatives, groups, labels naming absent accounts.",
        ),
        C(
            "metrics",
            "JSON",
            "Cross-validated metrics (grouped folds): roc_auc, average_precision, "
            "precision, recall at the threshold, per-fold AUCs, and the threshold.",
        ),
        C("params", "JSON", "Training parameters."),
        C(
            "model",
            "BLOB",
            "The fitted estimator (pickle). Load it only from workspaces you trust.",
        ),
        C("model_sha256", "VARCHAR", "sha256 of the model blob, checked before loading."),
        C("created_at", "TIMESTAMP", "When it was trained, UTC."),
        C("run_id", "VARCHAR", "The training run."),
    ),
    primary_key=("model_id",),
    stage="accounts",
)

register(ACCOUNT_SIGNALS, ACCOUNT_SCORES, MODELS)
