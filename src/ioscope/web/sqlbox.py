"""The SQL box of the web UI (``/sql``): one read-only query over the workspace, with a row limit.

Three locks keep it from writing anything, anywhere:

1. the query must parse (sqlglot, DuckDB dialect) as exactly one ``SELECT`` (with ``WITH``,
   ``UNION``, … ; no ``COPY``, ``ATTACH``, ``SET``, ``PRAGMA``, ``INSTALL``, ``CREATE`` …);
2. it runs on a connection opened read-only with ``enable_external_access = false`` (no files
   read or written outside the workspace, no extensions, no network) and the configuration
   locked;
3. it is interrupted after :data:`TIMEOUT` seconds, and at most ``limit`` rows are fetched.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import duckdb

from ioscope.errors import ParameterError, UsageError
from ioscope.params import Param

__all__ = ["SQL_PARAMS", "TIMEOUT", "run_select", "check_select"]

TIMEOUT = 10.0
SQL_PARAMS = [
    Param("sql", "str", "", "One SELECT over the workspace's tables."),
    Param("limit", "int", 100, "Rows to show at most.", min=1, max=10_000),
]
EXAMPLE = (
    "SELECT c.rank, c.size, c.signals, count(*) AS members_with_handle\n"
    "FROM clusters c JOIN cluster_members m USING (cluster_id)\n"
    "WHERE m.handle IS NOT NULL GROUP BY ALL ORDER BY c.rank"
)


def check_select(sql: str) -> None:
    """Raise :class:`UsageError` unless ``sql`` is exactly one SELECT statement."""
    import sqlglot
    from sqlglot import exp

    if len(sql) > 20_000:
        raise ParameterError(
            f"The 'sql' parameter of /sql must be at most 20,000 characters. "
            f"Got {len(sql):,} instead."
        )
    try:
        statements = [s for s in sqlglot.parse(sql, read="duckdb") if s is not None]
    except sqlglot.errors.ParseError as e:
        raise UsageError(
            f"The query does not parse: {str(e).splitlines()[0]}",
            hint="The SQL box takes one SELECT statement (DuckDB dialect).",
        ) from None
    if len(statements) != 1:
        raise UsageError(
            f"The SQL box runs one statement; got {len(statements)}.",
            hint="Remove the extra statements (and their ';').",
        )
    root = statements[0]
    if not isinstance(root, (exp.Select, exp.Union, exp.Intersect, exp.Except)) or any(
        isinstance(
            n,
            (
                exp.Insert,
                exp.Update,
                exp.Delete,
                exp.Create,
                exp.Drop,
                exp.Alter,
                exp.Command,
                exp.Copy,
                exp.Set,
                exp.Pragma,
                exp.Attach,
                exp.Detach,
                exp.Use,
                exp.Into,
            ),
        )
        for n in root.walk()
    ):
        raise UsageError(
            f"The SQL box runs SELECT statements only; got {root.key.upper()}.",
            hint="The web UI never changes the workspace; write with the ioscope commands.",
        )


def run_select(path: str, sql: str, limit: int) -> dict[str, Any]:
    """Run ``sql`` (checked by :func:`check_select`) on its own locked-down connection to the
    workspace at ``path``; returns columns, up to ``limit`` rows and whether there were more."""
    check_select(sql)
    con = duckdb.connect(
        path, read_only=True, config={"enable_external_access": False, "lock_configuration": True}
    )
    timer = threading.Timer(TIMEOUT, con.interrupt)
    start = time.perf_counter()
    try:
        timer.start()
        try:
            cur = con.execute(sql)
            columns = [d[0] for d in cur.description]
            rows = cur.fetchmany(limit + 1)
        except duckdb.InterruptException:
            raise UsageError(
                f"The query ran for more than {TIMEOUT:g} s and was stopped.",
                hint="Narrow it, or run it with the duckdb CLI.",
            ) from None
        except duckdb.Error as e:
            first = (str(e).strip().splitlines() or [type(e).__name__])[0]
            raise UsageError(f"DuckDB: {first}") from None
    finally:
        timer.cancel()
        con.close()
    truncated = len(rows) > limit
    rows = rows[:limit]
    return {
        "sql": sql,
        "limit": limit,
        "columns": columns,
        "rows": [dict(zip(columns, r)) for r in rows],
        "n_rows": len(rows),
        "truncated": truncated,
        "seconds": round(time.perf_counter() - start, 3),
    }
