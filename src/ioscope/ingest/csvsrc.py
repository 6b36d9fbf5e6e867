"""CSV files read by DuckDB with a fixed dialect, record by record.

Every reader of a CSV format pins its dialect (:data:`RFC4180`: comma, double quote, a quote
doubled inside a quoted field; or a semicolon for exports made that way): DuckDB's sniffer is
never asked, so a damaged record cannot make it choose "no quoting" for the whole file. Only the
generic ``csv`` reader sniffs (:func:`sniff_dialect`, from the first lines), and the dialect it
chose is recorded in the run. The header is parsed with the same dialect.

What a damaged record does:

* a record with too few or too many fields, invalid UTF-8, or an unterminated quote is
  quarantined with its line, the field DuckDB names and the reason;
* a record longer than :data:`MAX_RECORD` bytes is quarantined with its size;
* a quote left open swallows the lines after it into one malformed record: those lines are read
  again on their own, and the complete records among them are kept with their own lines;
* a file cut inside a quoted field (DuckDB drops such a last record without a word) is detected
  by accounting for every line of the file: the unaccounted tail is quarantined with its line and
  byte offset, and complete records in it are kept;
* a cut or damaged gzip stream is refused with its byte offset
  (:mod:`ioscope.ingest.compressed`).
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass

import duckdb

from ioscope.errors import InputFormatError
from ioscope.ingest.compressed import is_gzip, open_input, read_head_bytes
from ioscope.sql import literal, quote_ident

__all__ = [
    "Dialect",
    "RFC4180",
    "MAX_RECORD",
    "sniff_dialect",
    "read_header",
    "delimiter_of",
    "read_into",
]

MAX_RECORD = 20_000_000  # bytes; a longer record is quarantined with its size
_BLOCK = 16 << 20


@dataclass(frozen=True)
class Dialect:
    """How a CSV file separates fields and quotes them (``escape`` = ``quote``: doubled)."""

    delimiter: str = ","
    quote: str = '"'
    escape: str = '"'
    sniffed: bool = False

    def to_dict(self) -> dict:
        return asdict(self)

    def duckdb_options(self) -> list[str]:
        return [
            f"delim={literal(self.delimiter)}",
            f"quote={literal(self.quote)}",
            f"escape={literal(self.escape)}",
        ]


RFC4180 = Dialect()
_CANDIDATES = (",", ";", "\t", "|")


def _head_text(path: str, n: int = 1 << 20) -> str:
    return read_head_bytes(path, n).decode("utf-8-sig", errors="replace")


def _rows(text: str, dialect: Dialect, limit: int) -> list[list[str]]:
    """Up to ``limit`` complete records of ``text`` (the last, perhaps cut, line is dropped)."""
    body = text if text.endswith("\n") else text[: text.rfind("\n") + 1] or text
    reader = csv.reader(
        io.StringIO(body, newline=""),
        delimiter=dialect.delimiter,
        quotechar=dialect.quote,
        doublequote=dialect.escape == dialect.quote,
        escapechar=None if dialect.escape == dialect.quote else dialect.escape,
    )
    out = []
    try:
        for row in reader:
            if row:
                out.append(row)
            if len(out) >= limit:
                break
    except csv.Error:
        pass
    return out


def read_header(path: str, dialect: Dialect) -> list[str]:
    """The header's column names, parsed with ``dialect``; unique (a repeated name gets ``_1``,
    ``_2``, … as DuckDB names them) and never empty (``column0``, …)."""
    rows = _rows(_head_text(path, 1 << 16), dialect, 1)
    names: list[str] = []
    for i, h in enumerate(rows[0] if rows else []):
        name = h.strip() or f"column{i}"
        base, k = name, 0
        while name.lower() in (n.lower() for n in names):
            k += 1
            name = f"{base}_{k}"
        names.append(name)
    return names


def delimiter_of(path: str, choices: tuple[str, ...] = (",", ";")) -> Dialect:
    """The dialect among ``choices`` (comma or semicolon exports of one format) whose delimiter
    the header line uses most; the comma on a tie."""
    first = _head_text(path, 1 << 16).split("\n", 1)[0]
    best = max(choices, key=lambda d: (first.count(d), d == ","))
    return Dialect(delimiter=best)


def sniff_dialect(path: str) -> Dialect:
    """The delimiter (comma, semicolon, tab or '|') that splits the first lines of the file into
    the same number (> 1) of fields most often; quotes are always ``"``, doubled to escape."""
    text = _head_text(path)
    best, score = RFC4180, (0, 0)
    for d in _CANDIDATES:
        rows = _rows(text, Dialect(delimiter=d), 50)
        if not rows or len(rows[0]) < 2:
            continue
        same = sum(len(r) == len(rows[0]) for r in rows)
        if (same, len(rows[0])) > score:
            best, score = Dialect(delimiter=d), (same, len(rows[0]))
    return Dialect(best.delimiter, best.quote, best.escape, sniffed=True)


