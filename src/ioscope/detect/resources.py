"""A detect run's resources: its memory budget, DuckDB's share of it, spill and threads.

``memory_limit`` (``--memory-limit``) is the budget of the whole process, not DuckDB's alone.
DuckDB's own ``memory_limit`` bounds its buffer manager only: the Python interpreter and its
libraries, the NumPy/SciPy arrays of the significance tests and DuckDB's allocations outside its
buffer manager come on top (at 10 M posts they added about 0.7–1 GiB to DuckDB's limit, see
docs/scale.md). So DuckDB gets :data:`DUCKDB_SHARE` of the budget, and spills to the temp
directory beyond it. Without a budget the process gets DuckDB's usual default, 80 % of the
machine's memory, and DuckDB its share of that.
"""

from __future__ import annotations

import os
import re
from typing import Any

from ioscope.errors import ParameterError
from ioscope.params import Param
from ioscope.workspace import Workspace

__all__ = ["DUCKDB_SHARE", "TEMP_LIMIT", "check_temp_limit", "configure_run",
           "duckdb_memory_limit", "parse_size"]

#: Largest spill to disk a detect run may make unless told otherwise (--temp-limit).
TEMP_LIMIT = "20GB"
#: DuckDB's share of the process's memory budget.
DUCKDB_SHARE = 0.6
#: Share of the machine's memory that is the budget when none is given (DuckDB's default).
DEFAULT_BUDGET_SHARE = 0.8

_UNITS = {"b": 1, "kb": 1000, "mb": 1000**2, "gb": 1000**3, "tb": 1000**4,
          "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*$", re.I)


def parse_size(value: str, name: str = "memory_limit") -> int:
    """Bytes of a size as DuckDB writes them (``"4GB"`` = 4·10⁹, ``"4GiB"`` = 4·2³⁰), else a
    ParameterError with the standard message."""
    m = _SIZE.match(str(value))
    if not m:
        raise ParameterError(f"The {name!r} parameter of detect must be a size such as '4GB'. "
                             f"Got {str(value)!r} instead.")
    return int(float(m[1]) * _UNITS[m[2].lower()])


def check_temp_limit(value: str) -> str:
    """``value`` if it is a size DuckDB understands (e.g. ``"20GB"``), else a ParameterError."""
    parse_size(value, "temp_limit")
    return str(value).strip()


def _machine_bytes() -> int:
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def duckdb_memory_limit(memory_limit: str | None) -> str:
    """DuckDB's ``memory_limit`` for a process budget (None: 80 % of the machine's memory)."""
    budget = (parse_size(memory_limit) if memory_limit is not None
              else int(_machine_bytes() * DEFAULT_BUDGET_SHARE))
    share = int(budget * DUCKDB_SHARE)
    return f"{share // 10**6}MB" if share >= 10**7 else f"{max(share // 1000, 1)}KB"


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
