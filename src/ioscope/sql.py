"""The one SQL quoting toolkit: identifiers and literals for the SQL that every stage writes.

Values a user gives go to DuckDB as ``?`` parameters where the statement allows it; these
helpers are for the places it does not (DDL, generated SQL shown in the report, SQL sent to
another engine). Nothing outside this module quotes SQL by hand.

    >>> quote_ident('account_id')
    '"account_id"'
    >>> literal("it's")
    "'it''s'"
    >>> in_list(["ru", "zh"])
    "('ru', 'zh')"
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

__all__ = ["NamedQuery", "quote_ident", "qualified", "literal", "in_list"]


@dataclass(frozen=True)
class NamedQuery:
    """A query a stage owns and names: a title, its SQL (``?`` placeholders) and the bound
    parameters. The stage runs it; the report's tracer runs and shows the same text."""

    title: str
    sql: str
    params: tuple[Any, ...] = ()


def quote_ident(name: str) -> str:
    """``name`` as a quoted SQL identifier (embedded double quotes doubled).

    >>> quote_ident('say "hi"!')
    '"say ""hi""!"'
    """
    return '"' + str(name).replace('"', '""') + '"'


def qualified(*parts: str) -> str:
    """A dotted name with every part quoted: ``qualified('temp', 'main', 't')``.

    >>> qualified("temp", "main", "x y")
    '"temp"."main"."x y"'
    """
    return ".".join(quote_ident(p) for p in parts)


def literal(value: Any) -> str:
    """A SQL literal for a Python value: text, number, bool, None, date, time or a list.

    A float that is not finite is NULL (SQL has no literal for it); a time with a zone is a
    ``TIMESTAMPTZ``, a naive one a ``TIMESTAMP`` (UTC by the workspace's convention).

    >>> literal(None), literal(True), literal(3), literal(0.5), literal(float("nan"))
    ('NULL', 'TRUE', '3', '0.5', 'NULL')
    >>> literal(datetime(2024, 5, 1, 12, 30))
    "TIMESTAMP '2024-05-01 12:30:00'"
    >>> from datetime import timezone
    >>> literal(datetime(2024, 5, 1, 12, 30, tzinfo=timezone.utc))
    "TIMESTAMPTZ '2024-05-01 12:30:00+00:00'"
    >>> literal(date(2024, 5, 1))
    "DATE '2024-05-01'"
    >>> literal(["a", 1, None])
    "['a', 1, NULL]"
    """
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (float, Decimal)):
        f = float(value)
        if not math.isfinite(f):
            return "NULL"
        return str(value) if isinstance(value, Decimal) else repr(f)
    if isinstance(value, datetime):
        kind = "TIMESTAMP" if value.tzinfo is None else "TIMESTAMPTZ"
        return f"{kind} '{value.isoformat(sep=' ')}'"
    if isinstance(value, date):
        return f"DATE '{value.isoformat()}'"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    return "'" + str(value).replace("'", "''") + "'"


def in_list(values: Iterable[Any]) -> str:
    """The parenthesised list of literals for ``x IN (...)``; an empty list gives ``(NULL)``
    (which matches nothing).

    >>> in_list([])
    '(NULL)'
    >>> in_list([1, 2])
    '(1, 2)'
    """
    items = [literal(v) for v in values]
    return "(" + (", ".join(items) if items else "NULL") + ")"
