"""SQL fragments shared by the JSON readers (DuckDB JSON functions; no Python per record)."""

from __future__ import annotations

import json

from ioscope.ingest.context import RAW_LIMIT
from ioscope.sql import literal

__all__ = ["shape", "id_text", "json_kind", "not_object_error", "raw_if", "strip_tags"]


def shape(structure: dict) -> str:
    """A ``json_transform`` structure as an SQL literal; fields missing or of another type are NULL."""
    return literal(json.dumps(structure, separators=(",", ":")))


def id_text(s: str, j: str) -> str:
    """An id given as a string ``s``, else as an integer ``j`` (a JSON value); never a float."""
    return (
        f"COALESCE(NULLIF(trim({s}), ''), CASE WHEN json_type({j}) IN ('BIGINT', 'UBIGINT') "
        f"THEN CAST({j} AS VARCHAR) END)"
    )


def json_kind(expr: str) -> str:
    """The JSON name of a value's type: object, array, string, number, boolean or null."""
    return (
        f"CASE json_type({expr}) WHEN 'OBJECT' THEN 'object' WHEN 'ARRAY' THEN 'array' "
        f"WHEN 'VARCHAR' THEN 'string' WHEN 'BOOLEAN' THEN 'boolean' WHEN 'NULL' THEN 'null' "
        f"ELSE 'number' END"
    )


def not_object_error(json_col: str = "json", what: str = "a post") -> str:
    """The quarantine reason for a record that is not a JSON object (NULL when it is one)."""
    return (
        f"CASE WHEN json_type({json_col}) <> 'OBJECT' THEN 'not {what}: the record is a JSON ' "
        f"|| {json_kind(json_col)} END"
    )


def raw_if(cond: str, json_col: str = "json") -> str:
    """The raw record, kept only for rows that will be quarantined (staging stays small)."""
    return f"CASE WHEN {cond} THEN left({json_col}, {RAW_LIMIT}) END"


def strip_tags(expr: str) -> str:
    """Text of an HTML fragment such as v1.1's ``source`` ('<a href=...>Twitter for iPhone</a>')."""
    return f"NULLIF(trim(regexp_replace({expr}, '<[^>]*>', '', 'g')), '')"
