"""Input files as byte streams, gunzipped when they start with the gzip magic bytes.

A gzip stream that is cut short (an interrupted download) or damaged is never read as shorter
data: reading it raises :class:`~ioscope.errors.InputFormatError` naming the file, the byte
offset in the compressed file where the stream fails and how many bytes it gave until then.
Concatenated gzip members (``cat a.gz b.gz``) are read as one stream.
"""

from __future__ import annotations

import zlib
from typing import BinaryIO

from ioscope.errors import InputFormatError

__all__ = ["open_input", "is_gzip", "read_head_bytes", "GzipCutError"]

_CHUNK = 1 << 20


class GzipCutError(InputFormatError):
    """A gzip stream that ends early or fails its checks (names the compressed byte offset)."""


def is_gzip(path: str) -> bool:
    with open(path, "rb") as f:
        return f.read(2) == b"\x1f\x8b"


class _Gunzip:
    """A read-only binary stream over a gzip file, strict about truncation (unlike
    :func:`gzip.open`, whose partial data is lost when it raises ``EOFError``)."""

    def __init__(self, path: str):
        self.path = path
        self._f = open(path, "rb")
        self._z: zlib._Decompress | None = None  # None between members
        self._pending = b""  # compressed bytes after the end of a member
        self._buf = bytearray()
        self._in = 0  # compressed bytes read
        self._out = 0  # decompressed bytes produced
        self._done = False

    def _fill(self, want: int) -> None:
        while len(self._buf) < want and not self._done:
            if self._pending:
                data, self._pending = self._pending, b""
            else:
                data = self._f.read(_CHUNK)
                self._in += len(data)
                if not data:
                    if self._z is not None:
                        raise self._cut("the gzip stream ends early (the file is cut short)")
                    self._done = True
                    break
            if self._z is None:
                if not data.strip(b"\x00"):
                    continue  # zero padding after the last member
                self._z = zlib.decompressobj(wbits=31)
            try:
                out = self._z.decompress(data)
            except zlib.error as e:
                raise self._cut(f"the gzip stream is damaged ({e})") from None
            self._buf += out
            self._out += len(out)
            if self._z.eof:
                self._pending, self._z = self._z.unused_data, None

    def _cut(self, what: str) -> GzipCutError:
        return GzipCutError(
            f"{what} at byte {self._in:,} of the compressed file, after "
            f"{self._out:,} decompressed bytes.",
            path=self.path,
            hint="Download the file again, or decompress what is readable "
            "(`gzip -dc FILE > OUT`) and ingest that.",
        )

    def read(self, n: int = -1) -> bytes:
        if n is None or n < 0:
            self._fill(1 << 62)
            n = len(self._buf)
        else:
            self._fill(n)
        out = bytes(self._buf[:n])
        del self._buf[:n]
        return out

    def __iter__(self):
        """Lines, each with its b"\\n" (as a binary file iterates)."""
        rest = b""
        while True:
            blk = self.read(_CHUNK)
            if not blk:
                break
            lines = (rest + blk).split(b"\n")
            rest = lines.pop()
            for ln in lines:
                yield ln + b"\n"
        if rest:
            yield rest

    def close(self) -> None:
        self._f.close()

    def __enter__(self) -> _Gunzip:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_input(path: str) -> BinaryIO:
    """The file as a binary stream, gunzipped when it starts with the gzip magic bytes."""
    if is_gzip(path):
        return _Gunzip(path)  # type: ignore[return-value]
    return open(path, "rb")


def read_head_bytes(path: str, n: int = 65536) -> bytes:
    """The first ``n`` decompressed bytes; a cut gzip stream gives what it holds before the cut
    (so that a small cut file is recognised, then refused when read, never taken as empty)."""
    if not is_gzip(path):
        with open(path, "rb") as f:
            return f.read(n)
    z = zlib.decompressobj(wbits=31)
    out = b""
    with open(path, "rb") as f:
        while len(out) < n:
            chunk = f.read(_CHUNK)
            if not chunk:
                break
            try:
                out += z.decompress(chunk, n - len(out))
            except zlib.error:
                break
            if z.eof:
                break
    return out[:n]
