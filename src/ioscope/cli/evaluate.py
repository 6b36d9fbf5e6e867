"""``ioscope evaluate``: detection quality against ground truth."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from ioscope.cli.common import emit_json, handle_errors, out
from ioscope.evaluate import evaluate
from ioscope.workspace import Workspace


def register(app: typer.Typer) -> None:
    app.command("evaluate")(evaluate_cmd)


def _f(x: Any) -> str:
    if x is None:
        return "-"
    if isinstance(x, float):
        return f"{x:.3f}"
    return f"{x:,}" if isinstance(x, int) else str(x)


@handle_errors()
def evaluate_cmd(
    workspace: Path = typer.Argument(..., help="Workspace file (after `ioscope detect`)."),
    truth: Path = typer.Option(..., "--truth", help="CSV with account_id,campaign_id[,strategy]; "
                               "empty campaign_id = organic."),
    json: bool = typer.Option(False, "--json", help="Print as JSON."),
) -> None:
    """Precision, recall and F1 of the flagged accounts, pair precision, ARI/NMI of clusters.

    Example: ioscope simulate sim --posts 100000 && ioscope ingest case.duckdb sim/posts.parquet
    && ioscope detect case.duckdb && ioscope evaluate case.duckdb --truth sim/truth.csv
    """
    with Workspace.open(workspace, read_only=True) as ws:
        result = evaluate(ws, truth)
    if json:
        emit_json(result)
        return
    a = result["accounts"]
    out.print(f"Accounts: precision {_f(a['precision'])}, recall {_f(a['recall'])}, "
              f"F1 {_f(a['f1'])} ({a['flagged']:,} flagged, {a['positives']:,} campaign accounts)")
    if "pairs" in result:
        p = result["pairs"]
        out.print(f"Pairs: precision {_f(p['precision'])} of {p['significant_pairs']:,} "
                  "significant pairs")
    c = result["clusters"]
    out.print(f"Clusters vs campaigns: ARI {_f(c['ari'])}, NMI {_f(c['nmi'])} "
              f"({c['clusters']:,} clusters, {c['campaigns']:,} campaigns)")
    if result.get("strategies"):
        t = Table("strategy", "accounts", "flagged", "recall", title="Recall by strategy")
        for name, s in result["strategies"].items():
            t.add_row(name, _f(s["accounts"]), _f(s["flagged"]), _f(s["recall"]))
        out.print(t)
    for name, section in result.items():
        if name not in ("accounts", "pairs", "clusters", "strategies", "truth", "detect_run"):
            out.print(f"{name}: " + ", ".join(f"{k} {_f(v)}" for k, v in section.items()
                                               if not isinstance(v, (dict, list))))
