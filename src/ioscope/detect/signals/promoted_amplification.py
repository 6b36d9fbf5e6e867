"""promoted_amplification: two accounts amplified the same promoted posts, at any delay.

Paid promotion and organic-looking amplification go together in influence operations: the
Internet Research Agency bought ads for the very posts its accounts then pushed (the HPSCI
release of its Facebook ads; Twitter's 2017 account of RT's promoted tweets), and amplifiers
paid per share act hours after the post, not within seconds, so a co-repost window misses them.
The workspace's ``ads`` table says which posts somebody paid to promote; this signal pairs the
accounts that reposted or quoted the same promoted posts over the whole period (no window).

Sharing promoted posts is weak evidence pair by pair: promoted posts are few, so two accounts
that amplify many of them share many by chance (the configuration null agrees). What sets paid
amplifiers apart is that their reposts go to promoted posts far more often than anybody's. The
calibrated pipeline therefore tests accounts (:func:`test_promoted_edges`): of account a's n_a
reposts and quotes, x_a amplify a promoted post; under the null each does so independently with
the population rate π (estimated robustly: accounts at q ≤ 0.1 are left out of π and the test
repeated), so p_a = P(Binomial(n_a, π) ≥ x_a). An edge gets p = max(p_a, p_b), the
intersection–union test of "both accounts amplify paid content beyond chance" (Berger 1982).
Fans who repost a politician's or a brand's posts, a few of them promoted, stay near π. Promoted
posts with more than ``max_item_actions`` amplifications are a hot item (set aside by default).

A workspace without ads (or whose ads name no promoted post) gives no edges. An edge's
``weight`` is the smaller of the two accounts' numbers of amplifications of shared promoted
posts; its evidence rows are the pairs of reposts, whose item is the promoted post's id.
"""

from __future__ import annotations

from typing import Any

import duckdb
import numpy as np

from ioscope.detect.engine.coaction import (
    ACCOUNTS,
    EDGES,
    apply_hot_policy,
    index_actions,
    load_actions,
    pair_actions,
)
from ioscope.detect.engine.sql import Sql, epoch_seconds
from ioscope.detect.signals.base import Explanation, Signal

__all__ = ["SIGNAL", "pairs", "PROMOTED", "test_promoted_edges", "binomial_log_sf"]

#: The amplifications of promoted posts: (platform, account_id, item, t, post_id).
PROMOTED = "_pa_actions"


def _has_promoted_posts(sql: Sql) -> bool:
    cols = {
        r[0]
        for r in sql.con.execute(  # a catalog lookup, not part of the pipeline
            "SELECT column_name FROM duckdb_columns() WHERE table_name = 'ads' AND NOT internal"
        ).fetchall()
    }
    if not {"platform", "post_id"} <= cols:
        return False
    return bool(
        sql.one("SELECT count(*) FROM (SELECT 1 FROM ads WHERE post_id IS NOT NULL LIMIT 1) x")
    )


def pairs(sql: Sql, p: dict[str, Any]) -> dict[str, int]:
    """Build the co-action pairs (``PAIRS``) of accounts amplifying the same promoted posts."""
    if _has_promoted_posts(sql):
        n = sql.temp(
            PROMOTED,
            f"""
            SELECT x.platform, x.account_id, x.target_post_id AS item,
                   {epoch_seconds("x.created_at")} AS t, x.post_id
            FROM posts x
            JOIN (SELECT DISTINCT platform, post_id FROM ads WHERE post_id IS NOT NULL) a
              ON a.platform = x.platform AND a.post_id = x.target_post_id
            WHERE x.kind IN ('repost', 'quote')""",
        )
    else:
        n = sql.temp(
            PROMOTED,
            "SELECT * FROM (SELECT CAST(NULL AS VARCHAR) AS platform, "
            "CAST(NULL AS VARCHAR) AS account_id, CAST(NULL AS VARCHAR) AS item, "
            "CAST(NULL AS DOUBLE) AS t, CAST(NULL AS VARCHAR) AS post_id) x WHERE FALSE",
        )
    engine = Signal(
        SIGNAL.name, "", "", lambda p, compat: f"SELECT * FROM {PROMOTED}", windowed=False
    )
    counts = {"promoted_amplifications": n}
    counts.update(load_actions(sql, engine, p, None))
    counts.update(apply_hot_policy(sql, p))
    index_actions(sql)
    counts["pairs"] = pair_actions(sql, engine, p)
    return counts


