"""Where an ingest's time goes: CPU seconds of each step, statement by statement, in process.

Runs ``ioscope.ingest.ingest`` on one file into a new workspace through a connection that times
every SQL statement (process CPU seconds: every DuckDB thread, and the thread that hashes the
input beside DuckDB's scan), groups the statements into the steps of an ingest and prints them,
then, in the same process, DuckDB's bare copy of the file (every field as text) for scale.
``--top N`` also lists the N costliest statements.

    PYTHONPATH=src python benchmarks/profile_ingest.py FILE --format cnt-csv [--top 10]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

#: step -> the starts of its statements (the first step that matches wins)
STEPS = {
    "read CSV (DuckDB's scan, lines)": (
        "CREATE OR REPLACE TEMP TABLE _csv_part",
        "SELECT max(_line",
    ),
    "stage (the reader's SQL)": ("INSERT INTO stg_posts", "INSERT INTO stg_ref_posts"),
    "validate, quarantine": (
        "INSERT INTO stg_quarantine",
        "DELETE FROM stg_posts",
        "INSERT INTO quarantine",
    ),
    "in-file duplicates": ("CREATE OR REPLACE TEMP TABLE _dups",),
    "URLs (normalized, domains)": (
        "CREATE OR REPLACE TEMP TABLE _url",
        "UPDATE _url_map",
        "SELECT DISTINCT h",
        "SELECT u FROM _url_map",
    ),
    "posts (entities, write)": ("INSERT INTO posts",),
    "accounts": (
        "INSERT INTO stg_accounts",
        "CREATE OR REPLACE TEMP TABLE _acc",
        "INSERT INTO accounts",
        "UPDATE accounts",
    ),
}


class TimedConnection:
    """A DuckDB connection that records (CPU seconds, statement) for every ``execute``."""

    def __init__(self, con):
        self._con = con
        self.times: list[tuple[float, str]] = []

    def _timed(self, method, sql, params):
        c = time.process_time()
        result = method(sql, params)
        self.times.append((time.process_time() - c, " ".join(str(sql).split())))
        return result

    def execute(self, sql, params=None):
        return self._timed(self._con.execute, sql, params)

    def executemany(self, sql, params):
        return self._timed(self._con.executemany, sql, params)

    def __getattr__(self, name):
        return getattr(self._con, name)


def steps(times: list[tuple[float, str]]) -> dict[str, float]:
    out = dict.fromkeys([*STEPS, "other statements"], 0.0)
    for cpu, sql in times:
        step = next((s for s, starts in STEPS.items() if sql.startswith(starts)), None)
        out[step or "other statements"] += cpu
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file")
    ap.add_argument("--format", required=True)
    ap.add_argument("--top", type=int, default=0)
    args = ap.parse_args()
    import duckdb

    from ioscope.ingest import ingest
    from ioscope.workspace import Workspace

    with tempfile.TemporaryDirectory(prefix="ioscope-profile-") as tmp:
        c0, w0 = time.process_time(), time.perf_counter()
        ws = Workspace.open(os.path.join(tmp, "ws.duckdb"))
        ws.con = con = TimedConnection(ws.con)
        report = ingest(ws, [args.file], format=args.format)
        ws.close()
        cpu, wall = time.process_time() - c0, time.perf_counter() - w0
        c1 = time.process_time()
        floor = duckdb.connect(os.path.join(tmp, "floor.duckdb"))
        floor.execute("SET enable_progress_bar = false")
        path = args.file.replace("'", "''")
        floor.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{path}', all_varchar = true)")
        floor.close()
        floor_cpu = time.process_time() - c1
    t = report.totals
    print(
        f"{args.format}: {t['rows_read']:,} records, {t['posts_new']:,} posts, "
        f"{t['accounts_new']:,} accounts, {t['rows_quarantined']:,} quarantined; ingest in "
        f"process {wall:.2f} s wall, {cpu:.2f} CPU s (load average {os.getloadavg()[0]:.1f})"
    )
    for step, seconds in steps(con.times).items():
        print(f"  {step:<34} {seconds:6.2f} CPU s")
    print(f"  {'DuckDB bare copy of the file':<34} {floor_cpu:6.2f} CPU s")
    for cpu_s, sql in sorted(con.times, reverse=True)[: args.top]:
        print(f"  {cpu_s:6.2f}  {sql[:140]}")


if __name__ == "__main__":
    main()
