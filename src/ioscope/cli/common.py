"""What every CLI verb shares: the output convention, the error envelope, consoles, progress.

Output convention of the read verbs (docs/cli.md, "Output"): ``--format table|json|jsonl|csv``
(``--json`` is ``--format json``). ``table`` is rich tables on a terminal and plain, unwrapped
text otherwise (columns padded with spaces, nothing cut at 80 columns); ``jsonl`` and ``csv``
print the verb's rows (the accounts of ``accounts``, the advertisers of ``ads``, …), one per
line. Progress goes to stderr, only on a terminal, and ``--quiet`` silences it.
"""

from __future__ import annotations

import contextvars
import functools
import logging
import os
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

import duckdb
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ioscope.csvrows import write_csv
from ioscope.errors import IoscopeError, ResourceError, UsageError
from ioscope.jsonenc import dumps

__all__ = [
    "FORMATS",
    "out",
    "err",
    "emit_json",
    "format_option",
    "handle_errors",
    "ingest_progress",
    "progress",
    "stdin_file",
    "to_json",
]

#: The output formats of every read verb.
FORMATS = ("table", "json", "jsonl", "csv")
_FORMAT: contextvars.ContextVar[str | None] = contextvars.ContextVar("ioscope_format", default=None)
_ROWS: contextvars.ContextVar[Any] = contextvars.ContextVar("ioscope_rows", default=None)


class _Console(Console):
    """A rich console that, when not writing to a terminal, prints plain unwrapped text: no
    width limit, tables as space-padded columns without borders or truncated cells."""

    @property
    def width(self) -> int:
        return super().width if self.is_terminal else 100_000

    @width.setter
    def width(self, value: int) -> None:
        Console.width.fset(self, value)  # type: ignore[attr-defined]

    def print(self, *objects: Any, **kwargs: Any) -> None:  # type: ignore[override]
        if not self.is_terminal:
            objects = tuple(_plain_table(o) if isinstance(o, Table) else o for o in objects)
        super().print(*objects, **kwargs)


def _cell(c: Any) -> str:
    text = c.plain if hasattr(c, "plain") else str(c)
    if not hasattr(c, "plain"):
        from rich.text import Text

        text = Text.from_markup(text).plain
    return " ".join(text.split())  # one line per row


def _plain_table(t: Table) -> Any:
    from rich.text import Text

    cols = [[_cell(col.header)] + [_cell(c) for c in col._cells] for col in t.columns]
    if not cols:
        return Text("")
    widths = [max(len(v) for v in col) for col in cols]
    right = [col.justify == "right" for col in t.columns]
    lines = [_cell(t.title)] if t.title else []
    for i in range(len(cols[0])):
        lines.append(
            "  ".join(
                (col[i].rjust(w) if r else col[i].ljust(w))
                for col, w, r in zip(cols, widths, right)
            ).rstrip()
        )
    return Text("\n".join(lines))


out = _Console(soft_wrap=True, highlight=False)
err = _Console(stderr=True, highlight=False, soft_wrap=True)


def format_option() -> Any:
    """The ``--format`` option of a read verb (declare it as the ``fmt`` parameter)."""
    return typer.Option(
        None,
        "--format",
        help="Output: table (rich on a terminal, plain text "
        "otherwise), json, jsonl or csv (rows, one per line).",
    )


def to_json(obj: Any) -> str:
    return dumps(obj, indent=2)


def emit_json(obj: Any) -> None:
    """Print ``obj`` in the requested data format: JSON (default), or its rows as JSON Lines
    or CSV (the verb's rows, see :func:`handle_errors`; else the object flattened to one row)."""
    fmt = _FORMAT.get()
    if fmt in ("jsonl", "csv"):
        rows = _rows_of(obj)
        if fmt == "jsonl":
            for r in rows:
                sys.stdout.write(dumps(r) + "\n")
        else:
            write_csv(rows, sys.stdout)
    else:
        sys.stdout.write(to_json(obj) + "\n")
    sys.stdout.flush()


def _rows_of(obj: Any) -> list[dict[str, Any]]:
    pick = _ROWS.get()
    if pick is not None and not (isinstance(obj, dict) and "error" in obj):
        rows = pick(obj) if callable(pick) else obj.get(pick, []) if isinstance(obj, dict) else obj
    elif isinstance(obj, list):
        rows = obj
    else:
        rows = [obj]
    return [r if isinstance(r, dict) else {"value": r} for r in rows]


def stdin_file(path: str | os.PathLike, suffix: str = "") -> str:
    """``path``, or for ``-`` a temporary copy of stdin (removed at exit) with ``suffix``."""
    if str(path) != "-":
        return str(path)
    import atexit
    import shutil

    fd, tmp = tempfile.mkstemp(prefix="ioscope-stdin-", suffix=suffix)
    with os.fdopen(fd, "wb") as f:
        shutil.copyfileobj(getattr(sys.stdin, "buffer", sys.stdin), f)
    atexit.register(lambda: os.path.exists(tmp) and os.remove(tmp))
    return tmp


