"""The workspace: one DuckDB file holding the canonical tables and every result.

A command that changes the workspace runs inside :meth:`Workspace.run`, which opens one
transaction, records the run in ``runs`` and rolls everything back when anything fails, so a
failed or interrupted command leaves the workspace exactly as it was.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import duckdb

from ioscope import __version__
from ioscope.errors import IncompatibleWorkspaceError, NotFoundError
from ioscope.jsonenc import dumps, iso_time, jsonable
from ioscope.model import Table, all_tables
from ioscope.model.table import get_table
from ioscope.sql import quote_ident

__all__ = [
    "LOCK_WAIT",
    "SCHEMA_VERSION",
    "Workspace",
    "Run",
    "file_sha256",
    "utcnow",
    "waiting_path",
]

#: Prefix of a twin renamed in a run's final transaction, while the real table is created.
_TWIN = "_ioscope_twin_"

#: Bumped whenever a table changes incompatibly. Workspaces of another version are refused.
SCHEMA_VERSION = 1


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def file_sha256(path: str | os.PathLike) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return "sha256:" + h.hexdigest()


@dataclass
class Run:
    """A command under way: its id, parameters, inputs and the counts it will record."""

    run_id: str
    command: str
    parameters: dict[str, Any]
    inputs: list[dict[str, Any]] = field(default_factory=list)
    row_counts: dict[str, Any] = field(default_factory=dict)
    started_at: datetime = field(default_factory=utcnow)

    def provenance(self) -> dict[str, Any]:
        """What every output records: version, parameters, input hashes and run id."""
        return {
            "run_id": self.run_id,
            "command": self.command,
            "ioscope_version": __version__,
            "parameters": self.parameters,
            "inputs": self.inputs,
            "started_at": iso_time(self.started_at),
        }


class Workspace:
    """An open workspace file. Use :meth:`open`; close it (or use ``with``) when done."""

    def __init__(self, path: str, con: duckdb.DuckDBPyConnection, read_only: bool):
        self.path = path
        self.con = con
        self.read_only = read_only
        self._twins: set[str] = set()
        #: DuckDB's memory_limit as last set through :meth:`configure` (None: DuckDB's default)
        self.memory_limit: str | None = None

    # -- opening -------------------------------------------------------------------------------
    @classmethod
    def open(
        cls,
        path: str | os.PathLike,
        *,
        create: bool = True,
        read_only: bool = False,
        memory_limit: str | None = None,
        temp_directory: str | None = None,
        threads: int | None = None,
        lock_wait: float | None = None,
    ) -> Workspace:
        """Open (and, with ``create``, initialise) the workspace at ``path``.

        When another process holds the file (DuckDB allows one writer or many readers, across
        processes), wait up to ``lock_wait`` seconds (default :data:`LOCK_WAIT`, or the
        ``IOSCOPE_LOCK_WAIT`` environment variable) for it, announcing the wait in
        ``<path>.waiting`` so that ``ioscope serve`` lets go at once."""
        path = str(path)
        exists = path == ":memory:" or os.path.exists(path)
        if not exists and (read_only or not create):
            raise NotFoundError(
                f"No workspace at {path}.",
                hint="Create one with `ioscope ingest WORKSPACE FILE...`.",
            )
        con = _connect(path, read_only=read_only and exists, wait=lock_wait)
        ws = cls(path, con, read_only)
        ws.configure(memory_limit=memory_limit, temp_directory=temp_directory, threads=threads)
        ws._check_or_init(exists)
        return ws

    def configure(
        self,
        *,
        memory_limit: str | None = None,
        temp_directory: str | None = None,
        threads: int | None = None,
        temp_limit: str | None = None,
    ) -> None:
        """DuckDB settings of this connection: memory budget, where and how much it may spill
        (``temp_limit``: DuckDB's ``max_temp_directory_size``), threads."""
        if memory_limit:
            self.con.execute(f"SET memory_limit = '{_safe_setting(memory_limit)}'")
            self.memory_limit = memory_limit
        if temp_directory:
            self.con.execute(f"SET temp_directory = '{_safe_setting(temp_directory)}'")
        if temp_limit:
            self.con.execute(f"SET max_temp_directory_size = '{_safe_setting(temp_limit)}'")
        if threads:
            self.con.execute(f"SET threads = {int(threads)}")

    def _check_or_init(self, existed: bool) -> None:
        tables = {
            r[0]
            for r in self.con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE NOT temporary AND schema_name = 'main'"
            ).fetchall()
        }
        if "metadata" in tables:
            row = self.con.execute(
                "SELECT value FROM metadata WHERE key = 'schema_version'"
            ).fetchall()
            row = row[0] if row else None
            found = row[0] if row else None
            if found != str(SCHEMA_VERSION):
                raise IncompatibleWorkspaceError(
                    f"{self.path} has workspace schema version {found}; this ioscope "
                    f"({__version__}) reads version {SCHEMA_VERSION}.",
                    hint="Open it with the ioscope version that wrote it, or re-ingest the source "
                    "files into a new workspace. Nothing was changed.",
                )
            # core tables declared since the workspace was made (post_media, ...) start empty
            missing = [t for t in all_tables() if t.stage == "core" and t.name not in tables]
            if missing and not self.read_only:
                for t in missing:
                    self._create(t)
            return
        if tables:
            raise IncompatibleWorkspaceError(
                f"{self.path} is a DuckDB database but not an ioscope workspace "
                f"(it has tables {', '.join(sorted(tables)[:5])} and no metadata table).",
                hint="Choose a new file name for the workspace. Nothing was changed.",
            )
        if self.read_only:
            raise NotFoundError(
                f"{self.path} is not an initialised workspace.",
                hint="Create one with `ioscope ingest WORKSPACE FILE...`.",
            )
        self.con.begin()
        for t in all_tables():
            if t.stage == "core":
                self._create(t)
        self.con.executemany(
            "INSERT INTO metadata VALUES (?, ?)",
            [
                ("schema_version", str(SCHEMA_VERSION)),
                ("ioscope_version", __version__),
                ("created_at", iso_time(utcnow())),
            ],
        )
        self.con.commit()

    def _create(self, table: Table) -> None:
        table.create(self.con)

    def ensure(self, *tables: Table | str) -> None:
        """Create the given (registered) tables when missing. Stages call this for their tables.
        Tables an open :meth:`run` replaces through twins exist already and are left alone."""
        for t in tables:
            table = get_table(t) if isinstance(t, str) else t
            if table.name not in self.twins:
                self._create(table)

    # -- reading -------------------------------------------------------------------------------
    def has_table(self, name: str) -> bool:
        return (
            self.con.execute(
                "SELECT count(*) FROM duckdb_tables() WHERE NOT temporary AND schema_name = 'main' "
                "AND table_name = ?",
                [name],
            ).fetchall()[0][0]
            > 0
        )

    def count(self, table: str) -> int:
        if not self.has_table(table):
            return 0
        return self.con.execute(f"SELECT count(*) FROM {quote_ident(table)}").fetchall()[0][0]

    def sql(self, query: str, params: Iterable[Any] | None = None) -> duckdb.DuckDBPyConnection:
        return self.con.execute(query, list(params) if params is not None else None)

    def rows(self, query: str, params: Iterable[Any] | None = None) -> list[dict[str, Any]]:
        cur = self.con.execute(query, list(params) if params is not None else None)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r)) for r in cur.fetchall()]

    def metadata(self) -> dict[str, str]:
        return dict(self.con.execute("SELECT key, value FROM metadata").fetchall())

    def last_runs(self, n: int = 10) -> list[dict[str, Any]]:
        return self.rows(
            "SELECT run_id, command, parameters, row_counts, ioscope_version, "
            "started_at, finished_at FROM runs ORDER BY started_at DESC, run_id DESC "
            "LIMIT ?",
            [n],
        )

    # -- changing ------------------------------------------------------------------------------
    @contextmanager
    def run(
        self,
        command: str,
        parameters: dict[str, Any],
        inputs: Iterable[str | os.PathLike] = (),
        *,
        replaces: Iterable[str] = (),
    ) -> Iterator[Run]:
        """One atomic command: everything inside commits together with its ``runs`` row, or not at all.

        ``replaces`` names (registered) tables whose rows the command rewrites completely, as
        detect does with ``edges`` and ``edge_evidence``. The command then works outside any
        transaction, on empty temporary *twins* of those tables (same names and columns; DuckDB
        resolves a name in ``temp`` first, so the command's statements read and write the twins),
        and one short transaction at the end replaces each table's rows with its twin's and
        records the run. A failure drops the twins and leaves the workspace as it was, as before;
        either way the temporary tables the command made and left are dropped at the end.
        Why: inside a transaction DuckDB keeps the data of every table dropped in it until the
        transaction ends (a rollback could need it), so a command that makes and drops large
        temporary tables step after step would hold all of them at once, in memory or spilled to
        the temp directory. Outside a transaction a dropped temporary table is freed at once.
        """
        if self.read_only:
            raise IncompatibleWorkspaceError(f"{self.path} is open read-only.")
        run = Run(
            run_id=utcnow().strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8],
            command=command,
            parameters=jsonable(parameters),
        )
        for p in inputs:
            run.inputs.append(
                {"path": str(p), "sha256": file_sha256(p), "size": os.path.getsize(p)}
            )
        twins = list(dict.fromkeys(replaces))
        temps = self._temp_tables() if twins else set()
        main = (
            quote_ident(self.con.execute("SELECT current_database()").fetchone()[0]) + ".main."
            if twins
            else ""
        )
        try:
            if twins:
                self._make_twins(twins, main)
            else:
                self.con.begin()
            yield run
            if twins:
                self.con.begin()
                for name in twins:
                    twin = f"temp.main.{quote_ident(name)}"
                    if not self.has_table(name):  # made now, so that a failure leaves none
                        self.con.execute(
                            f"ALTER TABLE {twin} RENAME TO {quote_ident(_TWIN + name)}"
                        )
                        twin = f"temp.main.{quote_ident(_TWIN + name)}"
                        self._create(get_table(name))
                    else:
                        self.con.execute(f"DELETE FROM {main}{quote_ident(name)}")
                    self.con.execute(f"INSERT INTO {main}{quote_ident(name)} SELECT * FROM {twin}")
            self.con.execute(
                "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'ok')",
                [
                    run.run_id,
                    command,
                    dumps(run.parameters),
                    dumps(run.inputs),
                    dumps(run.row_counts),
                    __version__,
                    run.started_at,
                    utcnow(),
                ],
            )
            self.con.commit()
        except BaseException:
            try:
                self.con.rollback()
            except duckdb.Error:
                pass
            raise
        finally:
            if twins:  # and, as a rollback would, the temporary tables the command left
                self._drop_twins(twins + sorted(self._temp_tables() - temps))

    @property
    def twins(self) -> frozenset[str]:
        """The tables an open :meth:`run` is replacing through temporary twins."""
        return frozenset(self._twins)

    def _temp_tables(self) -> set[str]:
        return {
            r[0]
            for r in self.con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE temporary"
            ).fetchall()
        }

    def _make_twins(self, names: list[str], main: str) -> None:
        """Empty temporary twins of the tables ``names`` (in ``main``, the qualified schema).

        A table the workspace lacks is not created here but in the run's final transaction
        (see :meth:`run`): a run killed before it ends (SIGKILL, out of memory, disk full)
        leaves no empty result table behind that could read as "ran and found nothing"."""
        missing = [n for n in names if not self.has_table(n)]
        for name in names:  # existing tables get the columns declared since they were made
            if name not in missing:
                self.ensure(name)
        self._twins = set(names)
        for name in names:
            if name in missing:
                self.con.execute(get_table(name).empty_ddl(name))
            else:
                self.con.execute(
                    f"CREATE OR REPLACE TEMP TABLE {quote_ident(name)} AS "
                    f"SELECT * FROM {main}{quote_ident(name)} LIMIT 0"
                )

    def _drop_twins(self, names: list[str]) -> None:
        for name in names:
            try:
                self.con.execute(f"DROP TABLE IF EXISTS temp.main.{quote_ident(name)}")
            except duckdb.Error:
                pass
        self._twins = set()

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


