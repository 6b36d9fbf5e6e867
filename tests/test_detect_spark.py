"""The Spark engine gives the same edges, weights and evidence as DuckDB (simulated data).

One local[2] SparkSession per test session (the ``spark`` fixture of ``tests/fixtures/spark.py``;
starting one and its first queries cost 10-60 s), so at most one per xdist worker (xdist's
``loadgroup`` would keep them on one worker, but it does not group under pytest 9.2). Spark tests skip with the reason when pyspark or Java is absent; the
translation and refusal tests need neither. The default run compares the engines on a 6,000-post
simulated workspace (calibrated, raw and CNT-compatible modes); larger comparisons are ``slow``.
"""

from __future__ import annotations

import dataclasses
import json
import math
import shutil
import sys

import pytest
from typer.testing import CliRunner

from ioscope.cli.main import app
from ioscope.detect import SIGNALS, detect
from ioscope.detect.engine import SparkEngine, resolve_engine, unsupported
from ioscope.detect.engine.translate import NotPortable, parse, to_spark
from ioscope.errors import EngineUnavailableError, ParameterError, UnsupportedOnEngineError
from ioscope.ingest import ingest
from ioscope.workspace import Workspace

SPARK_UNSUPPORTED = unsupported("spark", SIGNALS)
SUPPORTED = [n for n in SIGNALS if n not in SPARK_UNSUPPORTED]
EDGE_COLUMNS = (
    "directed",
    "weight",
    "shared_items",
    "co_actions",
    "first_at",
    "last_at",
    "significant",
)
#: floating-point columns: sums that Spark adds in another order
APPROX_COLUMNS = ("score", "expected", "p_value", "log10_p", "q_value", "similarity")
EVIDENCE_COLUMNS = ("item", "post_1", "post_2", "dt_seconds")


# -- translation (no Spark needed) ------------------------------------------------------------
def test_epoch_keeps_fractional_seconds():
    spark = to_spark(parse("SELECT epoch(created_at) AS t FROM posts"))
    assert "UNIX_MICROS(CAST(created_at AS TIMESTAMP))" in spark
    assert "UNIX_TIMESTAMP" not in spark


def test_decimal_literals_become_double():
    spark = to_spark(parse("SELECT 1.0 * a / b AS x FROM t WHERE y >= 0.8"))
    assert "CAST(1.0 AS DOUBLE)" in spark and "CAST(0.8 AS DOUBLE)" in spark


def test_ordered_string_agg_becomes_sorted_list():
    spark = to_spark(parse("SELECT STRING_AGG(tag, ' ' ORDER BY t, pos) AS s FROM h GROUP BY a"))
    assert "ARRAY_SORT(COLLECT_LIST(" in spark and "LISTAGG" not in spark


def test_hash_is_not_portable():
    with pytest.raises(NotPortable):
        to_spark(parse("SELECT HASH(text) AS h FROM posts"))


def test_duckdb_star_modifiers_are_not_portable():
    for sql in (
        "SELECT e.* REPLACE (e.shared_items AS weight) FROM edges e",
        "SELECT * EXCLUDE (run_id) FROM edges",
    ):
        with pytest.raises(NotPortable, match="REPLACE/EXCLUDE"):
            to_spark(parse(sql))


def test_spark_rows_fetch_as_numpy_like_duckdb():
    from ioscope.detect.engine.spark import _Rows

    got = _Rows([(3, "twitter", 1.5), (4, "bsky", 2.0)], ["aid", "platform", "t"]).fetchnumpy()
    assert got["aid"].tolist() == [3, 4] and got["aid"].dtype.kind == "i"
    assert got["platform"].dtype == object and got["t"].dtype.kind == "f"
    assert _Rows([], ["aid"]).fetchnumpy()["aid"].size == 0


def test_unsupported_list_is_exact(ws):
    """A signal is refused on Spark exactly when one of its statements is not portable."""
    from ioscope.detect.engine.sql import recording
    from tests.fixtures.detect import load, planted

    load(ws, planted(seed=4, events=2)[0])
    for name in SIGNALS:
        with recording() as log:
            detect(ws, signals=[name], hot_items="cap", max_item_actions=3, mode="raw")
        portable = True
        for statement in log:
            try:
                to_spark(parse(statement))
            except NotPortable:
                portable = False
        assert portable == (name not in SPARK_UNSUPPORTED), (
            f"{name}: update the engines it declares (Signal.engines, Signal.engine_note)"
        )


def test_engine_names_and_options_are_checked():
    assert resolve_engine(None).name == "duckdb"
    assert resolve_engine("spark", spark_master="local[2]") == SparkEngine(master="local[2]")
    with pytest.raises(ParameterError, match="'engine' parameter of detect must be one of"):
        resolve_engine("flink")
    with pytest.raises(ParameterError, match="Spark options"):
        resolve_engine("duckdb", spark_master="local[2]")


