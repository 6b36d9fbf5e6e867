"""One account's evidence: every signal with its value, score and detail, plus its scores."""

from __future__ import annotations

import json
from typing import Any

from ioscope.errors import NotFoundError, UsageError
from ioscope.model.names import name_sql
from ioscope.workspace import Workspace

__all__ = ["account_evidence"]


def account_evidence(ws: Workspace, account: str, *, platform: str | None = None) -> dict[str, Any]:
    """Signals and scores of ``account`` (an account_id, or a handle with or without '@')."""
    rows = ws.rows(
        f"""
        SELECT platform, account_id, handle, display_name, {name_sql()} AS name, location,
               language, created_at
        FROM accounts WHERE (account_id = ? OR lower(handle) = lower(?))
          AND (? IS NULL OR platform = ?) ORDER BY account_id <> ?, platform, account_id""",
        [account, account.lstrip("@"), platform, platform, account],
    )
    if not rows:
        raise NotFoundError(f"No account {account!r} in {ws.path}.")
    exact = [r for r in rows if r["account_id"] == account]
    if not exact and len(rows) > 1:
        raise UsageError(
            f"Handle {account!r} names {len(rows)} accounts; give the account_id (or --platform)."
        )
    acc = (exact or rows)[0]
    key = [acc["platform"], acc["account_id"]]
    signals = (
        ws.rows(
            """
        SELECT signal, family, value, score, detail FROM account_signals
        WHERE platform = ? AND account_id = ? ORDER BY score DESC NULLS LAST, signal""",
            key,
        )
        if ws.has_table("account_signals")
        else []
    )
    for s in signals:
        s["detail"] = json.loads(s["detail"]) if s["detail"] else None
    scores = (
        ws.rows(
            """
        SELECT model_id, score, rank, threshold, above_threshold, top_signals FROM account_scores
        WHERE platform = ? AND account_id = ? ORDER BY run_id DESC""",
            key,
        )
        if ws.has_table("account_scores")
        else []
    )
    for s in scores:
        s["top_signals"] = json.loads(s["top_signals"]) if s["top_signals"] else []
    return {"account": acc, "signals": signals, "scores": scores}