def binomial_log_sf(x: np.ndarray, n: np.ndarray, p: float) -> np.ndarray:
    """log P(X ≥ x), X ~ Binomial(n, p); 0 where x ≤ 0 (the point mass where the tail
    underflows, a bound within a small factor that keeps extreme accounts ranked)."""
    from scipy.stats import binom  # here, not at import: the CLI starts 0.3 s faster

    x, n = np.asarray(x, dtype=np.float64), np.asarray(n, dtype=np.float64)
    p = float(min(max(p, 1e-12), 1.0 - 1e-12))
    with np.errstate(divide="ignore"):
        out = binom.logsf(x - 1.0, n, p)
        tiny = ~np.isfinite(out)
        out[tiny] = binom.logpmf(x[tiny], n[tiny], p)
    return np.where(x <= 0, 0.0, np.minimum(out, 0.0))


def test_promoted_edges(
    con: duckdb.DuckDBPyConnection, p: dict[str, Any], *, stratum: float, n_accounts: int
):
    """Account-level binomial test of paid amplification; edges by intersection–union."""
    from ioscope.detect.significance.edge_tests import (
        MASK_LEVEL,
        ROUNDS,
        EdgeTests,
        edge_arrays,
        intersection_union,
    )
    from ioscope.detect.significance.stats import benjamini_hochberg

    a1, a2, k = edge_arrays(con, EDGES)
    if a1.size == 0:
        return EdgeTests.empty(SIGNAL.name, a1, a2, k)
    c = con.execute(f"""
        SELECT a.aid, count(*) AS n, count(DISTINCT x.post_id) AS x
        FROM posts r JOIN {ACCOUNTS} a ON a.platform = r.platform AND a.account_id = r.account_id
        LEFT JOIN (SELECT DISTINCT platform, account_id, post_id FROM {PROMOTED}) x
          ON x.platform = r.platform AND x.post_id = r.post_id
        WHERE r.kind IN ('repost', 'quote') GROUP BY a.aid""").fetchnumpy()
    aid, n, x = c["aid"].astype(np.int64), c["n"].astype(np.float64), c["x"].astype(np.float64)
    out = np.ones(aid.size, dtype=bool)  # accounts in the background rate
    for _ in range(ROUNDS):
        rate = x[out].sum() / max(n[out].sum(), 1.0)
        log_pa = binomial_log_sf(x, n, rate)
        keep = benjamini_hochberg(np.exp(log_pa)) > MASK_LEVEL
        if np.array_equal(keep, out) or not keep.any():
            break
        out = keep
    return intersection_union(
        con,
        SIGNAL.name,
        a1,
        a2,
        k,
        aid,
        log_pa,
        stratum=stratum,
        n_accounts=n_accounts,
        masked=int((~out).sum()),
    )


SIGNAL = Signal(
    "promoted_amplification",
    "Both accounts reposted or quoted the same promoted posts (posts "
    "named in the workspace's ads), at any delay.",
    "HPSCI release of the IRA's Facebook ads (2018); Pacheco et al., ICWSM 2021 (co-repost "
    "networks); Berger 1982 (intersection–union test)",
    None,
    pairs=pairs,
    windowed=False,
    test=test_promoted_edges,
    defaults={"min_weight": 2},
    order=120,
    shares=(PROMOTED,),
    explanation=Explanation(
        "amplified", "promoted post", "promoted posts", account_test="paid-amplification test"
    ),
)
