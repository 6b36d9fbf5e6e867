"""Traceable queries: every number the report or the web UI shows comes from a recorded query.

A :class:`Tracer` runs SQL against the workspace with bound parameters and keeps, for each query,
its id, a title, the tables it reads (found by parsing the SQL with sqlglot) and the SQL itself.
The report prints them next to the numbers (and in an appendix); the web UI lists them under each
page and in its JSON twin. :meth:`Query.display_sql` inlines the parameters as SQL literals so that
the query can be pasted into the ``duckdb`` CLI; that text is for reading only and is never executed
by ioscope.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import sqlglot
from sqlglot import exp

from ioscope.model.table import get_table
from ioscope.report.data.runs import producing_commands
from ioscope.report.summaries import Summaries
from ioscope.sql import NamedQuery, literal
from ioscope.workspace import Workspace

__all__ = ["Query", "Tracer", "inline_params"]


@dataclass
class Query:
    """One query that produced numbers: id (``Q7``), title, tables read, SQL and parameters."""

    id: str
    title: str
    sql: str
    params: list[Any] = field(default_factory=list)
    tables: tuple[str, ...] = ()
    rows: int = 0
    seconds: float = 0.0
    note: str | None = None

    @property
    def display_sql(self) -> str:
        return inline_params(self.sql, self.params)

    def __json__(self) -> str:
        """In JSON a query is its id (the queries are listed apart)."""
        return self.id

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "tables": list(self.tables),
            "sql": self.display_sql,
            "rows": self.rows,
            "seconds": self.seconds,
            "note": self.note,
        }


class Tracer:
    """Runs and records queries on one workspace. ``prefix`` keeps ids unique across tracers."""

    def __init__(self, ws: Workspace, *, prefix: str = "Q", summaries: Summaries | None = None):
        self.ws = ws
        self.prefix = prefix
        self.summaries = summaries
        self.queries: list[Query] = []
        self._checked: set[str] = set()
        self._runs: list[dict[str, Any]] | None = None
        self.q_runs: Query | None = None
        ws.sql("SET enable_progress_bar = false")  # never draw on the terminal of a reader

    # -- schema questions (not recorded: they produce no number) ---------------------------------
    def has(self, table: str) -> bool:
        """Whether ``table`` holds results to show: it exists and, for a stage's table, a
        completed run of the command that writes it is recorded in ``runs``
        (:mod:`ioscope.report.data.runs`); tables left without one are ignored."""
        if not self.ws.has_table(table):
            return False
        commands = producing_commands(table)
        if commands is not None and self.last_run(*commands) is None:
            return False
        self._check_schema(table)
        return True

    # -- the run log (recorded: a section's status is read from it) ------------------------------
    def last_run(self, *commands: str) -> dict[str, Any] | None:
        """The latest completed run of any of ``commands`` (run_id, command, parameters,
        started_at, finished_at), or None."""
        if self._runs is None:
            self._runs, self.q_runs = self.rows(
                "Latest completed run of each command (the sections' status)",
                """
                SELECT command, run_id, parameters, started_at, finished_at FROM (
                  SELECT *, row_number() OVER (PARTITION BY command
                                               ORDER BY finished_at DESC, run_id DESC) AS k
                  FROM runs WHERE status = 'ok' AND finished_at IS NOT NULL)
                WHERE k = 1 ORDER BY command""",
            )
        found = [r for r in self._runs if r["command"] in commands]
        return max(found, key=lambda r: (r["finished_at"], r["run_id"])) if found else None

    def columns(self, table: str) -> list[str]:
        """The columns ``model/`` declares for ``table`` (checked against the workspace)."""
        self._check_schema(table)
        return get_table(table).column_names

    def _check_schema(self, table: str) -> None:
        """The report trusts the declared schema: a stage's table written by an earlier ioscope
        without some declared column is one clear error naming the command that rewrites it,
        never a silent fallback."""
        commands = producing_commands(table)
        if table in self._checked or commands is None:
            return
        get_table(table).require_columns(self.ws.con, self.ws.path, commands[0])
        self._checked.add(table)

    # -- recorded queries ------------------------------------------------------------------------
    def rows(
        self,
        title: str,
        sql: str,
        params: Iterable[Any] = (),
        *,
        via: tuple[str, str, str, list[Any]] | None = None,
    ) -> tuple[list[dict[str, Any]], Query]:
        """Run ``sql`` with bound ``params``; return the rows as dicts and the recorded query.

        ``via = (summary, build_sql, fast_sql, fast_params)``: when this tracer has summaries,
        answer with ``fast_sql`` over the summary table (built by ``build_sql`` on first use),
        which must give the same rows as ``sql``; ``sql`` is still what is recorded.
        """
        params = list(params)
        sql = _dedent(sql)
        start = time.perf_counter()
        note = None
        if via is not None and self.summaries is not None:
            name, build, fast, fast_params = via
            self.summaries.ensure(name, _dedent(build))
            result = self.ws.rows(_dedent(fast), list(fast_params))
            note = (
                f"answered from the summary {name}, built once for this connection "
                f"in {self.summaries.built[name]:.2f} s"
            )
        else:
            result = self.ws.rows(sql, params)
        q = Query(
            id=f"{self.prefix}{len(self.queries) + 1}",
            title=title,
            sql=sql,
            params=params,
            tables=tables_read(sql),
            rows=len(result),
            seconds=round(time.perf_counter() - start, 4),
            note=note,
        )
        self.queries.append(q)
        return result, q

    def run(self, query: NamedQuery) -> tuple[list[dict[str, Any]], Query]:
        """Run and record a stage's named query (e.g.
        :func:`ioscope.detect.results.ranked_clusters`): its own title, SQL and parameters."""
        return self.rows(query.title, query.sql, query.params)

    def record(
        self, title: str, sql: str, rows: int, *, seconds: float = 0.0, note: str | None = None
    ) -> Query:
        """Record a query another stage ran (e.g. the ads audit), so that its numbers are traced."""
        sql = _dedent(sql)
        q = Query(
            id=f"{self.prefix}{len(self.queries) + 1}",
            title=title,
            sql=sql,
            tables=tables_read(sql),
            rows=rows,
            seconds=round(seconds, 4),
            note=note,
        )
        self.queries.append(q)
        return q

    def one(self, title: str, sql: str, params: Iterable[Any] = ()) -> tuple[dict[str, Any], Query]:
        rows, q = self.rows(title, sql, params)
        return (rows[0] if rows else {}), q


@lru_cache(maxsize=512)
def tables_read(sql: str) -> tuple[str, ...]:
    """Workspace tables a query reads (CTE names and table functions excluded), in order."""
    try:
        tree = sqlglot.parse_one(sql, read="duckdb")
    except sqlglot.errors.ParseError:
        return ()
    ctes = {c.alias for c in tree.find_all(exp.CTE)}
    names: list[str] = []
    for t in tree.find_all(exp.Table):
        if t.name and t.name not in ctes and t.name not in names:
            names.append(t.name)
    return tuple(sorted(names))


_TOKENS = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|--[^\n]*|\?|[^'\"?-]+|-")


def inline_params(sql: str, params: list[Any]) -> str:
    """Replace each ``?`` outside quotes and comments by the literal of its parameter."""
    if not params:
        return sql
    it = iter(params)
    out = []
    for tok in _TOKENS.findall(sql):
        out.append(literal(next(it)) if tok == "?" else tok)
    return "".join(out)


def _dedent(sql: str) -> str:
    """Strip the indentation that Python source gives SQL strings (first line may be unindented)."""
    lines = [ln.rstrip() for ln in sql.strip("\n").splitlines()]
    if not lines:
        return ""
    head, rest = lines[0].strip(), lines[1:]
    indent = min((len(ln) - len(ln.lstrip()) for ln in rest if ln.strip()), default=0)
    return "\n".join([head] + [ln[indent:] for ln in rest]).strip()
