"""``ioscope export``: write detect results to files other tools read (Gephi, pandas, networkx)."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from ioscope.cli.common import emit_json, err, handle_errors
from ioscope.detect.export import EXPORT_FORMATS, TABLES, export_table
from ioscope.errors import UsageError
from ioscope.workspace import Workspace


def register(app: typer.Typer) -> None:
    app.command("export")(export_cmd)


def _format(format: str | None, output: str, table: str) -> str:
    if format:
        return format
    ext = os.path.splitext(output)[1].lstrip(".").lower()
    if ext in EXPORT_FORMATS:
        return ext
    if ext in ("json", "ndjson"):
        return "jsonl"
    if output == "-":
        return "csv"
    raise UsageError(
        f"Cannot tell the format of {output!r} from its extension; give --format "
        f"({', '.join(EXPORT_FORMATS)})."
    )


@handle_errors()
def export_cmd(
    workspace: Path = typer.Argument(..., help="Workspace file."),
    table: str = typer.Argument("network", help="What to export: " + ", ".join(TABLES) + "."),
    output: str = typer.Option(
        ...,
        "--output",
        "-o",
        help="Output file ('-' = stdout; for a "
        "CSV/Parquet network the nodes go beside it, net.nodes.csv).",
    ),
    format: str | None = typer.Option(
        None,
        "--format",
        "-f",
        help="One of " + ", ".join(EXPORT_FORMATS) + " (default: from the "
        "output's extension; csv for '-').",
    ),
    raw: bool = typer.Option(
        False,
        "--raw",
        help="network, evidence: every edge detect found, not only the significant ones.",
    ),
    signal: str | None = typer.Option(None, "--signal", help="Only this signal's edges."),
    min_participation: int = typer.Option(
        0,
        "--min-participation",
        min=0,
        help="network, "
        "CooRTweet's view: keep edges whose two accounts each "
        "have at least this many posts behind the signal's "
        "edges.",
    ),
    weight_percentile: float | None = typer.Option(
        None,
        "--weight-percentile",
        min=0.0,
        max=1.0,
        help="network, CooRTweet's "
        "edge_weight: keep edges whose co-action "
        "count is above this quantile (0-1) of the "
        "signal's edges.",
    ),
    json: bool = typer.Option(
        False,
        "--json",
        help="Print what was written (counts and the detect run's provenance) as JSON.",
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print nothing on success."),
) -> None:
    """Export the account network, clusters, members or evidence for Gephi, networkx, pandas.

    network: one edge per pair of accounts with its signals as attributes (weight, expected,
    p, q per signal), nodes with handle, display name, platform, cluster, rank, flagged and
    account score; the significant network by default, --raw for everything; GEXF, GraphML, CSV
    or Parquet. clusters, members, evidence (the posts behind each significant edge), edges and
    edge_evidence (the tables as they are): CSV, Parquet or JSON Lines.

    Examples:

      ioscope export case.duckdb network -o case.gexf

      ioscope export case.duckdb network --raw --signal co_repost -o co_repost.graphml

      ioscope export case.duckdb network -o net.csv      # net.csv (edges) + net.nodes.csv

      ioscope export case.duckdb members -o - --format jsonl | jq .handle

      ioscope export case.duckdb evidence -o evidence.parquet

    CooRTweet's network (detect_groups with min_participation 2, then
    generate_coordinated_network with edge_weight 0.5 and subgraph 1), beside what the
    calibrated run keeps (export network):

      ioscope export case.duckdb network --raw --signal co_repost --min-participation 2
      --weight-percentile 0.5 -o coortweet.gexf
    """
    fmt = _format(format, output, table)
    with Workspace.open(workspace, read_only=True, create=False) as ws:
        result = export_table(
            ws,
            table,
            output,
            format=fmt,
            raw=raw,
            signal=signal,
            min_participation=min_participation,
            weight_percentile=weight_percentile,
        )
    if json:
        emit_json(result)
    elif output != "-" and not quiet:
        what = (
            f"{result['nodes']:,} accounts and {result['edges']:,} edges"
            if "nodes" in result
            else f"{result['rows']:,} {table} rows"
        )
        beside = f" (nodes in {result['nodes_path']})" if result.get("nodes_path") else ""
        err.print(f"Wrote {what} to {output}{beside} ({fmt}).", markup=False, highlight=False)
