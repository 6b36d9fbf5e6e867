"""``ioscope accounts WS [--flagged] | signals | train | score | show``."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table
from typer.core import TyperGroup

from ioscope.accounts import (
    FAMILIES,
    account_scores,
    compute_signals,
    flagged_accounts,
    score,
    train,
)
from ioscope.accounts.evidence import account_evidence
from ioscope.accounts.registry import all_params
from ioscope.accounts.scoring import SCORE_PARAMS
from ioscope.cli.common import emit_json, format_option, handle_errors, out, progress, stdin_file
from ioscope.cli.params import declared_options, given
from ioscope.fmt import format_p_value
from ioscope.model.names import account_label
from ioscope.params import parse_pairs
from ioscope.workspace import Workspace


class _WorkspaceGroup(TyperGroup):
    """Lets the group's own options follow the workspace: ``ioscope accounts WS --flagged``.

    Click stops parsing a group's options at its first positional argument, so options written
    between the workspace and the (absent) subcommand are moved in front of the workspace.
    """

    def parse_args(self, ctx, args: list[str]) -> list[str]:
        if args and not args[0].startswith("-"):
            opts = {
                o: p
                for p in self.params
                if getattr(p, "param_type_name", "") == "option"
                for o in p.opts
            }
            moved, i, rest = [], 0, args[1:]
            while i < len(rest) and rest[i].split("=", 1)[0] in opts:
                param = opts[rest[i].split("=", 1)[0]]
                n = 1 if (param.is_flag or "=" in rest[i]) else 2
                moved += rest[i : i + n]
                i += n
            args = moved + [args[0]] + rest[i:]
        return super().parse_args(ctx, args)


app = typer.Typer(
    cls=_WorkspaceGroup,
    help="Account-level signals, a classifier trained on your labels, and account scores.\n\n"
    "Examples:\n\n"
    "  ioscope accounts case.duckdb signals\n\n"
    "  ioscope accounts case.duckdb train --labels labels.csv\n\n"
    "  ioscope accounts case.duckdb score --json\n\n"
    "  ioscope accounts case.duckdb show @some_handle\n\n"
    "  ioscope accounts case.duckdb --flagged",
    no_args_is_help=True,
)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="accounts")


def _ws(ctx: typer.Context) -> Path:
    return ctx.obj["workspace"]


def _split(text: str | None) -> list[str] | None:
    return [t.strip() for t in text.split(",") if t.strip()] if text else None


def _params(pairs: list[str] | None) -> dict[str, str]:
    return parse_pairs(pairs, option="--param", form="name=value", example="content_min_posts=5")


_FAMILY_HELP = "Family to compute (repeatable; default all): " + ", ".join(FAMILIES)
_PARAM_HELP = "name=value; parameters: " + ", ".join(p.name for p in all_params())


@app.callback(invoke_without_command=True)
@handle_errors(rows="accounts")
def accounts_root(
    ctx: typer.Context,
    workspace: Path = typer.Argument(..., help="Workspace file."),
    flagged: bool = typer.Option(
        False, "--flagged", help="List the accounts coordination detection flagged."
    ),
    limit: int = typer.Option(20, "--limit", "-n", help="Rows to show (table output)."),
    json: bool = typer.Option(False, "--json", help="Print as JSON (--format json)."),
    fmt: str | None = format_option(),
) -> None:
    """Without a subcommand: the top-scored accounts (or, with --flagged, the flagged ones)."""
    ctx.obj = {"workspace": workspace}
    if ctx.invoked_subcommand:
        return
    with Workspace.open(workspace, read_only=True) as ws:
        if flagged:
            rows = flagged_accounts(ws)
            if json:
                emit_json({"accounts": rows})
                return
            t = Table(
                "cluster",
                "account",
                "signals",
                "q",
                "why",
                title=f"{len(rows):,} accounts flagged by coordination detection",
            )
            for r in rows[:limit]:
                q = r.get("account_q_value")
                t.add_row(
                    str(r.get("cluster_rank", "")),
                    escape(account_label(r.get("name"), r["account_id"])),
                    escape(", ".join(r.get("signals") or [])),
                    "-" if q is None else format_p_value(q),
                    escape(r.get("explanation") or ""),
                )
            out.print(t)
            return
        rows = account_scores(ws, limit=None if json else limit)
    if json:
        emit_json({"accounts": rows})
        return
    _print_scores(rows, limit)


def _print_scores(rows: list[dict], limit: int) -> None:
    t = Table(
        "rank",
        "account",
        "score",
        "≥ threshold",
        "top signals",
        title=f"Account scores ({escape(rows[0]['model_id'])})" if rows else "Account scores",
    )
    for r in rows[:limit]:
        tops = ", ".join(f"{s['signal']}={s['value']}" for s in r["top_signals"][:3])
        t.add_row(
            str(r["rank"]),
            escape(account_label(r.get("name"), r["account_id"])),
            f"{r['score']:.3f}",
            "yes" if r["above_threshold"] else "",
            escape(tops),
        )
    out.print(t)


@app.command("signals")
@handle_errors()
def signals_cmd(
    ctx: typer.Context,
    family: list[str] | None = typer.Option(
        None,
        "--family",
        "-f",
        help=_FAMILY_HELP,
    ),
    param: list[str] | None = typer.Option(
        None,
        "--param",
        "-p",
        help=_PARAM_HELP,
    ),
    json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress on stderr."),
) -> None:
    """Compute account signals into the account_signals table (docs/accounts.md lists them).

    Example: ioscope accounts case.duckdb signals --family rhythm -p rhythm_min_posts=50
    """
    with Workspace.open(_ws(ctx), create=False) as ws, progress(quiet):
        report = compute_signals(ws, families=family, params=_params(param))
    if json:
        emit_json(report.to_dict())
        return
    t = Table(
        "signal",
        "family",
        "accounts",
        "median",
        title=f"Signals for {report.accounts:,} accounts (run {report.run_id})",
    )
    for name, s in report.signals.items():
        t.add_row(
            name,
            s["family"] or "",
            f"{s['accounts']:,}",
            "" if s["median"] is None else f"{s['median']:.3g}",
        )
    out.print(t)
    for fam, why in report.skipped.items():
        out.print(f"[dim]skipped {fam}: {escape(why)}[/]")


@app.command("train")
@handle_errors()
def train_cmd(
    ctx: typer.Context,
    labels: str = typer.Option(
        ...,
        "--labels",
        "-l",
        help="CSV: account_id (or handle),label "
        "(1 campaign / 0 organic), optional group column; '-' = stdin.",
    ),
    group_column: str | None = typer.Option(
        None,
        "--group-column",
        help="Column grouping "
        "accounts into campaigns (default: group, campaign "
        "or campaign_id when present).",
    ),
    features: str | None = typer.Option(
        None, "--features", help="Comma-separated signals to use (default: all computed)."
    ),
    exclude: str | None = typer.Option(
        None, "--exclude", help="Comma-separated signals to leave out."
    ),
    param: list[str] | None = typer.Option(
        None,
        "--param",
        "-p",
        help="name=value: folds, seed, threshold, max_iter, learning_rate, ...",
    ),
    json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Train a classifier on labelled accounts; report grouped cross-validated metrics.

    Example: ioscope accounts case.duckdb train --labels takedown.csv --group-column campaign
    """
    with Workspace.open(_ws(ctx), create=False) as ws:
        report = train(
            ws,
            stdin_file(labels, ".csv"),
            features=_split(features),
            exclude=_split(exclude),
            group_column=group_column,
            params=_params(param),
        )
    if json:
        emit_json(report.to_dict())
        return
    m, lab = report.metrics, report.labels
    out.print(
        f"Model [bold]{report.model_id}[/] on {len(report.features)} signals, "
        f"{lab['positives']:,} positive and {lab['negatives']:,} negative accounts "
        f"({lab['groups']:,} groups); {lab['absent']:,} label(s) name accounts not in the "
        "workspace."
    )
    out.print(
        f"Cross-validated ({m['folds']} grouped folds): ROC AUC {m['roc_auc']:.3f}, "
        f"average precision {m['average_precision']:.3f}, precision {m['precision']:.3f} and "
        f"recall {m['recall']:.3f} at threshold {m['threshold']:g}."
    )
    if m["feature_importance"]:
        out.print(
            "Most important on held-out folds (ROC AUC drop when shuffled): "
            + ", ".join(
                f"{f['signal']} ({f['auc_drop']:+.3f})" for f in m["feature_importance"][:5]
            )
        )
    for w in report.warnings:
        why = (
            f"present for {w['coverage_positives']:.0%} of positives and "
            f"{w['coverage_negatives']:.0%} of negatives"
            if w["reason"] == "coverage"
            else f"always {w['value']:g} among {w['constant_in']}"
        )
        out.print(
            f"[yellow]Warning:[/] {w['signal']} is {why}; it may tell the data sources "
            "apart rather than the behaviour (leave it out with --exclude)."
        )


