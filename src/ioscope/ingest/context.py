"""What a reader gets: the connection, the file, and staging tables to fill.

A reader stages the records of one file into temporary tables (``stg_posts``, ``stg_accounts``,
``stg_attributes`` (rows of ``account_attributes``), ``stg_ref_posts``, ``stg_ref_accounts``; for ad formats ``stg_ads`` with its children
``stg_ad_targeting`` and ``stg_ad_delivery``) and ``stg_quarantine``;
:mod:`ioscope.ingest.finalize` validates, normalizes and merges them. Readers set ``rows_read`` to
the number of primary records (posts, ads, or accounts for users files) they met, so that the
finalizer can prove nothing was lost.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import duckdb

import ioscope.model.stages  # noqa: F401  (the ads tables are staged too)
from ioscope.errors import MissingColumnError
from ioscope.ingest.lazy import lazy
from ioscope.model.table import get_table
from ioscope.sql import quote_ident

pa = lazy("pyarrow")

if TYPE_CHECKING:
    from ioscope.ingest.csvsrc import Dialect

__all__ = ["ReadContext", "STAGING", "RAW_LIMIT"]

RAW_LIMIT = 10_000
#: staging table -> canonical table whose columns it has (plus the reader's bookkeeping columns)
STAGING = {
    "stg_posts": "posts",
    "stg_accounts": "accounts",
    "stg_attributes": "account_attributes",
    "stg_ref_posts": "referenced_posts",
    "stg_ref_accounts": "referenced_accounts",
    "stg_ads": "ads",
    "stg_ad_targeting": "ad_targeting",
    "stg_ad_delivery": "ad_delivery",
}
#: bookkeeping columns; for ad children, ``_hint`` is a country the source files a location
#: criterion under and ``_ad_line`` the source line of the ad the row belongs to
_EXTRA = (
    '"_error_field" VARCHAR, "_error" VARCHAR, "_raw" VARCHAR, "_primary" BOOLEAN, '
    '"_hint" VARCHAR, "_ad_line" BIGINT'
)


@dataclass
class ReadContext:
    con: duckdb.DuckDBPyConnection
    path: str
    format: str
    run_id: str
    options: dict[str, Any] = field(default_factory=dict)
    rows_read: int = 0
    #: the CSV dialect the file was read with (``load_csv``), recorded in the run
    dialect: dict | None = None
    _quarantine: list[tuple] = field(default_factory=list)

    def __post_init__(self) -> None:
        for stg, canon in STAGING.items():
            cols = ", ".join(f'"{c.name}" {c.type}' for c in get_table(canon).columns)
            self.con.execute(f"CREATE OR REPLACE TEMP TABLE {stg} ({cols}, {_EXTRA})")
        self.con.execute(
            "CREATE OR REPLACE TEMP TABLE stg_quarantine (source_line BIGINT, "
            "field VARCHAR, reason VARCHAR, raw VARCHAR)"
        )

    def drop_temp(self) -> None:
        """Drop every temporary table the reader and the finalizer made."""
        for (name,) in self.con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE temporary"
        ).fetchall():
            self.con.execute(f'DROP TABLE IF EXISTS temp.main."{name}"')

    @property
    def platform(self) -> str | None:
        return self.options.get("platform")

    # -- staging -------------------------------------------------------------------------------
    def stage_sql(self, table: str, select_sql: str, params: list | None = None) -> int:
        """Insert the rows of ``select_sql`` (columns by name, missing = NULL) into a staging table."""
        assert table in STAGING
        before = self.con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
        self.con.execute(f"INSERT INTO {table} BY NAME {select_sql}", params)
        return self.con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0] - before

    def stage_arrow(self, table: str, data: pa.Table | list[dict]) -> int:
        """Insert an Arrow table (or a list of dicts) into a staging table by column name."""
        assert table in STAGING
        if isinstance(data, list):
            if not data:
                return 0
            data = pa.Table.from_pylist(data)
        if data.num_rows == 0:
            return 0
        # DuckDB reads the local variable (a replacement scan). con.register() would keep the
        # table alive until the ingest transaction ends, so memory would grow with the file.
        _stage_arrow = data  # noqa: F841
        self.con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _stage_arrow")
        return data.num_rows

    def quarantine(
        self, line: int | None, reason: str, raw: Any = None, field: str | None = None
    ) -> None:
        """Keep a record that cannot be ingested (flushed by the finalizer)."""
        text = raw if isinstance(raw, str) or raw is None else repr(raw)
        if isinstance(raw, (bytes, bytearray)):
            text = raw.decode("utf-8", errors="replace")
        self._quarantine.append((line, field, reason, text[:RAW_LIMIT] if text else text))

    def flush_quarantine(self) -> None:
        if self._quarantine:
            self.con.executemany("INSERT INTO stg_quarantine VALUES (?, ?, ?, ?)", self._quarantine)
            self._quarantine.clear()

    # -- CSV through DuckDB --------------------------------------------------------------------
    def load_csv(
        self,
        *,
        required: list[str],
        optional: list[str] = (),
        name: str = "src",
        dialect: Dialect | None = None,
        sniff: bool = False,
    ) -> list[str]:
        """Read the CSV file into temp table ``name`` (all VARCHAR, plus ``_line``, the physical
        line where the record starts, and ``_nl``, the line breaks inside it).

        The dialect is ``dialect`` (default: comma, double quote, doubled to escape), or with
        ``sniff`` the one :func:`ioscope.ingest.csvsrc.sniff_dialect` finds, recorded in
        :attr:`dialect`. Malformed rows (wrong column count, bad quoting, invalid UTF-8, too long,
        cut short) go to quarantine with their line, field and reason, and never change their
        neighbours (:mod:`ioscope.ingest.csvsrc`). Returns the header's column names. Raises
        :class:`MissingColumnError` naming the file and the missing column.
        """
        from ioscope.ingest import csvsrc

        dialect = csvsrc.sniff_dialect(self.path) if sniff else (dialect or csvsrc.RFC4180)
        self.dialect = dialect.to_dict()
        header = csvsrc.read_header(self.path, dialect)
        lower = {h.lower(): h for h in header}
        missing = [c for c in required if c.lower() not in lower]
        if missing:
            raise MissingColumnError(
                f"{self.path}: the {self.format} format needs column {missing[0]!r}, "
                f"which the header does not have (header: {', '.join(header[:12]) or 'empty'}).",
                hint="Check the file, or choose another --format.",
            )
        select = ", ".join(
            f"{quote_ident(lower[c.lower()])} AS {quote_ident(c)}"
            for c in list(required) + [c for c in optional if c.lower() in lower]
        )
        problems = csvsrc.read_into(
            self.con,
            self.path,
            dialect,
            header,
            select,
            name,
            line_count=self.options.get("line_count"),
        )
        for line, column, reason, raw in problems:
            self.quarantine(line, reason, raw, column)
        self.rows_read += self.con.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0] + len(
            problems
        )
        return header
