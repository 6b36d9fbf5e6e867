"""``ioscope evaluate``: detection quality against ground truth."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from ioscope.cli.common import emit_json, format_option, handle_errors, out, stdin_file
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
    truth: str = typer.Option(
        ...,
        "--truth",
        help="CSV naming accounts by account_id or "
        "handle, with campaign_id (empty = organic) or label (1/0), "
        "optionally strategy; a bare handle list = one campaign. '-' = stdin.",
    ),
    json: bool = typer.Option(False, "--json", help="Print as JSON (--format json)."),
    fmt: str | None = format_option(),
) -> None:
    """Precision, recall and F1 of the flagged accounts, pair precision, ARI/NMI of clusters.

    Example: ioscope simulate sim --posts 100000 && ioscope ingest case.duckdb sim/posts.parquet
    && ioscope detect case.duckdb && ioscope evaluate case.duckdb --truth sim/truth.csv

    A takedown list of handles: ioscope evaluate case.duckdb --truth takedown.csv (header
    'handle'); from a pipe: (echo handle; cat handles.txt) | ioscope evaluate case.duckdb --truth -
    """
    with Workspace.open(workspace, read_only=True) as ws:
        result = evaluate(ws, stdin_file(truth, ".csv"))
    if json:
        emit_json(result)
        return
    a = result["accounts"]
    out.print(
        f"Accounts: precision {_f(a['precision'])}, recall {_f(a['recall'])}, "
        f"F1 {_f(a['f1'])} ({a['flagged']:,} flagged, {a['positives']:,} campaign accounts)"
    )
    if "pairs" in result:
        p = result["pairs"]
        out.print(
            f"Pairs: precision {_f(p['precision'])} of {p['significant_pairs']:,} significant pairs"
        )
    c = result["clusters"]
    out.print(
        f"Clusters vs campaigns: ARI {_f(c['ari'])}, NMI {_f(c['nmi'])} "
        f"({c['clusters']:,} clusters, {c['campaigns']:,} campaigns)"
    )
    if result.get("strategies"):
        t = Table("strategy", "accounts", "flagged", "recall", title="Recall by strategy")
        for name, s in result["strategies"].items():
            t.add_row(name, _f(s["accounts"]), _f(s["flagged"]), _f(s["recall"]))
        out.print(t)
    for name, section in result.items():
        if name not in ("accounts", "pairs", "clusters", "strategies", "truth", "detect_run"):
            out.print(
                f"{name}: "
                + ", ".join(
                    f"{k} {_f(v)}" for k, v in section.items() if not isinstance(v, (dict, list))
                )
            )
