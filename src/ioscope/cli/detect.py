"""``ioscope detect``: co-action signals, significance and campaign clusters (or raw edges)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from ioscope.cli.common import emit_json, err, format_option, handle_errors, out, progress
from ioscope.cli.params import declared_options, given
from ioscope.detect import SIGNALS, default_signals, estimate_window, run_detect, window_sweep
from ioscope.detect.engine import ENGINE_PARAMS, resolve_engine
from ioscope.detect.parameters import DETECT_PARAMS, MODE
from ioscope.errors import StageNotRunError, UsageError
from ioscope.params import Param, parse_pairs
from ioscope.workspace import Workspace


def register(app: typer.Typer) -> None:
    app.command("detect", help=_help())(detect_cmd)


def _help() -> str:
    lines = "\n".join(
        f"  {name}{'' if s.default else ' (off by default)'}: {s.summary}\n"
        for name, s in SIGNALS.items()
    )
    return (
        "Find accounts that act together beyond chance, and the campaigns they form. "
        "Replaces the previous detect results.\n\n"
        "By default every signal runs, each edge is tested against a null model (who acts "
        "is shuffled within each day, keeping every account's activity and every item's "
        "times), false discoveries are controlled at --fdr over edges and over accounts, "
        "and significant edges are fused and clustered (Leiden) into ranked campaign "
        "candidates with explanations: see `ioscope clusters`. --raw keeps only the "
        "co-action edges and their evidence.\n\n"
        f"Signals:\n\n{lines}\n"
        "Examples:\n\n"
        "  ioscope detect case.duckdb\n\n"
        "  ioscope detect case.duckdb --scales 10s,1m,10m,1h,6h\n\n"
        "  ioscope detect case.duckdb --fdr 0.001 --window auto\n\n"
        "  ioscope detect case.duckdb --window-sweep 10s,60s,10m,1h\n\n"
        "  ioscope detect case.duckdb --raw --signals co_repost\n\n"
        "  ioscope detect case.duckdb --signals co_repost,co_link --window 5m --min-weight 3\n\n"
        "  ioscope detect case.duckdb --compat cnt --window 60 --json\n\n"
        "  ioscope detect case.duckdb --param near_duplicate_text.threshold=0.9 "
        "--memory-limit 4GB\n\n"
        "  ioscope detect case.duckdb --engine spark --spark-master spark://host:7077 "
        "--spark-staging /shared/tmp  (see docs/scale.md)"
    )


#: The declared parameters ``ioscope detect`` takes as options, and their short flags.
OPTIONS = (MODE,) + DETECT_PARAMS + ENGINE_PARAMS
_SHORT = {"window": "-w"}
_EXTRA = {
    "window": "On the command line also 'auto': CooRnet's estimate from the repost delays.",
    "mode": "Same as --raw / --compat cnt.",
}
#: ``--compat`` names the CNT-compatible mode (kept beside ``--mode cnt``).
_COMPAT = Param("compat", "choice", None, "", choices=("cnt",))


def parse_param_options(items: list[str] | None) -> dict[str, dict[str, str]]:
    """``["co_text.min_chars=5"]`` -> ``{"co_text": {"min_chars": "5"}}``."""
    out: dict[str, dict[str, str]] = {}
    for key, value in parse_pairs(
        items,
        option="--param",
        form="SIGNAL.NAME=VALUE",
        example="near_duplicate_text.threshold=0.9",
    ).items():
        signal, dot, name = key.partition(".")
        if not dot or not signal or not name:
            raise UsageError(
                f"--param takes SIGNAL.NAME=VALUE; got {key + '=' + value!r}.",
                hint="Example: --param near_duplicate_text.threshold=0.9",
            )
        out.setdefault(signal.strip(), {})[name.strip()] = value
    return out


def _mode(mode: str | None, raw: bool, compat: str | None) -> str:
    """The run's mode from --mode, --raw and --compat (one of them, or agreeing ones)."""
    named = {
        m for m in (mode, "raw" if raw else None, _COMPAT.coerce(compat, "detect")) if m is not None
    }
    if len(named) > 1:
        raise UsageError(
            f"--mode, --raw and --compat name the run's mode; these disagree: "
            f"{', '.join(sorted(named))}.",
            hint="Give one of them.",
        )
    return named.pop() if named else MODE.default


