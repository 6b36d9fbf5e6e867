"""How detect talks to the database: every statement goes through :class:`Sql`.

The statements are written in a portable subset of SQL (``CAST(FLOOR(t / W) AS BIGINT)`` rather
than ``//``, ``LEAST``/``GREATEST``, ``string_agg(... ORDER BY ...)``, no DuckDB-only casts), so
that a later Spark backend can run the same text; ``tests/test_detect_sql.py`` records every
statement of a detect run with :func:`recording` and transpiles it to Spark SQL with sqlglot.
Values are inlined as literals (numbers are validated before they get here, strings quoted).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import duckdb

__all__ = [
    "Sql",
    "recording",
    "recording_log",
    "epoch_seconds",
    "from_epoch",
    "unnest_actions",
    "chunk_filters",
    "WHITESPACE",
    "PY_WHITESPACE",
]

_local = threading.local()

#: Characters Python's ``regex`` module treats as ``\s`` in Unicode patterns (RE2 syntax).
WHITESPACE = r"[\t\n\x0b\x0c\r \x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}]"
#: Characters ``str.split()`` splits on: the above plus the information separators 0x1c-0x1f.
PY_WHITESPACE = WHITESPACE[:-1] + r"\x1c-\x1f]"


@contextmanager
def recording() -> Iterator[list[str]]:
    """Collect the text of every statement :class:`Sql` runs in this thread (for tests)."""
    log: list[str] = []
    prev = getattr(_local, "log", None)
    _local.log = log
    try:
        yield log
    finally:
        _local.log = prev


def recording_log() -> list[str] | None:
    """The list :func:`recording` is filling in this thread, if any (other engines log to it)."""
    return getattr(_local, "log", None)


class Sql:
    """A connection wrapper that runs (and, under :func:`recording`, records) statements."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con
        self._temps: list[str] = []

    def run(self, sql: str) -> duckdb.DuckDBPyConnection:
        log = recording_log()
        if log is not None:
            log.append(sql)
        return self.con.execute(sql)

    def one(self, sql: str) -> Any:
        return self.run(sql).fetchone()[0]

    def rows(self, sql: str) -> list[tuple]:
        return self.run(sql).fetchall()

    def columns(self, table: str) -> list[str]:
        return [d[0] for d in self.con.execute(f"SELECT * FROM {table} LIMIT 0").description]

    def temp_table(self, name: str, columns: str) -> None:
        """An empty temporary table ``name (columns)``, to be filled in several statements."""
        self.run(f"CREATE OR REPLACE TEMP TABLE {name} ({columns})")
        if name not in self._temps:
            self._temps.append(name)

    def temp(self, name: str, select: str) -> int:
        """``CREATE OR REPLACE TEMP TABLE name AS select``; returns its row count."""
        self.run(f"CREATE OR REPLACE TEMP TABLE {name} AS {select}")
        if name not in self._temps:
            self._temps.append(name)
        return self.one(f"SELECT count(*) FROM {name}")

    def upload(self, name: str, table: Any) -> int:
        """A temporary table ``name`` with the rows of the Arrow ``table`` (computed in Python);
        returns its row count."""
        self.con.register("_det_upload", table)
        try:
            self.run(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM _det_upload")
        finally:
            self.con.unregister("_det_upload")
        if name not in self._temps:
            self._temps.append(name)
        return table.num_rows

    def share(self, names: tuple[str, ...]) -> None:
        """Make these temporary tables visible on ``con`` (they are; the Spark engine copies)."""

    def drop_temps(self, keep: tuple[str, ...] = ()) -> None:
        """Drop the temporary tables this runner made (never any other table), but ``keep``."""
        for name in reversed(self._temps):
            if name in keep:
                continue
            try:
                self.con.execute(f"DROP TABLE IF EXISTS temp.main.{name}")
            except duckdb.Error:
                pass
        self._temps = [n for n in self._temps if n in keep]


def chunk_filters(rows: int, per_chunk: int, key: str) -> list[str]:
    """WHERE clauses that split ``rows`` rows into groups of about ``per_chunk`` by ``key``
    (a non-negative integer expression: ``key % k = i``), or ``[""]`` when one group will do.
    Statements run chunk by chunk so that what they hold at once stays bounded."""
    k = max(1, -(-int(rows) // per_chunk))
    return [""] if k == 1 else [f"WHERE {key} % {k} = {i}" for i in range(k)]


def epoch_seconds(column: str) -> str:
    """Seconds since 1970 as DOUBLE (Spark: UNIX_TIMESTAMP)."""
    return f"epoch({column})"


def unnest_actions(
    column: str, where: str, *, item_filter: str | None = None, extra: str | None = None
) -> str:
    """Actions with one row per distinct element of the list ``column`` of a post.

    Written with UNNEST in the select list (Spark: EXPLODE), which DuckDB runs several times
    faster than a lateral UNNEST in FROM.
    """
    more = f", {extra}" if extra else ""
    cond = f" AND {item_filter}" if item_filter else ""
    return (
        f"SELECT platform, account_id, item, t, post_id FROM ("
        f"SELECT platform, account_id, UNNEST(LIST_DISTINCT({column})) AS item, "
        f"{epoch_seconds('created_at')} AS t, post_id{more} FROM posts "
        f"WHERE {where} AND ARRAY_LENGTH({column}) > 0) x "
        f"WHERE item IS NOT NULL AND item <> ''{cond}"
    )


def from_epoch(expr: str) -> str:
    """A TIMESTAMP from epoch seconds, to the microsecond (Spark: TIMESTAMP_MICROS)."""
    return f"make_timestamp(CAST(ROUND({expr} * 1000000) AS BIGINT))"
