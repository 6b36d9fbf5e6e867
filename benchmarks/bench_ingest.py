"""Ingest speed: 1 M posts in CNT CSV form, ioscope against coordination-network-toolkit.

Generates the posts (seeded), ingests them with ioscope's ``cnt-csv`` reader (in process, and
through the ``ioscope ingest`` CLI so that start-up counts as it does for CNT), then runs CNT 1.5.2's
own ingest on the same file through ``../shared/tools/cnt_compare.sh`` with no networks, and prints
both times and the ratio (medians over the repeats).

    PYTHONPATH=src python benchmarks/bench_ingest.py [--posts 1000000] [--repeat 3] [--cnt-repeat 1]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from cnt_data import write_cnt_csv  # noqa: E402
from ioscope.ingest import ingest  # noqa: E402
from ioscope.workspace import Workspace  # noqa: E402

CNT_SCRIPT = Path(os.environ.get("IOSCOPE_SHARED", ROOT.parent / "shared")) / "tools" / "cnt_compare.sh"
if not CNT_SCRIPT.exists():
    CNT_SCRIPT = Path("/work/shared/tools/cnt_compare.sh")


def _fresh(path: Path) -> Path:
    for p in (path, Path(str(path) + ".wal")):
        if p.exists():
            p.unlink()
    return path


def ioscope_library(csv: Path, work: Path) -> tuple[float, dict]:
    ws = Workspace.open(_fresh(work / "lib.duckdb"))
    t0 = time.perf_counter()
    report = ingest(ws, [csv], format="cnt-csv")
    dt = time.perf_counter() - t0
    ws.close()
    return dt, report.totals


def ioscope_cli(csv: Path, work: Path) -> float:
    ws = _fresh(work / "cli.duckdb")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "ioscope", "ingest", str(ws), str(csv), "--format",
                    "cnt-csv", "--quiet"], check=True, env=env, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def cnt_preprocess(csv: Path, work: Path) -> float:
    out = work / "cnt"
    subprocess.run(["bash", str(CNT_SCRIPT), str(csv), str(out), "60", "2", ""], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return json.loads((out / "timings.json").read_text())["preprocess"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--posts", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3, help="ioscope runs (median)")
    ap.add_argument("--cnt-repeat", type=int, default=1, help="CNT runs (median; ~50 s each)")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench_ingest_") as tmp:
        work = Path(tmp)
        t0 = time.perf_counter()
        csv = write_cnt_csv(work / "posts.csv", posts=args.posts, seed=args.seed)
        print(f"generated {args.posts:,} CNT posts ({csv.stat().st_size / 1e6:.0f} MB) "
              f"in {time.perf_counter() - t0:.1f} s")
        lib, cli = [], []
        for _ in range(args.repeat):
            dt, totals = ioscope_library(csv, work)
            lib.append(dt)
            cli.append(ioscope_cli(csv, work))
        assert totals["rows_ingested"] == args.posts, totals
        cnt = [cnt_preprocess(csv, work) for _ in range(args.cnt_repeat)]
    m_lib, m_cli, m_cnt = (statistics.median(x) for x in (lib, cli, cnt))
    print(f"ioscope ingest (library, in process): median {m_lib:.2f} s  runs "
          + " ".join(f"{x:.2f}" for x in lib))
    print(f"ioscope ingest (CLI, with start-up):  median {m_cli:.2f} s  runs "
          + " ".join(f"{x:.2f}" for x in cli))
    print(f"CNT 1.5.2 preprocess (CLI):           median {m_cnt:.2f} s  runs "
          + " ".join(f"{x:.2f}" for x in cnt))
    print(f"ratio CNT / ioscope: {m_cnt / m_cli:.1f}x (CLI vs CLI), {m_cnt / m_lib:.1f}x (library)")


if __name__ == "__main__":
    main()
