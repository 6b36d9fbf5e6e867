"""The whole FiveThirtyEight IRA set (8 category files, ≈2.46 M tweets, 143 MB gzip, + authors.csv)
through ``ioscope ingest`` in one run: wall time and peak RSS of the process tree (psutil,
sampled every 50 ms).

    PYTHONPATH=src python benchmarks/bench_ingest_538.py [--memory-limit 1GB] [--workspace PATH]

Prints the per-file counts and checks that rows read = ingested + quarantined.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
from ioscope.ingest import DEFAULT_MEMORY_LIMIT  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("IOSCOPE_SHARED", ROOT.parent / "shared"))
if not (SHARED / "data").is_dir():
    SHARED = Path("/work/shared")
DATA = SHARED / "data" / "fivethirtyeight-ira-tweets-by-author"


def peak_rss(proc: subprocess.Popen, out: list[int], stop: threading.Event) -> None:
    """Largest sum of RSS over the process and its children seen while it runs."""
    p = psutil.Process(proc.pid)
    while not stop.is_set():
        try:
            procs = [p] + p.children(recursive=True)
            out[0] = max(out[0], sum(q.memory_info().rss for q in procs))
        except psutil.Error:
            pass
        time.sleep(0.05)


def run(files: list[Path], ws: Path, memory_limit: str | None) -> dict:
    cmd = [sys.executable, "-m", "ioscope", "ingest", str(ws), *map(str, files), "--json"]
    if memory_limit:
        cmd += ["--memory-limit", memory_limit]
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    peak, stop = [0], threading.Event()
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, env=env, text=True)
    watcher = threading.Thread(target=peak_rss, args=(proc, peak, stop), daemon=True)
    watcher.start()
    stdout, _ = proc.communicate()
    wall = time.perf_counter() - t0
    stop.set()
    watcher.join()
    if proc.returncode:
        raise SystemExit(f"ingest failed ({proc.returncode}): {stdout[-2000:]}")
    return {"wall_s": wall, "peak_rss_mb": peak[0] / 2**20, "report": json.loads(stdout)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--memory-limit", default=None, help="DuckDB memory_limit (default: ioscope's)")
    ap.add_argument("--workspace", default=None, help="keep the workspace at this path")
    args = ap.parse_args()
    files = sorted(DATA.glob("tweets_*.csv.gz")) + [DATA / "authors.csv"]
    size = sum(f.stat().st_size for f in files)
    with tempfile.TemporaryDirectory(prefix="bench538_") as tmp:
        ws = Path(args.workspace) if args.workspace else Path(tmp) / "fte.duckdb"
        if ws.exists():
            ws.unlink()
        r = run(files, ws, args.memory_limit)
        ws_mb = ws.stat().st_size / 2**20
    for f in r["report"]["files"]:
        assert f["rows_read"] == f["rows_ingested"] + f["rows_quarantined"], f
        print(
            f"{Path(f['path']).name:28s} read {f['rows_read']:>9,}  ingested {f['rows_ingested']:>9,}"
            f"  quarantined {f['rows_quarantined']:>5,}  new posts {f['posts_new']:>9,}"
        )
    t = r["report"]["totals"]
    print(
        f"{len(files)} files, {size / 1e6:.0f} MB on disk: {t['rows_read']:,} records read, "
        f"{t['posts_new']:,} posts, {t['accounts_new']:,} accounts, "
        f"{t['rows_quarantined']:,} quarantined"
    )
    print(
        f"wall {r['wall_s']:.1f} s, peak RSS (process tree) {r['peak_rss_mb']:.0f} MB, "
        f"workspace {ws_mb:.0f} MB, memory_limit {args.memory_limit or DEFAULT_MEMORY_LIMIT}"
    )


if __name__ == "__main__":
    main()
