"""DuckDB → Spark SQL for detect's statements: sqlglot, plus the rewrites that keep results equal.

sqlglot transpiles the portable subset detect is written in (``tests/test_detect_sql.py``), but
a few functions transpile to something with different *values*, and the Spark engine promises
the same edges as DuckDB:

- ``epoch(ts)`` becomes ``UNIX_TIMESTAMP(ts)``, whole seconds; here it becomes
  ``UNIX_MICROS(CAST(ts AS TIMESTAMP)) / 1e6``, DuckDB's fractional seconds (the session time
  zone is UTC, so a time-zone-less timestamp is read as UTC, as DuckDB does).
- A decimal literal (``1.0 * a / b``) is DECIMAL in both, but DuckDB divides decimals as
  DOUBLE while Spark keeps six decimal places; the literals become DOUBLE.
- ``STRING_AGG(x, sep ORDER BY …)`` becomes ``LISTAGG … WITHIN GROUP``, which Spark 4.3 fails
  to checkpoint when a join follows it; here it becomes the join of the sorted list of
  ``(keys…, x)`` structs (ascending keys only; the same order, NULL values skipped as in DuckDB).
- ``HASH`` is DuckDB's 64-bit hash in DuckDB and a 32-bit Murmur3 hash in Spark: statements
  that use it cannot give the same values and are refused (:class:`NotPortable`), and so are
  DuckDB's ``SELECT * REPLACE (…)``/``EXCLUDE (…)``, which Spark SQL cannot parse.

Regular expressions are passed through: DuckDB uses RE2 and Spark java.util.regex, which agree
on the patterns detect uses except that Java's ``\\s`` also matches the vertical tab (U+000B).
"""

from __future__ import annotations

from functools import lru_cache

import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel

__all__ = ["NotPortable", "parse", "to_spark", "tables_read", "NOT_PORTABLE_FUNCTIONS"]

#: DuckDB functions whose Spark namesake computes different values.
NOT_PORTABLE_FUNCTIONS = frozenset({"HASH"})
#: sqlglot's names of DuckDB's ``*`` modifiers, which it passes to Spark SQL unchanged.
STAR_MODIFIERS = ("replace", "except", "except_", "rename")


class NotPortable(ValueError):
    """A statement uses a function that Spark evaluates differently from DuckDB."""


@lru_cache(maxsize=512)
def parse(sql: str) -> exp.Expression:
    """The statement parsed as DuckDB SQL (cached: signals repeat their statements)."""
    return sqlglot.parse_one(sql, read="duckdb")


def _ordered_string_agg(node: exp.GroupConcat) -> exp.Expression | None:
    order = node.this
    if not isinstance(order, exp.Order) or any(o.args.get("desc") for o in order.expressions):
        return None

    def spark(e: exp.Expression) -> str:
        return e.copy().transform(_rewrite, copy=False).sql(dialect="spark")

    value = spark(order.this)
    fields = ", ".join(f"{spark(o.this)} AS k{i}" for i, o in enumerate(order.expressions))
    sep = spark(node.args.get("separator") or exp.Literal.string(","))
    # NULL values are left out, as STRING_AGG does (COLLECT_LIST skips the NULL structs).
    text = (
        f"ARRAY_JOIN(TRANSFORM(ARRAY_SORT(COLLECT_LIST(CASE WHEN {value} IS NOT NULL "
        f"THEN STRUCT({fields}, {value} AS v) END)), s -> s.v), {sep})"
    )
    return sqlglot.parse_one(text, read="spark")


def _rewrite(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.GroupConcat):
        replaced = _ordered_string_agg(node)
        if replaced is not None:
            return replaced
    if isinstance(node, exp.TimeToUnix):
        micros = exp.Anonymous(
            this="UNIX_MICROS", expressions=[exp.cast(node.this.copy(), "TIMESTAMP")]
        )
        return exp.Div(this=micros, expression=exp.cast(exp.Literal.number(1000000), "DOUBLE"))
    if isinstance(node, exp.Literal) and not node.is_string and any(c in node.this for c in ".eE"):
        return exp.cast(node.copy(), "DOUBLE")
    if isinstance(node, exp.Anonymous) and str(node.this).upper() in NOT_PORTABLE_FUNCTIONS:
        raise NotPortable(f"{str(node.this).upper()}() gives different values in Spark")
    if isinstance(node, exp.Star) and any(node.args.get(k) for k in STAR_MODIFIERS):
        raise NotPortable("SELECT * REPLACE/EXCLUDE/RENAME is DuckDB's; Spark SQL has no equal")
    return node


def to_spark(tree: exp.Expression) -> str:
    """Spark SQL with the same values as the DuckDB statement ``tree`` (raises NotPortable)."""
    rewritten = tree.copy().transform(_rewrite, copy=False)
    return rewritten.sql(dialect="spark", unsupported_level=ErrorLevel.RAISE)


def tables_read(tree: exp.Expression) -> set[str]:
    """Names of the tables a statement reads or writes (common table expressions excluded)."""
    ctes = {c.alias_or_name.lower() for c in tree.find_all(exp.CTE)}
    return {
        t.name.lower() for t in tree.find_all(exp.Table) if t.name and t.name.lower() not in ctes
    }
