"""The account classifier: beats chance on planted campaigns, grouped CV, determinism, scoring."""

from __future__ import annotations

import json

import numpy as np
import pytest

from ioscope.accounts import account_scores, evaluate_scores, score, train
from ioscope.accounts.training import TRAIN_PARAMS, cross_validate, source_warnings
from ioscope.errors import NotFoundError, ParameterError
from ioscope.params import validate_params
from tests.fixtures.accounts import synthetic, write_labels


@pytest.fixture
def planted(ws, tmp_path):
    truth = synthetic(ws, organic=160, campaigns=5, size=10, posts=24, noise=0.5, seed=7)
    return ws, write_labels(tmp_path / "labels.csv", truth), truth


def test_classifier_beats_chance_and_is_stored(planted):
    ws, labels, truth = planted
    rep = train(ws, labels)
    m = rep.metrics
    assert m["roc_auc"] > 0.85 and m["average_precision"] > 0.6
    assert m["folds"] == 5 and m["grouping"] == "StratifiedGroupKFold"
    assert rep.labels["positives"] == 50 and rep.labels["groups"] == 165
    row = ws.rows("SELECT * FROM models")[0]
    assert row["model_id"] == rep.model_id and json.loads(row["features"]) == rep.features
    assert row["training_data_hash"].startswith("sha256:") and row["model_sha256"]
    assert json.loads(row["metrics"])["roc_auc"] == pytest.approx(m["roc_auc"])


def test_training_is_deterministic(planted):
    ws, labels, _ = planted
    a, b = train(ws, labels), train(ws, labels)
    assert a.training_data_hash == b.training_data_hash
    assert {k: v for k, v in a.metrics.items()} == b.metrics
    score(ws, model_id=a.model_id)
    first = [(r["account_id"], r["score"]) for r in account_scores(ws, model_id=a.model_id)]
    score(ws, model_id=b.model_id)
    assert [(r["account_id"], r["score"]) for r in account_scores(ws, model_id=b.model_id)] == first
    c = train(ws, labels, params={"seed": 1})
    assert c.training_data_hash == a.training_data_hash  # same data, other folds


def test_grouped_folds_do_not_leak_campaign_fingerprints():
    # each positive group has its own constant value, drawn like the negatives' values: a model
    # can only recognise groups it has seen, so grouped CV must sit near chance and ungrouped not
    rng = np.random.default_rng(0)
    groups = np.array(
        [f"g{i // 5}" for i in range(200)] + [f"n{i}" for i in range(400)], dtype=object
    )
    fingerprint = {g: rng.normal() for g in sorted(set(groups))}
    x = np.array([[fingerprint[g] if g.startswith("g") else rng.normal()] for g in groups])
    y = np.array([1] * 200 + [0] * 400)
    p = validate_params(TRAIN_PARAMS, {"max_iter": 50}, "test")
    grouped = cross_validate(x, y, groups, p)["roc_auc"]
    leaky = cross_validate(x, y, np.array([str(i) for i in range(600)], dtype=object), p)["roc_auc"]
    assert grouped < 0.6 and leaky > grouped + 0.25, (grouped, leaky)


def test_signal_absent_from_a_whole_training_fold():
    rng = np.random.default_rng(3)
    y = np.array([0] * 60 + [1] * 20)
    rare = np.full(80, np.nan)
    rare[[0, 70]] = 1.0  # two accounts have it: some folds train without any value
    x = np.column_stack([y + rng.normal(0, 0.4, 80), rare])
    m = cross_validate(
        x,
        y,
        np.array([str(i) for i in range(80)], dtype=object),
        validate_params(TRAIN_PARAMS, {"max_iter": 20}, "test"),
        ["a", "rare"],
    )
    assert m["roc_auc"] > 0.7 and {f["signal"] for f in m["feature_importance"]} == {"a", "rare"}


def test_source_warnings_name_signals_one_source_cannot_have():
    y = np.array([0] * 50 + [1] * 50)
    rng = np.random.default_rng(1)
    only_neg = np.where(y == 0, rng.random(100), np.nan)  # e.g. creation date, controls only
    never_pos = np.where(y == 1, 0.0, rng.random(100))  # e.g. replies the archive lacks
    fine = rng.random(100)
    w = source_warnings(np.column_stack([only_neg, never_pos, fine]), y, ["a", "b", "c"])
    assert [(x["signal"], x["reason"]) for x in w] == [("a", "coverage"), ("b", "constant")]
    assert w[1]["constant_in"] == "positives" and w[1]["value"] == 0.0


def test_score_with_model_gives_contributions(planted):
    ws, labels, truth = planted
    train(ws, labels)
    rep = score(ws)
    assert rep.method == "model" and rep.accounts == len(truth)
    rows = account_scores(ws)
    assert [r["rank"] for r in rows] == list(range(1, len(rows) + 1))
    assert all(r["above_threshold"] == (r["score"] >= r["threshold"]) for r in rows)
    top = rows[0]
    assert top["top_signals"] and top["top_signals"][0]["contribution"] > 0
    contributions = [s["contribution"] for s in top["top_signals"]]
    assert contributions == sorted(contributions, reverse=True)
    ev = evaluate_scores(ws, labels)
    assert ev["roc_auc"] > 0.9 and ev["precision_at_10"] >= 0.8


@pytest.mark.parametrize("method", ["zscore", "isolation_forest"])
def test_unsupervised_ranking_without_labels(planted, method):
    ws, labels, _ = planted
    rep = score(ws, params={"method": method})
    assert rep.model_id == f"unsupervised:{method}" and rep.signals_computed
    ev = evaluate_scores(ws, labels, model_id=rep.model_id)
    assert ev["roc_auc"] > 0.75
    again = score(ws, params={"method": method})
    assert again.above_threshold == rep.above_threshold
    assert ws.count("account_scores") == ev["accounts"]  # replaced, not appended


def test_score_errors(ws, planted):
    with pytest.raises(NotFoundError, match="no trained model"):
        score(ws, params={"method": "model"})
    with pytest.raises(NotFoundError, match="No model 'nope'"):
        score(ws, model_id="nope")
    with pytest.raises(ParameterError, match="The 'top' parameter of accounts score"):
        score(ws, params={"top": 0})


def test_features_and_exclude(planted):
    ws, labels, _ = planted
    rep = train(
        ws,
        labels,
        features=["repost_share", "mobile_client_share", "handle_digits"],
        exclude=["handle_digits"],
    )
    assert rep.features == ["repost_share", "mobile_client_share"]


def test_classifier_on_the_simulator(tmp_path):
    from ioscope.simulate import simulate
    from ioscope.workspace import Workspace
    from tests.fixtures.accounts import load_simulation

    out = tmp_path / "sim"
    simulate(out, posts=30_000, seed=5)
    with Workspace.open(tmp_path / "sim.duckdb") as ws:
        load_simulation(ws, out)
        rep = train(ws, out / "truth.csv", params={"max_iter": 60})
    assert rep.labels["groups"] > 100 and rep.metrics["folds"] >= 2
    assert rep.metrics["roc_auc"] > 0.75, rep.metrics
