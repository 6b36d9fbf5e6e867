"""Ingest: read the formats investigators hold into the canonical tables of a workspace.

>>> from ioscope.ingest import readers
>>> "cnt-csv" in readers()
True
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator

from ioscope.errors import NotFoundError, UsageError
from ioscope.ingest.context import ReadContext
from ioscope.ingest.finalize import FileResult, finalize
from ioscope.ingest.registry import detect_format, get_reader, readers
from ioscope.resources import duckdb_memory_limit
from ioscope.workspace import Workspace

__all__ = ["ingest", "IngestReport", "readers", "detect_format", "parse_mapping",
           "DEFAULT_MEMORY_LIMIT"]

#: Memory budget of an ingest (the process; DuckDB gets its share,
#: :func:`ioscope.resources.duckdb_memory_limit`). Measured with benchmarks/bench_ingest_538.py
#: and at 10 M posts: docs/ingest.md, docs/scale.md.
DEFAULT_MEMORY_LIMIT = "2GB"


@dataclass
class IngestReport:
    run_id: str
    files: list[FileResult] = field(default_factory=list)
    #: Files read along with an input (``{"path", "of", "format"}``): e.g. the HPSCI targeting
    #: files beside its ads file. They are among the run's inputs (hashed) but have no counts.
    companions: list[dict[str, str]] = field(default_factory=list)

    @property
    def totals(self) -> dict[str, int]:
        keys = ("rows_read", "rows_ingested", "rows_quarantined", "posts_new", "accounts_new",
                "referenced_posts_new", "referenced_accounts_new", "ads_new")
        return {k: sum(getattr(f, k) for f in self.files) for k in keys}

    def to_dict(self) -> dict[str, Any]:
        return {"run_id": self.run_id, "files": [f.to_dict() for f in self.files],
                "companions": self.companions, "totals": self.totals}


@contextmanager
def _memory_limit(ws: Workspace, limit: str | None) -> Iterator[None]:
    if not limit:
        yield
        return
    duckdb_limit = duckdb_memory_limit(limit, "ingest")
    before = ws.memory_limit
    ws.configure(memory_limit=duckdb_limit)
    try:
        yield
    finally:
        if before:
            ws.configure(memory_limit=before)
        else:
            ws.con.execute("RESET memory_limit")
            ws.memory_limit = None


def parse_mapping(text: str | None) -> dict[str, str]:
    """``account_id=user,created_at=time`` -> {'account_id': 'user', 'created_at': 'time'}."""
    if not text:
        return {}
    out = {}
    for part in text.split(","):
        if not part.strip():
            continue
        if "=" not in part:
            raise UsageError(f"--map takes canonical=source pairs separated by commas; got {part!r}.")
        k, v = part.split("=", 1)
        out[k.strip()] = v.strip()
    return out


def ingest(ws: Workspace, paths: Iterable[str | os.PathLike], *, format: str | None = None,
           mapping: dict[str, str] | None = None, platform: str | None = None,
           on_file: Callable[[FileResult], None] | None = None,
           memory_limit: str | None = DEFAULT_MEMORY_LIMIT) -> IngestReport:
    """Ingest files into ``ws`` in one transaction: all of them, or (on any error) none.

    ``format`` names a reader (auto-detected per file when None); ``mapping`` maps canonical
    column names to source columns for the generic csv/parquet readers; ``platform`` fills the
    platform where a source does not say it. ``memory_limit`` is the run's memory budget, the
    resident memory of the process: DuckDB gets 60 % of it, leaving at least 1 GiB to the rest
    (:mod:`ioscope.resources`), and spills what does not fit to the workspace's ``.tmp``
    directory; None keeps the workspace's setting.
    """
    paths = [str(p) for p in paths]
    if not paths:
        raise UsageError("Nothing to ingest: give one or more files.")
    for p in paths:
        if not os.path.isfile(p):
            raise NotFoundError(f"No such file: {p}")
    formats = [get_reader(format).name if format else detect_format(p) for p in paths]
    params = {"format": format, "formats": formats, "mapping": mapping or {}, "platform": platform}
    inputs, companions = list(paths), []
    for p, fmt in zip(paths, formats):
        extra = get_reader(fmt).companions
        for c in (extra(p) if extra else []):
            if c not in inputs:
                inputs.append(c)
                companions.append({"path": c, "of": p, "format": fmt})
    with _memory_limit(ws, memory_limit), ws.run("ingest", params, inputs=inputs) as run:
        report = IngestReport(run.run_id, companions=companions)
        for path, fmt in zip(paths, formats):
            ctx = ReadContext(ws.con, path, fmt, run.run_id,
                              options={"mapping": mapping or {}, "platform": platform})
            get_reader(fmt).read(ctx)
            result = finalize(ctx)
            ctx.drop_temp()
            report.files.append(result)
            if on_file:
                on_file(result)
        run.row_counts = report.to_dict()
    return report
