"""``ioscope clusters``: the ranked campaign candidates of the last detect run."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape

from ioscope.cli.common import emit_json, format_option, handle_errors, out
from ioscope.detect.results import cluster_totals, list_clusters
from ioscope.fmt import format_p_value, format_ratio
from ioscope.model.names import account_label
from ioscope.workspace import Workspace


def _n(v: object, spec: str = ",") -> str:
    """A number for the one-line summary; '–' where the workspace has none."""
    return "–" if v is None else format(v, spec)


def register(app: typer.Typer) -> None:
    app.command("clusters")(clusters_cmd)


@handle_errors()
def clusters_cmd(
    workspace: Path = typer.Argument(..., help="Workspace file."),
    limit: int | None = typer.Option(None, "--limit", "-n", min=1, help="Show the first N."),
    members: bool = typer.Option(False, "--members", help="Include each cluster's members."),
    json: bool = typer.Option(False, "--json", help="Print as JSON (--format json)."),
    fmt: str | None = format_option(),
) -> None:
    """Campaign candidates found by `ioscope detect`, strongest first, with why.

    Examples:

      ioscope clusters case.duckdb

      ioscope clusters case.duckdb --members --json -n 5

      ioscope clusters case.duckdb --format csv > clusters.csv
    """
    with Workspace.open(workspace, read_only=True) as ws:
        rows = list_clusters(ws, limit=limit, members=members)
        totals = cluster_totals(ws)
        listed = (
            ws.rows(
                "SELECT count(*) AS n FROM cluster_members WHERE cluster_id IN "
                "(SELECT cluster_id FROM clusters ORDER BY rank LIMIT ?)",
                [len(rows)],
            )[0]["n"]
            if rows
            else 0
        )
    if json:
        emit_json(rows)
        return
    if not rows:
        out.print("No clusters: run `ioscope detect` first, or nothing was beyond chance.")
        return
    for c in rows:
        span = (
            f"{c['first_at']:%Y-%m-%d %H:%M} → {c['last_at']:%Y-%m-%d %H:%M}"
            if c["first_at"]
            else "-"
        )
        kind = "" if c.get("kind", "campaign") == "campaign" else f"[dim]({c['kind']})[/] "
        out.print(
            f"[bold]#{c['rank']}[/] {kind}{c['size']:,} accounts · {_n(c.get('edges'))} linked "
            f"pairs · density {_n(c.get('density'), '.2f')} · score {_n(c.get('score'), '.1f')} · "
            "smallest edge p "
            f"{format_p_value(c.get('min_p_value'))} · observed/expected "
            f"{format_ratio(c.get('observed_expected'))} · "
            f"{escape(', '.join(c['signals']))} · {span}"
        )
        out.print("   " + escape(c["explanation"] or ""))
        if members:
            out.print(
                "   members: "
                + escape(
                    ", ".join(account_label(m.get("name"), m["account_id"]) for m in c["members"])
                )
            )
    rest = totals["clusters"] - len(rows)
    if rest > 0:
        out.print(
            f"{rest:,} more clusters, {totals['flagged_accounts'] - listed:,} more flagged "
            f"accounts: ioscope clusters {workspace}"
        )
