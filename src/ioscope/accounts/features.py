"""The feature matrix: one row per account, one column per signal value (NaN when absent)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from ioscope.accounts._sql import fetch_arrow, register_arrow
from ioscope.accounts.registry import SIGNALS
from ioscope.errors import UsageError
from ioscope.workspace import Workspace

__all__ = ["FeatureMatrix", "feature_matrix", "available_signals", "training_hash"]


@dataclass
class FeatureMatrix:
    platform: np.ndarray  # object arrays, sorted by (platform, account_id)
    account_id: np.ndarray
    names: list[str]
    values: np.ndarray  # float64 (n_accounts × n_features), NaN = signal absent
    scores: np.ndarray  # the signals' robust z-scores, same shape

    def rows_for(self, platform: list[str], account_id: list[str]) -> np.ndarray:
        """Row indices of the given accounts (which must be present)."""
        index = {(p, a): i for i, (p, a) in enumerate(zip(self.platform, self.account_id))}
        return np.array([index[(p, a)] for p, a in zip(platform, account_id)], dtype=np.int64)


def available_signals(ws: Workspace) -> list[str]:
    if not ws.has_table("account_signals"):
        return []
    return [
        r[0]
        for r in ws.sql("SELECT DISTINCT signal FROM account_signals ORDER BY signal").fetchall()
    ]


def feature_matrix(ws: Workspace, names: list[str] | None = None) -> FeatureMatrix:
    """Every account of ``accounts`` with the values of ``names`` (all computed signals if None)."""
    have = available_signals(ws)
    names = list(names) if names is not None else have
    unknown = [n for n in names if n not in SIGNALS]
    if unknown:
        raise UsageError(f"Unknown signal {unknown[0]!r}. Known signals: {', '.join(SIGNALS)}.")
    con = ws.con
    keys = fetch_arrow(
        con, "SELECT platform, account_id FROM accounts ORDER BY platform, account_id"
    )
    n, d = keys.num_rows, len(names)
    values = np.full((n, d), np.nan)
    scores = np.full((n, d), np.nan)
    if d and have:
        register_arrow(con, "_fm_names", pa.table({"signal": names, "j": list(range(d))}))
        try:
            t = fetch_arrow(
                con,
                """
                WITH a AS (SELECT platform, account_id,
                                  CAST(row_number() OVER (ORDER BY platform, account_id) - 1
                                       AS BIGINT) AS i FROM accounts)
                SELECT a.i, f.j, s.value, s.score FROM account_signals s
                JOIN a USING (platform, account_id) JOIN _fm_names f USING (signal)""",
            )
        finally:
            con.unregister("_fm_names")
        i, j = t["i"].to_numpy(), t["j"].to_numpy()
        values[i, j] = t["value"].to_numpy(zero_copy_only=False)
        scores[i, j] = t["score"].to_numpy(zero_copy_only=False)
    return FeatureMatrix(
        np.array(keys["platform"].to_pylist(), dtype=object),
        np.array(keys["account_id"].to_pylist(), dtype=object),
        names,
        values,
        scores,
    )


def training_hash(
    names: list[str], platform, account_id, x: np.ndarray, y: np.ndarray, groups
) -> str:
    """sha256 of exactly what a model was fitted on: features, accounts, values, labels, groups."""
    h = hashlib.sha256()
    h.update(
        json.dumps(
            {
                "features": list(names),
                "accounts": [f"{p}/{a}" for p, a in zip(platform, account_id)],
                "groups": [str(g) for g in groups],
            }
        ).encode()
    )
    h.update(np.ascontiguousarray(np.nan_to_num(x, nan=-9.87654321e300), dtype="<f8").tobytes())
    h.update(np.ascontiguousarray(y, dtype="<i8").tobytes())
    return "sha256:" + h.hexdigest()
