"""Every statement detect runs is in a portable SQL subset: sqlglot transpiles it to Spark SQL."""

from __future__ import annotations

import pytest
import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel

from ioscope.detect import SIGNALS, detect
from ioscope.detect.engine.sql import recording
from tests.fixtures.detect import date_accounts, load, planted, promote

DUCKDB_ONLY = ("::", "UBIGINT", "HUGEINT", " BY NAME", "STRUCT_PACK", "QUALIFY")
#: Spark built-ins sqlglot does not model (it parses them as anonymous functions)
SPARK_BUILTINS = {"HASH", "TIMESTAMP_MICROS"}


@pytest.mark.parametrize("compat", [None, "cnt"])
def test_every_statement_transpiles_to_spark(ws, compat):
    rows, groups = planted(seed=4, events=3)
    load(ws, rows)
    date_accounts(ws, groups[0])  # so that creation_burst and promoted_amplification run fully
    promote(ws, [f"orig1_{e}" for e in range(3)])
    with recording() as log:
        detect(
            ws,
            signals=None if compat else list(SIGNALS),
            mode=compat or "calibrated",
            max_evidence=5,
            hot_items="cap",
            max_item_actions=3,
        )
    assert len(log) > 50
    for statement in log:
        (spark,) = sqlglot.transpile(
            statement, read="duckdb", write="spark", unsupported_level=ErrorLevel.RAISE
        )
        for token in DUCKDB_ONLY:
            assert token not in statement.upper(), (token, statement)
        unknown = {
            f.name.upper() for f in sqlglot.parse_one(spark, read="spark").find_all(exp.Anonymous)
        }
        assert unknown <= SPARK_BUILTINS, (unknown, statement)


def test_bucket_join_is_an_equi_join(ws):
    """The pair join never joins on the item alone with a range condition."""
    load(ws, planted(seed=4, events=2)[0])
    with recording() as log:
        detect(ws, signals=["co_link"])
    pair_sql = [s for s in log if "_det_pairs AS" in s][0]
    assert "x.b = y.b" in pair_sql and "y.b = x.b + 1" in pair_sql
    assert "BETWEEN" not in pair_sql.upper()
    assert not [s for s in log if "_det_pairs_all" in s]  # the default runs one window
    with recording() as log:
        detect(ws, signals=["co_link"], scales="1m,10m,1h")
    # a multi-scale run pairs once, at the largest scale; each scale filters those pairs
    pair_sql = [s for s in log if "_det_pairs_all AS" in s][0]
    assert "x.b = y.b" in pair_sql and "y.b = x.b + 1" in pair_sql
    assert "BETWEEN" not in pair_sql.upper()
    scales = [s for s in log if "_det_pairs AS SELECT * FROM" in s]
    assert len(scales) == 3 and all(
        s.endswith(f"FROM _det_pairs_all WHERE ABS(t2 - t1) <= {w}")
        for s, w in zip(scales, ("60.0", "600.0", "3600.0"))
    )