@app.command("score")
@declared_options(SCORE_PARAMS, after="model")
@handle_errors(rows="accounts")
def score_cmd(
    ctx: typer.Context,
    model: str | None = typer.Option(None, "--model", help="Model id (default: the latest)."),
    limit: int = typer.Option(20, "--limit", "-n", help="Rows to show (table output)."),
    json: bool = typer.Option(False, "--json", help="Print every scored account as JSON."),
    fmt: str | None = format_option(),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress on stderr."),
    **declared: str,
) -> None:
    """Score every account (trained model, else unsupervised) with its top contributing signals.

    Example: ioscope accounts case.duckdb score --method isolation_forest --json
    """
    with Workspace.open(_ws(ctx), create=False) as ws, progress(quiet):
        report = score(ws, model_id=model, params=given(SCORE_PARAMS, declared))
        rows = account_scores(ws, model_id=report.model_id)
    if json:
        emit_json(
            {
                "model_id": report.model_id,
                "method": report.method,
                "threshold": report.threshold,
                "run_id": report.run_id,
                "accounts": rows,
            }
        )
        return
    out.print(
        f"Scored {report.accounts:,} accounts with {escape(report.model_id)}; "
        f"{report.above_threshold:,} at or above the threshold {report.threshold:g}."
    )
    _print_scores(rows, limit)


