"""IRA accounts against same-week organic controls (a subset of the real data; see
benchmarks/bench_accounts_real.py for the full run)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from ioscope.accounts import compute_signals, train
from ioscope.ingest import readers
from ioscope.workspace import Workspace

STATES = ["AR", "IA", "KS", "KY", "MS", "NE", "UT", "WI"]
CATEGORIES = ["RightTroll", "LeftTroll", "HashtagGamer", "NewsFeed", "Fearmonger"]


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    import accounts_real_data as real

    from tests.fixtures.paths import SHARED

    data = SHARED / "data"
    if not (data / real.IRA).is_dir() or not (data / real.V1).is_dir():
        pytest.skip(f"real sample data not present at {data}")
    if "fivethirtyeight" not in readers() or "twitter-v1" not in readers():
        pytest.skip("the fivethirtyeight and twitter-v1 readers are needed")
    tmp = tmp_path_factory.mktemp("real")
    with Workspace.open(tmp / "base.duckdb") as ws:
        info = real.ingest_sources(ws, data, tmp, states=STATES, categories=CATEGORIES)
    return real, data, tmp, info


def test_harmonized_sources_train_on_behaviour(base):
    real, data, tmp, info = base
    path = tmp / "h.duckdb"
    shutil.copy(tmp / "base.duckdb", path)
    with Workspace.open(path) as ws:
        h = real.harmonize(ws, info["week_file"], seed=0)
        kinds = {k for (k,) in ws.sql("SELECT DISTINCT kind FROM posts").fetchall()}
        assert kinds == {"post"}
        assert (
            ws.sql("SELECT count(*) FROM posts WHERE ltrim(text) LIKE '@%'").fetchall()[0][0] == 0
        )
        assert abs(h["ira_posts_per_account_after"] - h["control_posts_per_account"]) < 0.5
        counts = real.write_labels(ws, data, tmp / "labels.csv")
        assert counts["positives"] >= 30 and counts["negatives"] >= 500
        compute_signals(ws)
        rep = train(ws, tmp / "labels.csv", features=list(real.COMPARABLE), params={"max_iter": 60})
    assert rep.warnings == []
    assert rep.metrics["roc_auc"] > 0.75, rep.metrics


def test_raw_sources_are_flagged_as_telling_sources_apart(base):
    real, data, tmp, info = base
    path = tmp / "naive.duckdb"
    shutil.copy(tmp / "base.duckdb", path)
    with Workspace.open(path) as ws:
        real.drop_accounts_without_posts(ws)
        real.write_labels(ws, data, tmp / "naive.csv")
        compute_signals(ws)
        rep = train(ws, tmp / "naive.csv", params={"max_iter": 30})
    flagged = {w["signal"] for w in rep.warnings}
    # the controls have creation dates and clients, the IRA files do not; the controls have no
    # retweets and the IRA files no replies
    assert {"account_age_days", "mobile_client_share", "repost_share", "reply_share"} <= flagged