def test_every_default_signal_runs_on_spark():
    """With no --signals, Spark runs exactly DuckDB's default signal set."""
    from ioscope.detect.engine.runner import select_signals
    from ioscope.detect.signals import default_signals

    assert SPARK_UNSUPPORTED == {}
    assert (
        select_signals(None, None, "spark")[1]
        == select_signals(None, None, "duckdb")[1]
        == default_signals()
    )


@pytest.fixture
def refused(monkeypatch):
    """A signal the Spark engine refuses (none is today; the refusal path stays tested)."""
    monkeypatch.setitem(
        SIGNALS,
        "synchronized",
        dataclasses.replace(
            SIGNALS["synchronized"], engines=("duckdb",), engine_note="a test says so"
        ),
    )
    return "synchronized"


def test_unsupported_signal_refused_before_any_work(ws, refused):
    runs = ws.count("runs")
    for raw in (False, True):
        with pytest.raises(UnsupportedOnEngineError, match=refused):
            detect(
                ws,
                signals=["co_link", refused],
                engine="spark",
                mode="raw" if raw else "calibrated",
            )
    with pytest.raises(UnsupportedOnEngineError, match=refused):
        detect(ws, mode="raw", signals=[refused], engine="spark")
    assert ws.count("runs") == runs


def test_unsupported_signal_refused_by_the_cli(ws_path, refused):
    from tests.fixtures.detect import load, planted

    with Workspace.open(ws_path) as ws:  # posts, so that detect gets as far as the engine
        load(ws, planted(seed=4, events=2)[0])
    res = CliRunner().invoke(
        app, ["detect", str(ws_path), "--signals", refused, "--engine", "spark", "--json"]
    )
    assert res.exit_code == 2, res.output
    error = json.loads(res.output)["error"]
    assert error["code"] == "unsupported_on_engine"
    assert refused in error["message"] and "--engine duckdb" in error["hint"]


def test_missing_pyspark_is_a_clear_error(ws, monkeypatch):
    from ioscope.detect.engine.spark import spark_session

    monkeypatch.setitem(sys.modules, "pyspark.sql", None)
    with pytest.raises(EngineUnavailableError, match="needs pyspark") as e:
        spark_session("local[1]")
    assert "ioscope[spark]" in e.value.hint


def test_new_sessions_keep_every_querys_generated_code():
    """A detect run repeats a few dozen query shapes: Spark's default cache of 100 generated
    classes is too small for them (docs/scale.md); a local master also gets its own sizes, a
    cluster only what holds everywhere."""
    from ioscope.detect.engine.spark import session_settings

    local, cluster = session_settings("local[2]"), session_settings("spark://head:7077")
    for s in (local, cluster):
        assert int(s["spark.sql.codegen.cache.maxEntries"]) >= 1000
        assert s["spark.sql.session.timeZone"] == "UTC"
    assert local["spark.sql.shuffle.partitions"] == "8" and local["spark.driver.memory"] == "4g"
    assert "spark.driver.memory" not in cluster and "spark.sql.shuffle.partitions" not in cluster


# -- Spark against DuckDB ------------------------------------------------------------------
def _simulated(tmp_path_factory, posts: int, campaigns: int):
    from ioscope.simulate import simulate

    d = tmp_path_factory.mktemp("sim")
    summary = simulate(
        d,
        posts=posts,
        seed=11,
        format="cnt-csv",
        campaigns=campaigns,
        campaign_size_min=8,
        campaign_size_max=15,
    )
    path = d / "sim.duckdb"
    with Workspace.open(path) as ws:
        ingest(ws, [summary["paths"]["posts"]])
    return path


@pytest.fixture(scope="session")
def sim_path(tmp_path_factory):
    return _simulated(tmp_path_factory, 6000, 3)


@pytest.fixture(scope="session")
def large_sim_path(tmp_path_factory):
    return _simulated(tmp_path_factory, 40000, 6)


def _results(ws) -> dict[str, tuple[dict, list]]:
    out = {}
    for (signal,) in ws.sql("SELECT DISTINCT signal FROM edges").fetchall():
        edges = {
            (r["platform_1"], r["account_1"], r["platform_2"], r["account_2"]): r
            for r in ws.rows("SELECT * FROM edges WHERE signal = ?", [signal])
        }
        evidence = sorted(
            tuple(r[c] for c in ("account_1", "account_2") + EVIDENCE_COLUMNS)
            for r in ws.rows("SELECT * FROM edge_evidence WHERE signal = ?", [signal])
        )
        out[signal] = (edges, evidence)
    return out


