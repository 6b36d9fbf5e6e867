"""``ioscope report`` and ``ioscope serve``."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from ioscope.cli.common import emit_json, err, handle_errors, out, progress
from ioscope.cli.params import declared_options, given
from ioscope.errors import UsageError
from ioscope.report import build_report
from ioscope.report.build import REPORT_PARAMS
from ioscope.workspace import Workspace


def register(app: typer.Typer) -> None:
    app.command("report")(report_cmd)
    app.command("serve")(serve_cmd)


@declared_options(
    REPORT_PARAMS,
    after="output",
    short={"format": "-f"},
    extra={"format": "html is self-contained and works offline."},
)
@handle_errors()
def report_cmd(
    workspace: Path = typer.Argument(..., help="Workspace file."),
    output: Path = typer.Option(
        Path("report.html"), "--output", "-o", help="File to write; '-' for stdout."
    ),
    json: bool = typer.Option(False, "--json", help="Print where the report went as JSON."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress on stderr."),
    **declared: object,
) -> None:
    """Write the case report (self-contained HTML, Markdown or JSON).

    Sections: what was analysed, campaign candidates with their evidence, the network, account
    creation, paid promotion, method and limitations. Every number names the query that produced
    it. Sections whose stage has not run say which command to run.

    Examples:

      ioscope report case.duckdb -o report.html

      ioscope report case.duckdb --format md -o report.md

      ioscope report case.duckdb --format json -o - | jq '.sections.campaigns.total'
    """
    with Workspace.open(workspace, read_only=True) as ws, progress(quiet):
        text = build_report(
            ws,
            None if str(output) == "-" else output,
            **given(REPORT_PARAMS, declared),
        )
    format = declared.get("format") or "html"
    if str(output) == "-":
        sys.stdout.write(text)
        return
    if json:
        emit_json({"output": str(output), "format": format, "bytes": len(text.encode())})
        return
    out.print(f"Wrote {output} ({len(text.encode()):,} bytes, {format}).")


@handle_errors(json_flag=None)
def serve_cmd(
    workspace: Path = typer.Argument(..., help="Workspace file (opened read-only)."),
    host: str = typer.Option(
        "127.0.0.1", "--host", help="Address to bind; the default keeps the UI on this machine."
    ),
    port: int = typer.Option(8000, "--port", "-p", help="Port to listen on."),
    open_browser: bool = typer.Option(
        False, "--open", help="Open the UI in the default web browser once it is listening."
    ),
    get: str | None = typer.Option(
        None,
        "--get",
        help="Render this path (e.g. /clusters.json) "
        "in-process, print it and exit: 0 if status 200, else 1.",
    ),
) -> None:
    """Serve a read-only web UI over the workspace on this machine.

    Pages: overview, campaigns and their network, accounts, ads, method, and a read-only SQL
    box. Every page has a .json twin and a .csv twin of its rows (add .json or .csv to the
    path); see docs/web.md. Serving does not lock the workspace: ingest and detect run while it
    serves, and the next page shows their results.

    Examples:

      ioscope serve case.duckdb            # then open http://127.0.0.1:8000/

      ioscope serve case.duckdb -p 8080 --open

      ioscope serve case.duckdb --get /clusters.json
    """
    from ioscope.web import create_app
    from ioscope.web import get as get_page

    if not (0 < port < 65536):
        raise UsageError(f"The '--port' option must be in [1, 65535]. Got {port} instead.")
    if not Path(workspace).exists():
        from ioscope.errors import NotFoundError

        raise NotFoundError(
            f"No workspace at {workspace}.",
            hint="Create one with `ioscope ingest WORKSPACE FILE...`.",
        )
    app = create_app(workspace, host=host)
    if get is not None:
        response = get_page(app, get)
        sys.stdout.write(response.text)
        if not response.text.endswith("\n"):
            sys.stdout.write("\n")
        sys.stdout.flush()
        raise typer.Exit(0 if response.status == 200 else 1)
    import uvicorn

    if host not in ("127.0.0.1", "localhost", "::1"):
        err.print(
            f"[yellow]Warning:[/] serving on {host}: anyone who can reach this address can "
            "read the workspace.",
            markup=True,
        )
    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '') else host}:{port}/"
    err.print(f"Serving {workspace} read-only on {url} (Ctrl-C to stop)", markup=False)
    config = uvicorn.Config(app, host=host, port=port, log_level="warning")
    server = uvicorn.Server(config)
    if open_browser:
        import threading
        import webbrowser

        def opener() -> None:
            import time

            while not server.started and not server.should_exit:
                time.sleep(0.05)
            if server.started:
                webbrowser.open(url)

        threading.Thread(target=opener, daemon=True).start()
    server.run()
