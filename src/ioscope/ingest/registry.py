"""The readers, registered by format name, and format auto-detection."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from ioscope.errors import UnknownFormatError

__all__ = [
    "ReaderSpec",
    "register_reader",
    "get_reader",
    "readers",
    "detect_format",
    "read_head",
    "header_cells",
    "header_names",
]


@dataclass(frozen=True)
class ReaderSpec:
    """A reader: ``read(ctx)`` stages one file; ``sniff(path, head)`` recognises it (or None).

    ``companions(path)`` lists other files the reader will also read for ``path`` (e.g. the
    targeting tables beside an ads file), so that they are hashed into the run's inputs.
    """

    name: str
    summary: str
    read: Callable
    sniff: Callable[[str, str], bool] | None = None
    priority: int = 50  # lower sniffs first
    companions: Callable[[str], list[str]] | None = None


_READERS: dict[str, ReaderSpec] = {}


def register_reader(
    name: str,
    *,
    summary: str,
    sniff: Callable[[str, str], bool] | None = None,
    priority: int = 50,
    companions: Callable[[str], list[str]] | None = None,
) -> Callable:
    def deco(fn: Callable) -> Callable:
        _READERS[name] = ReaderSpec(name, summary, fn, sniff, priority, companions)
        return fn

    return deco


def readers() -> dict[str, ReaderSpec]:
    _load_builtin()
    return dict(_READERS)


def get_reader(name: str) -> ReaderSpec:
    _load_builtin()
    if name not in _READERS:
        raise UnknownFormatError(
            f"Unknown format {name!r}. Known formats: {', '.join(sorted(_READERS))}."
        )
    return _READERS[name]


def read_head(path: str, n: int = 65536) -> str:
    """The first ``n`` bytes of a (possibly gzip-compressed) file, decoded leniently, without
    a UTF-8 byte-order mark (sniffers and header checks compare column names)."""
    from ioscope.ingest.compressed import read_head_bytes  # a cut gzip stream gives its head

    try:
        data = read_head_bytes(path, n)
    except OSError:
        data = b""
    return data.decode("utf-8-sig", errors="replace")  # without a byte-order mark


def header_names(head: str) -> list[str]:
    """The column names of a CSV head's first line, each stripped, unquoted and lower-cased."""
    first = head.splitlines()[0] if head else ""
    return [c.strip().strip('"').lower() for c in first.split(",")]


def header_cells(head: str) -> list[str]:
    """The cells of a CSV head's first line, lower-cased, without any quote or the line's outer
    white space: the strict form sniffers compare with a format's exact header."""
    first = head.splitlines()[0].lower().replace('"', "").strip() if head else ""
    return first.split(",")


def _is_gzip(path: str) -> bool:
    with open(path, "rb") as f:
        return f.read(2) == b"\x1f\x8b"


def detect_format(path: str) -> str:
    """The name of the first reader (by priority) that recognises the file."""
    _load_builtin()
    if not os.path.exists(path):
        raise UnknownFormatError(f"No such file: {path}")
    head = read_head(path)
    for spec in sorted(_READERS.values(), key=lambda s: (s.priority, s.name)):
        if spec.sniff is not None and spec.sniff(path, head):
            return spec.name
    raise UnknownFormatError(
        f"Cannot tell the format of {path}.",
        hint="Name it with --format; `ioscope ingest --help` lists the formats.",
    )


def _load_builtin() -> None:
    import ioscope.ingest.formats  # noqa: F401  (registers every built-in reader)