def _count_lines(path: str) -> int:
    """The line of the file's last non-blank character (0 for a blank file)."""
    lines, last = 0, 0
    with open_input(path) as f:
        while blk := f.read(_BLOCK):
            stripped = blk.rstrip()
            if stripped:
                last = lines + stripped.count(b"\n") + 1
            lines += blk.count(b"\n")
    return last


def _line_at(path: str, line: int) -> tuple[int, bytes]:
    """(byte offset where physical line ``line`` starts, its text without the line break)."""
    offset, at, rest = 0, 1, b""
    with open_input(path) as f:
        while blk := f.read(_BLOCK):
            pos = 0
            while at < line:
                nl = blk.find(b"\n", pos)
                if nl < 0:
                    break
                pos, at = nl + 1, at + 1
            if at < line:
                offset += len(blk)
                continue
            offset += pos
            rest = blk[pos:]
            while b"\n" not in rest and (more := f.read(_BLOCK)) and len(rest) < MAX_RECORD:
                rest += more
            break
    return offset, rest.split(b"\n", 1)[0].rstrip(b"\r")


def _copy_from(path: str, offset: int, dest: str) -> None:
    """Write the (decompressed) file from byte ``offset`` to its end into ``dest``."""
    with open_input(path) as f, open(dest, "wb") as out:
        done = 0
        while blk := f.read(_BLOCK):
            if done + len(blk) > offset:
                out.write(blk[max(0, offset - done) :])
            done += len(blk)


MAX_RESYNC = 100  # unterminated quotes after which the rest of a file is read as DuckDB reads it


