"""``ioscope detect``: co-action signals into ``edges`` and ``edge_evidence``."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer
from rich.table import Table

from ioscope.cli.common import emit_json, handle_errors, out
from ioscope.detect import SIGNALS, default_signals, detect
from ioscope.detect.engines import resolve_engine
from ioscope.errors import UsageError
from ioscope.workspace import Workspace


def register(app: typer.Typer) -> None:
    app.command("detect", help=_help())(detect_cmd)


def _help() -> str:
    lines = "\n".join(f"  {name}{'' if s.default else ' (off by default)'}: {s.summary}\n"
                      for name, s in SIGNALS.items())
    return ("Find pairs of accounts that act together (co-action signals) and store them with "
            "the posts behind each edge. Replaces the previous detect results.\n\n"
            f"Signals:\n\n{lines}\n"
            "Examples:\n\n"
            "  ioscope detect case.duckdb\n\n"
            "  ioscope detect case.duckdb --signals co_repost,co_link --window 5m --min-weight 3\n\n"
            "  ioscope detect case.duckdb --compat cnt --window 60 --json\n\n"
            "  ioscope detect case.duckdb --param near_duplicate_text.threshold=0.9 "
            "--memory-limit 4GB\n\n"
            "  ioscope detect case.duckdb --engine spark --spark-master spark://host:7077 "
            "--spark-staging /shared/tmp  (see docs/scale.md)")


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


@handle_errors()
def detect_cmd(
    workspace: Path = typer.Argument(..., help="Workspace file."),
    signals: Optional[str] = typer.Option(
        None, "--signals", "-s", help="Comma-separated signals (default: " + ",".join(default_signals()) + ")."),
    window: str = typer.Option("60s", "--window", "-w", help="Co-action window: 30s, 5m, 1h, or seconds."),
    min_weight: Optional[int] = typer.Option(None, "--min-weight", help="Keep edges with at least this weight (default: per signal, mostly 2)."),
    compat: Optional[str] = typer.Option(None, "--compat", help="'cnt': coordination-network-toolkit's exact definitions (co_repost, co_text, co_reply, co_link)."),
    hot_items: Optional[str] = typer.Option(None, "--hot-items", help="Hot-item policy: skip, cap or keep (default skip; keep with --compat)."),
    max_item_actions: Optional[int] = typer.Option(None, "--max-item-actions", help="Actions of one item per time bucket above which it is hot (0: no limit)."),
    max_evidence: Optional[int] = typer.Option(None, "--max-evidence", help="Evidence rows kept per edge (0: all; default 100)."),
    param: Optional[List[str]] = typer.Option(None, "--param", "-p", help="Per-signal parameter SIGNAL.NAME=VALUE (repeatable)."),
    memory_limit: Optional[str] = typer.Option(None, "--memory-limit", help="DuckDB memory limit, e.g. 4GB; spills to a temp directory beyond it."),
    temp_directory: Optional[str] = typer.Option(None, "--temp-directory", help="Where DuckDB spills (default: next to the workspace)."),
    threads: Optional[int] = typer.Option(None, "--threads", help="DuckDB threads (default: all cores)."),
    engine: str = typer.Option("duckdb", "--engine", help="Where the statements run: duckdb (in the workspace) or spark (same results; not near_duplicate_text)."),
    spark_master: Optional[str] = typer.Option(None, "--spark-master", help="Spark master URL: local[2], spark://host:7077, yarn (default: local[*])."),
    spark_conf: Optional[List[str]] = typer.Option(None, "--spark-conf", help="Spark setting KEY=VALUE (repeatable), e.g. spark.executor.memory=8g."),
    spark_staging: Optional[str] = typer.Option(None, "--spark-staging", help="Directory for the Parquet copy of the posts that Spark reads; on a cluster, one every executor can read."),
    json: bool = typer.Option(False, "--json", help="Print the run report as JSON."),
) -> None:
    eng = resolve_engine(engine, spark_master=spark_master, spark_conf=_conf(spark_conf),
                         spark_staging=spark_staging)
    with Workspace.open(workspace, create=False) as ws:
        report = detect(ws, signals=signals, window=window, min_weight=min_weight, compat=compat,
                        hot_items=hot_items, max_item_actions=max_item_actions,
                        max_evidence=max_evidence, params=parse_param_options(param),
                        memory_limit=memory_limit, temp_directory=temp_directory, threads=threads,
                        engine=eng)
    if json:
        emit_json(report.to_dict())
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
