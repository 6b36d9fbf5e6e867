"""The default detection gives the same answer on Spark as on DuckDB, every default signal.

Simulated posts with accounts' creation dates and ads (so creation_burst and
promoted_amplification have work), plus a small planted world whose groups post identical
texts (co_text) and hashtag sequences: ``ioscope detect`` with no ``--signals`` runs on both
engines, and the edges, weights, p-values (to 1e-9), significance, evidence and cluster
membership must be identical. They use the test session's one local[2] SparkSession (the
``spark`` fixture of ``tests/fixtures/spark.py``).
"""

from __future__ import annotations

import math
import shutil

import pytest

from ioscope.detect import detect
from ioscope.detect.engine import SparkEngine
from ioscope.detect.signals import default_signals
from ioscope.ingest import ingest
from ioscope.workspace import Workspace

#: compared exactly
EXACT = ("weight", "shared_items", "co_actions", "first_at", "last_at", "significant", "directed")
#: compared to 1e-9 (sums that Spark adds in another order)
CLOSE = ("score", "expected", "p_value", "log10_p", "q_value", "similarity")
OPTIONS = dict(
    max_evidence=5,
    window="5m",
    params={"hashtag_sequence": {"min_posts": 2, "min_hashtags": 2}, "co_text": {"min_chars": 5}},
)


@pytest.fixture(scope="module")
def every_signal_path(tmp_path_factory):
    """4,000 simulated posts (Parquet: accounts with creation dates, ads) and a planted world."""
    from ioscope.simulate import simulate
    from tests.fixtures.detect import load, planted

    d = tmp_path_factory.mktemp("every_signal")
    s = simulate(
        d,
        posts=4000,
        seed=11,
        format="parquet",
        campaigns=3,
        campaign_size_min=8,
        campaign_size_max=15,
    )
    path = d / "w.duckdb"
    with Workspace.open(path) as ws:
        ingest(ws, [s["paths"]["posts"], s["paths"]["accounts"], s["paths"]["ads"]])
        load(ws, planted(seed=3, groups=2, size=4, events=6, noise=10, noise_posts=100)[0])
    return path


def results(ws) -> tuple[dict, list, set]:
    """Edges by (signal, accounts), evidence rows, and clusters as sets of accounts."""
    edges = {
        (r["signal"], r["platform_1"], r["account_1"], r["platform_2"], r["account_2"]): r
        for r in ws.rows("SELECT * FROM edges")
    }
    evidence = sorted(
        ws.sql(
            "SELECT signal, account_1, account_2, item, post_1, post_2, "
            "dt_seconds FROM edge_evidence"
        ).fetchall()
    )
    members: dict[str, set] = {}
    for c, p, a in ws.sql(
        "SELECT cluster_id, platform, account_id FROM cluster_members"
    ).fetchall():
        members.setdefault(c, set()).add((p, a))
    return edges, evidence, {frozenset(m) for m in members.values()}


def assert_same_results(duck: tuple, spark: tuple) -> None:
    d_edges, d_ev, d_cl = duck
    s_edges, s_ev, s_cl = spark
    assert set(d_edges) == set(s_edges)
    for key, row in d_edges.items():
        other = s_edges[key]
        assert {c: row[c] for c in EXACT} == {c: other[c] for c in EXACT}, key
        for c in CLOSE:
            assert (row[c] is None) == (other[c] is None), (key, c)
            if row[c] is not None:
                assert math.isclose(row[c], other[c], rel_tol=1e-9, abs_tol=1e-12), (key, c)
    assert d_ev == s_ev
    assert d_cl == s_cl


def _counts(report) -> list[dict]:
    return [{k: v for k, v in s.items() if not k.endswith("seconds")} for s in report.signals]


def test_default_detect_same_on_spark_every_signal(spark, every_signal_path, tmp_path):
    shutil.copy(every_signal_path, tmp_path / "w.duckdb")
    with Workspace.open(tmp_path / "w.duckdb") as ws:
        duck_report = detect(ws, **OPTIONS)
        duck = results(ws)
        spark_report = detect(ws, engine=SparkEngine(), **OPTIONS)
        got = results(ws)
        ran = ws.rows("SELECT parameters FROM runs WHERE run_id = ?", [spark_report.run_id])
    # a real comparison: every default signal ran and found edges, some are significant
    assert [s["signal"] for s in spark_report.signals] == default_signals()
    per_signal = {s["signal"]: s for s in duck_report.signals}
    assert all(per_signal[n]["edges"] > 0 for n in default_signals()), per_signal
    assert 0 < sum(bool(r["significant"]) for r in duck[0].values()) < len(duck[0])
    assert len(duck[2]) >= 2
    assert_same_results(duck, got)
    assert _counts(duck_report) == _counts(spark_report)
    assert '"name": "spark"' in ran[0]["parameters"]
