"""The Spark engine: detect's statements run on a SparkSession, results land in the workspace.

:class:`SparkSql` has the interface of :class:`ioscope.detect.engine.sql.Sql`, so the signals and the
co-action engine run unchanged. Each statement is parsed as DuckDB SQL and routed:

- statements that make or read detect's temporary tables run on Spark (transpiled by
  :mod:`ioscope.detect.engine.translate`); a temporary table is a cached temporary view, and
  its row count comes from Spark;
- a workspace table they read (``posts``) is first copied to Parquet with DuckDB's
  ``COPY … TO`` inside the open run, so Spark reads the same snapshot the run sees;
- ``INSERT INTO edges/edge_evidence … SELECT`` from temporary tables runs the SELECT on Spark
  and inserts the rows (Arrow) through the workspace connection, inside the run's transaction:
  a failure anywhere leaves the workspace as it was, and the run is recorded as any other;
- statements on workspace tables alone (``DELETE FROM edges``, counts) run on DuckDB.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import uuid
from collections.abc import Iterable
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
from sqlglot import exp

from ioscope.detect.engine.sql import Sql, recording_log
from ioscope.detect.engine.translate import NotPortable, parse, tables_read, to_spark
from ioscope.errors import EngineUnavailableError, UnsupportedOnEngineError
from ioscope.sql import literal, quote_ident

__all__ = ["SESSION_SETTINGS", "LOCAL_SETTINGS", "SparkSql", "session_settings", "spark_session"]

_TZ = "spark.sql.session.timeZone"
_COUNT = re.compile(r"\s*SELECT\s+COUNT\(\*\)\s+FROM\s+(\w+)\s*", re.IGNORECASE)
_COPY = re.compile(r"\s*SELECT\s+\*\s+FROM\s+(\w+)\s*", re.IGNORECASE)


class _Rows:
    """What :meth:`SparkSql.run` returns for a Spark query: a fetched result."""

    def __init__(self, rows: list[tuple], columns: list[str] | None = None):
        self._rows = rows
        self._columns = columns or []

    def fetchone(self) -> tuple | None:
        return self._rows[0] if self._rows else None

    def fetchall(self) -> list[tuple]:
        return list(self._rows)

    def fetchnumpy(self) -> dict[str, np.ndarray]:
        """One array per column, as DuckDB's ``fetchnumpy`` (strings as objects)."""
        out = {}
        for i, name in enumerate(self._columns):
            values = [r[i] for r in self._rows]
            kinds = {type(v) for v in values}
            out[name] = np.array(values, dtype=object if kinds - {int, float, bool} else None)
        return out


#: Every new session's settings. A detect run makes hundreds of queries of a few dozen shapes
#: (every signal runs the same co-action statements); Spark keeps the classes it generates for
#: queries in a cache of 100 by default, too few for a run, so later signals generated and
#: compiled them again (and the JVM's JIT compiled those anew). With room for 2,000 the whole
#: default detect at 100 k posts took 261 s of CPU instead of 321 s (medians; docs/scale.md).
SESSION_SETTINGS = {
    "spark.sql.session.timeZone": "UTC",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.parquet.inferTimestampNTZ.enabled": "true",
    "spark.sql.codegen.cache.maxEntries": "2000",
}
#: A local master's too: few shuffle partitions for its few cores, the driver's memory (it is
#: the executor), and no ./spark-warehouse (the run makes no catalog tables).
LOCAL_SETTINGS = {
    "spark.sql.shuffle.partitions": "8",
    "spark.driver.memory": "4g",
    "spark.sql.warehouse.dir": os.path.join(tempfile.gettempdir(), "ioscope-spark-warehouse"),
}


def session_settings(master: str) -> dict[str, str]:
    """The settings :func:`spark_session` gives a new session on ``master`` (before ``conf``)."""
    return {**SESSION_SETTINGS, **(LOCAL_SETTINGS if master.startswith("local") else {})}


