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
from dataclasses import asdict, dataclass

import duckdb

from ioscope.errors import InputFormatError
from ioscope.ingest.compressed import is_gzip, open_input, read_head_bytes
from ioscope.ingest.sqlfrag import quote_ident, sql_str

__all__ = ["Dialect", "RFC4180", "SEMICOLON", "MAX_RECORD", "sniff_dialect", "read_header",
           "delimiter_of"]

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
        return [f"delim={sql_str(self.delimiter)}", f"quote={sql_str(self.quote)}",
                f"escape={sql_str(self.escape)}"]


RFC4180 = Dialect()
SEMICOLON = Dialect(delimiter=";")
_CANDIDATES = (",", ";", "\t", "|")


def _head_text(path: str, n: int = 1 << 20) -> str:
    return read_head_bytes(path, n).decode("utf-8-sig", errors="replace")


def _rows(text: str, dialect: Dialect, limit: int) -> list[list[str]]:
    """Up to ``limit`` complete records of ``text`` (the last, perhaps cut, line is dropped)."""
    body = text if text.endswith("\n") else text[: text.rfind("\n") + 1] or text
    reader = csv.reader(io.StringIO(body, newline=""), delimiter=dialect.delimiter,
                        quotechar=dialect.quote, doublequote=dialect.escape == dialect.quote,
                        escapechar=None if dialect.escape == dialect.quote else dialect.escape)
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


def _tail(path: str, first_line: int) -> tuple[int, bytes]:
    """(byte offset of line ``first_line``, the bytes from there to the end)."""
    offset, line, out = 0, 1, bytearray()
    with open_input(path) as f:
        while blk := f.read(_BLOCK):
            if line >= first_line:
                out += blk
                continue
            pos = 0
            while line < first_line:
                nl = blk.find(b"\n", pos)
                if nl < 0:
                    break
                pos, line = nl + 1, line + 1
            if line >= first_line:
                offset += pos
                out += blk[pos:]
            else:
                offset += len(blk)
    return offset, bytes(out)


