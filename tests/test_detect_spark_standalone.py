"""The default detect on a real Spark standalone cluster (a master and two workers on this
machine, started and stopped by ``scripts/spark_standalone.py``) equals DuckDB's.

Slow (several minutes: three JVMs besides the driver's, every statement a cluster job); run with
``-m slow``. The script runs in its own process, so that no SparkSession of another test is
reused in place of the cluster's.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ioscope.ingest import ingest
from ioscope.workspace import Workspace

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_default_detect_on_a_standalone_cluster_equals_duckdb(tmp_path):
    pytest.importorskip("pyspark", reason="pyspark is not installed (pip install 'ioscope[spark]')")
    if not (os.environ.get("JAVA_HOME") or shutil.which("java")):
        pytest.skip("no Java runtime for Spark (install openjdk-17-jre-headless)")
    from ioscope.simulate import simulate
    from tests.fixtures.detect import load, planted

    s = simulate(
        tmp_path / "sim",
        posts=4000,
        seed=11,
        format="parquet",
        campaigns=3,
        campaign_size_min=8,
        campaign_size_max=15,
    )
    path = tmp_path / "w.duckdb"
    with Workspace.open(path) as ws:
        ingest(ws, [s["paths"]["posts"], s["paths"]["accounts"], s["paths"]["ads"]])
        load(ws, planted(seed=3, groups=2, size=4, events=6, noise=10, noise_posts=100)[0])
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join(
            [str(ROOT / "src")] + [p for p in [os.environ.get("PYTHONPATH")] if p]
        ),
    )
    before = _spark_daemons()
    res = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "spark_standalone.py"), str(path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=3600,
        check=False,
    )
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    summary = json.loads(res.stdout.strip().splitlines()[-1])
    assert summary["same"] and summary["differences"] == []
    assert summary["workers"] == 2 and summary["master"].startswith("spark://127.0.0.1:")
    assert summary["edges"] > 1000 and summary["significant"] > 0 and summary["clusters"] >= 2
    assert summary["staging_left"] == []  # the run removed its Parquet copies
    assert _spark_daemons() == before  # the script stopped the daemons it started


def _spark_daemons() -> set[int]:
    """Ids of running standalone masters and workers."""
    psutil = pytest.importorskip("psutil")
    out = set()
    for p in psutil.process_iter(["pid", "cmdline"]):
        cmd = " ".join(p.info["cmdline"] or [])
        if (
            "org.apache.spark.deploy.master.Master" in cmd
            or "org.apache.spark.deploy.worker.Worker" in cmd
        ):
            out.add(p.info["pid"])
    return out
