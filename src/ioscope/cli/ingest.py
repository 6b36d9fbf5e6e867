"""``ioscope ingest`` and ``ioscope info``."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer
from rich.table import Table

from ioscope.cli.common import emit_json, format_option, handle_errors, ingest_progress, out
from ioscope.info import workspace_info
from ioscope.ingest import DEFAULT_MEMORY_LIMIT, ingest as run_ingest, parse_mapping, readers
from ioscope.workspace import Workspace


def register(app: typer.Typer) -> None:
    app.command("ingest", help=_ingest_help())(ingest_cmd)
    app.command("info")(info_cmd)


def _ingest_help() -> str:
    lines = "\n".join(f"  {name}: {spec.summary}\n" for name, spec in sorted(readers().items()))
    return ("Ingest files into a workspace (created when missing), in one transaction.\n\n"
            "Formats (auto-detected unless --format is given; files may be gzip-compressed):\n\n"
            f"{lines}\n"
            "Examples:\n\n"
            "  ioscope ingest case.duckdb tweets.csv.gz\n\n"
            "  ioscope ingest case.duckdb export.csv --format csv --map "
            "post_id=id,account_id=user,created_at=time,text=body --platform twitter")


@handle_errors()
def ingest_cmd(
    workspace: Path = typer.Argument(..., help="Workspace file (DuckDB); created when missing."),
    files: List[Path] = typer.Argument(..., help="Input files."),
    format: Optional[str] = typer.Option(None, "--format", "-f", help="Reader to use (default: detect)."),
    map: Optional[str] = typer.Option(None, "--map", help="canonical=source column pairs for csv/parquet."),
    platform: Optional[str] = typer.Option(None, "--platform", help="Platform for sources that do not say."),
    memory_limit: str = typer.Option(DEFAULT_MEMORY_LIMIT, "--memory-limit",
                                     help="Memory budget of the run (the whole process), e.g. 4GB: "
                                     "DuckDB gets 60 % of it (leaving at least 1 GiB to the rest) and spills "
                                     "to disk beyond."),
    json: bool = typer.Option(False, "--json", help="Print the per-file counts as JSON."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress on stderr."),
) -> None:
    with ingest_progress(files, quiet or json) as progress, Workspace.open(workspace) as ws:
        report = run_ingest(ws, files, format=format, mapping=parse_mapping(map),
                            platform=platform, on_file=progress, memory_limit=memory_limit)
    if json:
        emit_json(report.to_dict())
        return
    t = report.totals
    ads = f", {t['ads_new']:,} new ads" if t.get("ads_new") else ""
    out.print(f"Ingested {t['rows_ingested']:,} of {t['rows_read']:,} records "
              f"({t['posts_new']:,} new posts, {t['accounts_new']:,} new accounts{ads}); "
              f"{t['rows_quarantined']:,} quarantined. Run {report.run_id}.")


@handle_errors(rows=lambda d: [{"table": k, "rows": v} for k, v in d["tables"].items()])
def info_cmd(
    workspace: Path = typer.Argument(..., help="Workspace file."),
    json: bool = typer.Option(False, "--json", help="Print as JSON (--format json)."),
    fmt: Optional[str] = format_option(),
) -> None:
    """What a workspace holds: schema version, row counts, platforms, time range, last runs.

    Example: ioscope info case.duckdb --json
    """
    with Workspace.open(workspace, read_only=True) as ws:
        info = workspace_info(ws)
    if json:
        emit_json(info)
        return
    out.print(f"[bold]{info['path']}[/] — schema v{info['schema_version']}, "
              f"written by ioscope {info['ioscope_version']}")
    tr = info["time_range"]
    out.print(f"Posts from {tr['start'] or '-'} to {tr['end'] or '-'}; platforms: "
              + (", ".join(f"{p} ({n:,})" for p, n in info["platforms"].items()) or "none"))
    t = Table("table", "rows", title="Tables")
    for name, n in info["tables"].items():
        t.add_row(name, f"{n:,}")
    out.print(t)
    if info["quarantine"]:
        out.print(f"{info['quarantine']:,} quarantined records: " + "; ".join(
            f"{r} ({n:,})" for r, n in info["quarantine_reasons"].items()))
    if info["last_runs"]:
        r = Table("run", "command", "finished", title="Last runs")
        for run in info["last_runs"]:
            r.add_row(run["run_id"], run["command"], str(run["finished_at"]))
        out.print(r)
