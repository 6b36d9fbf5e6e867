"""Command-line options generated from parameter declarations (:class:`ioscope.params.Param`).

A verb declares ``**declared`` in its signature and :func:`declared_options` replaces it with one
option per declared parameter: ``min_weight`` -> ``--min-weight``, its help and default from the
declaration. Values arrive as typed (strings; a ``bool`` is a flag), so the library validates
them against the same declaration, with the one message format, whichever way they came in;
:func:`given` keeps those the user set.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from typing import Optional

import typer

from ioscope.params import Param

__all__ = ["declared_options", "given"]


#: What an option's value looks like in --help, by declared kind.
_METAVAR = {
    "int": "<int>",
    "float": "<number>",
    "str": "<text>",
    "duration": "<duration>",
    "choice": "<choice>",
    "list": "<list>",
    "size": "<size>",
    "threads": "<int|auto>",
}


def _option(p: Param, short: str | None, extra: str, panel: str | None) -> typer.models.OptionInfo:
    decls = [p.option] + ([short] if short else [])
    form = {
        "duration": "A duration: 30, 30s, 10m, 2h, 1d.",
        "size": "A size: 512MB, 4GB, 2GiB.",
        "list": "Comma-separated" + (", from: " + ", ".join(p.choices) + "." if p.choices else "."),
    }.get(p.kind, "")
    help_ = " ".join(t for t in (p.help, extra, form) if t)
    if p.kind == "bool":
        return typer.Option(bool(p.default), *decls, help=help_, rich_help_panel=panel)
    metavar = (
        "[" + "|".join(p.choices) + "]" if p.kind == "choice" else _METAVAR.get(p.kind, p.kind)
    )
    return typer.Option(
        _cli_default(p),
        *decls,
        help=help_,
        metavar=metavar,
        show_default=p.default is not None,
        rich_help_panel=panel,
    )


def _shown(default: object) -> str:
    return ",".join(map(str, default)) if isinstance(default, (tuple, list)) else str(default)


def declared_options(
    spec: Iterable[Param],
    *,
    after: str | None = None,
    short: dict[str, str] | None = None,
    extra: dict[str, str] | None = None,
    panel: Callable[[str], str] | None = None,
) -> Callable:
    """Replace the ``**declared`` parameter of a typer command with an option per parameter of
    ``spec``, listed after the command's own parameter ``after`` (default: last); ``short``: a
    short flag by name; ``extra``: help added to the declaration's; ``panel``: the --help panel
    of a parameter, by name."""
    spec = tuple(spec)
    keyword = inspect.Parameter.KEYWORD_ONLY

    def deco(fn: Callable) -> Callable:
        sig = inspect.signature(fn)
        # typer passes every value by name, so all can be keyword-only, in any order
        own = [
            q.replace(kind=keyword)
            for q in sig.parameters.values()
            if q.kind is not inspect.Parameter.VAR_KEYWORD
        ]
        generated = [
            inspect.Parameter(
                p.name,
                keyword,
                default=_option(
                    p,
                    (short or {}).get(p.name),
                    (extra or {}).get(p.name, ""),
                    panel(p.name) if panel else None,
                ),
                annotation=bool if p.kind == "bool" else Optional[str],  # noqa: UP045 (a runtime type for typer)
            )
            for p in spec
        ]
        at = [q.name for q in own].index(after) + 1 if after else len(own)
        fn.__signature__ = sig.replace(parameters=own[:at] + generated + own[at:])
        return fn

    return deco


def given(spec: Iterable[Param], values: dict) -> dict:
    """The declared parameters the user set on the command line: those at their declared
    default are left out, so the library's declared defaults hold and a parameter that does not
    apply to a run (``--fdr`` in a raw run) is not taken for one the user gave."""
    return {
        p.name: values[p.name]
        for p in spec
        if values.get(p.name) is not None and values[p.name] != _cli_default(p)
    }


def _cli_default(p: Param) -> object:
    return (
        bool(p.default) if p.kind == "bool" else (None if p.default is None else _shown(p.default))
    )
