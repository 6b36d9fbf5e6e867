"""Scale: the whole FiveThirtyEight set through the CLI, with memory bounded (``pytest -m slow``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_whole_538_set_under_2_gb(shared_data, tmp_path):
    d = shared_data / "fivethirtyeight-ira-tweets-by-author"
    files = sorted(d.glob("tweets_*.csv.gz")) + [d / "authors.csv"]
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ioscope",
            "ingest",
            str(tmp_path / "w.duckdb"),
            *map(str, files),
            "--json",
        ],
        stdout=subprocess.PIPE,
        env=env,
        text=True,
    )
    peak, done = [0], threading.Event()

    def watch() -> None:
        p = psutil.Process(proc.pid)
        while not done.is_set():
            try:
                peak[0] = max(
                    peak[0], sum(q.memory_info().rss for q in [p] + p.children(recursive=True))
                )
            except psutil.Error:
                pass
            time.sleep(0.05)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    out, _ = proc.communicate()
    done.set()
    watcher.join()
    assert proc.returncode == 0
    report = json.loads(out)
    assert report["totals"]["rows_read"] == 2_463_944 + 2_856
    assert report["totals"]["rows_quarantined"] == 0
    for f in report["files"]:
        assert f["rows_read"] == f["rows_ingested"] + f["rows_duplicate"] + f["rows_quarantined"]
    assert report["totals"]["accounts_new"] == 2_856
    assert peak[0] < 2 * 2**30, f"peak RSS {peak[0] / 2**20:.0f} MB"