@declared_options(OPTIONS, after="param", short=_SHORT, extra=_EXTRA)
@handle_errors(rows=lambda d: d.get("signals") or d.get("window_sweep") or [])
def detect_cmd(
    workspace: Path = typer.Argument(..., help="Workspace file."),
    signals: str | None = typer.Option(
        None,
        "--signals",
        "-s",
        help="Comma-separated signals (default: " + ",".join(default_signals()) + ").",
    ),
    raw: bool = typer.Option(
        False, "--raw", help="Raw co-action edges only: no significance, no clusters (--mode raw)."
    ),
    compat: str | None = typer.Option(
        None,
        "--compat",
        help="'cnt': coordination-network-toolkit's exact definitions (co_repost, co_text, co_reply, co_link) (--mode cnt).",
    ),
    param: list[str] | None = typer.Option(
        None, "--param", "-p", help="Per-signal parameter SIGNAL.NAME=VALUE (repeatable)."
    ),
    window_sweep_: str | None = typer.Option(
        None,
        "--window-sweep",
        help="Comma-separated windows (e.g. 10s,60s,10m,1h): run at each and report how the raw and the significant results change; the workspace ends with the --window run (without --window: the default run, or the --scales one).",
    ),
    spark_conf: list[str] | None = typer.Option(
        None,
        "--spark-conf",
        help="Spark setting KEY=VALUE (repeatable), e.g. spark.executor.memory=8g.",
    ),
    json: bool = typer.Option(
        False, "--json", help="Print the run report as JSON (--format json)."
    ),
    fmt: str | None = format_option(),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress on stderr."),
    **declared: str,
) -> None:
    chosen = given(OPTIONS, declared)
    mode = _mode(chosen.pop("mode", None), raw, compat)
    eng = resolve_engine(
        chosen.pop("engine", None),
        spark_master=chosen.pop("spark_master", None),
        spark_conf=parse_pairs(
            spark_conf, option="--spark-conf", example="spark.executor.memory=8g"
        ),
        spark_staging=chosen.pop("spark_staging", None),
    )
    params: dict = {**chosen, **parse_param_options(param)}
    window = params.pop("window", None)
    if signals:  # a signal the engine cannot run is a usage error, before the workspace is read
        eng.check([s.strip() for s in signals.split(",") if s.strip()])
    with Workspace.open(workspace, create=False) as ws, progress(quiet):
        if ws.count("posts") == 0:
            raise StageNotRunError(
                f"{workspace} holds no posts: there is nothing to detect.",
                hint=f"Ingest files first: `ioscope ingest {workspace} FILE...`.",
            )
        estimate = None
        if window is not None and window.strip().lower() == "auto":
            estimate = estimate_window(ws)
            window = str(estimate["seconds"] or 60.0)
            if not json:
                err.print(
                    f"Window from CooRnet's estimate (q={estimate['q']}, p={estimate['p']}, "
                    f"{estimate['items']:,} items shared twice): {float(window):g} s"
                )
        if window_sweep_:
            if mode != "calibrated":
                raise UsageError(
                    "--window-sweep compares significant results; it does not run "
                    "with --raw or --compat."
                )
            windows = [w for w in (x.strip() for x in window_sweep_.split(",")) if w]
            one_window = {k: v for k, v in params.items() if k != "scales"}
            rows = window_sweep(
                ws, windows, final_window=window, signals=signals, engine=eng, params=one_window
            )
            if window is None:  # the workspace ends with the default run (or the --scales one)
                run_detect(ws, signals=signals, mode=mode, engine=eng, params=params)
            if json:
                emit_json({"window_sweep": rows, "window_estimate": estimate})
            else:
                _print_sweep(rows)
            return
        report = run_detect(
            ws,
            signals=signals,
            mode=mode,
            engine=eng,
            params=params if window is None else {**params, "window": window},
        )
    if json:
        d = report.to_dict()
        if estimate is not None:
            d["window_estimate"] = estimate
        emit_json(d)
        return
    if hasattr(report, "significance"):
        _print_calibrated(report, workspace)
        return
    t = Table(
        "signal",
        "actions",
        "set aside (hot)",
        "pairs",
        "edges",
        "evidence",
        "seconds",
        title=f"Detect run {report.run_id}"
        + (f" (compat {report.compat})" if report.compat else ""),
    )
    for s in report.signals:
        t.add_row(
            s["signal"],
            f"{s.get('actions', 0):,}",
            f"{s.get('hot_actions_set_aside', 0):,}",
            f"{s.get('pairs', 0):,}",
            f"{s['edges']:,}",
            f"{s['evidence']:,}",
            f"{s['seconds']:.2f}",
        )
    out.print(t)
    tot = report.totals
    out.print(
        f"{tot['edges']:,} edges, {tot['evidence']:,} evidence rows. "
        f"Export them with: ioscope export {workspace} edges --format csv -o edges.csv"
    )


