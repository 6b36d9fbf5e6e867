"""``ioscope demo``: the whole pipeline on bundled data."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Any

from ioscope.info import workspace_info
from ioscope.ingest import ingest
from ioscope.workspace import Workspace

__all__ = ["run_demo", "sample_path"]


def sample_path(name: str) -> Path:
    return Path(str(files("ioscope") / "data" / "samples" / name))


def run_demo(outdir: str | Path) -> dict[str, Any]:
    """Build ``outdir/demo.duckdb`` from the bundled samples and return its summary."""
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    path = outdir / "demo.duckdb"
    if path.exists():
        path.unlink()
    with Workspace.open(path) as ws:
        report = ingest(ws, [sample_path("russian_coord_tweets.csv.gz")])
        return {"workspace": str(path), "ingest": report.to_dict(), "info": workspace_info(ws)}
