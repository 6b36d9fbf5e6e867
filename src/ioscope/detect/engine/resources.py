"""A detect run's resources: its memory budget, DuckDB's share of it, spill and threads.

``memory_limit`` (``--memory-limit``) is the budget of the whole process; DuckDB gets its share
of it, :func:`ioscope.resources.duckdb_memory_limit` (:mod:`ioscope.resources` says why). The
run's resource parameters are declared once, in :data:`RESOURCE_PARAMS`.
"""

from __future__ import annotations

from typing import Any

from ioscope.params import Param, validate_params
from ioscope.resources import DUCKDB_SHARE, duckdb_memory_limit, parse_size
from ioscope.workspace import Workspace

__all__ = [
    "DUCKDB_SHARE",
    "RESOURCE_PARAMS",
    "TEMP_LIMIT",
    "check_temp_limit",
    "configure_run",
    "duckdb_memory_limit",
    "parse_size",
]

#: Largest spill to disk a detect run may make unless told otherwise (--temp-limit).
TEMP_LIMIT = "20GB"

#: What a detect run may use of the machine.
RESOURCE_PARAMS = (
    Param(
        "memory_limit",
        "size",
        None,
        "Memory budget of the whole process, e.g. 4GB (default: "
        "80% of RAM); DuckDB gets 60% of it, leaving at least 1 GiB to the rest, and spills to "
        "the temp directory beyond that (docs/scale.md).",
    ),
    Param("temp_directory", "str", None, "Where DuckDB spills (default: next to the workspace)."),
    Param(
        "temp_limit",
        "size",
        TEMP_LIMIT,
        "Most DuckDB may spill to the temp directory, e.g. "
        "20GB; beyond it the run fails and the workspace is left as it was.",
    ),
    Param("threads", "threads", None, "DuckDB threads (default: all cores)."),
)


def check_temp_limit(value: str) -> str:
    """``value`` if it is a size DuckDB understands (e.g. ``"20GB"``), else a ParameterError."""
    return validate_params(RESOURCE_PARAMS, {"temp_limit": value}, "detect")["temp_limit"]


def configure_run(ws: Workspace, **values: Any) -> dict[str, Any]:
    """Check and apply a run's DuckDB resources (:data:`RESOURCE_PARAMS` by name); returns them
    as recorded in ``runs``, with DuckDB's own share of the budget (``duckdb_memory_limit``)."""
    r = validate_params(RESOURCE_PARAMS, values, "detect")
    duckdb_limit = duckdb_memory_limit(r["memory_limit"])
    ws.configure(
        memory_limit=duckdb_limit,
        temp_directory=r["temp_directory"],
        threads=r["threads"],
        temp_limit=r["temp_limit"],
    )
    return {**r, "duckdb_memory_limit": duckdb_limit}
