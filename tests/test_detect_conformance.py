"""Checks every signal passes: deterministic, schema and provenance, parameter errors, empty input,
same result with 1 and 2 threads (in the spirit of scikit-learn's ``parametrize_with_checks``)."""

from __future__ import annotations

import json

import pytest

from ioscope.detect import SIGNALS, detect
from ioscope.errors import ParameterError
from ioscope.model.detect import EDGE_EVIDENCE, EDGES
from ioscope.workspace import Workspace
from tests.fixtures.detect import attach_media, date_accounts, load, planted, promote

ALL = sorted(SIGNALS)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    path = tmp_path_factory.mktemp("conf") / "w.duckdb"
    with Workspace.open(path) as ws:
        rows, groups = planted(seed=11, events=6)
        load(ws, rows)
        # the first group was created in one burst; the second group's reposts were promoted
        date_accounts(ws, groups[0])
        promote(ws, [f"orig1_{e}" for e in range(6)])
        attach_media(ws)
    return path


def _result(ws, signal):
    e = ws.rows("SELECT * EXCLUDE (run_id) FROM edges WHERE signal = ? ORDER BY ALL", [signal])
    v = ws.rows(
        "SELECT * EXCLUDE (run_id) FROM edge_evidence WHERE signal = ? ORDER BY ALL", [signal]
    )
    return e, v


@pytest.mark.parametrize("signal", ALL)
def test_deterministic_threads_schema_provenance(world, tmp_path, signal):
    import shutil

    path = tmp_path / "copy.duckdb"
    shutil.copy(world, path)
    with Workspace.open(path) as ws:
        r1 = detect(ws, signals=[signal], threads=1)
        first = _result(ws, signal)
        r2 = detect(ws, signals=[signal], threads=2)
        assert _result(ws, signal) == first
        assert first[0], f"{signal} found nothing on the planted world"
        assert r1.run_id != r2.run_id
        # output schema: exactly the declared columns, and every row points to the run
        for t in (EDGES, EDGE_EVIDENCE):
            cols = [d[0] for d in ws.sql(f"SELECT * FROM {t.name} LIMIT 0").description]
            assert cols == t.column_names
            assert ws.sql(f"SELECT DISTINCT run_id FROM {t.name}").fetchall() == [(r2.run_id,)]
        run = ws.rows("SELECT * FROM runs WHERE run_id = ?", [r2.run_id])[0]
        params = json.loads(run["parameters"])
        assert run["command"] == "detect" and params["signals"] == [signal]
        assert params["per_signal"][signal] == r2.parameters[signal]
        assert json.loads(run["row_counts"])["edges"] == r2.totals["edges"]
        # every edge is explained by evidence and every evidence row by an edge
        orphans = ws.sql("""SELECT count(*) FROM edges e WHERE NOT EXISTS (SELECT 1 FROM edge_evidence v
            WHERE v.signal = e.signal AND v.account_1 = LEAST(e.account_1, e.account_2)
              AND v.account_2 = GREATEST(e.account_1, e.account_2))""").fetchone()[0]
        assert orphans == 0
        unknown_posts = ws.sql("""SELECT count(*) FROM edge_evidence v WHERE NOT EXISTS (
            SELECT 1 FROM posts p WHERE p.post_id = v.post_1 AND p.account_id = v.account_1)""").fetchone()[
            0
        ]
        assert unknown_posts == 0


@pytest.mark.parametrize("signal", ALL)
def test_invalid_parameters_rejected_with_the_standard_message(ws, signal):
    with pytest.raises(ParameterError) as e:
        detect(ws, signals=[signal], params={signal: {"min_weight": 0}})
    assert str(e.value) == (
        f"The 'min_weight' parameter of {signal} must be an integer ≥ 1. Got '0' instead."
    )
    with pytest.raises(ParameterError, match=f"{signal} has no parameter 'nope'"):
        detect(ws, signals=[signal], params={signal: {"nope": 1}})
    assert ws.count("runs") == 0


