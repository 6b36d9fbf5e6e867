"""The records of a JSON file, in bounded chunks, for readers that extract fields in SQL.

Three layouts are recognised from the first bytes: JSON lines (one value per line; the usual
output of twarc, Jetstream and most collectors), one JSON array (MongoDB ``--jsonArray`` exports,
the Telegram channel dumps) and pretty-printed documents (one or more indented values, as ``jq .``
writes them). Each chunk is an Arrow table ``(_line BIGINT, json VARCHAR)`` holding only
well-formed values; ``_line`` is the 1-based line (JSON lines) or record index
(arrays, documents). A line that is not valid UTF-8 or not valid JSON goes to quarantine here,
with its line and the parser's message, and counts as one record read.

Memory stays bounded: lines are cut from blocks of :data:`BLOCK` bytes with Arrow kernels (no
Python per line), arrays and documents are streamed by DuckDB's JSON reader.
"""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import orjson

from ioscope.errors import InputFormatError
from ioscope.ingest.compressed import is_gzip as _is_gzip
from ioscope.ingest.compressed import open_input, read_head_bytes
from ioscope.ingest.context import RAW_LIMIT, STAGING, ReadContext
from ioscope.ingest.lazy import lazy
from ioscope.sql import literal

np = lazy("numpy")
pa = lazy("pyarrow")
pc = lazy("pyarrow.compute")

__all__ = [
    "json_chunks",
    "query",
    "stage_from",
    "detect_layout",
    "open_input",
    "read_head_bytes",
    "drop_invalid",
    "quarantine_record",
    "BLOCK",
    "MAX_RECORD",
]

BLOCK = 16 << 20  # bytes read per block of JSON lines
MAX_RECORD = 16 << 20  # a longer line is quarantined (its size named), not loaded
MAX_OBJECT = 64 << 20  # the longest record of an array or a document (DuckDB's reader)
ARRAY_BATCH = 20_000  # records per chunk for arrays and documents
_UTF8_BOM = b"\xef\xbb\xbf"