def read_into(con: duckdb.DuckDBPyConnection, path: str, dialect: Dialect, header: list[str],
              select: str, name: str) -> list[tuple]:
    """Create temp table ``name`` (``select`` over the file's records, plus ``_line``, the line
    where the record starts, and ``_nl``, the line breaks inside it). Returns the problems found:
    ``(line, field, reason, raw)``, one per unreadable record; the caller quarantines them."""
    cols = "{" + ", ".join(f"{sql_str(h)}: 'VARCHAR'" for h in header) + "}"
    opts = ["header=true", "auto_detect=false", f"columns={cols}", *dialect.duckdb_options(),
            "store_rejects=true", "rejects_table='_csv_rejects'", "rejects_scan='_csv_scans'",
            f"max_line_size={MAX_RECORD}", "null_padding=false", "strict_mode=true",
            "parallel=false", f"compression={'gzip' if is_gzip(path) else 'none'}"]
    src = f"read_csv({sql_str(path)}, {', '.join(opts)})"
    every = "concat(" + ", ".join(quote_ident(h) for h in header) + ")"
    try:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT {select}, "
            f"CAST(row_number() OVER () AS BIGINT) + 1 AS _line, "
            f"CASE WHEN contains({every}, chr(10)) THEN strlen({every}) - "
            f"strlen(replace({every}, chr(10), '')) ELSE 0 END AS _nl FROM {src}")
    except duckdb.Error as e:
        if is_gzip(path):
            _count_lines(path)  # raises the cut or damaged stream's error, with its offset
        raise InputFormatError(f"cannot be read as CSV: {str(e).splitlines()[0]}",
                               path=path) from None
    rejects = con.execute(
        "SELECT line, column_name, error_type, csv_line, error_message FROM _csv_rejects "
        "ORDER BY line").fetchall()
    con.execute("DROP TABLE IF EXISTS _csv_rejects; DROP TABLE IF EXISTS _csv_scans")
    if con.execute(f"SELECT count(*) FROM {name} WHERE _nl > 0").fetchall()[0][0]:
        con.execute(
            f"UPDATE {name} SET _line = {name}._line + w.before FROM (SELECT _line AS l, "
            f"sum(_nl) OVER (ORDER BY _line ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)"
            f" AS before FROM {name}) w WHERE {name}._line = w.l AND w.before > 0")
    problems, recovered, seen = [], [], set()
    if rejects:
        # The line of each good record: the header, the lines of the good records before it and
        # those of the rejected records before it (a reject's lines are in its raw text).
        span: dict[int, int] = {}
        for r in rejects:
            span[int(r[0])] = max(span.get(int(r[0]), 0), (r[3] or "").count("\n"))
        rows, taken = [], 0
        for ln in sorted(span):
            rows.append((ln, ln - 2 - taken, 1 + span[ln]))
            taken += 1 + span[ln]
        con.execute("CREATE OR REPLACE TEMP TABLE _rej_lines (line BIGINT, good_before BIGINT, "
                    "width BIGINT)")
        con.executemany("INSERT INTO _rej_lines VALUES (?, ?, ?)", rows)
        con.execute(
            f"UPDATE {name} SET _line = _line + (SELECT COALESCE(sum(width), 0) FROM _rej_lines r "
            f"WHERE r.good_before < {name}._line - 1)")
        con.execute("DROP TABLE _rej_lines")
    end = con.execute(f"SELECT max(_line + _nl) FROM {name}").fetchall()[0][0] or 1
    for line, column, etype, raw, msg in rejects:
        raw = raw or ""
        end = max(end, int(line) + raw.count("\n"))
        if line in seen:
            continue
        seen.add(line)
        if etype == "LINE SIZE OVER MAXIMUM":
            size = "".join(ch for ch in msg.rsplit(":", 1)[-1] if ch.isdigit())
            size = f"{int(size):,} bytes" if size else "more bytes"
            problems.append((int(line), "record", f"record of {size} is longer than the "
                             f"{MAX_RECORD:,}-byte limit for one CSV record", raw))
        elif etype == "UNQUOTED VALUE" and "\n" in raw:
            # the open quote swallowed the lines after the record's first: read them again
            first, rest = raw.split("\n", 1)
            problems.append((int(line), column, f"malformed CSV record ({etype.lower()}): "
                             f"{msg}", first))
            recovered += _records(rest, int(line) + 1, dialect, len(header), problems)
        else:
            problems.append((int(line), column, f"malformed CSV record ({etype.lower()}): {msg}",
                             raw))
    # lines the records do not account for: a last record cut inside a quoted field
    last = _count_lines(path)
    if last > end:
        offset, tail = _tail(path, end + 1)
        text = tail.decode("utf-8", errors="replace")
        first, _, after = text.partition("\n")
        problems.append((end + 1, "record", f"the file ends inside a quoted field: the record "
                         f"starting at line {end + 1} (byte {offset:,}) is cut short", first))
        recovered += _records(after, end + 2, dialect, len(header), problems)
    if recovered:
        _insert(con, name, header, recovered)
    return problems


def _records(text: str, first_line: int, dialect: Dialect, width: int,
             problems: list[tuple]) -> list[tuple[int, list[str]]]:
    """The complete records of ``text`` (lines after a malformed record's first line), with
    their lines; the other pieces are added to ``problems``."""
    out = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=dialect.delimiter,
                        quotechar=dialect.quote, doublequote=True, strict=True)
    lines = text.split("\n")
    start = first_line
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as e:
            problems.append((start, "record", f"malformed CSV record after an unterminated "
                             f"quote: {e}", "\n".join(lines[start - first_line:reader.line_num])))
            start = first_line + reader.line_num
            continue
        if len(row) == width:
            out.append((start, row))
        elif row:
            problems.append((start, "record", f"malformed CSV record after an unterminated "
                             f"quote: {len(row)} fields, {width} expected",
                             "\n".join(lines[start - first_line:reader.line_num])))
        start = first_line + reader.line_num
    return out


def _insert(con: duckdb.DuckDBPyConnection, name: str, header: list[str],
            records: list[tuple[int, list[str]]]) -> None:
    cols = [d[0] for d in con.execute(f"SELECT * FROM {name} LIMIT 0").description]
    rows = []
    for line, values in records:
        by_name = {h.lower(): (v if v != "" else None) for h, v in zip(header, values)}
        rows.append([by_name.get(c.lower()) if c not in ("_line", "_nl") else None for c in cols])
        rows[-1][cols.index("_line")] = line
        rows[-1][cols.index("_nl")] = sum(v.count("\n") for v in values)
    con.executemany(f"INSERT INTO {name} VALUES ({', '.join('?' * len(cols))})", rows)
