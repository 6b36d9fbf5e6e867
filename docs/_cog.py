"""The reference blocks of the docs, generated from the product's own declarations.

The pages under ``docs/`` hold cog blocks that call these functions::

    <!-- [[[cog import _cog; cog.out(_cog.schema_tables()) ]]] -->
    ... generated Markdown ...
    <!-- [[[end]]] -->

Everything around the blocks is prose, written by hand. Regenerate every block with::

    cog -r -I docs docs/*.md

``tests/test_docs.py`` runs the same in check mode and fails, with that command, when a block is
stale. The functions read only public declarations: the model's tables, the parameter
declarations (``Param``), the signal registries and the command-line app.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Iterable

import click
import typer

__all__ = [
    "REGENERATE",
    "param_table",
    "schema_tables",
    "commands",
    "cli_reference",
    "generic_params",
    "signal_sections",
    "significance_params",
    "account_signals",
    "account_params",
    "simulator_knobs",
    "report_params",
]

#: The command that regenerates every block (quoted by the test that checks them).
REGENERATE = "cog -r -I docs docs/*.md"


def param_table(spec: Iterable) -> str:
    """A Markdown table of declared parameters (``ioscope.params.Param``)."""
    rows = ["| parameter | type | default | meaning |", "|---|---|---|---|"]
    rows += [f"| `{p.name}` | {p.requirement()} | `{p.default}` | {p.help} |" for p in spec]
    return "\n".join(rows) + "\n"


# -- docs/schema.md ---------------------------------------------------------------------------


def schema_tables() -> str:
    """The schema version, then every table of every stage with its key, writer and columns."""
    import ioscope.model.stages  # noqa: F401  (registers every stage's tables)
    from ioscope.model import all_tables
    from ioscope.workspace import SCHEMA_VERSION

    parts = [f"Schema version {SCHEMA_VERSION} (`metadata.schema_version`).", ""]
    for t in all_tables():
        parts += [f"## `{t.name}`", "", t.doc, ""]
        if t.primary_key:
            kept = "" if t.key_enforced else " (unique by construction; no index)"
            parts += [f"Key: ({', '.join(t.primary_key)}){kept}. Written by: `{t.stage}`.", ""]
        else:
            parts += [f"Written by: `{t.stage}`.", ""]
        parts += ["| column | type | meaning |", "|---|---|---|"]
        parts += [f"| `{c.name}` | `{c.type}` | {c.doc} |" for c in t.columns]
        parts.append("")
    return "\n".join(parts)


# -- docs/cli.md ------------------------------------------------------------------------------


def commands() -> dict[str, click.Command]:
    """Every command by its full name (``accounts train`` for a sub-command)."""
    from ioscope.cli.main import app

    out: dict[str, click.Command] = {}

    def walk(group: click.Command, prefix: str) -> None:
        ctx = click.Context(group)
        for name in group.list_commands(ctx):
            cmd = group.get_command(ctx, name)
            full = f"{prefix} {name}".strip()
            out[full] = cmd
            if hasattr(cmd, "list_commands"):
                walk(cmd, full)

    walk(typer.main.get_command(app), "")
    return out


def _param_row(p: click.Parameter) -> str:
    if p.param_type_name == "argument":
        name = f"`{(p.metavar or p.name.upper())}`"
        kind = "argument" + (" (required)" if p.required else "")
    else:
        name = ", ".join(f"`{o}`" for o in p.opts + p.secondary_opts)
        kind = "flag" if getattr(p, "is_flag", False) else "option"
    default = (
        p.default if p.default not in (None, False, (), []) and not callable(p.default) else ""
    )
    text = (getattr(p, "help", None) or "").replace("|", "\\|").replace("\n", " ")
    return f"| {name} | {kind} | {f'`{default}`' if default != '' else ''} | {text} |"


def cli_reference() -> str:
    """One section per command: its help text and a table of its arguments and options."""
    parts = []
    for name, cmd in commands().items():
        parts += [
            f"## `ioscope {name}`",
            "",
            inspect.cleandoc(cmd.help or "").replace("\b\n", ""),
            "",
        ]
        params = [p for p in cmd.params if p.name != "help"]
        if params:
            parts += ["| parameter | kind | default | meaning |", "|---|---|---|---|"]
            parts += [_param_row(p) for p in params]
            parts.append("")
    return "\n".join(parts)


# -- docs/signals.md --------------------------------------------------------------------------


def _generic():
    from ioscope.detect.signals.base import GENERIC_PARAMS

    return GENERIC_PARAMS


def generic_params() -> str:
    """The parameters every co-action signal has."""
    return param_table(_generic())


def _signal_parameters(sig) -> str:
    generic = {p.name: p for p in _generic()}
    spec = list(sig.spec)
    own = [p for p in spec if p.name not in generic]
    changed = [
        f"`{p.name}` = `{p.default}`"
        for p in spec
        if p.name in generic and p.default != generic[p.name].default
    ]
    windowed = any(p.name == "window" for p in spec)
    text = (
        "Generic parameters: "
        + ("all, with " + ", ".join(changed) if changed else "all")
        + ("." if windowed else "; no `window` (the item encodes time).")
    )
    return (param_table(own) if own else "No parameters of its own.\n") + "\n" + text


def _module(sig):
    """The module that defines a signal: where its SQL (or its own pairing or test) lives."""
    for part in ("actions", "pairs", "test", "finish"):
        module = inspect.getmodule(getattr(sig, part, None))
        if module is not None and module.__name__.startswith("ioscope."):
            return module
    raise ValueError(f"cannot tell which module defines the signal {sig.name!r}")


def signal_sections() -> str:
    """One section per registered signal: the definition from its module's docstring, the paper,
    the modes it supports and its parameters."""
    from ioscope.detect import SIGNALS

    parts = []
    for name, sig in SIGNALS.items():
        module = _module(sig)
        doc = inspect.cleandoc(module.__doc__ or "")
        title, _, body = doc.partition("\n")
        lead = title.split(":", 1)[-1].strip() if title.startswith(name) else title
        windowed = any(p.name == "window" for p in sig.spec)
        parts += [
            f"## `{name}`" + ("" if sig.default else " (off by default)"),
            "",
            lead[:1].upper() + lead[1:],
            "",
        ]
        if name != module.__name__.rsplit(".", 1)[-1]:
            parts += [sig.summary, ""]
        elif body.strip():
            parts += [body.strip(), ""]
        parts += [
            f"**Source:** {sig.paper}.",
            "",
            "**Compatible modes:** "
            + (", ".join(sig.compat) or "none")
            + ". "
            + (
                "Windowed (bucket equi-join)."
                if windowed
                else "Pairs on the item alone, with no window."
            ),
            "",
            _signal_parameters(sig),
            "",
        ]
    return "\n".join(parts)


def significance_params() -> str:
    """The parameters of the calibrated pipeline (time scales, null model, FDR, clustering)."""
    from ioscope.detect.parameters import SCALES
    from ioscope.detect.significance.calibrated import SIGNIF_PARAMS

    return param_table((SCALES,) + SIGNIF_PARAMS)


# -- docs/accounts.md -------------------------------------------------------------------------

_DIRECTION = {1: "higher", -1: "lower", 0: "either tail"}


def account_signals() -> str:
    """One section per account-signal family: its module's docstring, sources, signals and
    parameters."""
    from ioscope.accounts import FAMILIES

    parts = []
    for fam in FAMILIES.values():
        doc = inspect.cleandoc(importlib.import_module(fam.func.__module__).__doc__ or "")
        parts += [f"### `{fam.name}` — {doc.splitlines()[0]}", ""]
        rest = "\n".join(doc.splitlines()[1:]).strip()
        if rest:
            parts += [" ".join(rest.split()), ""]
        parts += [
            "Sources: " + "; ".join(fam.sources) + ".",
            "",
            "| signal | unit | campaign-like when | definition |",
            "|---|---|---|---|",
        ]
        parts += [
            f"| `{s.name}` | {s.unit} | {_DIRECTION[s.direction]} | {s.doc} |" for s in fam.signals
        ]
        parts.append("")
        if fam.params:
            parts += [
                "Parameters (`ioscope accounts WS signals -p name=value`):",
                "",
                param_table(fam.params),
            ]
    return "\n".join(parts)


def account_params() -> str:
    """The parameters of ``accounts train`` and ``accounts score``."""
    from ioscope.accounts.scoring import SCORE_PARAMS
    from ioscope.accounts.training import TRAIN_PARAMS

    return "\n".join(
        [
            "`ioscope accounts WS train -p name=value`:",
            "",
            param_table(TRAIN_PARAMS),
            "`ioscope accounts WS score` (`--method`, `--top`; `seed` through the library):",
            "",
            param_table(SCORE_PARAMS),
        ]
    )


# -- docs/simulator.md, docs/report.md --------------------------------------------------------


def simulator_knobs() -> str:
    """The simulator's knobs."""
    from ioscope.simulate import SIMULATE_PARAMS

    return param_table(SIMULATE_PARAMS)


def report_params() -> str:
    """The parameters of ``ioscope report``."""
    from ioscope.report import REPORT_PARAMS

    return param_table(REPORT_PARAMS)
