"""Ingest: read the formats investigators hold into the canonical tables of a workspace.

>>> from ioscope.ingest import readers
>>> "cnt-csv" in readers()
True
"""

from __future__ import annotations

import os
import shutil
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from ioscope.errors import (
    InputFormatError,
    NotFoundError,
    SchemaError,
    UnknownFormatError,
    UnsupportedInputError,
    UsageError,
)
from ioscope.ingest.batch import MISSING, STDIN_NAME, InputFile, classify_inputs, spool_stdin
from ioscope.ingest.context import ReadContext
from ioscope.ingest.filescan import scan_file
from ioscope.ingest.finalize import FileResult, finalize
from ioscope.ingest.registry import detect_format, get_reader, readers
from ioscope.params import Param, parse_pairs, validate_params
from ioscope.resources import duckdb_memory_limit
from ioscope.workspace import Workspace

__all__ = [
    "ingest",
    "ingest_workspace",
    "IngestReport",
    "readers",
    "detect_format",
    "parse_mapping",
    "DEFAULT_MEMORY_LIMIT",
    "INGEST_PARAMS",
]

#: Memory budget of an ingest (the process; DuckDB gets its share,
#: :func:`ioscope.resources.duckdb_memory_limit`). Measured with benchmarks/bench_ingest_538.py
#: and at 10 M posts: docs/ingest.md, docs/scale.md.
DEFAULT_MEMORY_LIMIT = "2GB"

#: The declared parameters of an ingest (``ioscope ingest`` builds its options from them).
INGEST_PARAMS = (
    Param(
        "memory_limit",
        "size",
        DEFAULT_MEMORY_LIMIT,
        "Memory budget of the run (the whole "
        "process), e.g. 4GB: DuckDB gets 60 % of it (leaving at least 1 GiB to the rest) and "
        "spills to disk beyond.",
    ),
)


@dataclass
class IngestReport:
    run_id: str
    files: list[FileResult] = field(default_factory=list)
    #: Files read along with an input (``{"path", "of", "format"}``): e.g. the HPSCI targeting
    #: files beside its ads file. They are among the run's inputs (hashed) but have no counts.
    companions: list[dict[str, str]] = field(default_factory=list)
    #: Inputs not read (``{"path", "reason"}``): empty files, and with ``skip_unsupported``
    #: the files that could not be read.
    skipped: list[dict[str, str]] = field(default_factory=list)

    @property
    def totals(self) -> dict[str, int]:
        keys = (
            "rows_read",
            "rows_ingested",
            "rows_duplicate",
            "rows_quarantined",
            "posts_new",
            "accounts_new",
            "referenced_posts_new",
            "referenced_accounts_new",
            "ads_new",
            "quarantine_new",
            "compliance_events_new",
        )
        return {k: sum(getattr(f, k) for f in self.files) for k in keys}

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "files": [f.to_dict() for f in self.files],
            "companions": self.companions,
            "skipped": self.skipped,
            "totals": self.totals,
        }


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
    return parse_pairs(
        text or None,
        option="--map",
        form="canonical=source pairs separated by commas",
        example="account_id=user,created_at=time",
    )


def ingest_workspace(
    workspace: str | os.PathLike, paths: Iterable[str | os.PathLike], **options: Any
) -> IngestReport:
    """:func:`ingest` into the workspace file at ``workspace``, created when missing. When the
    ingest fails, a workspace it created is removed (with DuckDB's ``.wal`` and ``.tmp``
    companions), so that a failed first ingest leaves nothing behind."""
    path = str(workspace)
    made = [p for p in (path, path + ".wal", path + ".tmp") if not os.path.exists(p)]
    created = path != ":memory:" and path in made
    try:
        with Workspace.open(path) as ws:
            return ingest(ws, paths, **options)
    except BaseException:
        if created:
            for p in made:
                if os.path.isdir(p):
                    shutil.rmtree(p, ignore_errors=True)
                elif os.path.exists(p):
                    os.remove(p)
        raise


def ingest(
    ws: Workspace,
    paths: Iterable[str | os.PathLike],
    *,
    format: str | None = None,
    mapping: dict[str, str] | None = None,
    platform: str | None = None,
    on_file: Callable[[FileResult], None] | None = None,
    memory_limit: str | None = DEFAULT_MEMORY_LIMIT,
    skip_unsupported: bool = False,
    allow_all_quarantined: bool = False,
    stdin: BinaryIO | None = None,
) -> IngestReport:
    """Ingest files into ``ws`` in one transaction: all of them, or (on any error) none.

    ``paths`` are files or folders (walked, hidden files left out); ``-`` reads ``stdin``
    (standard input by default). Every input is classified before any work: files that are
    missing, unreadable, cut short or of no known format are reported together in one
    :class:`~ioscope.errors.UnsupportedInputError`, unless ``skip_unsupported``, which ingests the
    others and lists the skipped ones in the report (and the run). Empty files are listed too.
    A file whose records are all quarantined is an error naming the format it looks like,
    unless ``allow_all_quarantined``.

    ``format`` names a reader (auto-detected per file when None); ``mapping`` maps canonical
    column names to source columns for the generic csv/parquet readers; ``platform`` fills the
    platform where a source does not say it. ``memory_limit`` is the run's memory budget, the
    resident memory of the process: DuckDB gets 60 % of it, leaving at least 1 GiB to the rest
    (:mod:`ioscope.resources`), and spills what does not fit to the workspace's ``.tmp``
    directory; None keeps the workspace's setting.
    """
    args = [str(p) for p in paths]
    if not args:
        raise UsageError("Nothing to ingest: give one or more files or folders.")
    if memory_limit is not None:  # checked before anything is read
        memory_limit = validate_params(INGEST_PARAMS, {"memory_limit": memory_limit}, "ingest")[
            "memory_limit"
        ]
    if format:
        get_reader(format)  # an unknown name is a usage error before anything is read
    stdin_path = spool_stdin(stdin or sys.stdin.buffer) if "-" in args else None
    try:
        return _ingest(
            ws,
            classify_inputs(args, format=format, stdin_path=stdin_path),
            format=format,
            mapping=mapping or {},
            platform=platform,
            on_file=on_file,
            memory_limit=memory_limit,
            skip_unsupported=skip_unsupported,
            allow_all_quarantined=allow_all_quarantined,
        )
    finally:
        if stdin_path:
            shutil.rmtree(os.path.dirname(stdin_path), ignore_errors=True)


