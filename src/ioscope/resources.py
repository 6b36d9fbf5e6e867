"""A command's memory budget and DuckDB's share of it, for every command that takes one.

``--memory-limit`` (``memory_limit=``) is the budget of the whole process, its resident memory,
not DuckDB's alone. DuckDB's own ``memory_limit`` bounds its buffer manager only: the Python
interpreter and its libraries, arrays the command holds (the significance tests' NumPy/SciPy
arrays, a reader's Arrow batches) and DuckDB's allocations outside its buffer manager come on top
(at 10 M posts they added about 0.8–1.3 GiB to DuckDB's limit: docs/scale.md, "Memory"). So
DuckDB gets :data:`DUCKDB_SHARE` of the budget, but leaves at least :data:`RESERVE` of it to the
rest (which does not shrink with the budget), and never less than :data:`MIN_SHARE`; it spills
to the temp directory beyond its limit (:func:`duckdb_memory_limit`). Without a budget the
process gets DuckDB's usual default, 80 % of the machine's memory, and DuckDB its share of that.
"""

from __future__ import annotations

import os

from ioscope import params
from ioscope.params import Param

__all__ = [
    "DUCKDB_SHARE",
    "RESERVE",
    "MIN_SHARE",
    "DEFAULT_BUDGET_SHARE",
    "duckdb_memory_limit",
    "parse_size",
]

#: DuckDB's share of the process's memory budget.
DUCKDB_SHARE = 0.6
#: The least of the budget left outside DuckDB's limit: the part outside it measured 0.8–1.3 GiB
#: at 10 M posts whatever the budget (2, 3 or 4GB), so a share alone overran a 2GB budget.
RESERVE = 2**30
#: DuckDB's share of a budget too small for :data:`RESERVE` (small data need little else).
MIN_SHARE = 0.25
#: Share of the machine's memory that is the budget when none is given (DuckDB's default).
DEFAULT_BUDGET_SHARE = 0.8


def parse_size(value: str, name: str = "memory_limit", command: str = "detect") -> int:
    """Bytes of a size as DuckDB writes them (``"4GB"`` = 4·10⁹, ``"4GiB"`` = 4·2³⁰), else a
    ParameterError with the standard message (the declared kind ``size``)."""
    return params.parse_size(Param(name, "size", "", "").coerce(value, command))


def _machine_bytes() -> int:
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def duckdb_memory_limit(memory_limit: str | None, command: str = "detect") -> str:
    """DuckDB's ``memory_limit`` for a process budget (None: 80 % of the machine's memory)."""
    budget = (
        parse_size(memory_limit, command=command)
        if memory_limit is not None
        else int(_machine_bytes() * DEFAULT_BUDGET_SHARE)
    )
    share = int(max(min(budget * DUCKDB_SHARE, budget - RESERVE), budget * MIN_SHARE))
    return f"{share // 10**6}MB" if share >= 10**7 else f"{max(share // 1000, 1)}KB"
