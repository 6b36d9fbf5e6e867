"""Tables declared as data: the DDL, the docs in docs/schema.md and the checks come from here."""

from __future__ import annotations

from dataclasses import dataclass, field

from ioscope.errors import IncompatibleWorkspaceError
from ioscope.sql import quote_ident

__all__ = ["Column", "Table", "register", "all_tables", "get_table"]


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    doc: str
    nullable: bool = True


@dataclass(frozen=True)
class Table:
    """A workspace table: ``stage`` names the pipeline stage that writes it.

    ``key_enforced=False`` leaves the primary key out of the DDL: the key still holds (the stage
    that writes the table guarantees it, and tests check it), but DuckDB keeps no ART index for
    it. For the big tables (posts) that index cost most of the insert time and, inside one large
    transaction, memory that cannot spill to disk.
    """

    name: str
    doc: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...] = ()
    stage: str = "core"
    indexes: tuple[tuple[str, ...], ...] = field(default_factory=tuple)
    key_enforced: bool = True

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def ddl(self, name: str | None = None) -> str:
        cols = [
            f"{quote_ident(c.name)} {c.type}" + ("" if c.nullable else " NOT NULL")
            for c in self.columns
        ]
        if self.primary_key and self.key_enforced:
            cols.append("PRIMARY KEY (" + ", ".join(map(quote_ident, self.primary_key)) + ")")
        return (
            f"CREATE TABLE IF NOT EXISTS {quote_ident(name or self.name)} (\n  "
            + ",\n  ".join(cols)
            + "\n)"
        )

    def create(self, con) -> None:
        """Create the table and its indexes on a DuckDB connection when missing; add the
        nullable columns declared since an existing table was made (a workspace written by an
        earlier ioscope of the same schema version gets them empty)."""
        con.execute(self.ddl())
        have = self.stored_columns(con)
        for c in self.columns:
            if c.name not in have and c.nullable:
                con.execute(
                    f"ALTER TABLE main.{quote_ident(self.name)} "
                    f"ADD COLUMN {quote_ident(c.name)} {c.type}"
                )
        for i, cols in enumerate(self.indexes):
            con.execute(
                f"CREATE INDEX IF NOT EXISTS {quote_ident(f'idx_{self.name}_{i}')} "
                f"ON {quote_ident(self.name)} (" + ", ".join(map(quote_ident, cols)) + ")"
            )

    def stored_columns(self, con) -> set[str]:
        """The columns the workspace's table has (empty when it is missing)."""
        return {
            r[0]
            for r in con.execute(
                "SELECT column_name FROM duckdb_columns() WHERE database_name = current_database() "
                "AND schema_name = 'main' AND table_name = ? AND NOT internal",
                [self.name],
            ).fetchall()
        }

    def require_columns(self, con, where: object, command: str) -> None:
        """Readers trust the declared schema: the table written by an earlier ioscope without
        some declared column is one clear error naming the ``command`` that rewrites it (run on
        the workspace ``where``), never a silent fallback."""
        from ioscope import __version__

        stored = self.stored_columns(con)
        missing = [c for c in self.column_names if c not in stored]
        if missing:
            raise IncompatibleWorkspaceError(
                f"The {self.name} table of {where} was written by an earlier ioscope: it lacks "
                f"the column{'s' if len(missing) > 1 else ''} {', '.join(missing)}."
                if stored
                else f"{where} has no {self.name} table: the tables of `ioscope {command}` "
                "there were written by an earlier ioscope.",
                hint=f"Run `ioscope {command}` on {where} again to rewrite it (this ioscope, "
                f"{__version__}, adds them). Nothing was changed.",
            )

    def empty_ddl(self, name: str) -> str:
        """The same columns without keys, for staging tables."""
        cols = [f"{quote_ident(c.name)} {c.type}" for c in self.columns]
        return f"CREATE OR REPLACE TEMP TABLE {quote_ident(name)} (" + ", ".join(cols) + ")"


_REGISTRY: dict[str, Table] = {}


def register(*tables: Table) -> None:
    for t in tables:
        _REGISTRY[t.name] = t


def all_tables() -> list[Table]:
    return list(_REGISTRY.values())


def get_table(name: str) -> Table:
    return _REGISTRY[name]
