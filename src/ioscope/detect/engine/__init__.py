"""Where detect's statements run: DuckDB in the workspace (default) or a Spark cluster.

Both engines run the same statements (:mod:`ioscope.detect.engine.sql`) and give the same edges and
evidence; the Spark engine writes its results into the workspace inside the same run, so the
provenance and all-or-nothing rules hold whichever engine computed them. See docs/scale.md.

>>> resolve_engine("duckdb").name
'duckdb'
>>> SparkEngine(master="local[2]").describe()["master"]
'local[2]'
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from ioscope.detect.engine.sql import Sql
from ioscope.errors import ParameterError, UnsupportedOnEngineError
from ioscope.params import Param, validate_params
from ioscope.workspace import Workspace

__all__ = [
    "ENGINES",
    "ENGINE_PARAMS",
    "DuckDBEngine",
    "SparkEngine",
    "resolve_engine",
    "unsupported",
]

ENGINES = ("duckdb", "spark")

#: Where a run's statements run, and the Spark engine's options (``spark_conf``, a mapping of
#: Spark settings, is given as KEY=VALUE pairs: :func:`ioscope.params.parse_pairs`).
ENGINE_PARAMS = (
    Param(
        "engine",
        "choice",
        "duckdb",
        "Where the co-action statements run: duckdb (in the "
        "workspace) or spark (same results). See docs/scale.md.",
        choices=ENGINES,
    ),
    Param(
        "spark_master",
        "str",
        None,
        "Spark master URL: local[2], spark://host:7077, yarn (default: local[*]).",
    ),
    Param(
        "spark_staging",
        "str",
        None,
        "Directory for the Parquet copy of the posts that Spark "
        "reads; on a cluster, one every executor can read.",
    ),
)


def unsupported(engine: str, signals: Iterable[str]) -> dict[str, str]:
    """The signals among ``signals`` that ``engine`` cannot run → why (``Signal.engines`` and
    ``Signal.engine_note``). A signal whose statements use a function or syntax without a Spark
    equal (DuckDB's ``HASH()``, ``SELECT * REPLACE``) leaves "spark" out of its engines until it
    is rewritten portably (tests/test_detect_spark.py checks the declarations)."""
    from ioscope.detect.signals import get_signal  # the registry imports the engine's modules

    out = {}
    for name in signals:
        s = get_signal(name)
        if engine not in s.engines:
            out[name] = s.engine_note or f"it declares the engines {', '.join(s.engines)} only"
    return out


class _Engine:
    """What both engines answer alike: which signals they run (``Signal.engines``)."""

    name: str

    def supported(self, signals: Iterable[str]) -> list[str]:
        """The signals this engine runs (what ``detect`` runs when no signal is named)."""
        signals = list(signals)
        bad = unsupported(self.name, signals)
        return [s for s in signals if s not in bad]

    def check(self, signals: Iterable[str]) -> None:
        """Refuse the signals this engine cannot compute with the same results (before any
        work)."""
        bad = unsupported(self.name, signals)
        if bad:
            other = next(e for e in ENGINES if e != self.name)
            first = next(iter(bad))
            raise UnsupportedOnEngineError(
                f"The {self.name} engine cannot run {', '.join(bad)}: {bad[first]}.",
                hint=f"Leave it out (--signals ...) or run it with --engine {other}; "
                "see docs/scale.md.",
            )


@dataclass(frozen=True)
class DuckDBEngine(_Engine):
    """Statements run on the workspace's own DuckDB connection."""

    name = "duckdb"

    def describe(self) -> dict[str, Any]:
        return {"name": self.name}

    @contextmanager
    def open(self, ws: Workspace) -> Iterator[Sql]:
        yield Sql(ws.con)


@dataclass(frozen=True)
class SparkEngine(_Engine):
    """Statements run on a SparkSession; results are written back into the workspace.

    ``master``: a Spark master URL (``local[2]``, ``spark://host:7077``, ``yarn``); None uses
    the active SparkSession, or ``local[*]``. ``conf``: Spark settings for a new session.
    ``staging``: the directory where the workspace's input tables are written as Parquet for
    Spark to read (default: a temporary directory; on a cluster, a path every executor can read).
    """

    master: str | None = None
    conf: dict[str, str] = field(default_factory=dict)
    staging: str | None = None
    name = "spark"

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "master": self.master, "conf": dict(self.conf)}

    @contextmanager
    def open(self, ws: Workspace) -> Iterator[Sql]:
        from ioscope.detect.engine.spark import SparkSql, spark_session, staging_dir

        session, created = spark_session(self.master, self.conf)
        path, ours = staging_dir(self.staging)
        sql = SparkSql(ws.con, session, path)
        try:
            yield sql
        finally:
            try:
                sql.close()
            finally:
                if ours:
                    shutil.rmtree(path, ignore_errors=True)
                if created:
                    session.stop()


def resolve_engine(
    engine: str | DuckDBEngine | SparkEngine | None = None,
    *,
    spark_master: str | None = None,
    spark_conf: dict[str, str] | None = None,
    spark_staging: str | None = None,
) -> DuckDBEngine | SparkEngine:
    """An engine from its name (``"duckdb"``, ``"spark"``) and options, or an engine object."""
    if isinstance(engine, (DuckDBEngine, SparkEngine)):
        return engine
    opts = validate_params(
        ENGINE_PARAMS,
        {
            "engine": engine or "duckdb",
            "spark_master": spark_master,
            "spark_staging": spark_staging,
        },
        "detect",
    )
    engine, spark_master, spark_staging = (
        opts["engine"],
        opts["spark_master"],
        opts["spark_staging"],
    )
    if engine == "spark":
        return SparkEngine(master=spark_master, conf=dict(spark_conf or {}), staging=spark_staging)
    if spark_master or spark_conf or spark_staging:
        raise ParameterError(
            "Spark options were given but the engine is duckdb.",
            hint="Add --engine spark, or leave the Spark options out.",
        )
    return DuckDBEngine()
