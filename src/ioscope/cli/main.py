"""The ``ioscope`` command. Each verb group lives in its own module and registers itself here."""

from __future__ import annotations

import typer

from ioscope import __version__
from ioscope.cli import ads as _ads, demo as _demo, detect as _detect, export as _export
from ioscope.cli import ingest as _ingest, report as _report
from ioscope.cli import clusters as _clusters, evaluate as _evaluate
from ioscope.cli import simulate as _simulate
from ioscope.cli import accounts as _accounts

app = typer.Typer(
    name="ioscope",
    help="Find and document state-sponsored influence operations in social-media data.\n\n"
         "Workflow: ingest → detect → accounts → ads → report / serve. Every command works on one "
         "workspace, a DuckDB file you can also query directly.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"ioscope {__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Print the version and exit.")) -> None:
    """ioscope: find and document state-sponsored influence operations."""


for _module in (
    _ingest,
    _detect,
    _export,
    _accounts,
    _ads,
    _demo,
    _clusters,
    _evaluate,
    _simulate,
    _report,
):
    _module.register(app)


def main() -> None:
    app()