#: Seconds a command waits for a workspace another process holds (``IOSCOPE_LOCK_WAIT``).
LOCK_WAIT = 120.0


def waiting_path(path: str) -> str:
    """The file a process creates while it waits for ``path``: readers that see it let go."""
    return f"{path}.waiting"


def _connect(path: str, *, read_only: bool, wait: float | None) -> duckdb.DuckDBPyConnection:
    import time

    wait = float(os.environ.get("IOSCOPE_LOCK_WAIT", LOCK_WAIT)) if wait is None else wait
    deadline = time.monotonic() + wait
    flag = None
    try:
        while True:
            try:
                return duckdb.connect(path, read_only=read_only)
            except duckdb.IOException as e:
                locked = "lock" in str(e).lower()
                if not locked or time.monotonic() >= deadline:
                    raise IncompatibleWorkspaceError(
                        f"{path} cannot be opened: "
                        + (f"another process holds it (waited {wait:g} s)." if locked else str(e)),
                        hint="Another ioscope command (ingest, detect, …) is writing it; run this "
                        "one when it has finished, or raise IOSCOPE_LOCK_WAIT (seconds)."
                        if locked
                        else "Is it another kind of file?",
                    ) from None
                if flag is None and not read_only:
                    flag = waiting_path(path)
                    with open(flag, "a", encoding="utf-8") as f:
                        f.write(f"{os.getpid()}\n")
                time.sleep(0.2)
            except duckdb.Error as e:
                raise IncompatibleWorkspaceError(
                    f"{path} cannot be opened as a DuckDB workspace: {e}",
                    hint="Is it another kind of file, or open in another process?",
                ) from None
    finally:
        if flag is not None:
            try:
                os.remove(flag)
            except OSError:
                pass


def _safe_setting(value: str) -> str:
    if "'" in value:
        raise ValueError(f"invalid setting {value!r}")
    return value
