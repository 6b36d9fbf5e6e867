"""The inputs of an ingest, classified before any work: files, folders walked, standard input.

:func:`classify_inputs` turns the command's arguments into a list of :class:`InputFile`, each
with its reader or the reason it cannot be read (missing, unreadable, a cut gzip stream, a
format no reader knows, with a word on what it looks like). The caller reports every problem in
one message, or skips those files and records them in the run.
"""

from __future__ import annotations

import gzip
import os
import shutil
import tempfile
from dataclasses import dataclass
from typing import BinaryIO

import orjson

from ioscope.errors import UnknownFormatError
from ioscope.ingest.compressed import GzipCutError, open_input
from ioscope.ingest.registry import detect_format, get_reader

__all__ = ["InputFile", "classify_inputs", "spool_stdin", "STDIN_NAME", "MISSING"]

MISSING = "no such file or folder"
#: how standard input is named in the run, the tables and the messages
STDIN_NAME = "<stdin>"


@dataclass
class InputFile:
    """One input: ``path`` is read, ``name`` is recorded (they differ for standard input)."""

    path: str
    name: str
    format: str | None = None
    #: why the file cannot be ingested (None: it can)
    problem: str | None = None
    #: the file holds no record at all (0 bytes, or an empty compressed stream)
    empty: bool = False
    #: a cut or damaged compressed file (an input error, not an unsupported format)
    damaged: bool = False

    def to_dict(self) -> dict[str, str]:
        return {"path": self.name, "reason": self.problem or "empty file (no records)"}


def spool_stdin(stream: BinaryIO) -> str:
    """Copy standard input to a private temporary file (readers need a file; the run hashes
    it) and return its path. The caller removes its folder when done."""
    folder = tempfile.mkdtemp(prefix="ioscope-stdin-")
    path = os.path.join(folder, "stdin")
    with open(path, "wb") as f:
        shutil.copyfileobj(stream, f, 1 << 20)
    return path


def _walk(folder: str) -> list[str]:
    """Every file under ``folder``, sorted, without hidden files and folders."""
    found = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found += [os.path.join(root, f) for f in sorted(files) if not f.startswith(".")]
    return found


def _is_empty(path: str) -> bool | str:
    """True when the file holds nothing but white space (after gunzipping); a string (the
    problem) when it cannot be read."""
    try:
        with open_input(path) as f:  # a cut or damaged gzip stream raises GzipCutError
            while block := f.read(1 << 16):
                if block.strip():
                    return False
        return True
    except OSError as e:
        return f"cannot be read: {e.strerror or e}"


def _looks_like(path: str) -> str:
    """A word on what an unsupported file seems to hold, for the message."""
    try:
        with (gzip.open if open(path, "rb").read(2) == b"\x1f\x8b" else open)(path, "rb") as f:
            first = f.read(65536).lstrip().split(b"\n", 1)[0]
        value = orjson.loads(first)
    except Exception:  # not JSON (or unreadable): nothing more to say
        return ""
    data = value.get("data") if isinstance(value, dict) else None
    item = data[0] if isinstance(data, list) and data and isinstance(data[0], dict) else {}
    if "tweet_count" in item:
        return " (it holds tweet counts, not posts)"
    if "member_count" in item or "owner_id" in item:
        return " (it holds Twitter lists, not posts)"
    return ""


def classify_inputs(
    args: list[str], *, format: str | None = None, stdin_path: str | None = None
) -> list[InputFile]:
    """The files named by ``args`` (folders walked, ``-`` = ``stdin_path``), each classified."""
    files: list[InputFile] = []
    for arg in args:
        if arg == "-":
            files.append(InputFile(stdin_path or "", STDIN_NAME))
        elif os.path.isdir(arg):
            files += [InputFile(p, p) for p in _walk(arg)]
        elif not os.path.exists(arg):
            files.append(InputFile(arg, arg, problem=MISSING))
        else:
            files.append(InputFile(arg, arg))
    for f in files:
        if f.problem:
            continue
        if not os.access(f.path, os.R_OK):
            f.problem = "cannot be read: permission denied"
            continue
        try:
            empty = _is_empty(f.path)
        except GzipCutError as e:  # the problem without the "file PATH: " the listing adds
            f.problem, f.damaged = e.message.split(": ", 1)[-1], True
            continue
        if isinstance(empty, str):
            f.problem = empty
        elif empty:
            f.empty = True
        elif format:
            f.format = get_reader(format).name
        elif _looks_like(f.path):
            f.problem = "unsupported" + _looks_like(f.path)
        else:
            try:
                f.format = detect_format(f.path)
            except UnknownFormatError:
                f.problem = "unsupported: no reader recognises it" + _looks_like(f.path)
    return files