def _assert_same(duck: dict, spark: dict, signals: list[str]) -> None:
    assert set(duck) == set(spark)
    for signal in signals:
        d_edges, d_ev = duck.get(signal, ({}, []))
        s_edges, s_ev = spark.get(signal, ({}, []))
        assert set(d_edges) == set(s_edges), signal
        for key, row in d_edges.items():
            other = s_edges[key]
            assert {c: row[c] for c in EDGE_COLUMNS} == {c: other[c] for c in EDGE_COLUMNS}, key
            for c in APPROX_COLUMNS:
                assert (row[c] is None) == (other[c] is None), (key, c)
                if row[c] is not None:
                    assert math.isclose(row[c], other[c], rel_tol=1e-6, abs_tol=1e-12), (key, c)
        assert d_ev == s_ev, signal


def _report_counts(report) -> dict[str, dict]:
    return {
        s["signal"]: {k: v for k, v in s.items() if not k.endswith("seconds")}
        for s in report.signals
    }


def _clusters(ws) -> set[frozenset]:
    return {
        frozenset(
            a
            for (a,) in ws.sql(
                "SELECT account_id FROM cluster_members WHERE cluster_id = ?", [c]
            ).fetchall()
        )
        for (c,) in ws.sql("SELECT cluster_id FROM clusters").fetchall()
    }


def test_calibrated_same_edges_evidence_significance_and_clusters(spark, sim_path, tmp_path):
    """``ioscope detect``'s default pipeline on every supported signal, with the cap policy
    (cold cells, and hot cells cut to the limit): significance runs in the workspace on the
    tables Spark copied back."""
    shutil.copy(sim_path, tmp_path / "w.duckdb")
    options = dict(
        signals=SUPPORTED,
        max_evidence=5,
        hot_items="cap",
        max_item_actions=20,
        params={
            "hashtag_sequence": {"min_posts": 2, "min_hashtags": 2},
            "co_text": {"min_chars": 5},
        },
    )
    with Workspace.open(tmp_path / "w.duckdb") as ws:
        duck_report = detect(ws, **options)
        duck, duck_clusters = _results(ws), _clusters(ws)
        spark_report = detect(ws, engine=SparkEngine(), **options)
        got, got_clusters = _results(ws), _clusters(ws)
        run = ws.rows("SELECT parameters FROM runs WHERE run_id = ?", [spark_report.run_id])[0]
    assert sum(len(e) for e, _ in duck.values()) > 300 and len(duck) >= 6  # a real comparison
    assert len(duck_clusters) >= 2  # the planted campaigns
    _assert_same(duck, got, SUPPORTED)
    assert _report_counts(duck_report) == _report_counts(spark_report)
    assert duck_clusters == got_clusters
    assert json.loads(run["parameters"])["engine"]["name"] == "spark"


def test_raw_mode_same_edges_and_evidence(spark, sim_path, tmp_path):
    """``detect(mode="raw")`` (raw: no significance, nothing copied back to DuckDB) with the default
    hot-item policy (skip) and a small cell limit, so hot cells are set aside on both engines;
    all evidence kept. The run records the engine and the spill cap."""
    shutil.copy(sim_path, tmp_path / "w.duckdb")
    signals = ["co_repost", "co_hashtag", "hashtag_sequence"]
    options = dict(
        signals=signals,
        max_item_actions=8,
        max_evidence=0,
        params={"hashtag_sequence": {"min_posts": 2, "min_hashtags": 2}},
    )
    with Workspace.open(tmp_path / "w.duckdb") as ws:
        duck_report = detect(ws, mode="raw", **options)
        duck = _results(ws)
        spark_report = detect(ws, mode="raw", engine="spark", temp_limit="5GB", **options)
        got = _results(ws)
        run = ws.rows("SELECT parameters FROM runs WHERE run_id = ?", [spark_report.run_id])[0]
    counts = _report_counts(duck_report)
    assert counts["co_repost"]["hot_cells"] > 0  # the skip policy did something
    assert sum(len(e) for e, _ in duck.values()) > 200
    _assert_same(duck, got, signals)
    assert counts == _report_counts(spark_report)
    recorded = json.loads(run["parameters"])
    assert (recorded["mode"], recorded["engine"]["name"], recorded["temp_limit"]) == (
        "raw",
        "spark",
        "5GB",
    )


