"""SQL helpers the signal families share."""

from __future__ import annotations

import warnings
from typing import Any

import duckdb
import pyarrow as pa

from ioscope.accounts.registry import SIGNAL_SCHEMA, NotApplicable
from ioscope.model.detect import EDGES
from ioscope.model.signif import CLUSTER_MEMBERS, CLUSTERS
from ioscope.reference.languages import UNDEFINED_LANGUAGES, language_names_table
from ioscope.sql import literal

__all__ = [
    "register_arrow",
    "fetch_arrow",
    "signal_rows",
    "has_rows",
    "register_language_names",
    "lang_code",
    "require_table",
    "detect_tables",
]


#: The tables one detect run writes that the account families read.
DETECT_TABLES = (EDGES, CLUSTERS, CLUSTER_MEMBERS)


def register_arrow(con: duckdb.DuckDBPyConnection, name: str, table: pa.Table) -> None:
    """``con.register`` that first completes any partly fetched result on the connection (DuckDB
    refuses to register while a ``fetchone()`` result is pending)."""
    con.execute("SELECT 1").fetchall()
    con.register(name, table)


def fetch_arrow(
    con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None
) -> pa.Table:
    """The result of ``sql`` as an Arrow table (through ``execute``, which, unlike ``con.sql``,
    does not refuse to run while an earlier result on the connection is partly fetched)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return con.execute(sql, params).to_arrow_table()


def signal_rows(
    con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None
) -> pa.Table:
    """Run a SELECT of (platform, account_id, signal, value, detail) and return it typed."""
    wrapped = (
        f"SELECT CAST(platform AS VARCHAR) AS platform, CAST(account_id AS VARCHAR) AS "
        f"account_id, CAST(signal AS VARCHAR) AS signal, CAST(value AS DOUBLE) AS value, "
        f"CAST(detail AS VARCHAR) AS detail FROM ({sql}) WHERE value IS NOT NULL "
        f"AND isfinite(CAST(value AS DOUBLE))"
    )
    return fetch_arrow(con, wrapped, params).cast(SIGNAL_SCHEMA)


def has_rows(con: duckdb.DuckDBPyConnection, sql: str) -> bool:
    return con.execute(f"SELECT EXISTS ({sql})").fetchall()[0][0]


def require_table(con: duckdb.DuckDBPyConnection, name: str, why: str) -> None:
    n = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = ? AND NOT temporary", [name]
    ).fetchall()[0][0]
    if not n:
        raise NotApplicable(why)


def detect_tables(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether ``ioscope detect`` has run: its tables (edges, clusters, cluster_members; one run
    writes them all) are in the workspace. Their columns are the ones ``model/`` declares; a
    table written by an earlier ioscope without one is an
    :class:`~ioscope.errors.IncompatibleWorkspaceError` naming the command to re-run."""
    names = [t.name for t in DETECT_TABLES]
    present = {
        r[0]
        for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
            "AND schema_name = 'main' AND table_name IN (SELECT unnest(?))",
            [names],
        ).fetchall()
    }
    if not present:
        return False
    where = con.execute(
        "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchall()[0][0]
    for t in DETECT_TABLES:
        t.require_columns(con, where or "the workspace", "detect")
    return True


def register_language_names(con: duckdb.DuckDBPyConnection) -> None:
    """Make temp table ``_lang_names`` (name, code) available to :func:`lang_code`."""
    register_arrow(con, "_lang_names_arrow", language_names_table())
    con.execute("CREATE OR REPLACE TEMP TABLE _lang_names AS SELECT * FROM _lang_names_arrow")
    con.unregister("_lang_names_arrow")


def lang_code(expr: str) -> str:
    """SQL: ISO 639-1 code of a language value ('en', 'en-GB', 'English', 'in' → 'id'), or NULL.

    Needs :func:`register_language_names` first.
    """
    undefined = ", ".join(literal(u) for u in UNDEFINED_LANGUAGES)
    norm = f"lower(trim({expr}))"
    return (
        f"(CASE WHEN {norm} IN ({undefined}) OR {norm} = '' THEN NULL "
        f"ELSE COALESCE((SELECT code FROM _lang_names WHERE name = {norm}), "
        f"(SELECT code FROM _lang_names WHERE name = split_part(replace({norm}, '_', '-'), '-', 1)), "
        f"CASE WHEN regexp_full_match({norm}, '[a-z]{{2,3}}([-_][a-z0-9]+)*') "
        f"THEN split_part(replace({norm}, '_', '-'), '-', 1) END) END)"
    )
