"""Command-line options generated from parameter declarations (:class:`ioscope.params.Param`).

A verb declares ``**declared`` in its signature and :func:`declared_options` replaces it with one
option per declared parameter: ``min_weight`` -> ``--min-weight``, its help from the declaration
and its declared default shown. Values arrive as typed (strings; a ``bool`` is a flag) and
unset (None), so the library validates them against the same declaration, with the one message
format, whichever way they came in.
"""

from __future__ import annotations

import inspect
from typing import Callable, Iterable, Optional

import typer

from ioscope.params import Param

__all__ = ["declared_options", "given"]


#: What an option's value looks like in --help, by declared kind.
_METAVAR = {"int": "<int>", "float": "<number>", "str": "<text>", "duration": "<duration>",
            "choice": "<choice>", "list": "<list>", "size": "<size>", "threads": "<int|auto>"}


def _option(p: Param, short: str | None, extra: str) -> typer.models.OptionInfo:
    decls = [p.option] + ([short] if short else [])
    help_ = p.help + (" " + extra if extra else "")
    if p.kind == "bool":
        return typer.Option(bool(p.default), *decls, help=help_)
    return typer.Option(None, *decls, help=help_, metavar=_METAVAR.get(p.kind, p.kind),
                        show_default=False if p.default is None else _shown(p.default))


def _shown(default: object) -> str:
    return ",".join(map(str, default)) if isinstance(default, (tuple, list)) else str(default)


def declared_options(spec: Iterable[Param], *, short: dict[str, str] | None = None,
                     extra: dict[str, str] | None = None) -> Callable:
    """Replace the ``**declared`` parameter of a typer command with an option per parameter of
    ``spec`` (``short``: a short flag by name; ``extra``: help added to the declaration's)."""
    spec = tuple(spec)

    def deco(fn: Callable) -> Callable:
        sig = inspect.signature(fn)
        own = [q for q in sig.parameters.values() if q.kind is not inspect.Parameter.VAR_KEYWORD]
        generated = [inspect.Parameter(
            p.name, inspect.Parameter.KEYWORD_ONLY,
            default=_option(p, (short or {}).get(p.name), (extra or {}).get(p.name, "")),
            annotation=bool if p.kind == "bool" else Optional[str]) for p in spec]
        fn.__signature__ = sig.replace(parameters=own + generated)
        return fn

    return deco


def given(spec: Iterable[Param], values: dict) -> dict:
    """The declared parameters the user set: None (not given) and an unset flag are left out,
    so the library's declared defaults hold."""
    out = {}
    for p in spec:
        v = values.get(p.name)
        if v is not None and not (p.kind == "bool" and v == p.default):
            out[p.name] = v
    return out
