"""Recording a benchmark's output into docs/benchmarks.md.

A benchmark run with ``--record FILE`` writes its output to FILE (in ``benchmarks/results/``),
headed by the command, the date, the commit and the load average, then rewrites its own section
of docs/benchmarks.md from that file alone: the lines between ``<!-- NAME:start -->`` and
``<!-- NAME:end -->``, NAME being the file's stem. ``--record-only FILE`` rewrites the section from
a recorded file without running anything. Everything around the sections is prose written by
hand; the package never reads these files.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

__all__ = [
    "ROOT",
    "RESULTS",
    "DOC",
    "NUM",
    "number",
    "quote",
    "replace_section",
    "record_section",
    "add_record_arguments",
    "start_recording",
    "header",
]

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
DOC = ROOT / "docs" / "benchmarks.md"
#: A number as the benchmarks print it (thousands separators, optional decimals).
NUM = r"([\d,]+(?:\.\d+)?)"

_TMP = re.escape(tempfile.gettempdir().rstrip("/"))
#: An absolute path (not a URL's, not a ratio such as 36/38).
_PATH = re.compile(r"(?<![\w.:/<>])/(?:[\w.+@-]+/)*[\w.+@-]+")


def number(text: str) -> float:
    """A printed number (``"1,234.5"``) as a float."""
    return float(text.replace(",", ""))


def _redact(match: re.Match) -> str:
    path = match.group(0)
    if path.startswith(str(ROOT) + "/"):
        return path[len(str(ROOT)) + 1 :]
    tmp = re.match(rf"{_TMP}/[^/]+(/.*)?$", path)
    if tmp:  # the benchmark's scratch directory: keep what is inside it
        return "<scratch>" + (tmp[1] or "")
    return "<path>"


def quote(text: str) -> str:
    """A recorded output as a fenced block, with the machine's own paths left out: paths in the
    project become relative, scratch directories ``<scratch>``, any other absolute path
    ``<path>``."""
    lines = [_PATH.sub(_redact, line) for line in text.strip().splitlines()]
    return "```\n" + "\n".join(lines) + "\n```"


def replace_section(name: str, body: str, doc: Path = DOC) -> None:
    """Replace the lines between ``<!-- name:start -->`` and ``<!-- name:end -->`` of ``doc``."""
    text = doc.read_text(encoding="utf-8")
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    if text.count(start) != 1 or text.count(end) != 1:
        raise SystemExit(
            f"{doc.name} needs exactly one section {name}: add the lines {start} and "
            f"{end} where its results belong, then record again."
        )
    head, rest = text.split(start, 1)
    tail = rest.split(end, 1)[1]
    doc.write_text(f"{head}{start}\n{body.strip()}\n{end}{tail}", encoding="utf-8")


def record_section(path: Path) -> None:
    """Rewrite the section of docs/benchmarks.md named after the recorded file ``path``."""
    replace_section(path.stem, quote(path.read_text(encoding="utf-8")))


def add_record_arguments(ap: argparse.ArgumentParser) -> None:
    ap.add_argument(
        "--record",
        metavar="FILE",
        default=None,
        help="Also write the output to FILE (benchmarks/results/NAME.txt), then "
        "rewrite the section NAME of docs/benchmarks.md from it.",
    )
    ap.add_argument(
        "--record-only",
        metavar="FILE",
        default=None,
        help="Run nothing: rewrite the section of docs/benchmarks.md from a recorded FILE.",
    )


class _Tee:
    """stdout that is also written to a file."""

    def __init__(self, path: Path):
        self.file = open(path, "w", encoding="utf-8")
        self.out = sys.stdout

    def write(self, text: str) -> int:
        self.file.write(text)
        return self.out.write(text)

    def flush(self) -> None:
        self.file.flush()
        self.out.flush()


def _commit() -> str:
    r = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    )
    return r.stdout.strip() if r.returncode == 0 else os.environ.get("IOSCOPE_COMMIT", "unknown")


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def header(script: str, argv: list[str]) -> str:
    """The first two lines of a recorded output: the command (without ``--record`` and
    ``--workdir``), then the date, the commit, the cores and the load average."""
    hidden = ("--record", "--workdir")
    shown = [
        a
        for i, a in enumerate(argv)
        if a not in hidden
        and a.split("=")[0] not in hidden
        and (i == 0 or argv[i - 1] not in hidden)
    ]
    return (
        f"$ {' '.join([f'benchmarks/{script}'] + shown)}\n"
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, ioscope commit {_commit()}, "
        f"{os.cpu_count()} cores; before: {uptime()}"
    )


def start_recording(path: str | None) -> None:
    """From now on, stdout is also written to ``path`` (when given)."""
    if path:
        sys.stdout = _Tee(Path(path))