#: Campaign clusters whose explanation ``detect`` prints (all of them: ``ioscope clusters``).
_SHOWN = 5


def _print_calibrated(report, workspace: Path) -> None:
    t = Table(
        "signal", "actions", "edges", "significant", "seconds", title=f"Detect run {report.run_id}"
    )
    for s in report.signals:
        t.add_row(
            s["signal"],
            f"{s.get('actions', 0):,}",
            f"{s['edges']:,}",
            f"{s.get('significant_edges', 0):,}",
            f"{s['seconds']:.2f}",
        )
    out.print(t)
    sig, tot = report.significance, report.cluster_totals
    out.print(
        f"{sig.get('significant_edges', 0):,} of {sig.get('tested_edges', 0):,} edges and "
        f"{sig.get('flagged_accounts', 0):,} of {sig.get('tested_accounts', 0):,} accounts "
        f"beyond chance at FDR {sig.get('fdr')}; {report.flagged:,} accounts flagged in "
        f"{tot.get('campaign_clusters', 0):,} campaign clusters"
        + (
            f" ({tot['mirror_clusters']:,} mirror clusters shown, not flagged)"
            if tot.get("mirror_clusters")
            else ""
        )
        + "."
    )
    top = [c for c in report.clusters if c.get("kind") == "campaign"][:_SHOWN]
    if top:
        out.print(
            f"The {len(top)} strongest of the {tot.get('campaign_clusters', 0):,} campaign "
            "clusters:"
        )
    for c in top:
        out.print(
            f"  #{c['rank']} {c['size']:,} accounts, score {c['score']:.1f}: "
            + escape(c["explanation"] or "")
        )
    out.print(
        f"All clusters: ioscope clusters {workspace}; flagged accounts with reasons: "
        f"ioscope clusters {workspace} --members"
    )


def _print_sweep(rows: list[dict]) -> None:
    t = Table(
        "window",
        "raw edges",
        "raw accounts",
        "significant edges",
        "flagged",
        "clusters",
        "Jaccard vs previous",
        "Jaccard vs first",
        title="Window sweep",
    )
    for r in rows:
        j = [
            ("-" if r[k] is None else f"{r[k]:.2f}") for k in ("jaccard_previous", "jaccard_first")
        ]
        t.add_row(
            f"{r['window']:g} s",
            f"{r['raw_edges']:,}",
            f"{r['raw_accounts']:,}",
            f"{r['significant_edges']:,}",
            f"{r['flagged']:,}",
            f"{r['clusters']:,}",
            *j,
        )
    out.print(t)
