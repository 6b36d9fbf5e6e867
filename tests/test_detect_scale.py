"""10 M posts within 4 GB: ``ioscope detect --memory-limit`` in a subprocess, peak RSS by psutil.

Slow (simulating, ingesting and detecting 10 M posts takes many minutes): run with
``pytest -m slow tests/test_detect_scale.py``; ``IOSCOPE_SCALE_POSTS`` changes the size.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
POSTS = int(os.environ.get("IOSCOPE_SCALE_POSTS", 10_000_000))
BUDGET = 4 * 2**30


def peak_rss(cmd: list[str]) -> tuple[int, str]:
    import psutil

    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = psutil.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0
    while proc.poll() is None:
        try:
            peak = max(
                peak, sum(p.memory_info().rss for p in [proc] + proc.children(recursive=True))
            )
        except psutil.Error:
            pass
        time.sleep(0.05)
    out, err = proc.communicate()
    assert proc.returncode == 0, err[-2000:]
    return peak, out


@pytest.mark.slow
def test_ten_million_posts_within_four_gigabytes(tmp_path):
    from ioscope.simulate import simulate

    csv_path = simulate(tmp_path / "sim", posts=POSTS, seed=1, format="cnt-csv")["paths"]["posts"]
    ws = tmp_path / "ws.duckdb"
    py = [sys.executable, "-m", "ioscope"]
    rss, _ = peak_rss(
        py
        + ["ingest", str(ws), csv_path, "--format", "cnt-csv", "--quiet", "--memory-limit", "3GB"]
    )
    assert rss < BUDGET
    rss, out = peak_rss(
        py
        + [
            "detect",
            str(ws),
            "--memory-limit",
            "3GB",
            "--temp-directory",
            str(tmp_path / "spill"),
            "--json",
        ]
    )
    report = json.loads(out)
    assert rss < BUDGET, f"peak RSS {rss / 2**30:.2f} GiB"
    assert {s["signal"] for s in report["signals"]} >= {"co_repost", "near_duplicate_text"}
    assert report["totals"]["edges"] > 0
