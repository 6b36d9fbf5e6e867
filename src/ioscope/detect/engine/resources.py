"""A detect run's resources: its memory budget, DuckDB's share of it, spill and threads.

``memory_limit`` (``--memory-limit``) is the budget of the whole process; DuckDB gets its share
of it, :func:`ioscope.resources.duckdb_memory_limit` (:mod:`ioscope.resources` says why).
"""

from __future__ import annotations

from typing import Any

from ioscope.params import Param
from ioscope.resources import DUCKDB_SHARE, duckdb_memory_limit, parse_size
from ioscope.workspace import Workspace

__all__ = ["DUCKDB_SHARE", "TEMP_LIMIT", "check_temp_limit", "configure_run",
           "duckdb_memory_limit", "parse_size"]

#: Largest spill to disk a detect run may make unless told otherwise (--temp-limit).
TEMP_LIMIT = "20GB"


def check_temp_limit(value: str) -> str:
    """``value`` if it is a size DuckDB understands (e.g. ``"20GB"``), else a ParameterError."""
    parse_size(value, "temp_limit")
    return str(value).strip()


def configure_run(ws: Workspace, *, memory_limit: str | None, temp_directory: str | None,
                  temp_limit: str, threads: int | None) -> dict[str, Any]:
    """Check and apply a run's DuckDB resources; returns them as recorded in ``runs``."""
    temp_limit = check_temp_limit(temp_limit)
    duckdb_limit = duckdb_memory_limit(memory_limit)
    if threads is not None:
        threads = Param("threads", "int", None, "", min=1).coerce(threads, "detect")
    ws.configure(memory_limit=duckdb_limit, temp_directory=temp_directory, threads=threads,
                 temp_limit=temp_limit)
    return {"memory_limit": memory_limit, "duckdb_memory_limit": duckdb_limit,
            "temp_limit": temp_limit, "threads": threads}