def read_into(
    con: duckdb.DuckDBPyConnection,
    path: str,
    dialect: Dialect,
    header: list[str],
    select: str,
    name: str,
    *,
    line_count: Callable[[], int | None] | None = None,
) -> list[tuple]:
    """Create temp table ``name`` (``select`` over the file's records, plus ``_line``, the physical
    line where the record starts, and ``_nl``, the line breaks inside it). Returns the problems
    found, ``(line, field, reason, raw)``, one per unreadable record, for the caller to
    quarantine.

    A quote left open (a multi-line reject, or lines DuckDB drops at the end of the file) ends
    the record at its first line; the file is read again from the next line (a *resync*), so
    the records after it keep their values and their lines.

    ``line_count`` gives the line of the file's last non-blank character when the caller has
    counted it already (:mod:`ioscope.ingest.filescan`; None: count it here). It is asked for
    after DuckDB's first scan of the file, so that the count can run beside that scan.
    """
    last: int | None = None
    con.execute(f"DROP TABLE IF EXISTS temp.main.{quote_ident(name)}")
    problems: list[tuple] = []
    segment, first_line, tail = path, 1, None
    fd, scratch = tempfile.mkstemp(prefix="ioscope-csv-", suffix=".csv")
    os.close(fd)
    try:
        for resync in range(MAX_RESYNC + 1):
            found = _scan(con, segment, dialect, header, select, first_line)
            if last is None:
                counted = line_count() if line_count else None
                last = _count_lines(path) if counted is None else counted
            end = con.execute("SELECT max(_line + _nl) FROM _csv_part").fetchall()[0][0]
            end = max(end or 0, first_line if segment == path else first_line - 1)
            for line, _c, _e, raw, _m in found:
                end = max(end, line + (raw or "").count("\n"))
            cut = next(
                (r for r in found if r[2] == "UNQUOTED VALUE" and "\n" in (r[3] or "")), None
            )
            if tail is not None and cut is None and not _rows_in(con):
                # the lines after a cut record hold no complete record: all of them are its
                problems[tail] = problems[tail][:3] + (_tail_text(path, problems[tail][0]),)
                break
            can = resync < MAX_RESYNC
            stop = cut[0] if cut and can else (end + 1 if last > end and can else None)
            keep = f"WHERE _line < {stop}" if stop else ""
            if con.execute(
                f"SELECT count(*) FROM duckdb_tables() WHERE table_name = {literal(name)} "
                "AND temporary"
            ).fetchall()[0][0]:
                con.execute(f"INSERT INTO {name} SELECT * FROM _csv_part {keep}")
            elif keep:
                con.execute(f"CREATE TEMP TABLE {name} AS SELECT * FROM _csv_part {keep}")
            else:  # the whole file in one scan (the usual case): the table itself, not a copy
                con.execute(f"ALTER TABLE _csv_part RENAME TO {quote_ident(name)}")
            problems += [_problem(r) for r in found if stop is None or r[0] < stop]
            if stop is None:
                if last > end:  # resyncs exhausted: the rest is one record
                    problems.append(
                        (
                            end + 1,
                            "record",
                            "malformed CSV: unterminated quotes after line",
                            _tail_text(path, end + 1),
                        )
                    )
                break
            offset, text = _line_at(path, stop)
            if cut:
                problems.append(
                    (
                        stop,
                        cut[1],
                        "malformed CSV record (unterminated quote): "
                        f"{cut[4]} The lines after it are read as records of their own.",
                        text.decode("utf-8", errors="replace"),
                    )
                )
                tail = None
            else:
                problems.append(
                    (
                        stop,
                        "record",
                        "the file ends inside a quoted field: the record "
                        f"starting at line {stop} (byte {offset:,}) is cut short",
                        text.decode("utf-8", errors="replace"),
                    )
                )
                tail = len(problems) - 1
            if stop >= last:
                break
            next_offset, _ = _line_at(path, stop + 1)
            _copy_from(path, next_offset, scratch)
            segment, first_line = scratch, stop + 1
    finally:
        con.execute("DROP TABLE IF EXISTS _csv_part")
        os.unlink(scratch)
    return problems


def _rows_in(con: duckdb.DuckDBPyConnection) -> bool:
    return con.execute("SELECT count(*) FROM _csv_part").fetchall()[0][0] > 0


def _tail_text(path: str, line: int) -> str:
    offset, _ = _line_at(path, line)
    with open_input(path) as f:
        done, out = 0, bytearray()
        while (blk := f.read(_BLOCK)) and len(out) < 40_000:
            if done + len(blk) > offset:
                out += blk[max(0, offset - done) :]
            done += len(blk)
    return bytes(out[:40_000]).decode("utf-8", errors="replace").rstrip()


def _problem(reject: tuple) -> tuple:
    line, column, etype, raw, msg = reject
    if etype == "LINE SIZE OVER MAXIMUM":
        size = "".join(ch for ch in msg.rsplit(":", 1)[-1] if ch.isdigit())
        size = f"{int(size):,} bytes" if size else "more bytes"
        return (
            line,
            "record",
            f"record of {size} is longer than the {MAX_RECORD:,}-byte limit for one CSV record",
            raw,
        )
    return (line, column, f"malformed CSV record ({etype.lower()}): {msg}", raw)