@app.command("show")
@handle_errors(rows="signals")
def show_cmd(
    ctx: typer.Context,
    account: str = typer.Argument(..., help="account_id or @handle."),
    platform: str | None = typer.Option(None, "--platform", help="Platform, when ambiguous."),
    json: bool = typer.Option(False, "--json", help="Print as JSON (--format json)."),
    fmt: str | None = format_option(),
) -> None:
    """One account's signals with their evidence, and its scores.

    Example: ioscope accounts case.duckdb show @some_handle
    """
    with Workspace.open(_ws(ctx), read_only=True) as ws:
        ev = account_evidence(ws, account, platform=platform)
    if json:
        emit_json(ev)
        return
    a = ev["account"]
    out.print(
        f"[bold]{escape(account_label(a.get('name'), a['account_id']))}[/] "
        f"{escape(a['platform'])} — {escape(str(a['location'] or ''))}"
    )
    for s in ev["scores"]:
        out.print(f"score {s['score']:.3f} (rank {s['rank']}) under {escape(s['model_id'])}")
    t = Table("signal", "value", "score", "evidence")
    for s in ev["signals"]:
        t.add_row(
            s["signal"], f"{s['value']:.4g}", f"{s['score']:+.2f}", escape(str(s["detail"])[:160])
        )
    out.print(t)
