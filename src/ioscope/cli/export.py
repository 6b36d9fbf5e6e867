"""``ioscope export``: write detect results to files other tools read."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ioscope.cli.common import emit_json, err, handle_errors
from ioscope.detect.export import EXPORT_FORMATS, export_edges
from ioscope.workspace import Workspace


def register(app: typer.Typer) -> None:
    app.command("export")(export_cmd)


@handle_errors()
def export_cmd(
    workspace: Path = typer.Argument(..., help="Workspace file."),
    table: str = typer.Argument("edges", help="What to export: edges or edge_evidence."),
    format: str = typer.Option("csv", "--format", "-f", help="One of " + ", ".join(EXPORT_FORMATS) + "."),
    output: str = typer.Option(..., "--output", "-o", help="Output file ('-' = stdout, csv only)."),
    signal: Optional[str] = typer.Option(None, "--signal", help="Only this signal's rows."),
    json: bool = typer.Option(False, "--json", help="Print what was written as JSON."),
) -> None:
    """Export edges (or their evidence) as CSV, Parquet, GraphML or GEXF.

    CSV starts with account_1,account_2,weight; Parquet, GraphML and GEXF carry the detect
    run's parameters and version.

    Examples:

      ioscope export case.duckdb edges --format csv -o edges.csv

      ioscope export case.duckdb edges --signal co_repost --format gexf -o co_repost.gexf

      ioscope export case.duckdb edge_evidence --format parquet -o evidence.parquet
    """
    with Workspace.open(workspace, read_only=True) as ws:
        result = export_edges(ws, output, format=format, table=table, signal=signal)
    if json:
        emit_json(result)
    elif output != "-":
        err.print(f"Wrote {result['rows']:,} {table} rows to {output} ({format}).")
