"""The ``ioscope`` command. Each verb group lives in its own module and registers itself here.

The groups' modules import the library parts they need (DuckDB, pyarrow, scipy, sqlglot …), so
the command line imports only the group of the verb it runs (:func:`main`); the full
:data:`app` (every group, for ``ioscope --help``, the docs and the tests) is built on first use.
"""

from __future__ import annotations

import importlib
import sys

import typer

from ioscope import __version__

__all__ = ["GROUPS", "build_app", "main"]

#: Verb-group modules (``ioscope.cli.<name>``) in help order, with the top-level commands each
#: registers (tests/test_detect_cli.py checks this against the registrations).
GROUPS: dict[str, tuple[str, ...]] = {
    "ingest": ("ingest", "info"),
    "media": ("media",),
    "detect": ("detect",),
    "export": ("export",),
    "accounts": ("accounts",),
    "ads": ("ads",),
    "demo": ("demo",),
    "clusters": ("clusters",),
    "evaluate": ("evaluate",),
    "simulate": ("simulate",),
    "report": ("report", "serve"),
}


def _version(value: bool) -> None:
    if value:
        typer.echo(f"ioscope {__version__}")
        raise typer.Exit()


def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """ioscope: find and document state-sponsored influence operations."""


def build_app(groups: tuple[str, ...] | None = None) -> typer.Typer:
    """The ``ioscope`` Typer app with the given verb groups (default: all of them)."""
    app = typer.Typer(
        name="ioscope",
        help="Find and document state-sponsored influence operations in social-media data.\n\n"
        "Workflow: ingest → detect → accounts → ads → report / serve. Every command works on "
        "one workspace, a DuckDB file you can also query directly.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    app.callback()(_root)
    for name in groups or tuple(GROUPS):
        importlib.import_module(f"ioscope.cli.{name}").register(app)
    return app


def __getattr__(name: str) -> typer.Typer:
    if name == "app":  # built once, on first use
        app = globals()["app"] = build_app()
        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _group_of(args: list[str]) -> str | None:
    """The group whose verb the command line runs (None: root options, help, unknown verb)."""
    if not args or args[0].startswith("-"):
        return None
    return next((g for g, verbs in GROUPS.items() if args[0] in verbs), None)


def main() -> None:
    group = _group_of(sys.argv[1:])
    app = build_app((group,)) if group else build_app()
    app()
