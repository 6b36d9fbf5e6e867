"""Memory of a detect run: the budget reaches DuckDB as its share, temporary tables are freed as
soon as they are dropped, and the chunked NumPy steps give the same numbers as unchunked ones."""

from __future__ import annotations

import json

import numpy as np
import pytest
import scipy.sparse as sp

from ioscope.detect import detect
from ioscope.detect.engine.resources import DUCKDB_SHARE, duckdb_memory_limit, parse_size
from ioscope.detect.signals import near_duplicate_text
from ioscope.detect.significance import nullmodel, weighting
from ioscope.errors import ParameterError
from ioscope.resources import MIN_SHARE, RESERVE
from tests.fixtures.detect import edges, evidence, load, planted


def _duckdb_bytes(ws) -> int:
    return ws.sql("SELECT coalesce(sum(memory_usage_bytes), 0) FROM duckdb_memory()").fetchone()[0]


def test_a_dropped_temporary_table_is_freed_during_a_replacing_run(ws):
    """Inside one transaction DuckDB keeps a dropped table until the end; a run that replaces
    its tables through twins works outside it, so the memory comes back at once."""
    ws.ensure("edges")
    with ws.run("test", {}, replaces=["edges"]):
        ws.sql("CREATE TEMP TABLE big AS SELECT range AS a, range * 2 AS b FROM range(3000000)")
        held = _duckdb_bytes(ws)
        ws.sql("DROP TABLE big")
        assert held > 40 * 2**20 and _duckdb_bytes(ws) < held / 4
    with ws.run("test", {}):  # the plain run, for contrast: the dropped table is still held
        ws.sql("CREATE TEMP TABLE big AS SELECT range AS a, range * 2 AS b FROM range(3000000)")
        ws.sql("DROP TABLE big")
        assert _duckdb_bytes(ws) > 40 * 2**20


def test_twins_replace_the_rows_or_leave_them(ws):
    ws.ensure("edges")
    load(ws, planted(seed=3, events=4)[0])
    detect(ws, signals="co_repost", mode="raw")
    before = ws.rows("SELECT * FROM edges ORDER BY ALL")
    assert before
    with pytest.raises(RuntimeError):
        with ws.run("test", {}, replaces=["edges"]):
            assert ws.count("edges") == 0  # the twin: empty, same columns
            ws.sql("INSERT INTO edges SELECT * FROM main.edges LIMIT 0")
            ws.sql("CREATE TEMP TABLE left_behind AS SELECT 1 AS x")
            raise RuntimeError("boom")
    assert ws.rows("SELECT * FROM edges ORDER BY ALL") == before
    assert not ws.sql("SELECT count(*) FROM duckdb_tables() WHERE temporary").fetchone()[0]
    assert ws.twins == frozenset()


def test_memory_limit_is_the_process_budget(ws, monkeypatch):
    load(ws, planted(seed=3, events=4)[0])
    seen = []
    from ioscope.detect.engine import runner as run_mod

    original = run_mod._run_signal

    def spy(sql, signal, p, compat, run_id):  # every signal runs under DuckDB's share
        seen.append(sql.con.execute("SELECT current_setting('memory_limit')").fetchone()[0])
        return original(sql, signal, p, compat, run_id)

    monkeypatch.setattr(run_mod, "_run_signal", spy)
    scales = run_mod.run_scales

    def spy_scales(sql, *a):  # the multi-scale signals
        seen.append(sql.con.execute("SELECT current_setting('memory_limit')").fetchone()[0])
        return scales(sql, *a)

    monkeypatch.setattr(run_mod, "run_scales", spy_scales)
    detect(ws, memory_limit="4GB", threads=1)
    assert len(seen) > 5 and set(seen) == {"2.2 GiB"}  # 60 % of 4 GB = 2.4e9 bytes
    params = json.loads(
        ws.sql("SELECT parameters FROM runs ORDER BY started_at DESC LIMIT 1").fetchone()[0]
    )
    assert params["memory_limit"] == "4GB" and params["duckdb_memory_limit"] == "2400MB"
    assert parse_size("4GiB") == 4 * 2**30 and parse_size("1.5 GB") == 1_500_000_000
    with pytest.raises(ParameterError, match="'memory_limit' parameter of detect"):
        detect(ws, memory_limit="lots")


