"""``ioscope demo``."""

from __future__ import annotations

from pathlib import Path

import typer

from ioscope.cli.common import handle_errors, out
from ioscope.demo import run_demo


def register(app: typer.Typer) -> None:
    app.command("demo")(demo_cmd)


@handle_errors(json_flag=None)
def demo_cmd(outdir: Path = typer.Argument(Path("ioscope-demo"), help="Folder for the demo outputs.")) -> None:
    """Run ioscope end to end on bundled data and say where the outputs are.

    Example: ioscope demo /tmp/ioscope-demo
    """
    result = run_demo(outdir)
    info = result["info"]
    out.print(f"Workspace: {result['workspace']}")
    out.print("Tables: " + ", ".join(f"{k} {v:,}" for k, v in info["tables"].items()))
    out.print(f"Time range: {info['time_range']['start']} to {info['time_range']['end']}")
    out.print(f"Inspect it with: ioscope info {result['workspace']}")
