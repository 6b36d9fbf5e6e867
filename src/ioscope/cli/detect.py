"""``ioscope detect``: co-action signals, significance and campaign clusters (or raw edges)."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer
from rich.markup import escape
from rich.table import Table

from ioscope.cli.common import emit_json, err, format_option, handle_errors, out, progress
from ioscope.detect import (SIGNALS, default_signals, detect, estimate_window, window_sweep)
from ioscope.detect.significance.calibrated import SIGNIF_PARAMS
from ioscope.detect.engine import resolve_engine
from ioscope.detect.engine.runner import TEMP_LIMIT
from ioscope.errors import StageNotRunError, UsageError
from ioscope.params import parse_duration
from ioscope.workspace import Workspace


def register(app: typer.Typer) -> None:
    app.command("detect", help=_help())(detect_cmd)


def _help() -> str:
    lines = "\n".join(f"  {name}{'' if s.default else ' (off by default)'}: {s.summary}\n"
                      for name, s in SIGNALS.items())
    return ("Find accounts that act together beyond chance, and the campaigns they form. "
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
            "  ioscope detect case.duckdb --fdr 0.001 --window auto\n\n"
            "  ioscope detect case.duckdb --window-sweep 10s,60s,10m,1h\n\n"
            "  ioscope detect case.duckdb --raw --signals co_repost\n\n"
            "  ioscope detect case.duckdb --signals co_repost,co_link --window 5m --min-weight 3\n\n"
            "  ioscope detect case.duckdb --compat cnt --window 60 --json\n\n"
            "  ioscope detect case.duckdb --param near_duplicate_text.threshold=0.9 "
            "--memory-limit 4GB\n\n"
            "  ioscope detect case.duckdb --engine spark --spark-master spark://host:7077 "
            "--spark-staging /shared/tmp  (see docs/scale.md)")


def _spec(name: str) -> str:
    p = {q.name: q for q in SIGNIF_PARAMS}[name]
    return f"{p.help} Default {p.default}."


def parse_param_options(items: List[str] | None) -> dict[str, dict[str, str]]:
    """``["co_text.min_chars=5"]`` -> ``{"co_text": {"min_chars": "5"}}``."""
    out: dict[str, dict[str, str]] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        signal, dot, name = key.partition(".")
        if not sep or not dot or not signal or not name:
            raise UsageError(f"--param takes SIGNAL.NAME=VALUE; got {item!r}.",
                             hint="Example: --param near_duplicate_text.threshold=0.9")
        out.setdefault(signal.strip(), {})[name.strip()] = value.strip()
    return out


def _conf(items: List[str] | None) -> dict[str, str]:
    conf = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--spark-conf takes KEY=VALUE; got {item!r}.",
                             hint="Example: --spark-conf spark.executor.memory=8g")
        conf[key.strip()] = value.strip()
    return conf


@handle_errors(rows=lambda d: d.get("signals") or d.get("window_sweep") or [])
def detect_cmd(
    workspace: Path = typer.Argument(..., help="Workspace file."),
    signals: Optional[str] = typer.Option(
        None, "--signals", "-s", help="Comma-separated signals (default: " + ",".join(default_signals()) + ")."),
    window: str = typer.Option("60s", "--window", "-w", help="Co-action window: 30s, 5m, 1h, seconds, or 'auto' (CooRnet's estimate from the repost delays)."),
    min_weight: Optional[int] = typer.Option(None, "--min-weight", help="Keep edges with at least this weight (default: per signal, mostly 2)."),
    compat: Optional[str] = typer.Option(None, "--compat", help="'cnt': coordination-network-toolkit's exact definitions (co_repost, co_text, co_reply, co_link)."),
    hot_items: Optional[str] = typer.Option(None, "--hot-items", help="Hot-item policy: skip, cap or keep (default skip; keep with --compat)."),
    max_item_actions: Optional[int] = typer.Option(None, "--max-item-actions", help="Actions of one item per time bucket above which it is hot (0: no limit)."),
    max_evidence: Optional[int] = typer.Option(None, "--max-evidence", help="Evidence rows kept per edge (0: all; default 100)."),
    param: Optional[List[str]] = typer.Option(None, "--param", "-p", help="Per-signal parameter SIGNAL.NAME=VALUE (repeatable)."),
    memory_limit: Optional[str] = typer.Option(None, "--memory-limit", help="Memory budget of the whole process, e.g. 4GB (default: 80% of RAM); DuckDB gets 60% of it, leaving at least 1 GiB to the rest, and spills to the temp directory beyond that (docs/scale.md)."),
    temp_directory: Optional[str] = typer.Option(None, "--temp-directory", help="Where DuckDB spills (default: next to the workspace)."),
    temp_limit: str = typer.Option(TEMP_LIMIT, "--temp-limit", help="Most DuckDB may spill to the temp directory, e.g. 20GB; beyond it the run fails and the workspace is left as it was."),
    threads: Optional[int] = typer.Option(None, "--threads", help="DuckDB threads (default: all cores)."),
    raw: bool = typer.Option(False, "--raw", help="Raw co-action edges only: no significance, no clusters."),
    fdr: Optional[float] = typer.Option(None, "--fdr", help=_spec("fdr")),
    stratum: Optional[str] = typer.Option(None, "--stratum", help=_spec("stratum")),
    timing_stratum: Optional[str] = typer.Option(None, "--timing-stratum", help=_spec("timing_stratum")),
    resolution: Optional[float] = typer.Option(None, "--resolution", help=_spec("resolution")),
    min_cluster_size: Optional[int] = typer.Option(None, "--min-cluster-size", help=_spec("min_cluster_size")),
    seed: Optional[int] = typer.Option(None, "--seed", help=_spec("seed")),
    window_sweep_: Optional[str] = typer.Option(None, "--window-sweep", help="Comma-separated windows (e.g. 10s,60s,10m,1h): run at each and report how the raw and the significant results change; the workspace ends with the --window run."),
    engine: str = typer.Option("duckdb", "--engine", help="Where the co-action statements run: duckdb (in the workspace) or spark (same results). See docs/scale.md."),
    spark_master: Optional[str] = typer.Option(None, "--spark-master", help="Spark master URL: local[2], spark://host:7077, yarn (default: local[*])."),
    spark_conf: Optional[List[str]] = typer.Option(None, "--spark-conf", help="Spark setting KEY=VALUE (repeatable), e.g. spark.executor.memory=8g."),
    spark_staging: Optional[str] = typer.Option(None, "--spark-staging", help="Directory for the Parquet copy of the posts that Spark reads; on a cluster, one every executor can read."),
    honor_deletions: bool = typer.Option(False, "--honor-deletions", help="Leave out the posts that compliance events (ingested deletion notices or compliance files) say were deleted, or whose account was (default: keep them; docs/signals.md)."),
    json: bool = typer.Option(False, "--json", help="Print the run report as JSON (--format json)."),
    fmt: Optional[str] = format_option(),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress on stderr."),
) -> None:
    eng = resolve_engine(engine, spark_master=spark_master, spark_conf=_conf(spark_conf),
                         spark_staging=spark_staging)
    options = dict(signals=signals, min_weight=min_weight, hot_items=hot_items,
                   max_item_actions=max_item_actions, max_evidence=max_evidence,
                   params=parse_param_options(param), memory_limit=memory_limit,
                   temp_directory=temp_directory, temp_limit=temp_limit, threads=threads,
                   engine=eng, honor_deletions=honor_deletions)
    significance = dict(fdr=fdr, stratum=stratum, timing_stratum=timing_stratum,
                        resolution=resolution,
                        min_cluster_size=min_cluster_size, seed=seed)
    if signals:  # a signal the engine cannot run is a usage error, before the workspace is read
        eng.check([s.strip() for s in signals.split(",") if s.strip()])
    with Workspace.open(workspace, create=False) as ws, progress(quiet):
        if ws.count("posts") == 0:
            raise StageNotRunError(f"{workspace} holds no posts: there is nothing to detect.",
                                   hint=f"Ingest files first: `ioscope ingest {workspace} FILE...`.")
        estimate = None
        if window.strip().lower() == "auto":
            estimate = estimate_window(ws)
            window = str(estimate["seconds"] or 60.0)
            if not json:
                err.print(f"Window from CooRnet's estimate (q={estimate['q']}, p={estimate['p']}, "
                          f"{estimate['items']:,} items shared twice): {float(window):g} s")
        if window_sweep_:
            if raw or compat:
                raise UsageError("--window-sweep compares significant results; it does not run "
                                 "with --raw or --compat.")
            windows = [w for w in (x.strip() for x in window_sweep_.split(",")) if w]
            rows = window_sweep(ws, windows, final_window=window, **options,
                                **{k: v for k, v in significance.items() if v is not None})
            if json:
                emit_json({"window_sweep": rows, "window_estimate": estimate})
            else:
                _print_sweep(rows)
            return
        report = detect(ws, window=window, compat=compat, raw=raw, **options,
                        **{k: v for k, v in significance.items() if v is not None})
    if json:
        d = report.to_dict()
        if estimate is not None:
            d["window_estimate"] = estimate
        emit_json(d)
        return
    if hasattr(report, "significance"):
        _print_calibrated(report, workspace)
        return
    t = Table("signal", "actions", "set aside (hot)", "pairs", "edges", "evidence", "seconds",
              title=f"Detect run {report.run_id}" + (f" (compat {report.compat})" if report.compat else ""))
    for s in report.signals:
        t.add_row(s["signal"], f"{s.get('actions', 0):,}", f"{s.get('hot_actions_set_aside', 0):,}",
                  f"{s.get('pairs', 0):,}", f"{s['edges']:,}", f"{s['evidence']:,}", f"{s['seconds']:.2f}")
    out.print(t)
    tot = report.totals
    out.print(f"{tot['edges']:,} edges, {tot['evidence']:,} evidence rows. "
              f"Export them with: ioscope export {workspace} edges --format csv -o edges.csv")


#: Campaign clusters whose explanation ``detect`` prints (all of them: ``ioscope clusters``).
_SHOWN = 5


def _print_calibrated(report, workspace: Path) -> None:
    t = Table("signal", "actions", "edges", "significant", "seconds",
              title=f"Detect run {report.run_id}")
    for s in report.signals:
        t.add_row(s["signal"], f"{s.get('actions', 0):,}", f"{s['edges']:,}",
                  f"{s.get('significant_edges', 0):,}", f"{s['seconds']:.2f}")
    out.print(t)
    sig, tot = report.significance, report.cluster_totals
    out.print(f"{sig.get('significant_edges', 0):,} of {sig.get('tested_edges', 0):,} edges and "
              f"{sig.get('flagged_accounts', 0):,} of {sig.get('tested_accounts', 0):,} accounts "
              f"beyond chance at FDR {sig.get('fdr')}; {report.flagged:,} accounts flagged in "
              f"{tot.get('campaign_clusters', 0):,} campaign clusters"
              + (f" ({tot['mirror_clusters']:,} mirror clusters shown, not flagged)"
                 if tot.get("mirror_clusters") else "") + ".")
    top = [c for c in report.clusters if c.get("kind") == "campaign"][:_SHOWN]
    if top:
        out.print(f"The {len(top)} strongest of the {tot.get('campaign_clusters', 0):,} campaign "
                  "clusters:")
    for c in top:
        out.print(f"  #{c['rank']} {c['size']:,} accounts, score {c['score']:.1f}: "
                  + escape(c["explanation"] or ""))
    out.print(f"All clusters: ioscope clusters {workspace}; flagged accounts with reasons: "
              f"ioscope clusters {workspace} --members")


def _print_sweep(rows: list[dict]) -> None:
    t = Table("window", "raw edges", "raw accounts", "significant edges", "flagged", "clusters",
              "Jaccard vs previous", "Jaccard vs first", title="Window sweep")
    for r in rows:
        j = [("-" if r[k] is None else f"{r[k]:.2f}") for k in ("jaccard_previous", "jaccard_first")]
        t.add_row(f"{r['window']:g} s", f"{r['raw_edges']:,}", f"{r['raw_accounts']:,}",
                  f"{r['significant_edges']:,}", f"{r['flagged']:,}", f"{r['clusters']:,}", *j)
    out.print(t)
