"""Paths of the analyst's machine in a report meant to be shared.

The workspace records every input by the path given on the command line (``runs.inputs``,
``runs.row_counts``, ``quarantine.source_file``). A report names inputs by file name and sha256
instead: :func:`local_paths` lists the paths the workspace recorded (and the workspace's own),
and :func:`redact` replaces each of them, wherever it occurs in the report's facts, by its file
name. Only these exact recorded strings are replaced: no guessing at what looks like a path.
``ioscope report --full-paths`` keeps them.
"""

from __future__ import annotations

import dataclasses
import os
import re
from typing import Any

from markupsafe import Markup

from ioscope.report.trace import Tracer

__all__ = ["file_name", "local_paths", "redact"]

_RECORDED = """
    SELECT DISTINCT p FROM (
      SELECT unnest(from_json(inputs, '["json"]')) ->> 'path' AS p FROM runs
      UNION ALL SELECT unnest(from_json(row_counts -> 'files', '["json"]')) ->> 'path' FROM runs
      UNION ALL SELECT unnest(from_json(row_counts -> 'companions', '["json"]')) ->> 'path'
                FROM runs
      UNION ALL SELECT unnest(from_json(row_counts -> 'companions', '["json"]')) ->> 'of'
                FROM runs)
    WHERE p IS NOT NULL"""


def file_name(path: str) -> str:
    """The last component of a POSIX or Windows path (the path itself when it has none)."""
    return re.split(r"[/\\]", path.rstrip("/\\"))[-1] or path


def local_paths(tr: Tracer) -> list[str]:
    """Paths of this machine that the workspace recorded: its inputs (every ingest's files and
    companions), the quarantined records' files, and the workspace file itself."""
    paths = {str(tr.ws.path), os.path.abspath(str(tr.ws.path))}
    con = tr.ws.con
    if tr.has("runs"):
        paths.update(r[0] for r in con.execute(_RECORDED).fetchall())
    if tr.has("quarantine"):
        paths.update(
            r[0]
            for r in con.execute(
                "SELECT DISTINCT source_file FROM quarantine WHERE source_file IS NOT NULL"
            ).fetchall()
        )
    return sorted(p for p in paths if p and file_name(p) != p)


def redact(value: Any, paths: list[str]) -> Any:
    """``value`` (nested dicts, lists, tuples, dataclasses, strings) with every occurrence of
    one of ``paths`` replaced by its file name; other values are returned unchanged."""
    if not paths:
        return value
    names = {p: file_name(p) for p in paths}
    pattern = re.compile("|".join(re.escape(p) for p in sorted(paths, key=len, reverse=True)))

    def walk(v: Any) -> Any:
        if isinstance(v, str):  # a Markup stays Markup: the names are replaced, not escaped
            out = pattern.sub(lambda m: names[m.group(0)], v)
            return v if out == v else (Markup(out) if isinstance(v, Markup) else out)
        if isinstance(v, dict):
            return {k: walk(x) for k, x in v.items()}
        if isinstance(v, list):
            return [walk(x) for x in v]
        if isinstance(v, tuple):
            return tuple(walk(x) for x in v)
        if dataclasses.is_dataclass(v) and not isinstance(v, type):
            return dataclasses.replace(
                v, **{f.name: walk(getattr(v, f.name)) for f in dataclasses.fields(v) if f.init}
            )
        return v

    return walk(value)
