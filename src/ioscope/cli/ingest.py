"""``ioscope ingest`` and ``ioscope info``."""

from __future__ import annotations

import os
from pathlib import Path

import typer
from rich.table import Table

from ioscope.cli.common import emit_json, err, format_option, handle_errors, ingest_progress, out
from ioscope.cli.params import declared_options, given
from ioscope.info import workspace_info
from ioscope.ingest import INGEST_PARAMS, ingest_workspace, parse_mapping, readers
from ioscope.workspace import Workspace


def register(app: typer.Typer) -> None:
    app.command("ingest", help=_ingest_help())(ingest_cmd)
    app.command("info")(info_cmd)


def _ingest_help() -> str:
    lines = "\n".join(f"  {name}: {spec.summary}\n" for name, spec in sorted(readers().items()))
    return (
        "Ingest files into a workspace (created when missing), in one transaction.\n\n"
        "Formats (auto-detected unless --format is given; files may be gzip-compressed):\n\n"
        f"{lines}\n"
        "Examples:\n\n"
        "  ioscope ingest case.duckdb tweets.csv.gz\n\n"
        "  ioscope ingest case.duckdb twarc-output/ --skip-unsupported\n\n"
        "  zcat tweets.jsonl.gz | ioscope ingest case.duckdb -\n\n"
        "  ioscope ingest case.duckdb export.csv --format csv --map "
        "post_id=id,account_id=user,created_at=time,text=body --platform twitter"
    )


@declared_options(INGEST_PARAMS, after="allow_all_quarantined")
@handle_errors()
def ingest_cmd(
    workspace: Path = typer.Argument(..., help="Workspace file (DuckDB); created when missing."),
    files: list[str] = typer.Argument(
        ..., help="Input files or folders (walked); - reads standard input."
    ),
    format: str | None = typer.Option(
        None, "--format", "-f", help="Reader to use (default: detect)."
    ),
    map: str | None = typer.Option(
        None, "--map", help="canonical=source column pairs for csv/parquet."
    ),
    platform: str | None = typer.Option(
        None, "--platform", help="Platform for sources that do not say."
    ),
    skip_unsupported: bool = typer.Option(
        False,
        "--skip-unsupported",
        help="Ingest the readable files and list (and record in the "
        "run) those that are missing, unreadable, cut short or of no known format, instead of "
        "refusing the whole batch.",
    ),
    allow_all_quarantined: bool = typer.Option(
        False,
        "--allow-all-quarantined",
        help="Accept a file whose records are all quarantined "
        "(by default that is an error naming the format the file looks like).",
    ),
    json: bool = typer.Option(False, "--json", help="Print the per-file counts as JSON."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress on stderr."),
    **declared: str,
) -> None:
    with ingest_progress(files, quiet or json) as progress:
        report = ingest_workspace(
            workspace,
            files,
            format=format,
            mapping=parse_mapping(map),
            platform=platform,
            on_file=progress,
            **given(INGEST_PARAMS, declared),
            skip_unsupported=skip_unsupported,
            allow_all_quarantined=allow_all_quarantined,
        )
    if json:
        emit_json(report.to_dict())
        return
    for s in report.skipped:
        err.print(f"Skipped {s['path']}: {s['reason']}")
    t = report.totals
    ads = f", {t['ads_new']:,} new ads" if t.get("ads_new") else ""
    events = (
        f", {t['compliance_events_new']:,} new compliance events"
        if t.get("compliance_events_new")
        else ""
    )
    skipped = f" {len(report.skipped):,} files skipped." if report.skipped else ""
    out.print(
        f"Ingested {t['rows_ingested']:,} of {t['rows_read']:,} records "
        f"({t['posts_new']:,} new posts, {t['accounts_new']:,} new accounts{ads}{events}); "
        f"{t['rows_duplicate']:,} duplicates, {t['rows_quarantined']:,} quarantined."
        f"{skipped} Run {report.run_id}."
    )


@handle_errors(rows=lambda d: [{"table": k, "rows": v} for k, v in d["tables"].items()])
def info_cmd(
    workspace: Path = typer.Argument(..., help="Workspace file."),
    json: bool = typer.Option(False, "--json", help="Print as JSON (--format json)."),
    fmt: str | None = format_option(),
) -> None:
    """What a workspace holds: schema version, row counts, platforms, time range, last runs.

    Example: ioscope info case.duckdb --json
    """
    with Workspace.open(workspace, read_only=True) as ws:
        info = workspace_info(ws)
    if json:
        emit_json(info)
        return
    out.print(
        f"[bold]{info['path']}[/] — schema v{info['schema_version']}, "
        f"written by ioscope {info['ioscope_version']}"
    )
    tr = info["time_range"]
    out.print(
        f"Posts from {tr['start'] or '-'} to {tr['end'] or '-'}; platforms: "
        + (", ".join(f"{p} ({n:,})" for p, n in info["platforms"].items()) or "none")
    )
    t = Table("table", "rows", title="Tables")
    for name, n in info["tables"].items():
        t.add_row(name, f"{n:,}")
    out.print(t)
    if info["quarantine"]:
        out.print(
            f"{info['quarantine']:,} quarantined records: "
            + "; ".join(f"{r} ({n:,})" for r, n in info["quarantine_reasons"].items())
        )
    if info["sources"]:
        f = Table(
            "file",
            "format",
            "read",
            "ingested",
            "duplicate",
            "quarantined",
            title="Input files (read = ingested + duplicate + quarantined)",
        )
        for r in info["sources"]:  # the file name; --json gives the path
            if not r.get("skipped"):
                f.add_row(
                    os.path.basename(r["path"]),
                    r["format"],
                    *(
                        f"{r[k]:,}"
                        for k in (
                            "rows_read",
                            "rows_ingested",
                            "rows_duplicate",
                            "rows_quarantined",
                        )
                    ),
                )
        out.print(f)
        for r in info["sources"]:
            if r.get("skipped"):
                out.print(f"Skipped {os.path.basename(r['path'])}: {r['skipped']}")
    c = info["compliance_events"]
    if c["events"]:
        e = Table("about", "action", "events", "first", "last", title="Compliance events")
        for r in c["by_action"]:
            e.add_row(
                r["object_kind"],
                r["action"],
                f"{r['events']:,}",
                str(r["first"] or "-"),
                str(r["last"] or "-"),
            )
        out.print(e)
        out.print(
            f"{c['deleted_posts_held']:,} posts in the workspace were deleted at the "
            "source (`detect --honor-deletions` leaves them out)."
        )
    if info["last_runs"]:
        r = Table("run", "command", "finished", title="Last runs")
        for run in info["last_runs"]:
            r.add_row(run["run_id"], run["command"], str(run["finished_at"]))
        out.print(r)