def test_promoted_amplification_same_edges_and_significance(spark, ws):
    """Hand-made: one group reposts an advertiser's promoted posts, fans repost an organic
    advertiser's; the account-level test reads the promoted reposts Spark copied back."""
    from tests.fixtures.detect import load, planted, post, promote

    rows, _ = planted(seed=6, groups=2, size=5, events=8, noise=40, noise_posts=600)
    rows += [
        post(f"fan{f}_{k}", f"n{f}", 7200 * k + 60 * f, "repost", target=f"star{k}")
        for f in range(30)
        for k in range(8)
    ]
    load(ws, rows)
    promote(ws, [f"orig1_{e}" for e in range(8)] + ["star2", "star5"])
    signals = ["promoted_amplification"]
    for raw in (False, True):
        duck_report = detect(ws, signals=signals, mode="raw" if raw else "calibrated")
        duck = _results(ws)
        spark_report = detect(
            ws, signals=signals, mode="raw" if raw else "calibrated", engine="spark"
        )
        got = _results(ws)
        edges = duck["promoted_amplification"][0]
        assert len(edges) > 100
        if not raw:  # a real significance comparison: some edges pass, most do not
            assert 0 < sum(bool(e["significant"]) for e in edges.values()) < len(edges) / 2
        _assert_same(duck, got, signals)
        assert _report_counts(duck_report) == _report_counts(spark_report)


def test_cnt_mode_same_edges_through_the_cli(spark, sim_path, tmp_path):
    shutil.copy(sim_path, tmp_path / "w.duckdb")
    with Workspace.open(tmp_path / "w.duckdb") as ws:
        detect(ws, mode="cnt", max_evidence=3)
        duck = _results(ws)
    res = CliRunner().invoke(
        app,
        [
            "detect",
            str(tmp_path / "w.duckdb"),
            "--compat",
            "cnt",
            "--max-evidence",
            "3",
            "--engine",
            "spark",
            "--spark-master",
            "local[2]",
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["compat"] == "cnt"  # a raw run: no significance
    with Workspace.open(tmp_path / "w.duckdb") as ws:
        got = _results(ws)
    assert sum(len(e) for e, _ in duck.values()) > 100
    _assert_same(duck, got, ["co_repost", "co_text", "co_reply", "co_link"])


def test_failure_on_spark_leaves_the_workspace_as_it_was(spark, sim_path, tmp_path, monkeypatch):
    from ioscope.detect.engine import spark as engine

    shutil.copy(sim_path, tmp_path / "w.duckdb")
    with Workspace.open(tmp_path / "w.duckdb") as ws:
        detect(ws, signals=["co_reply"], mode="raw")
        before = (ws.count("edges"), ws.count("edge_evidence"), ws.count("runs"))
        real = engine.SparkSql._insert_into_workspace

        def fail_on_evidence(self, tree, source):
            if "edge_evidence" in tree.sql():
                raise RuntimeError("executor lost")
            return real(self, tree, source)

        monkeypatch.setattr(engine.SparkSql, "_insert_into_workspace", fail_on_evidence)
        with pytest.raises(RuntimeError, match="executor lost"):
            detect(ws, signals=["co_link"], engine="spark", mode="raw")
        assert (ws.count("edges"), ws.count("edge_evidence"), ws.count("runs")) == before
        assert not spark.catalog.listTables() or all(
            not t.name.startswith("_det_") for t in spark.catalog.listTables()
        )


# -- slow: larger data, every policy --------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("hot_items", ["skip", "cap", "keep"])
def test_every_supported_signal_every_hot_policy_larger(spark, large_sim_path, tmp_path, hot_items):
    """40,000 simulated posts, every supported signal raw, each hot-item policy, a 5-minute
    window, all evidence."""
    shutil.copy(large_sim_path, tmp_path / "w.duckdb")
    options = dict(
        signals=SUPPORTED,
        window="5m",
        hot_items=hot_items,
        max_item_actions=30,
        max_evidence=0,
        params={
            "hashtag_sequence": {"min_posts": 2, "min_hashtags": 2},
            "co_text": {"min_chars": 5},
        },
    )
    with Workspace.open(tmp_path / "w.duckdb") as ws:
        duck_report = detect(ws, mode="raw", **options)
        duck = _results(ws)
        spark_report = detect(ws, mode="raw", engine="spark", **options)
        got = _results(ws)
    assert sum(len(e) for e, _ in duck.values()) > 1000
    _assert_same(duck, got, SUPPORTED)
    assert _report_counts(duck_report) == _report_counts(spark_report)


@pytest.mark.slow
def test_calibrated_larger_same_significance_and_clusters(spark, large_sim_path, tmp_path):
    shutil.copy(large_sim_path, tmp_path / "w.duckdb")
    options = dict(signals=SUPPORTED, params={"co_text": {"min_chars": 5}})
    with Workspace.open(tmp_path / "w.duckdb") as ws:
        duck_report = detect(ws, **options)
        duck, duck_clusters = _results(ws), _clusters(ws)
        spark_report = detect(ws, engine="spark", **options)
        got, got_clusters = _results(ws), _clusters(ws)
    assert len(duck_clusters) >= 3
    _assert_same(duck, got, SUPPORTED)
    assert _report_counts(duck_report) == _report_counts(spark_report)
    assert duck_clusters == got_clusters
