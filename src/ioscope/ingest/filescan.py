"""One read of each input for what the run records and the CSV reader checks.

:func:`scan_file` reads a file once and returns its sha256 (recorded in the run, and the key of
its quarantined records) and, for an uncompressed file, the line of its last non-blank
character, which the CSV reader compares with the records DuckDB returned to find a last record
cut inside a quoted field (:mod:`ioscope.ingest.csvsrc`). The ingest runs the scans in a thread
beside DuckDB's reading of the files (``hashlib`` releases the GIL), so that neither the hash
nor the line count costs a read of its own.
"""

from __future__ import annotations

import hashlib
import os
import threading
from dataclasses import dataclass

from ioscope.ingest.compressed import is_gzip

__all__ = ["FileScan", "scan_file", "ScanCancelled"]

_BLOCK = 16 << 20
#: what ``bytes.rstrip()`` removes
_BLANK = b" \t\n\r\x0b\x0c"


class ScanCancelled(Exception):
    """The ingest stopped before the scan ended."""


@dataclass(frozen=True)
class FileScan:
    sha256: str
    size: int
    #: line of the last non-blank character (0 for a blank file); None for a gzip file, whose
    #: lines are those of the decompressed stream
    last_line: int | None


def scan_file(path: str, stop: threading.Event | None = None) -> FileScan:
    """The file's sha256 (``sha256:<hex>``), size and last non-blank line, in one read."""
    h = hashlib.sha256()
    count = not is_gzip(path)
    lines = last = 0
    with open(path, "rb") as f:
        while blk := f.read(_BLOCK):
            if stop is not None and stop.is_set():
                raise ScanCancelled(path)
            h.update(blk)
            if not count:
                continue
            n = blk.count(b"\n")
            end = len(blk.rstrip(_BLANK)) if blk[-1] in _BLANK else len(blk)
            if end:  # the block has a non-blank character: its line is the last one so far
                last = lines + n - blk.count(b"\n", end) + 1
            lines += n
    return FileScan("sha256:" + h.hexdigest(), os.path.getsize(path), last if count else None)