def _check_encoding(path: str, head: bytes) -> None:
    for bom, name in (  # noqa: B007 (read after the loop, which breaks on a match)
        (b"\xff\xfe\x00\x00", "UTF-32"),
        (b"\x00\x00\xfe\xff", "UTF-32"),
        (b"\xff\xfe", "UTF-16"),
        (b"\xfe\xff", "UTF-16"),
    ):
        if head.startswith(bom):
            break
    else:
        sample = head[:64]
        if not (len(sample) >= 4 and sample.count(0) >= len(sample) // 4):
            return
        name = "UTF-16 or UTF-32"
    raise InputFormatError(
        f"the file is encoded as {name}; ioscope reads JSON in UTF-8.",
        path=path,
        hint=f"Convert it first, e.g. `iconv -f {name.split()[0]} -t UTF-8 IN > OUT`.",
    )


def detect_layout(path: str, head: bytes | None = None) -> str:
    """'lines', 'array', 'document' (pretty-printed values) or 'empty'."""
    head = read_head_bytes(path) if head is None else head
    _check_encoding(path, head)
    body = head[len(_UTF8_BOM) :] if head.startswith(_UTF8_BOM) else head
    stripped = body.lstrip()
    if not stripped:
        return "empty"
    if stripped[:1] == b"[":
        return "array"
    if stripped[:1] != b"{":
        return "lines"
    first = stripped.split(b"\n", 1)[0].rstrip()
    try:
        orjson.loads(first)
        return "lines"
    except orjson.JSONDecodeError:
        pass
    # an indented document opens with '{' alone, or with a first member ending in ',' '{' '[';
    # JSON lines whose first line is damaged go on with an object at the start of a line
    following = next((ln for ln in stripped.split(b"\n")[1:] if ln.strip()), b"")
    if following[:1] == b"{":
        return "lines"
    return "document" if first.endswith((b"{", b"[", b",", b":")) else "lines"


def json_chunks(
    ctx: ReadContext, *, layout: str | None = None, max_object: int = MAX_OBJECT
) -> Iterator[pa.Table]:
    """Successive chunks of the file's valid records, as Arrow tables ``(_line, json)``.

    Query a chunk with :func:`query` / :func:`stage_from`, never with ``con.register``: inside
    the ingest transaction DuckDB keeps every registered table alive until commit, so memory
    would grow with the file.
    """
    layout = layout or detect_layout(ctx.path)
    if layout == "empty":
        _check_complete(ctx.path)
        return
    tables = _line_tables(ctx) if layout == "lines" else _duckdb_tables(ctx, layout, max_object)
    for tab in tables:
        if layout == "lines":
            tab = drop_invalid(ctx, tab)
        if tab.num_rows:
            yield tab


#: the names a chunk can have in a reader's SQL (see :func:`query`)
NAMES = ("_json", "_items", "_msgs", "_p", "_t", "_u", "_twp")


def query(con: duckdb.DuckDBPyConnection, name: str, table: pa.Table, sql: str) -> pa.Table:
    """The result of ``sql``, where ``table`` is visible as ``name`` (one of :data:`NAMES`).

    DuckDB finds the table as a local variable of this frame (a replacement scan): it leaves no
    catalog entry, so nothing outlives the call. ``con.register`` would keep the table alive until
    the ingest transaction ends, and ``relation.query`` re-parses large SQL several times.
    """
    assert name in NAMES
    _json = _items = _msgs = _p = _t = _u = _twp = table  # noqa: F841
    return con.sql(sql).to_arrow_table()


def stage_from(ctx: ReadContext, staging: str, name: str, table: pa.Table, select_sql: str) -> int:
    """Insert the rows of ``select_sql`` (reading ``table`` as ``name``) into a staging table."""
    assert staging in STAGING and name in NAMES
    _json = _items = _msgs = _p = _t = _u = _twp = table  # noqa: F841  (see query)
    return ctx.con.execute(f"INSERT INTO {staging} BY NAME {select_sql}").fetchall()[0][0]


# -- JSON lines ------------------------------------------------------------------------------
def _line_tables(ctx: ReadContext) -> Iterator[pa.Table]:
    line = 0  # lines consumed so far
    rest = b""
    skip = None  # [line, first bytes, size so far] of an oversized line being discarded
    with open_input(ctx.path) as f:
        first = True
        while True:
            try:
                blk = f.read(BLOCK)
            except (OSError, EOFError) as e:
                raise InputFormatError(
                    f"cannot read the file after line {line}: {e}", path=ctx.path
                ) from None
            if first:
                first = False
                if blk.startswith(_UTF8_BOM):
                    blk = blk[len(_UTF8_BOM) :]
            if not blk:
                break
            if skip is not None:
                cut = blk.find(b"\n")
                if cut < 0:
                    skip[2] += len(blk)
                    continue
                skip[2] += cut
                _too_long(ctx, *skip)
                skip, blk = None, blk[cut + 1 :]
            data = rest + blk
            cut = data.rfind(b"\n")
            if cut < 0:
                rest = data
                if len(rest) > MAX_RECORD:
                    line += 1
                    skip, rest = [line, rest[: RAW_LIMIT * 4], len(rest)], b""
                continue
            body, rest = data[:cut], data[cut + 1 :]
            tab = _split_lines(ctx, body, line)
            line += body.count(b"\n") + 1
            yield tab
        if skip is not None:
            _too_long(ctx, *skip)
        elif rest:
            yield _split_lines(ctx, rest, line)


def _too_long(ctx: ReadContext, line: int, head: bytes, size: int) -> None:
    quarantine_record(
        ctx,
        line,
        f"record of {size:,} bytes is longer than the "
        f"{MAX_RECORD >> 20} MB limit for one JSON line",
        head,
    )


def _split_lines(ctx: ReadContext, body: bytes, before: int) -> pa.Table:
    raw = pc.split_pattern(pa.array([body], pa.binary()), b"\n").flatten()
    numbers = pa.array(np.arange(before + 1, before + 1 + len(raw), dtype=np.int64))
    if len(body) > MAX_RECORD:  # a long line that ended inside this block
        size = pc.binary_length(raw)
        long = pc.greater(size, MAX_RECORD)
        if pc.any(long).as_py():
            for i in np.flatnonzero(long.to_numpy(zero_copy_only=False)):
                _too_long(
                    ctx,
                    before + 1 + int(i),
                    raw[int(i)].as_py()[: RAW_LIMIT * 4],
                    size[int(i)].as_py(),
                )
            keep = pc.invert(long)
            raw, numbers = raw.filter(keep), numbers.filter(keep)
    try:
        text = raw.cast(pa.string())
    except pa.ArrowInvalid:  # some line is not UTF-8: find which, in Python (rare path)
        good, keep = [], []
        for i, b in enumerate(raw.to_pylist()):
            try:
                good.append(b.decode("utf-8"))
                keep.append(i)
            except UnicodeDecodeError as e:
                if b.strip():
                    quarantine_record(
                        ctx,
                        before + 1 + i,
                        f"not valid UTF-8 ({e.reason} at byte "
                        f"{e.start}); is the file in another encoding?",
                        b,
                    )
        text, numbers = pa.array(good, pa.string()), numbers.take(pa.array(keep, pa.int64()))
    nonblank = pc.not_equal(pc.utf8_length(pc.utf8_trim_whitespace(text)), 0)
    return pa.table({"_line": numbers.filter(nonblank), "json": text.filter(nonblank)})


# -- arrays and documents, through DuckDB's streaming JSON reader ------------------------------
def _duckdb_tables(ctx: ReadContext, layout: str, max_object: int) -> Iterator[pa.Table]:
    fmt = "array" if layout == "array" else "unstructured"
    comp = "gzip" if _is_gzip(ctx.path) else "none"
    reader_con = duckdb.connect()  # its own connection: the workspace one stages while we stream
    index = 0
    try:
        batches = reader_con.sql(
            f"SELECT json::VARCHAR AS json FROM read_json_objects({literal(ctx.path)}, "
            f"format='{fmt}', compression='{comp}', maximum_object_size={max_object})"
        ).to_arrow_reader(ARRAY_BATCH)
        for batch in batches:
            n = batch.num_rows
            numbers = pa.array(np.arange(index + 1, index + 1 + n, dtype=np.int64))
            index += n
            yield pa.table({"_line": numbers, "json": batch.column(0)})
    except (duckdb.Error, OSError, pa.ArrowException) as e:  # errors surface through Arrow too
        _check_complete(ctx.path)  # a cut gzip stream: say so, with its byte offset
        msg = str(e).split("\n")[0].replace("Invalid Input Error: ", "")
        what = "JSON array" if layout == "array" else "JSON document"
        raise InputFormatError(
            f"malformed {what} after record {index}: {msg}",
            path=ctx.path,
            line=None,
            hint="The file may be truncated or not JSON; records before the fault are fine, "
            "but the file is ingested all or nothing.",
        ) from None
    finally:
        reader_con.close()


def _check_complete(path: str) -> None:
    """Raise the error of a cut or damaged gzip stream (a file that looks empty, or that the
    JSON reader fails on, may only be cut short)."""
    if _is_gzip(path):
        with open_input(path) as f:
            while f.read(BLOCK):
                pass


# -- validating a chunk of lines -------------------------------------------------------------
def drop_invalid(ctx: ReadContext, tab: pa.Table) -> pa.Table:
    """``tab`` without its records that are not valid JSON, which go to quarantine."""
    _json = tab  # noqa: F841  (read by DuckDB as a local variable, see query)
    bad = ctx.con.execute(
        "SELECT _line, json FROM _json WHERE NOT json_valid(json) ORDER BY _line"
    ).fetchall()
    if not bad:
        return tab
    for line, text in bad:
        quarantine_record(ctx, line, _why_invalid(text), text)
    drop = pa.array([line for line, _ in bad], pa.int64())
    return tab.filter(pc.invert(pc.is_in(tab["_line"], value_set=drop)))


def _why_invalid(text: str) -> str:
    try:
        orjson.loads(text)
    except orjson.JSONDecodeError as e:
        return f"malformed JSON: {e}"
    return "malformed JSON"


def quarantine_record(ctx: ReadContext, line: int, reason: str, raw: bytes | str) -> None:
    """Quarantine a whole record that could not be read; it counts as read."""
    if isinstance(raw, bytes):
        raw = raw[: RAW_LIMIT * 4].decode("utf-8", errors="replace")
    ctx.quarantine(line, reason, raw[:RAW_LIMIT], field="record")
    ctx.rows_read += 1