@pytest.mark.parametrize("signal", ALL)
def test_empty_input_gives_empty_result(ws, signal):
    report = detect(ws, signals=[signal])
    assert report.totals == {"edges": 0, "evidence": 0}
    assert ws.count("edges") == 0 and ws.count("edge_evidence") == 0


def test_global_parameter_errors(ws):
    with pytest.raises(
        ParameterError,
        match=r"The 'window' parameter of detect must be a duration ≥ 1 s. Got '-5' instead.",
    ):
        detect(ws, window="-5")
    with pytest.raises(ParameterError, match="There is no signal 'co_nothing'"):
        detect(ws, signals=["co_nothing"])
    with pytest.raises(ParameterError, match="no 'cnt'-compatible mode"):
        detect(ws, signals=["co_hashtag"], mode="cnt")
    with pytest.raises(ParameterError, match="mode"):
        detect(ws, mode="other")
    with pytest.raises(ParameterError, match="not among the signals run"):
        detect(ws, signals=["co_link"], params={"co_text": {"min_chars": 3}})


def test_rerun_replaces_results_and_leaves_other_tables(ws):
    load(ws, planted(seed=2, events=4)[0])
    ws.con.execute("CREATE TABLE clusters_like (x INTEGER)")
    ws.con.execute("INSERT INTO clusters_like VALUES (1)")
    detect(ws, signals=["co_repost", "co_link"])
    n_link = ws.sql("SELECT count(*) FROM edges WHERE signal = 'co_link'").fetchone()[0]
    assert n_link > 0
    detect(ws, signals=["co_repost"])
    assert ws.sql(
        "SELECT count(DISTINCT signal), count(DISTINCT run_id) FROM edges"
    ).fetchone() == (1, 1)
    assert ws.count("clusters_like") == 1 and ws.count("posts") > 0
    assert [r["command"] for r in ws.last_runs()] == ["detect", "detect"]


def test_failed_run_leaves_previous_results(ws, monkeypatch):
    load(ws, planted(seed=2, events=4)[0])
    detect(ws, signals=["co_repost"])
    before = ws.rows("SELECT * FROM edges ORDER BY ALL")
    from ioscope.detect.engine import coaction

    def boom(*a, **k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(coaction, "pair_actions", boom)
    monkeypatch.setattr("ioscope.detect.engine.runner.pair_actions", boom)
    monkeypatch.setattr("ioscope.detect.engine.scales.pair_actions", boom)
    with pytest.raises(RuntimeError):
        detect(ws, signals=["co_link"])
    assert ws.rows("SELECT * FROM edges ORDER BY ALL") == before
    assert ws.count("runs") == 1
    assert not ws.sql("SELECT count(*) FROM duckdb_tables() WHERE temporary").fetchone()[0]


def test_on_signal_hook_sees_the_signal_tables(ws):
    from ioscope.detect.engine.runner import resolve_params, run_signals

    load(ws, planted(seed=2, events=4)[0])
    seen = {}

    def hook(signal, p):
        tables = {
            r[0]
            for r in ws.sql("SELECT table_name FROM duckdb_tables() WHERE temporary").fetchall()
        }
        seen[signal.name] = tables
        n = ws.sql("SELECT count(*) FROM _det_edges").fetchone()[0]
        return {"hooked_edges": n}

    names = ["co_repost", "near_duplicate_text"]
    with ws.run("detect", {}) as run:
        report = run_signals(ws, run, names, resolve_params(names), None, on_signal=hook)
    assert {"_det_accounts", "_det_actions", "_det_pairs", "_det_edges"} <= seen["co_repost"]
    assert {"_nd_posts_cold", "_nd_similar", "_det_edges"} <= seen["near_duplicate_text"]
    assert all(s["hooked_edges"] == s["edges"] for s in report.signals)
    assert not ws.sql("SELECT count(*) FROM duckdb_tables() WHERE temporary").fetchone()[0]
