"""What every CLI verb shares: JSON output, the error envelope, consoles."""

from __future__ import annotations

import functools
import json
import sys
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Callable

import duckdb
import typer
from rich.console import Console
from rich.markup import escape

from ioscope.errors import IoscopeError, ResourceError

__all__ = ["out", "err", "emit_json", "handle_errors", "to_json"]

out = Console(soft_wrap=True, highlight=False)
err = Console(stderr=True, highlight=False)


def _default(o: Any) -> Any:
    if isinstance(o, (datetime, date)):
        return o.isoformat()
    if isinstance(o, Decimal):
        return float(o)
    if isinstance(o, (set, tuple)):
        return list(o)
    if hasattr(o, "item"):  # numpy scalars
        return o.item()
    return str(o)


def to_json(obj: Any) -> str:
    return json.dumps(obj, default=_default, ensure_ascii=False, indent=2)


def emit_json(obj: Any) -> None:
    sys.stdout.write(to_json(obj) + "\n")
    sys.stdout.flush()


def _resource_error(e: duckdb.OutOfMemoryException) -> ResourceError:
    first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    return ResourceError(
        f"DuckDB ran out of memory or spill space: {first} The workspace is unchanged.",
        hint="Give it more room: a larger --memory-limit, a --temp-directory on a disk with free "
             "space (and a larger --temp-limit where the command has one), fewer --threads, or "
             "fewer signals at a time (--signals).")


def handle_errors(json_flag: str | None = "json") -> Callable:
    """Turn :class:`IoscopeError` (and DuckDB running out of memory or spill space) into a
    message (or the JSON envelope) and its exit code."""

    def deco(fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                try:
                    return fn(*args, **kwargs)
                except duckdb.OutOfMemoryException as oom:
                    raise _resource_error(oom) from None
            except IoscopeError as e:
                if json_flag and kwargs.get(json_flag):
                    emit_json(e.to_dict())
                else:
                    err.print(f"[bold red]Error:[/] {escape(e.message)}", markup=True, highlight=False)
                    if e.hint:
                        err.print(f"[dim]{escape(e.hint)}[/]", markup=True)
                raise typer.Exit(e.exit_code) from None

        return wrapper

    return deco