class _ProgressHandler(logging.Handler):
    """Library progress records (logger ``ioscope``) as lines on stderr, with a spinner showing
    the running step; only on a terminal."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.status = None
        self.t0 = time.perf_counter()

    def emit(self, record: logging.LogRecord) -> None:
        msg = record.getMessage()
        if getattr(record, "step_start", False):
            if self.status is None:
                self.status = err.status(escape(msg))
                self.status.start()
            else:
                self.status.update(escape(msg))
            return
        err.print(f"[dim]{time.perf_counter() - self.t0:7.1f} s[/]  {escape(msg)}", markup=True)

    def close(self) -> None:
        if self.status is not None:
            self.status.stop()
            self.status = None
        super().close()


class progress:
    """``with progress(quiet):`` shows the library's progress records on stderr while the block
    runs, when stderr is a terminal and not ``quiet``."""

    def __init__(self, quiet: bool = False):
        self.on = not quiet and err.is_terminal
        self.handler: _ProgressHandler | None = None

    def __enter__(self) -> progress:
        if self.on:
            self.handler = _ProgressHandler()
            log = logging.getLogger("ioscope")
            log.addHandler(self.handler)
            self._level = log.level
            log.setLevel(logging.INFO)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.handler is not None:
            log = logging.getLogger("ioscope")
            log.removeHandler(self.handler)
            log.setLevel(self._level)
            self.handler.close()


def _resource_error(e: duckdb.OutOfMemoryException) -> ResourceError:
    first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    return ResourceError(
        f"DuckDB ran out of memory or spill space: {first} The workspace is unchanged.",
        hint="Give it more room: a larger --memory-limit, a --temp-directory on a disk with free "
        "space (and a larger --temp-limit where the command has one), fewer --threads, or "
        "fewer signals at a time (--signals).",
    )


def handle_errors(json_flag: str | None = "json", rows: Any = None) -> Callable:
    """Turn :class:`IoscopeError` (and DuckDB running out of memory or spill space) into a
    message (or the JSON envelope) and its exit code.

    A verb with a ``fmt`` parameter (:func:`format_option`) gets the output convention:
    ``--format json|jsonl|csv`` sets its ``--json`` flag and :func:`emit_json` then prints the
    requested format; ``rows`` names the key of its result that holds the rows (or is a function
    from the result to them) for JSON Lines and CSV."""

    def deco(fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            fmt = kwargs.get("fmt")
            tokens = []
            try:
                if fmt is not None:
                    if fmt not in FORMATS:
                        raise UsageError(
                            f"The '--format' option must be one of "
                            f"{', '.join(FORMATS)}. Got {fmt!r} instead."
                        )
                    if fmt != "table" and json_flag:
                        kwargs[json_flag] = True
                tokens = [_FORMAT.set(fmt if fmt != "table" else None), _ROWS.set(rows)]
                try:
                    return fn(*args, **kwargs)
                except duckdb.OutOfMemoryException as oom:
                    raise _resource_error(oom) from None
                except duckdb.Error as db:  # a query ioscope did not expect to fail
                    if os.environ.get("IOSCOPE_DEBUG"):
                        raise
                    first = (str(db).strip().splitlines() or [type(db).__name__])[0]
                    raise IoscopeError(
                        f"The workspace could not be read as expected: {first}",
                        hint="Was it written by another ioscope version, or changed by hand? "
                        "`ioscope info WS` shows what it holds; IOSCOPE_DEBUG=1 shows the "
                        "traceback to report.",
                    ) from None
            except IoscopeError as e:
                if json_flag and kwargs.get(json_flag) and fmt != "csv":
                    emit_json(e.to_dict())
                else:
                    err.print(
                        f"[bold red]Error:[/] {escape(e.message)}", markup=True, highlight=False
                    )
                    if e.hint:
                        err.print(f"[dim]{escape(e.hint)}[/]", markup=True)
                raise typer.Exit(e.exit_code) from None
            finally:
                if tokens:
                    _ROWS.reset(tokens[1])
                    _FORMAT.reset(tokens[0])

        return wrapper

    return deco


class ingest_progress:
    """A rich progress bar on stderr for ``ingest``: bytes of the input files read so far (a file
    counts when it is done) and records, with one line per finished file; only on a terminal
    and not ``quiet``. Use the object as the ingest's ``on_file`` callback::

        with ingest_progress(files, quiet) as on_file:
            ingest(ws, files, on_file=on_file)
    """

    def __init__(self, paths: Any, quiet: bool = False):
        self.on = not quiet and err.is_terminal
        self.sizes = {}
        for p in paths:
            try:
                self.sizes[str(p)] = os.path.getsize(p) if os.path.isfile(p) else 0
            except OSError:
                self.sizes[str(p)] = 0
        self.records = 0
        self.bar: Any = None
        self.logs = progress(quiet)

    def __enter__(self) -> ingest_progress:
        self.logs.__enter__()
        if self.on:
            from rich.progress import (
                BarColumn,
                DownloadColumn,
                Progress,
                SpinnerColumn,
                TextColumn,
                TimeElapsedColumn,
            )

            self.bar = Progress(
                SpinnerColumn(),
                TextColumn("ingest {task.description}"),
                BarColumn(),
                DownloadColumn(),
                TimeElapsedColumn(),
                console=err,
            )
            self.bar.start()
            self.task = self.bar.add_task("0 records", total=sum(self.sizes.values()) or None)
        return self

    def __call__(self, r: Any) -> None:
        self.records += getattr(r, "rows_read", 0) or 0
        if self.bar is None:
            return
        self.bar.update(
            self.task,
            advance=self.sizes.get(str(r.path), 0),
            description=f"{self.records:,} records",
        )
        parts = [
            f"{getattr(r, k):,} {label}"
            for k, label in (
                ("rows_read", "read"),
                ("rows_ingested", "ingested"),
                ("rows_duplicate", "duplicate"),
                ("rows_quarantined", "quarantined"),
            )
            if hasattr(r, k)
        ]
        self.bar.console.print(
            f"{r.path}: {r.format}, " + ", ".join(parts), markup=False, highlight=False
        )

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()
        self.logs.__exit__(*exc)
