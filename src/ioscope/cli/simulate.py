"""``ioscope simulate``: the CLI verb over :func:`ioscope.simulate.simulate`.

The options are generated from ``SIMULATE_PARAMS`` (:func:`ioscope.cli.params.declared_options`),
so the declaration in ``ioscope/simulate/params.py`` is the only place a knob is defined.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer

from ioscope.cli.common import emit_json, err, handle_errors, out
from ioscope.cli.params import declared_options, given
from ioscope.simulate import PRESETS, SIMULATE_PARAMS, simulate

__all__ = ["register", "EXAMPLES"]

EXAMPLES = """\
Examples:

ioscope simulate demo/ --posts 100000 --seed 1

ioscope simulate calib/ --posts 1000000 --seed 7 --preset calibration --format cnt-csv

ioscope simulate hard/ --posts 500000 --seed 3 --campaigns 12 --strategies co_repost,copypasta --jitter 10m --participation 0.3 --organic-mixing 0.8 --campaign-size-max 3000
"""

_FIRST = ("posts", "seed", "campaigns", "format")
_CAMPAIGN_KNOBS = (
    "jitter",
    "participation",
    "organic_mixing",
    "account_traits",
    "creation_burst_days",
    "rename_share",
    "ad_probability",
)


def _panel(name: str) -> str:
    if name in _FIRST or name in ("accounts", "start", "days", "chunk_size"):
        return "Run"
    if name.startswith(("campaign_", "strategies")) or name in _CAMPAIGN_KNOBS:
        return "Campaigns"
    return "Organic background and hard negatives"


def _progress(quiet: bool):
    """A rich progress bar on stderr, or nothing when quiet or not a terminal."""
    if quiet or not sys.stderr.isatty():
        return None, None
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(
        TextColumn("simulating"),
        BarColumn(),
        TextColumn("{task.completed:,} posts"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    )
    task = bar.add_task("posts", total=None)

    def update(done: int, total: int) -> None:
        bar.update(task, completed=done, total=total)

    return bar, update


def _run(outdir: Path, preset: str | None, as_json: bool, quiet: bool, **knobs: Any) -> None:
    knobs = {k: v for k, v in knobs.items() if v is not None}
    posts = knobs.pop("posts", 100_000)
    seed = knobs.pop("seed", 0)
    bar, update = _progress(quiet or as_json)
    if bar:
        with bar:
            summary = simulate(
                outdir, posts=posts, seed=seed, preset=preset, progress=update, **knobs
            )
    else:
        summary = simulate(outdir, posts=posts, seed=seed, preset=preset, **knobs)
    if as_json:
        emit_json(summary)
        return
    c, t = summary["counts"], summary["timings"]
    out.print(
        f"Wrote {c['posts']:,} posts by {c['accounts']:,} accounts to {summary['outdir']} "
        f"({summary['format']}) in {t['total']:.1f} s: {c['campaigns']} campaigns with "
        f"{c['campaign_accounts']:,} accounts and {c['campaign_posts']:,} posts, "
        f"{c['ads']:,} ads, {c['breaking_news']} breaking-news moments."
    )
    for name, path in summary["paths"].items():
        out.print(f"  {name:<10} {path}")


def register(app: typer.Typer) -> None:
    """Add the ``simulate`` command to ``app``."""
    ordered = sorted(
        SIMULATE_PARAMS,
        key=lambda p: (p.name not in _FIRST, _FIRST.index(p.name) if p.name in _FIRST else 0),
    )

    @declared_options(ordered, after="outdir", panel=_panel)
    @handle_errors()
    def command(
        outdir: Path = typer.Argument(
            ...,
            help="Directory to write the files to (created if missing; our files are overwritten).",
            file_okay=False,
        ),
        preset: str | None = typer.Option(
            None,
            "--preset",
            help="Preset knobs: " + ", ".join(PRESETS) + " (calibration = no "
            "campaigns, more hard negatives).",
            rich_help_panel="Run",
        ),
        json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
        quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
        **declared: str,
    ) -> None:
        _run(outdir, preset, json, quiet, **given(SIMULATE_PARAMS, declared))

    command.__doc__ = (
        "Generate synthetic posts with planted influence campaigns and ground truth."
        "\n\nWrites the posts in the chosen format, truth.csv (every account, with "
        "its campaign and strategy), campaigns.json (campaigns and hard negatives) "
        "and ads.csv (promoted-csv). The same seed and options give the same files."
        "\n\n" + EXAMPLES
    )
    app.command("simulate", no_args_is_help=True)(command)