def test_duckdb_share_leaves_a_reserve_to_the_rest_of_the_process():
    """60 % of the budget, but at least RESERVE (1 GiB) stays outside DuckDB's limit, and DuckDB
    never gets less than a quarter of the budget."""
    mb = lambda b: f"{int(b) // 10**6}MB"  # noqa: E731
    assert duckdb_memory_limit("4GB") == mb(4e9 * DUCKDB_SHARE) == "2400MB"
    assert duckdb_memory_limit("3GB") == "1800MB"  # the share leaves > 1 GiB
    assert duckdb_memory_limit("2GB") == mb(2e9 - RESERVE) == "926MB"  # the reserve binds
    assert duckdb_memory_limit("1GB") == mb(1e9 * MIN_SHARE) == "250MB"
    for size in ("500MB", "1GB", "1.5GB", "2GB", "2.5GB", "3GB", "4GB", "16GB", "64GB"):
        budget = parse_size(size)
        duck = parse_size(duckdb_memory_limit(size))
        assert budget * MIN_SHARE - 10**6 <= duck <= budget * DUCKDB_SHARE
        assert duck <= max(budget - RESERVE, budget * MIN_SHARE)


def _actions_table(con, n: int = 4000, seed: int = 1):
    rng = np.random.default_rng(seed)
    import pyarrow as pa

    t = np.round(rng.uniform(0, 5 * 86400, n))
    t[:50] = 3600.0  # ties, and a stratum edge
    con.register(
        "_acts", pa.table({"aid": rng.integers(0, 300, n), "item": rng.integers(0, 60, n), "t": t})
    )
    return "_acts", 300


@pytest.mark.parametrize("window", [60.0, None])
def test_null_in_chunks_of_items_equals_the_whole(ws, monkeypatch, window):
    actions, n = _actions_table(ws.con)
    whole = nullmodel.fit_null(ws.con, actions, window=window, stratum=3600, n_accounts=n)
    monkeypatch.setattr(nullmodel, "CHUNK_ROWS", 333)  # 13 chunks
    chunked = nullmodel.fit_null(ws.con, actions, window=window, stratum=3600, n_accounts=n)
    assert (whole.pairs != chunked.pairs).nnz == 0 and whole.pairs.nnz > 0
    i, j = np.arange(0, 150), np.arange(150, 300)
    assert np.array_equal(whole.expected(i, j), chunked.expected(i, j))


def test_near_duplicate_words_in_chunks_of_texts_change_nothing(ws, monkeypatch):
    def result() -> tuple:
        detect(ws, signals="near_duplicate_text", mode="raw", min_weight=1)
        drop = lambda r: {k: v for k, v in r.items() if k != "run_id"}  # noqa: E731
        return (
            {k: drop(r) for k, r in edges(ws, "near_duplicate_text").items()},
            [drop(r) for r in evidence(ws, "near_duplicate_text")],
        )

    load(ws, planted(seed=3, events=6)[0])
    whole = result()
    assert whole[0] and whole[1]
    monkeypatch.setattr(near_duplicate_text, "CHUNK_POSTS", 7)  # texts split in many chunks
    assert result() == whole


def test_tfidf_rows_and_dot_chunks_change_nothing(ws, monkeypatch):
    actions, n = _actions_table(ws.con)
    i, j = np.arange(0, 40), np.arange(40, 80)
    full = weighting.tfidf_matrix(ws.con, actions, n)
    some = weighting.tfidf_matrix(ws.con, actions, n, rows=np.r_[i, j])
    assert np.array_equal(
        weighting.rowwise_dot(full, full, i, j), weighting.rowwise_dot(some, some, i, j)
    )
    assert some[100].nnz == 0 and full[100].nnz > 0  # rows not asked for are left empty
    expected = np.asarray(full[i].multiply(full[j]).sum(axis=1)).ravel()
    monkeypatch.setattr(weighting, "_CHUNK_NNZ", 50)
    assert np.array_equal(weighting.rowwise_dot(full, full, i, j), expected)
    assert isinstance(some, sp.csr_matrix)


def test_a_table_made_before_new_columns_gets_them(ws):
    """A workspace whose edges table predates the significance columns still runs detect:
    ``ensure`` adds the declared nullable columns it lacks."""
    ws.ensure("edges")
    ws.sql("ALTER TABLE edges DROP COLUMN p_value")
    ws.sql("ALTER TABLE edges DROP COLUMN q_value")
    load(ws, planted(seed=3, events=4)[0])
    detect(ws, threads=1)
    cols = {r[0] for r in ws.sql("DESCRIBE edges").fetchall()}
    assert {"p_value", "q_value"} <= cols
    assert ws.sql("SELECT count(*) FROM edges WHERE q_value IS NOT NULL").fetchone()[0] > 0