def spark_session(master: str | None = None, conf: dict[str, str] | None = None):
    """``(session, created)``: the active SparkSession, or a new one on ``master``.

    A new session has :func:`session_settings` (UTC, no web UI, room for the generated code of
    every query and, on a local master, few shuffle partitions and 4 GB of driver memory) unless
    ``conf`` says otherwise.
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise EngineUnavailableError(
            "The spark engine needs pyspark, which is not installed.",
            hint="pip install 'ioscope[spark]' (and a Java 17+ runtime), or use --engine duckdb.",
        ) from None
    active = SparkSession.getActiveSession()
    if active is not None:
        return active, False
    if not (os.environ.get("JAVA_HOME") or shutil.which("java")):
        raise EngineUnavailableError(
            "The spark engine needs a Java runtime (17 or later); none was found.",
            hint="Install one (e.g. apt-get install openjdk-17-jre-headless) or set JAVA_HOME.",
        )
    master = master or "local[*]"
    settings = session_settings(master)
    settings.update(conf or {})
    builder = SparkSession.builder.master(master).appName("ioscope detect")
    for k, v in settings.items():
        builder = builder.config(k, v)
    try:
        session = builder.getOrCreate()
    except Exception as e:  # the JVM did not start: Java missing or broken, bad master URL
        raise EngineUnavailableError(
            f"Spark could not start on master {master!r}: {e}",
            hint="Check the master URL and the Java runtime.",
        ) from None
    session.sparkContext.setLogLevel("ERROR")
    return session, True


class SparkSql(Sql):
    """Runs detect's statements on Spark (see the module docstring); ``con`` is the workspace's."""

    def __init__(self, con: duckdb.DuckDBPyConnection, spark: Any, staging: str):
        super().__init__(con)
        self.spark = spark
        self.staging = staging
        self._views: dict[str, Any] = {}  # temporary views -> checkpointed DataFrames
        self._counts: dict[str, int] = {}  # their row counts
        self._inputs: dict[str, str] = {}  # workspace tables copied to Parquet -> view name
        self._shared: list[str] = []  # temporary tables copied back to DuckDB
        # Time-zone-less timestamps (posts.created_at) are UTC, as in DuckDB's epoch().
        self._saved_tz = spark.conf.get(_TZ, None)
        spark.conf.set(_TZ, "UTC")

    # -- the Sql interface -----------------------------------------------------------------
    def run(self, sql: str) -> Any:
        log = recording_log()
        if log is not None:
            log.append(sql)
        counted = _COUNT.fullmatch(sql)
        if counted and counted.group(1).lower() in self._counts:
            return _Rows([(self._counts[counted.group(1).lower()],)])
        tree = parse(sql)
        names = tables_read(tree)
        if isinstance(tree, exp.Insert):
            target = tree.this.this if isinstance(tree.this, exp.Schema) else tree.this
            target_name = target.name.lower()
            source = tree.expression
            if target_name in self._views:
                self._append(target_name, source)
                return _Rows([])
            if (names - {target_name}) & self._spark_names():
                return self._insert_into_workspace(tree, source)
            return self._duckdb(sql)
        if names & self._spark_names():
            df = self._query(tree)
            return _Rows([tuple(r) for r in df.collect()], df.columns)
        return self._duckdb(sql)

    def columns(self, table: str) -> list[str]:
        if table.lower() in self._views:
            return list(self._views[table.lower()].columns)
        return super().columns(table)

    def temp_table(self, name: str, columns: str) -> None:
        df = self.spark.createDataFrame([], _spark_ddl(columns))
        self._register(name, df)

    def temp(self, name: str, select: str) -> int:
        log = recording_log()
        if log is not None:
            log.append(f"CREATE OR REPLACE TEMP TABLE {name} AS {select}")
        copied = _COPY.fullmatch(select)
        if copied and copied.group(1).lower() in self._views:  # same rows: no new Spark job
            source = copied.group(1).lower()
            return self._register(name, self._views[source], count=self._counts[source])
        return self._register(name, self._query(parse(select)))

    def upload(self, name: str, table: Any) -> int:
        cols = ", ".join(f"{f.name} {_ARROW_DDL[str(f.type)]}" for f in table.schema)
        rows = list(zip(*(c.to_pylist() for c in table.columns)))
        return self._register(name, self.spark.createDataFrame(rows, _spark_ddl(cols)))

    def drop_temps(self, keep: tuple[str, ...] = ()) -> None:
        keep_l = {k.lower() for k in keep}
        for name in [n for n in self._views if n not in keep_l]:
            self._forget(name)
        for name in [n for n in self._shared if n not in keep_l]:
            self.con.execute(f"DROP TABLE IF EXISTS temp.main.{name}")
            self._shared.remove(name)
        self._temps = [n for n in self._temps if n.lower() in keep_l]

    def share(self, names: Iterable[str]) -> None:
        """Copy these temporary tables (those that exist) to the workspace connection."""
        for name in names:
            df = self._views.get(name.lower())
            if df is None:
                continue
            table = _naive_timestamps(df.toArrow())
            self.con.register("_spark_share", table)
            try:
                self.con.execute(
                    f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM _spark_share"
                )
            finally:
                self.con.unregister("_spark_share")
            if name.lower() not in self._shared:
                self._shared.append(name.lower())

    def close(self) -> None:
        """Drop every view and cached input this runner made."""
        self.drop_temps()
        for view in self._inputs.values():
            self.spark.catalog.dropTempView(view)
        self._inputs.clear()
        if self._saved_tz is not None:
            self.spark.conf.set(_TZ, self._saved_tz)

    # -- helpers ---------------------------------------------------------------------------
    def _duckdb(self, sql: str) -> _Rows:
        """Run on the workspace connection and fetch everything (no result left open on it)."""
        return _Rows(self.con.execute(sql).fetchall())

    def _spark_names(self) -> set[str]:
        return set(self._views) | {"posts"}

    def _query(self, tree: exp.Expression) -> Any:
        """A DataFrame for the DuckDB SELECT ``tree`` (workspace inputs copied first)."""
        for name in tables_read(tree) - set(self._views):
            self._input(name)
        try:
            text = to_spark(tree)
        except NotPortable as e:
            raise UnsupportedOnEngineError(
                f"A detect statement cannot run on the spark engine: {e}.",
                hint="Run this signal with --engine duckdb (see docs/scale.md).",
            ) from None
        return self.spark.sql(text)

    def _input(self, name: str) -> None:
        """Copy the workspace table ``name`` to Parquet once; Spark reads it as a view."""
        if name in self._inputs:
            return
        # Spark skips files whose name starts with '_' or '.' (as hidden): prefix every name
        path = os.path.join(self.staging, f"table-{name}.parquet")
        self.con.execute(
            f"COPY (SELECT * FROM {quote_ident(name)}) TO {literal(path)} (FORMAT parquet)"
        )
        view = name
        self.spark.read.parquet(path).createOrReplaceTempView(view)
        self._inputs[name] = view

    def _register(self, name: str, df: Any, count: int | None = None) -> int:
        key = name.lower()
        if count is None:
            df = self._materialize(df)
            count = df.count()
        if key in self._views:
            self._forget(key)
        df.createOrReplaceTempView(key)
        self._views[key], self._counts[key] = df, count
        if name not in self._temps:
            self._temps.append(name)
        return count

    def _forget(self, key: str) -> None:
        """Drop the view; free its stored rows unless another view holds the same ones."""
        df = self._views.pop(key)
        self._counts.pop(key, None)
        self.spark.catalog.dropTempView(key)
        if not any(other is df for other in self._views.values()):
            _release(df)

    def _materialize(self, df: Any) -> Any:
        """Compute ``df`` once and cut its lineage, as a DuckDB temporary table would be.

        With a checkpoint directory (``spark.sparkContext.setCheckpointDir``, needed on clusters
        whose executors may be lost) the rows go there; otherwise they stay on the executors.
        Caching alone keeps the whole plan of every earlier step, and the plans of the later
        steps grow until the driver spends its memory on describing them.
        """
        # Not eager: the count that follows computes and stores the rows in the same job.
        if self.spark.sparkContext.getCheckpointDir():
            return df.checkpoint(eager=False)
        return df.localCheckpoint(eager=False)

    def _append(self, name: str, source: exp.Expression) -> None:
        """``INSERT INTO view SELECT …``: the view becomes its rows followed by the new ones."""
        old = self._views[name]
        new = self._query(source)
        self._register(name, old.union(new.toDF(*old.columns)))

    def _insert_into_workspace(self, tree: exp.Insert, source: exp.Expression) -> Any:
        """Run the SELECT on Spark and insert its rows through the workspace connection."""
        table = _naive_timestamps(self._query(source).toArrow())
        target = tree.this
        columns = ""
        if isinstance(target, exp.Schema):
            columns = "(" + ", ".join(c.sql(dialect="duckdb") for c in target.expressions) + ")"
            target = target.this
        view = f"_spark_rows_{uuid.uuid4().hex[:8]}"
        self.con.register(view, table)
        try:
            return self._duckdb(
                f"INSERT INTO {target.sql(dialect='duckdb')} {columns} SELECT * FROM {view}"
            )
        finally:
            self.con.unregister(view)


def _release(df: Any) -> None:
    """Free the executors' copy of a checkpointed DataFrame now (not at the driver's next GC)."""
    try:
        plan = df._jdf.queryExecution().logical()
        if plan.getClass().getSimpleName() == "LogicalRDD":
            plan.rdd().unpersist(False)
    except Exception:  # an internal API: if it moves, Spark's cleaner frees the rows later
        pass


#: Arrow types of uploaded tables (:meth:`SparkSql.upload`) as DuckDB column types.
_ARROW_DDL = {"int64": "BIGINT", "double": "DOUBLE"}


def _spark_ddl(columns: str) -> str:
    """A DuckDB column list (``tid BIGINT, band_key BIGINT``) as a Spark schema string."""
    tree = parse(f"CREATE TABLE t ({columns})")
    return ", ".join(
        f"{c.name} {c.args['kind'].sql(dialect='spark')}" for c in tree.this.expressions
    )


def _naive_timestamps(table: pa.Table) -> pa.Table:
    """Spark's timestamps arrive as UTC instants; the workspace stores UTC without a zone."""
    fields = []
    for f in table.schema:
        if pa.types.is_timestamp(f.type) and f.type.tz is not None:
            f = f.with_type(pa.timestamp(f.type.unit))
        fields.append(f)
    return table.cast(pa.schema(fields))


def staging_dir(base: str | None) -> tuple[str, bool]:
    """A fresh directory for the Parquet copies (under ``base`` when given); ``(path, ours)``."""
    if base:
        path = os.path.join(base, f"ioscope-{uuid.uuid4().hex[:12]}")
        os.makedirs(path)
        return path, True
    return tempfile.mkdtemp(prefix="ioscope-spark-"), True
