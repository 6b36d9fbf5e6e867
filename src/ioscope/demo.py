"""``ioscope demo``: the whole pipeline on bundled data, ending in a case report.

It simulates a collection with planted campaigns (fixed seed, so every run gives the same
workspace), adds the bundled excerpt of the real HPSCI Internet Research Agency ads, then runs
ingest → detect → accounts score → ads audit → report, each step timed.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any

from ioscope.info import workspace_info
from ioscope.ingest import ingest
from ioscope.workspace import Workspace

__all__ = ["run_demo", "sample_path", "DEMO_POSTS", "DEMO_SEED"]

#: Size and seed of the simulated collection: large enough for campaigns of every strategy and
#: the hard organic negatives, small enough for a few minutes on 2 cores.
DEMO_POSTS = 200_000
DEMO_SEED = 2016


def sample_path(name: str) -> Path:
    return Path(str(files("ioscope") / "data" / "samples" / name))


@dataclass
class Step:
    name: str
    status: str = "ok"
    seconds: float = 0.0
    summary: dict[str, Any] = field(default_factory=dict)


def run_demo(
    outdir: str | Path,
    *,
    posts: int = DEMO_POSTS,
    seed: int = DEMO_SEED,
    on_step: Callable[[Step], None] | None = None,
) -> dict[str, Any]:
    """Build ``outdir/demo.duckdb`` and ``outdir/report.html`` from bundled data.

    Returns ``{"workspace", "report", "steps": [...], "info", "seconds"}``; ``on_step`` is
    called as each step ends (for progress output).
    """
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    path, report_path, sim_dir = (
        outdir / "demo.duckdb",
        outdir / "report.html",
        outdir / "simulated",
    )
    for stale in (path, Path(str(path) + ".wal")):
        stale.unlink(missing_ok=True)
    shutil.rmtree(sim_dir, ignore_errors=True)
    steps: list[Step] = []
    start = time.perf_counter()

    @contextmanager
    def step(name: str) -> Iterator[Step]:
        s = Step(name)
        t = time.perf_counter()
        yield s
        s.seconds = round(time.perf_counter() - t, 2)
        steps.append(s)
        if on_step:
            on_step(s)

    with step("simulate") as s:
        from ioscope.simulate import simulate

        sim = simulate(sim_dir, posts=posts, seed=seed, format="parquet")
        s.summary = {
            k: sim["counts"][k]
            for k in ("posts", "accounts", "campaigns", "campaign_accounts", "ads")
        }
    with Workspace.open(path) as ws:
        ws.sql("SET enable_progress_bar = false")  # the demo prints its own progress
        with step("ingest simulated posts") as s:
            data = [p for k, p in sim["paths"].items() if k in ("posts", "accounts") and p]
            s.summary = _ingested(ingest(ws, data))
        with step("ingest simulated ads") as s:
            s.summary = _ingested(ingest(ws, [sim["paths"]["ads"]], format="promoted-csv"))
        with step("ingest HPSCI ads excerpt") as s:
            s.summary = _ingested(ingest(ws, [sample_path("hpsci/ads.csv")], format="hpsci-ads"))
        with step("detect") as s:
            from ioscope.detect import detect

            result = detect(ws)
            s.summary = _counts(ws, "edges", "clusters", "cluster_members")
            s.summary["run_id"] = getattr(result, "run_id", None)
        with step("accounts score") as s:
            from ioscope.accounts import score

            score(ws)
            s.summary = _counts(ws, "account_signals", "account_scores")
        with step("ads audit") as s:
            from ioscope.ads import audit

            t = audit(ws)["totals"]
            s.summary = {
                k: t.get(k) for k in ("ads", "advertisers", "spend_usd", "share_never_shown")
            }
        with step("report") as s:
            from ioscope.report import build_report

            text = build_report(ws, report_path)
            s.summary = {"path": str(report_path), "bytes": len(text.encode())}
        info = workspace_info(ws)
    return {
        "workspace": str(path),
        "report": str(report_path),
        "simulated": str(sim_dir),
        "truth": str(sim["paths"].get("truth")),
        "steps": [vars(x) for x in steps],
        "info": info,
        "seconds": round(time.perf_counter() - start, 2),
    }


def _ingested(report: Any) -> dict[str, Any]:
    t = report.totals
    return {
        "read": t["rows_read"],
        "ingested": t["rows_ingested"],
        "quarantined": t["rows_quarantined"],
    }


def _counts(ws: Workspace, *tables: str) -> dict[str, int]:
    return {t: ws.count(t) for t in tables}
