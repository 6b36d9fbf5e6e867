"""The one JSON encoder: every JSON ioscope writes (CLI ``--json``/``--format jsonl``, the web
UI's JSON and CSV twins, the report's JSON, ``runs`` rows) goes through :func:`jsonable`, so a
value prints the same everywhere.

- times are ISO 8601 in UTC with a ``Z`` (a naive time is UTC by the workspace's convention; an
  aware one is converted); dates are ``YYYY-MM-DD``;
- ``Decimal`` and NumPy/Arrow scalars become plain numbers; NaN and ±inf become ``null``;
- sets and tuples become lists; dict keys become text;
- an object with a ``__json__()`` method is replaced by what it returns;
- anything else (paths, UUIDs, …) becomes its text.

    >>> from datetime import datetime, timedelta, timezone
    >>> dumps({"at": datetime(2024, 5, 1, 12, 30), "n": float("nan")})
    '{"at": "2024-05-01T12:30:00Z", "n": null}'
    >>> jsonable(datetime(2024, 5, 1, 14, 30, tzinfo=timezone(timedelta(hours=2))))
    '2024-05-01T12:30:00Z'
"""

from __future__ import annotations

import json
import math
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

__all__ = ["iso_time", "jsonable", "dumps"]


def iso_time(value: date) -> str:
    """A time as ISO 8601 UTC with ``Z``; a date as ``YYYY-MM-DD``.

    >>> iso_time(datetime(2020, 9, 13, 12, 26, 40)), iso_time(date(2020, 9, 13))
    ('2020-09-13T12:26:40Z', '2020-09-13')
    """
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.isoformat() + "Z"
    return value.isoformat()


def jsonable(obj: Any) -> Any:
    """``obj`` as plain JSON values (see the module docstring for the rules)."""
    if obj is None or isinstance(obj, (str, bool, int)):
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in obj]
    if isinstance(obj, date):
        return iso_time(obj)
    if isinstance(obj, Decimal):
        return jsonable(float(obj))
    to_json = getattr(obj, "__json__", None)
    if callable(to_json):
        return jsonable(to_json())
    if hasattr(obj, "as_py"):  # Arrow scalars
        return jsonable(obj.as_py())
    if hasattr(obj, "item") and not isinstance(obj, (bytes, bytearray)):  # NumPy scalars
        return jsonable(obj.item())
    return str(obj)


def dumps(obj: Any, *, indent: int | None = None, sort_keys: bool = False) -> str:
    """``obj`` as JSON text (UTF-8 kept as is, no NaN)."""
    return json.dumps(
        jsonable(obj), ensure_ascii=False, indent=indent, sort_keys=sort_keys, allow_nan=False
    )
