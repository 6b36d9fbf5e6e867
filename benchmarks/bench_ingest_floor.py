"""Ingest against DuckDB's own floor: the whole ``ioscope ingest`` process beside a bare copy.

1. Simulates the posts (``ioscope.simulate``, seeded) in the CSV formats users hold: CNT CSV
   (``cnt-csv``) and the Twitter information-operations archive (``io-archive``, its
   ``tweets.csv``).
2. For each file, alternates ``--repeat`` pairs of fresh processes: (a) ``ioscope ingest`` into
   a new workspace, start-up included; (b) the floor: a ``python -c`` process in which DuckDB
   copies the same CSV into a new database file, every field as text
   (``CREATE TABLE t AS SELECT * FROM read_csv(..., all_varchar=true)``): no parsing,
   validation, entities, accounts or hashing.
3. Prints the medians (wall-clock and CPU seconds of each process), the ratio ioscope / floor,
   the load average and the commit. Alternating the two keeps both under the same load; on a
   shared machine the CPU seconds are the steadier comparison.

    PYTHONPATH=src python benchmarks/bench_ingest_floor.py [--posts 1000000] [--repeat 3]
        [--formats cnt-csv,io-archive] [--record benchmarks/results/ingest_floor_1m.txt]

``--record FILE`` also writes the output, with the date, commit and load average, to FILE, then
rewrites the section named for FILE in docs/benchmarks.md; ``--record-only FILE`` rewrites the
section from a recorded file without running anything.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from bench_cnt_compare import CPU, PY, run_measured  # noqa: E402  (beside this script)
from record import (  # noqa: E402
    NUM,
    add_record_arguments,
    header,
    number,
    quote,
    replace_section,
    start_recording,
    uptime,
)

__all__ = ["parse", "section", "record"]

#: The floor: DuckDB alone, in a fresh process, copying the CSV into a new database file as text.
FLOOR = (
    "import sys, duckdb\n"
    "con = duckdb.connect(sys.argv[2])\n"
    "con.execute('SET enable_progress_bar = false')\n"
    'path = sys.argv[1].replace("\'", "\'\'")\n'
    "con.execute(f\"CREATE TABLE t AS SELECT * FROM read_csv('{path}', all_varchar = true)\")\n"
    "n = con.execute('SELECT count(*) FROM t').fetchone()[0]\n"
    "con.close()\n"
    "print(n)\n"
)
#: the posts file each simulated format writes (the key of ``simulate()``'s paths)
FORMATS = ("cnt-csv", "io-archive")


def _fresh(db: Path) -> Path:
    for suffix in ("", ".wal", ".tmp"):
        p = Path(str(db) + suffix)
        if p.is_dir():
            for q in p.iterdir():
                q.unlink()
            p.rmdir()
        elif p.exists():
            p.unlink()
    return db


def _ioscope(csv: Path, fmt: str, db: Path) -> tuple[float, float, dict]:
    cmd = [PY, "-m", "ioscope", "ingest", str(_fresh(db)), str(csv), "--format", fmt, "--json"]
    wall, _, out = run_measured(cmd, "ioscope")
    return wall, CPU.pop("ioscope"), json.loads(out)["totals"]


def _floor(csv: Path, db: Path) -> tuple[float, float, int]:
    wall, _, out = run_measured([PY, "-c", FLOOR, str(csv), str(_fresh(db))], "floor")
    return wall, CPU.pop("floor"), int(out.strip())


def _median_line(label: str, runs: list[tuple[float, float]]) -> str:
    wall = statistics.median(r[0] for r in runs)
    cpu = statistics.median(r[1] for r in runs)
    each = " ".join(f"{w:.2f}/{c:.2f}" for w, c in runs)
    return f"  {label:<16} median {wall:6.2f} s wall {cpu:6.2f} s CPU   runs (wall/CPU) {each}"


def compare(fmt: str, csv: Path, posts: int, repeat: int, work: Path) -> None:
    mine, floor = [], []
    for _ in range(repeat):  # alternate, so that both see the same load
        wall, cpu, totals = _ioscope(csv, fmt, work / "ioscope.duckdb")
        if totals["rows_read"] != posts:
            raise SystemExit(f"ioscope read {totals['rows_read']:,} of {posts:,} records")
        mine.append((wall, cpu))
        wall, cpu, rows = _floor(csv, work / "floor.duckdb")
        floor.append((wall, cpu))
    mw, mc = (statistics.median(r[i] for r in mine) for i in (0, 1))
    fw, fc = (statistics.median(r[i] for r in floor) for i in (0, 1))
    print(
        f"{fmt}: {csv.name}, {csv.stat().st_size / 1e6:,.0f} MB, {posts:,} posts; ioscope "
        f"ingested {totals['rows_ingested']:,}, quarantined {totals['rows_quarantined']:,}, "
        f"{totals['accounts_new']:,} accounts; the floor copied {rows:,} rows"
    )
    print(_median_line("ioscope ingest", mine))
    print(_median_line("floor (DuckDB)", floor))
    print(
        f"  ratio ioscope / floor: {mw / fw:.2f}x wall, {mc / fc:.2f}x CPU "
        f"(load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)",
        flush=True,
    )


def parse(text: str) -> dict[str, dict[str, float]]:
    """Per format: the medians and ratios a recorded output prints."""
    found = {}
    for m in re.finditer(
        rf"^([\w-]+): .*?, {NUM} posts;.*\n"
        rf"  ioscope ingest +median +{NUM} s wall +{NUM} s CPU.*\n"
        rf"  floor \(DuckDB\) +median +{NUM} s wall +{NUM} s CPU.*\n"
        rf"  ratio ioscope / floor: {NUM}x wall, {NUM}x CPU \(load average now {NUM}",
        text,
        re.M,
    ):
        keys = ("posts", "wall", "cpu", "floor_wall", "floor_cpu", "ratio_wall", "ratio_cpu")
        found[m[1]] = dict(zip(keys + ("load",), (number(g) for g in m.groups()[1:])))
    return found


def section(text: str) -> str:
    """The recorded output, quoted, and one sentence per format computed from it."""
    lines = []
    for fmt, r in parse(text).items():
        lines.append(
            f"- **{fmt}**, {r['posts']:,.0f} posts: `ioscope ingest` took {r['wall']:.2f} s "
            f"({r['cpu']:.2f} CPU s), DuckDB's bare copy {r['floor_wall']:.2f} s "
            f"({r['floor_cpu']:.2f} CPU s): **{r['ratio_wall']:.2f}× the floor** in wall-clock "
            f"time, {r['ratio_cpu']:.2f}× in CPU seconds (load average {r['load']:.1f}: the CPU "
            "ratio is the steadier one)."
        )
    return quote(text) + "\n\n" + "\n".join(lines)


def record(path: Path) -> None:
    """Rewrite the section of docs/benchmarks.md named for ``path`` from ``path``."""
    replace_section(Path(path).stem, section(Path(path).read_text(encoding="utf-8")))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--posts", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3, help="pairs of runs (medians)")
    ap.add_argument("--formats", default=",".join(FORMATS), help="comma-separated")
    ap.add_argument("--workdir", default=None, help="keep the simulated files here (reused)")
    add_record_arguments(ap)
    args = ap.parse_args()
    if args.record_only:
        record(Path(args.record_only))
        return
    from ioscope.simulate import simulate

    start_recording(args.record)
    print(header("bench_ingest_floor.py", sys.argv[1:]), flush=True)
    work = Path(args.workdir or tempfile.mkdtemp(prefix="ioscope-floor-"))
    for fmt in args.formats.split(","):
        sim = work / f"sim-{fmt}-{args.posts}-{args.seed}"
        done = sim / "summary.json"
        if not done.exists():
            t0 = time.perf_counter()
            summary = simulate(sim, posts=args.posts, seed=args.seed, format=fmt)
            done.write_text(json.dumps(summary["paths"]))
            print(f"simulated {fmt} in {time.perf_counter() - t0:.1f} s", flush=True)
        csv = Path(json.loads(done.read_text())["posts"])
        compare(fmt, csv, args.posts, args.repeat, work)
    print(f"after: {uptime()}", flush=True)
    if args.record:
        sys.stdout.flush()
        record(Path(args.record))


if __name__ == "__main__":
    main()
