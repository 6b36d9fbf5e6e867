"""Detection quality against ground truth (the simulator's ``truth.csv``, or your own labels).

``truth.csv`` has ``account_id,campaign_id[,strategy]``; an empty campaign_id marks an organic
account. :func:`evaluate` returns one section per aspect:

* ``accounts``: precision, recall and F1 of the flagged accounts (``cluster_members``) against
  campaign accounts present in the workspace;
* ``pairs``: precision of the fused significant pairs (both accounts in the same campaign);
* ``clusters``: adjusted Rand index and normalized mutual information between clusters and
  campaigns, over the accounts that are flagged or in a campaign (label "organic" /
  "unflagged" for the others);
* ``strategies``: recall per campaign strategy.

Other stages add sections by adding one entry to :data:`SECTIONS`: a function
``(ws, truth_table) -> dict | None`` (None when it does not apply, e.g. the table it reads is
absent). ``account_scores`` comes from the accounts stage (ROC AUC, average precision and
precision@k of the latest scored model), when ``ioscope accounts WS score`` has run.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from ioscope.errors import MissingColumnError, NotFoundError, SchemaError
from ioscope.sql import quote_ident
from ioscope.workspace import Workspace, file_sha256

__all__ = ["evaluate", "load_truth", "SECTIONS", "TRUTH"]

TRUTH = "_eval_truth"
Section = Callable[[Workspace, str], "dict[str, Any] | None"]


def load_truth(ws: Workspace, path: str | os.PathLike) -> int:
    """Read ``path`` into the temp table ``TRUTH`` (account_id, campaign_id, strategy).

    The file is a CSV with a header naming the accounts by ``account_id`` or by ``handle``
    (matched case-insensitively, '@' stripped, as ``accounts train --labels`` does; takedown
    lists are handles), and their campaign by ``campaign_id`` (or ``campaign``; empty = organic)
    or ``label`` (1/true/yes = campaign account). A list with neither names campaign accounts
    only, all of one campaign. Handles that match no account stay in the truth as campaign
    accounts without posts (recall counts them as missed: ``positives_without_posts``)."""
    path = str(path)
    if not os.path.isfile(path):
        raise NotFoundError(
            f"No truth file at {path}.",
            hint="Give the truth.csv written by `ioscope simulate`, or your own "
            "account_id,campaign_id (or handle[,campaign_id]) CSV.",
        )
    try:
        cols = [
            r[0]
            for r in ws.sql(
                "DESCRIBE SELECT * FROM read_csv(?, header = true, all_varchar = true)", [path]
            ).fetchall()
        ]
    except Exception as e:  # duckdb raises several kinds for unreadable CSV
        raise SchemaError(f"{path} cannot be read as CSV: {e}") from None
    lower = {c.strip().lower(): c for c in cols}
    key = next((k for k in ("account_id", "handle") if k in lower), None)
    if key is None:
        raise MissingColumnError(
            f"{path} has no column 'account_id' or 'handle' (columns: {', '.join(cols)}).",
            hint="The truth file needs account_id (or handle), and "
            "campaign_id or label; e.g. account_id,campaign_id.",
        )

    def q(name: str) -> str:
        return quote_ident(lower[name])

    camp = next((c for c in ("campaign_id", "campaign") if c in lower), None)
    if camp:
        campaign = f"NULLIF(TRIM({q(camp)}), '')"
    elif "label" in lower:
        campaign = (
            f"CASE WHEN lower(TRIM({q('label')})) IN ('1', '1.0', 'true', 't', 'yes', "
            f"'y') THEN 'campaign' END"
        )
    else:
        campaign = "'listed'"
    strategy = f"NULLIF(TRIM({q('strategy')}), '')" if "strategy" in lower else "NULL"
    ident = f"NULLIF(TRIM({q(key)}), '')"
    if key == "handle":
        ident = f"lower(ltrim({ident}, '@'))"
    src = f"""SELECT {ident} AS k, {campaign} AS campaign_id, {strategy} AS strategy
              FROM read_csv(?, header = true, all_varchar = true)"""
    if key == "handle":  # every account bearing the handle; unmatched handles kept as '@handle'
        src = f"""SELECT coalesce(a.account_id, '@' || r.k) AS account_id, r.campaign_id,
                         r.strategy
                  FROM ({src}) r LEFT JOIN (SELECT DISTINCT lower(handle) AS h, account_id
                                            FROM accounts) a ON a.h = r.k
                  WHERE r.k IS NOT NULL"""
    else:
        src = f"SELECT k AS account_id, campaign_id, strategy FROM ({src}) WHERE k IS NOT NULL"
    ws.sql(
        f"""CREATE OR REPLACE TEMP TABLE {TRUTH} AS
        SELECT account_id, any_value(campaign_id) AS campaign_id,
               any_value(strategy) AS strategy
        FROM ({src}) GROUP BY account_id""",
        [path],
    )
    return ws.sql(f"SELECT count(*) FROM {TRUTH}").fetchone()[0]


def _flagged_sql(ws: Workspace) -> str:
    if ws.has_table("cluster_members"):
        return "SELECT DISTINCT account_id, cluster_id FROM cluster_members"
    return "SELECT CAST(NULL AS VARCHAR) AS account_id, CAST(NULL AS INTEGER) AS cluster_id LIMIT 0"


def _present(ws: Workspace) -> str:
    """Truth rows of accounts that have posts in the workspace."""
    return f"""SELECT t.* FROM {TRUTH} t
        WHERE EXISTS (SELECT 1 FROM posts p WHERE p.account_id = t.account_id)"""


def _ratio(a: float, b: float) -> float | None:
    return a / b if b else None


def accounts_section(ws: Workspace, truth: str) -> dict[str, Any]:
    flagged, tp, positives, absent = ws.sql(f"""
        WITH f AS (SELECT DISTINCT account_id FROM ({_flagged_sql(ws)})),
             t AS ({_present(ws)})
        SELECT (SELECT count(*) FROM f),
               (SELECT count(*) FROM f JOIN t USING (account_id) WHERE t.campaign_id IS NOT NULL),
               (SELECT count(*) FROM t WHERE campaign_id IS NOT NULL),
               (SELECT count(*) FROM {truth} WHERE campaign_id IS NOT NULL)
                 - (SELECT count(*) FROM t WHERE campaign_id IS NOT NULL)""").fetchone()
    precision = _ratio(tp, flagged)
    recall = _ratio(tp, positives)
    f1 = (
        2 * precision * recall / (precision + recall)
        if precision is not None and recall is not None and precision + recall > 0
        else (0.0 if precision is not None and recall is not None else None)
    )
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "flagged": flagged,
        "positives": positives,
        "true_positives": tp,
        "positives_without_posts": absent,
    }


def pairs_section(ws: Workspace, truth: str) -> dict[str, Any] | None:
    if not ws.has_table("edges") or "significant" not in {
        r[0] for r in ws.sql("DESCRIBE edges").fetchall()
    }:
        return None
    n, good = ws.sql(f"""
        WITH p AS (SELECT DISTINCT account_1, account_2 FROM edges WHERE significant)
        SELECT count(*), count(*) FILTER (WHERE t1.campaign_id IS NOT NULL
                                            AND t1.campaign_id = t2.campaign_id)
        FROM p LEFT JOIN {truth} t1 ON t1.account_id = p.account_1
               LEFT JOIN {truth} t2 ON t2.account_id = p.account_2""").fetchone()
    return {"precision": _ratio(good, n), "significant_pairs": n, "same_campaign_pairs": good}


def clusters_section(ws: Workspace, truth: str) -> dict[str, Any]:
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    rows = ws.sql(f"""
        WITH f AS ({_flagged_sql(ws)}), t AS ({_present(ws)})
        SELECT coalesce(t.campaign_id, 'organic') AS truth,
               coalesce(CAST(f.cluster_id AS VARCHAR), 'unflagged') AS pred
        FROM f FULL OUTER JOIN (SELECT * FROM t WHERE campaign_id IS NOT NULL) t
          USING (account_id)""").fetchall()
    if not rows:
        return {"ari": None, "nmi": None, "accounts": 0, "clusters": 0, "campaigns": 0}
    truth_l = [r[0] for r in rows]
    pred_l = [r[1] for r in rows]
    return {
        "ari": float(adjusted_rand_score(truth_l, pred_l)),
        "nmi": float(normalized_mutual_info_score(truth_l, pred_l)),
        "accounts": len(rows),
        "clusters": len(set(pred_l) - {"unflagged"}),
        "campaigns": len(set(truth_l) - {"organic"}),
    }


def strategies_section(ws: Workspace, truth: str) -> dict[str, Any] | None:
    rows = ws.rows(f"""
        WITH f AS (SELECT DISTINCT account_id FROM ({_flagged_sql(ws)})), t AS ({_present(ws)})
        SELECT coalesce(t.strategy, '(none)') AS strategy, count(*) AS accounts,
               count(f.account_id) AS flagged
        FROM t LEFT JOIN f USING (account_id) WHERE t.campaign_id IS NOT NULL
        GROUP BY 1 ORDER BY 1""")
    if not rows:
        return None
    return {
        r["strategy"]: {
            "accounts": r["accounts"],
            "flagged": r["flagged"],
            "recall": _ratio(r["flagged"], r["accounts"]),
        }
        for r in rows
    }


def account_scores_section(ws: Workspace, truth: str) -> dict[str, Any] | None:
    from ioscope.accounts.evaluate import account_scores_section as section

    return section(ws, truth)


#: Sections of the evaluation, in output order. Add one line to extend it.
SECTIONS: dict[str, Section] = {
    "accounts": accounts_section,
    "pairs": pairs_section,
    "clusters": clusters_section,
    "strategies": strategies_section,
    "account_scores": account_scores_section,
}


def evaluate(ws: Workspace, truth: str | os.PathLike) -> dict[str, Any]:
    """Every applicable section of :data:`SECTIONS` for the workspace's last detect results."""
    n = load_truth(ws, truth)
    out: dict[str, Any] = {
        "truth": {"path": str(truth), "sha256": file_sha256(truth), "accounts": n}
    }
    try:
        for name, section in SECTIONS.items():
            result = section(ws, TRUTH)
            if result is not None:
                out[name] = result
        runs = ws.rows(
            "SELECT run_id FROM runs WHERE command = 'detect' "
            "ORDER BY started_at DESC, run_id DESC LIMIT 1"
        )
        out["detect_run"] = runs[0]["run_id"] if runs else None
    finally:
        ws.sql(f"DROP TABLE IF EXISTS temp.main.{TRUTH}")
    return out