def _scan(
    con: duckdb.DuckDBPyConnection,
    path: str,
    dialect: Dialect,
    header: list[str],
    select: str,
    first_line: int,
) -> list[tuple]:
    """Read ``path`` (the file, or its rest from physical line ``first_line``, without a header)
    into ``_csv_part`` with physical lines; returns DuckDB's rejects ``(line, column, type, raw,
    message)``, one per record, with physical lines too."""
    head = first_line == 1
    cols = "{" + ", ".join(f"{literal(h)}: 'VARCHAR'" for h in header) + "}"
    opts = [
        f"header={str(head).lower()}",
        "auto_detect=false",
        f"columns={cols}",
        *dialect.duckdb_options(),
        "store_rejects=true",
        "rejects_table='_csv_rejects'",
        "rejects_scan='_csv_scans'",
        f"max_line_size={MAX_RECORD}",
        "null_padding=false",
        "strict_mode=true",
        "parallel=false",
        f"compression={'gzip' if is_gzip(path) else 'none'}",
    ]
    src = f"read_csv({literal(path)}, {', '.join(opts)})"
    # line breaks inside the record's fields: tested field by field (no concatenated copy of
    # the record), counted only in the records that have one
    any_nl = " OR ".join(f"contains({quote_ident(h)}, chr(10))" for h in header)
    count_nl = " + ".join(
        f"strlen(COALESCE({quote_ident(h)}, '')) - strlen(replace(COALESCE({quote_ident(h)}, ''), "
        "chr(10), ''))"
        for h in header
    )
    h, base = (1 if head else 0), first_line - 1
    try:
        # _line is the record's number (plus the lines before it) until _scan corrects it
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE _csv_part AS SELECT {select}, "
            f"CAST(row_number() OVER () AS BIGINT) + {h + base} AS _line, "
            f"CASE WHEN COALESCE({any_nl}, false) THEN {count_nl} ELSE 0 END AS _nl FROM {src}"
        )
    except duckdb.Error as e:
        if is_gzip(path):
            _count_lines(path)  # raises the cut or damaged stream's error, with its offset
        raise InputFormatError(
            f"cannot be read as CSV: {str(e).splitlines()[0]}", path=path
        ) from None
    rejects: dict[int, tuple] = {}
    for r in con.execute(
        "SELECT line, column_name, error_type, csv_line, error_message "
        "FROM _csv_rejects ORDER BY line, error_type = 'UNQUOTED VALUE' DESC"
    ).fetchall():
        rejects.setdefault(int(r[0]), r)
    con.execute("DROP TABLE IF EXISTS _csv_rejects; DROP TABLE IF EXISTS _csv_scans")
    multi = con.execute("SELECT count(*) FROM _csv_part WHERE _nl > 0").fetchall()[0][0]
    if not rejects and not multi:
        return []
    # DuckDB numbers records (header = 1), not lines: a record's physical line is its number
    # plus the line breaks inside the records before it, good or rejected.
    con.execute("CREATE OR REPLACE TEMP TABLE _csv_rej (r BIGINT, gb BIGINT, nl BIGINT)")
    rows = [
        (r, r - h - k, (rej[3] or "").count("\n"))
        for k, (r, rej) in enumerate(sorted(rejects.items()), 1)
    ]
    if rows:
        con.executemany("INSERT INTO _csv_rej VALUES (?, ?, ?)", rows)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _csv_cum AS SELECT _line - {h + base} AS _i, "
        "sum(_nl) OVER (ORDER BY _line) AS c FROM _csv_part"
    )
    con.execute(
        f"UPDATE _csv_part SET _line = {h + base} + w._i + w.k + w.c - _csv_part._nl + "
        f"w.rnl FROM (SELECT c._i, c.c, (SELECT count(*) FROM _csv_rej WHERE gb < c._i) AS k, "
        f"(SELECT COALESCE(sum(nl), 0) FROM _csv_rej WHERE gb < c._i) AS rnl "
        f"FROM _csv_cum c) w WHERE _csv_part._line - {h + base} = w._i"
    )
    physical = dict(
        con.execute(
            f"SELECT r, {base} + r + COALESCE((SELECT c FROM _csv_cum WHERE _i = gb), 0) + "
            f"COALESCE(sum(nl) OVER (ORDER BY r ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)"
            f" FROM _csv_rej"
        ).fetchall()
    )
    con.execute("DROP TABLE _csv_rej; DROP TABLE _csv_cum")
    return [(int(physical[r]), *rej[1:]) for r, rej in sorted(rejects.items())]
