"""``ioscope demo``."""

from __future__ import annotations

from pathlib import Path

import typer

from ioscope.cli.common import emit_json, err, handle_errors, out
from ioscope.demo import DEMO_POSTS, DEMO_SEED, Step, run_demo
from ioscope.fmt import format_number


def register(app: typer.Typer) -> None:
    app.command("demo")(demo_cmd)


def _describe(s: Step) -> str:
    return ", ".join(
        f"{k} {format_number(v)}"
        for k, v in s.summary.items()
        if v is not None and k not in ("run_id", "path")
    )


@handle_errors()
def demo_cmd(
    outdir: Path = typer.Argument(Path("ioscope-demo"), help="Folder for the demo outputs."),
    posts: int = typer.Option(DEMO_POSTS, "--posts", help="Posts to simulate."),
    seed: int = typer.Option(DEMO_SEED, "--seed", help="Seed of the simulation."),
    json: bool = typer.Option(False, "--json", help="Print the steps and paths as JSON."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress on stderr."),
) -> None:
    """Run ioscope end to end on bundled data and write a case report.

    Simulates a collection with planted campaigns (fixed seed), adds the bundled excerpt of the
    real HPSCI Internet Research Agency ads, runs ingest, detect, accounts score and the ads
    audit, and writes report.html. Then says where everything is and how to serve it.

    Example: ioscope demo ioscope-demo
    """
    if not quiet and not json:
        err.print(
            f"Building {outdir}/ from bundled data: a simulated collection ({posts:,} "
            f"posts, seed {seed}) and the HPSCI IRA ads excerpt.",
            soft_wrap=True,
        )

    def progress(s: Step) -> None:
        if not quiet and not json:
            err.print(
                f"  {s.name:<26} {s.seconds:7.1f} s  {_describe(s)}",
                highlight=False,
                markup=False,
                soft_wrap=True,
            )

    result = run_demo(outdir, posts=posts, seed=seed, on_step=progress)
    if json:
        emit_json(result)
        return
    ws, report = result["workspace"], result["report"]
    out.print(f"Done in {result['seconds']:.0f} s.", highlight=False)
    out.print(f"Workspace: {ws}", highlight=False)
    out.print(f"Report:    {report}  (one file; opens offline in any browser)", highlight=False)
    out.print(f"Serve it:  ioscope serve {ws}   then open http://127.0.0.1:8000/", highlight=False)
    out.print(
        f"Truth:     {result['truth']}  (ioscope evaluate {ws} --truth {result['truth']})",
        highlight=False,
    )
