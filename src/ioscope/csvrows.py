"""Rows of dicts as CSV, the same way everywhere (CLI ``--format csv``, the web UI's ``.csv``
twins): values first made plain by :func:`ioscope.jsonenc.jsonable` (times in ISO 8601 UTC with
``Z``), nested dicts of one level flattened to ``key.sub`` columns, lists of scalars joined with
``;``, other nested values as JSON, NULL as an empty cell."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any, TextIO

from ioscope.jsonenc import dumps, jsonable

__all__ = ["write_csv", "csv_text"]


def _flat(row: dict[str, Any]) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for k, v in row.items():
        if isinstance(v, dict) and len(v) <= 20:
            for k2, v2 in v.items():
                flat[f"{k}.{k2}"] = v2
        else:
            flat[k] = v
    return flat


def _cell(v: Any) -> Any:
    if v is None:
        return ""
    if isinstance(v, list) and all(not isinstance(x, (dict, list)) for x in v):
        return ";".join(x if isinstance(x, str) else str(x) for x in v)
    if isinstance(v, (dict, list)):
        return dumps(v)
    return v


def write_csv(rows: Iterable[dict[str, Any]], f: TextIO) -> int:
    """Write ``rows`` with a header (the union of their keys, in order); returns the count.
    No rows: nothing at all is written (there is no header to give)."""
    flat = [_flat(jsonable(r)) for r in rows]
    names: dict[str, None] = {}
    for r in flat:
        names.update(dict.fromkeys(r))
    if not flat:
        return 0
    w = csv.DictWriter(f, fieldnames=list(names), lineterminator="\n")
    w.writeheader()
    for r in flat:
        w.writerow({k: _cell(v) for k, v in r.items()})
    return len(flat)


def csv_text(rows: Iterable[dict[str, Any]]) -> str:
    buf = io.StringIO()
    write_csv(rows, buf)
    return buf.getvalue()
