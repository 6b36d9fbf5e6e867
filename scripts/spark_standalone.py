"""Run the default detect on a real Spark standalone cluster on this machine; compare with DuckDB.

Starts a standalone master and two workers on 127.0.0.1 (pyspark's bundled Spark, the system's
Java), runs ``detect`` on a copy of the workspace with DuckDB and then through
``spark://127.0.0.1:PORT`` with a staging and checkpoint directory every process can read, checks
that edges, weights, p-values (to 1e-9), significance, evidence and cluster membership are the
same, and stops every process it started (on failure too). Prints one JSON line; exits 1 when the
results differ.

    python scripts/spark_standalone.py case.duckdb [--worker-memory 1g] [--keep-logs DIR]

Each daemon runs in its own process group (its executors are its children) and is stopped by that
group's id: nothing else on the machine is touched.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

EXACT = ("weight", "shared_items", "co_actions", "first_at", "last_at", "significant", "directed")
CLOSE = ("score", "expected", "p_value", "log10_p", "q_value", "similarity")


def spark_home() -> str:
    """pyspark's own Spark distribution (bin/spark-class and jars/)."""
    import pyspark

    return os.path.dirname(pyspark.__file__)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class StandaloneCluster:
    """A master and ``workers`` workers on 127.0.0.1, each worker with one core."""

    def __init__(self, workdir: str, *, workers: int = 2, worker_memory: str = "1g"):
        self.workdir = workdir
        self.workers = workers
        self.worker_memory = worker_memory
        self.procs: list[subprocess.Popen] = []
        self.port = free_port()
        self.ui_port = free_port()
        self.url = f"spark://127.0.0.1:{self.port}"

    def _daemon(self, name: str, cls: str, *args: str) -> None:
        env = dict(
            os.environ,
            SPARK_HOME=spark_home(),
            SPARK_LOCAL_IP="127.0.0.1",
            PYSPARK_PYTHON=sys.executable,
            SPARK_NO_DAEMONIZE="1",
        )
        log = open(os.path.join(self.workdir, f"{name}.log"), "wb")
        cmd = [os.path.join(spark_home(), "bin", "spark-class"), cls, *args]
        self.procs.append(
            subprocess.Popen(
                cmd, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True
            )
        )

    def start(self, timeout: float = 180) -> StandaloneCluster:
        self._daemon(
            "master",
            "org.apache.spark.deploy.master.Master",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--webui-port",
            str(self.ui_port),
        )
        for i in range(self.workers):
            work = os.path.join(self.workdir, f"worker{i}")
            os.makedirs(work)
            self._daemon(
                f"worker{i}",
                "org.apache.spark.deploy.worker.Worker",
                "--host",
                "127.0.0.1",
                "--cores",
                "1",
                "--memory",
                self.worker_memory,
                "--webui-port",
                str(free_port()),
                "--work-dir",
                work,
                self.url,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for p in self.procs:
                if p.poll() is not None:
                    raise RuntimeError(
                        f"a Spark daemon exited with code {p.returncode}; "
                        f"see the logs in {self.workdir}"
                    )
            if self.alive_workers() == self.workers:
                return self
            time.sleep(1)
        raise TimeoutError(f"{self.workers} workers did not register within {timeout:.0f} s")

    def alive_workers(self) -> int:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.ui_port}/json/", timeout=5) as r:
                return int(json.load(r).get("aliveworkers", 0))
        except OSError:
            return 0

    def stop(self) -> None:
        """Stop the workers (and their executors), then the master: SIGTERM, then SIGKILL."""
        for p in reversed(self.procs):
            try:
                os.killpg(p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for p in reversed(self.procs):
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
        self.procs.clear()

    def __enter__(self) -> StandaloneCluster:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc) -> None:
        self.stop()


def _results(ws) -> tuple[dict, list, set]:
    edges = {
        (r["signal"], r["platform_1"], r["account_1"], r["platform_2"], r["account_2"]): r
        for r in ws.rows("SELECT * FROM edges")
    }
    evidence = sorted(
        ws.sql(
            "SELECT signal, account_1, account_2, item, post_1, post_2, "
            "dt_seconds FROM edge_evidence"
        ).fetchall()
    )
    members: dict[str, set] = {}
    for c, p, a in ws.sql(
        "SELECT cluster_id, platform, account_id FROM cluster_members"
    ).fetchall():
        members.setdefault(c, set()).add((p, a))
    return edges, evidence, {frozenset(m) for m in members.values()}