def _ingest(
    ws: Workspace,
    files: list[InputFile],
    *,
    format,
    mapping,
    platform,
    on_file,
    memory_limit,
    skip_unsupported,
    allow_all_quarantined,
) -> IngestReport:
    problems = [f for f in files if f.problem]
    if problems and not skip_unsupported:
        if all(f.problem == MISSING for f in problems):
            raise NotFoundError(
                "No such file or folder: " + ", ".join(f.name for f in problems),
                hint="Nothing was ingested.",
            )
        listing = "\n".join(f"  {f.name}: {f.problem}" for f in problems)
        skip = "--skip-unsupported ingests the others (the skipped files are recorded in the run)."
        if all(f.damaged for f in problems):  # cut or damaged files: an input error
            raise InputFormatError(
                f"{len(problems)} of {len(files)} input files cannot be read:\n{listing}",
                hint="Nothing was ingested. Download the files again, or decompress what is "
                f"readable (`gzip -dc FILE > OUT`) and ingest that; {skip}",
            )
        raise UnsupportedInputError(
            f"{len(problems)} of {len(files)} input files cannot be ingested:\n{listing}",
            hint="Nothing was ingested. Name a format with --format, remove these files, or "
            f"add {skip}",
        )
    todo = [f for f in files if f.format]
    skipped = [f.to_dict() for f in files if not f.format]
    if not todo:
        raise UsageError(
            "Nothing to ingest: "
            + (
                "; ".join(f"{s['path']}: {s['reason']}" for s in skipped)
                or "no files in the folders given"
            )
            + ".",
            hint="Nothing was changed.",
        )
    params = {
        "format": format,
        "formats": [f.format for f in todo],
        "mapping": mapping,
        "platform": platform,
        "skip_unsupported": skip_unsupported,
        "allow_all_quarantined": allow_all_quarantined,
    }
    inputs, companions = [f.path for f in todo], []
    for f in todo:
        extra = get_reader(f.format).companions
        for c in extra(f.path) if extra and f.name != STDIN_NAME else []:
            if c not in inputs:
                inputs.append(c)
                companions.append({"path": c, "of": f.name, "format": f.format})
    # every input is read once for its sha256 (and a CSV's line count), in a thread beside
    # DuckDB's reading of the files (ioscope.ingest.filescan)
    stop = threading.Event()
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ioscope-scan")
    scans = [pool.submit(scan_file, p, stop) for p in inputs]
    try:
        with _memory_limit(ws, memory_limit), ws.run("ingest", params) as run:
            report = IngestReport(run.run_id, companions=companions, skipped=skipped)
            for f, scan in zip(todo, scans):
                ctx = ReadContext(
                    ws.con,
                    f.path,
                    f.format,
                    run.run_id,
                    options={
                        "mapping": mapping,
                        "platform": platform,
                        "source_name": f.name,
                        "line_count": lambda scan=scan: scan.result().last_line,
                    },
                )
                try:
                    get_reader(f.format).read(ctx)
                except SchemaError as e:  # refused by the reader: nothing of it is merged yet
                    if not skip_unsupported:
                        raise
                    ctx.drop_temp()
                    report.skipped.append({"path": f.name, "reason": e.message})
                    continue
                sha = ctx.options["sha256"] = scan.result().sha256
                result = finalize(ctx)
                ctx.drop_temp()
                if (
                    result.rows_read
                    and result.rows_quarantined == result.rows_read
                    and not allow_all_quarantined
                ):
                    raise _all_quarantined(ws, f, sha, result.rows_read)
                report.files.append(result)
                if on_file:
                    on_file(result)
            # standard input is recorded by its name
            names = [f.name for f in todo] + inputs[len(todo) :]
            for name, scan in zip(names, scans):
                done = scan.result()
                run.inputs.append({"path": name, "sha256": done.sha256, "size": done.size})
            run.row_counts = report.to_dict()
    finally:
        stop.set()
        pool.shutdown(wait=True, cancel_futures=True)
    return report


def _all_quarantined(ws: Workspace, f: InputFile, sha: str, n: int) -> InputFormatError:
    """The error for a file none of whose records could be ingested, naming a likely format."""
    reason, k = ws.con.execute(
        "SELECT regexp_replace(reason, '[:(].*', ''), count(*) FROM quarantine "
        "WHERE source_sha256 = ? GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1",
        [sha],
    ).fetchone() or ("unknown", 0)
    try:
        likely = detect_format(f.path)
    except UnknownFormatError:
        likely = None
    if likely and likely != f.format:
        advice = f"It looks like {likely}: try --format {likely}."
    else:
        advice = (
            "No other reader recognises it: check the file, --map or --platform "
            "(`ioscope ingest --help` lists the formats)."
        )
    return InputFormatError(
        f"all {n:,} records were quarantined when read as {f.format} (most often: "
        f"{reason.strip()}, {k:,} records). {advice}",
        path=f.name,
        hint="Nothing was ingested. Add --allow-all-quarantined to ingest the file anyway "
        "(its records are then kept in the quarantine table).",
    )