def differences(duck: tuple, spark: tuple) -> list[str]:
    """What differs between two :func:`_results` (empty when the answers are the same)."""
    out = []
    d_edges, s_edges = duck[0], spark[0]
    if set(d_edges) != set(s_edges):
        out.append(
            f"edges: {len(set(d_edges) - set(s_edges))} only on DuckDB, "
            f"{len(set(s_edges) - set(d_edges))} only on Spark"
        )
    for key in set(d_edges) & set(s_edges):
        a, b = d_edges[key], s_edges[key]
        bad = [c for c in EXACT if a[c] != b[c]] + [
            c
            for c in CLOSE
            if (a[c] is None) != (b[c] is None)
            or (a[c] is not None and not math.isclose(a[c], b[c], rel_tol=1e-9, abs_tol=1e-12))
        ]
        if bad:
            out.append(f"edge {key}: {', '.join(bad)}")
    if duck[1] != spark[1]:
        out.append("evidence differs")
    if duck[2] != spark[2]:
        out.append("cluster membership differs")
    return out


def compare_on_cluster(
    workspace: str, *, worker_memory: str = "1g", keep_logs: str | None = None
) -> dict:
    """The summary of one comparison (see the module docstring)."""
    from ioscope.detect import detect
    from ioscope.detect.engine import SparkEngine
    from ioscope.workspace import Workspace

    tmp = tempfile.mkdtemp(prefix="ioscope-standalone-")
    try:
        staging, checkpoints = os.path.join(tmp, "staging"), os.path.join(tmp, "checkpoints")
        os.makedirs(staging)
        copy = os.path.join(tmp, "w.duckdb")
        shutil.copy(workspace, copy)
        with Workspace.open(copy) as ws:
            t0 = time.perf_counter()
            detect(ws)
            duck_s = time.perf_counter() - t0
            duck = _results(ws)
            t0 = time.perf_counter()
            with StandaloneCluster(tmp, worker_memory=worker_memory) as cluster:
                start_s = time.perf_counter() - t0
                engine = SparkEngine(
                    master=cluster.url,
                    staging=staging,
                    conf={
                        "spark.checkpoint.dir": checkpoints,
                        "spark.executor.memory": "768m",
                        "spark.driver.memory": "1g",
                        "spark.sql.shuffle.partitions": "4",
                        "spark.sql.warehouse.dir": os.path.join(tmp, "warehouse"),
                        "spark.executorEnv.PYTHONPATH": os.environ.get("PYTHONPATH", ""),
                    },
                )
                t1 = time.perf_counter()
                report = detect(ws, engine=engine)
                spark_s = time.perf_counter() - t1
                workers = cluster.alive_workers()
            got = _results(ws)
        diff = differences(duck, got)
        return {
            "same": not diff,
            "differences": diff[:20],
            "master": cluster.url,
            "workers": workers,
            "signals": [s["signal"] for s in report.signals],
            "edges": len(duck[0]),
            "evidence": len(duck[1]),
            "significant": sum(bool(r["significant"]) for r in duck[0].values()),
            "clusters": len(duck[2]),
            "duckdb_seconds": round(duck_s, 1),
            "cluster_start_seconds": round(start_s, 1),
            "spark_seconds": round(spark_s, 1),
            "staging_left": os.listdir(staging),
        }
    finally:
        if keep_logs:
            os.makedirs(keep_logs, exist_ok=True)
            for f in Path(tmp).glob("*.log"):
                shutil.copy(f, keep_logs)
        shutil.rmtree(tmp, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("workspace")
    ap.add_argument("--worker-memory", default="1g")
    ap.add_argument("--keep-logs", help="copy the daemons' logs here")
    args = ap.parse_args(argv)
    summary = compare_on_cluster(
        args.workspace, worker_memory=args.worker_memory, keep_logs=args.keep_logs
    )
    print(json.dumps(summary))
    return 0 if summary["same"] else 1


if __name__ == "__main__":
    sys.exit(main())
