"""The test of creation_burst: each account's items against their popularity outside the burst.

A campaign created in one burst shares a few items (its hashtags, its sites) among many of its
accounts, while each account also acts on many unrelated items; a pair shares few items, so one
pair's count is weak evidence, and a sum over the account's co-uses drowns the campaign's few
items in the account's many others. The test therefore asks, item by item, whether the account's
burst mates use it more than its popularity predicts:

* the background is the accounts outside every burst (which accounts are in a burst depends on
  creation dates only, so the campaign cannot shape its own null); item i has u_i of their
  U incidences (an incidence is one account using one item), so a random incidence falls on i
  with probability π_i = (u_i + 1) / (U + 1) (add-one: an item nobody outside uses is treated as
  used once);
* for account a of burst B and each of its items i, Y_ai is the number of *other* accounts of B
  that used i; under the null (their I_B − d_a incidences drawn from the background) Y_ai is
  Poisson((I_B − d_a) π_i), and p_ai = P(Y ≥ Y_ai);
* the account's p-value combines its items with Simes' method (valid under positive dependence).

An edge (a, b) gets p = max(p_a, p_b): the intersection–union test of "both accounts share items
with their burst beyond chance" (Berger, "Multiparameter hypothesis testing and acceptance
sampling", Technometrics 1982), a valid p-value whenever either account is organic. Simes and
Benjamini–Hochberg then run over these with every other signal's edges. The edge's ``expected``
column is λ of the configuration null with no window (:mod:`ioscope.detect.significance.nullmodel`), never
below its floor.
"""

from __future__ import annotations

from typing import Any

import duckdb
import numpy as np

from ioscope.detect.engine.coaction import ACTIONS, EDGES
from ioscope.detect.significance.nullmodel import fit_null
from ioscope.detect.significance.edge_tests import EdgeTests
from ioscope.detect.significance.stats import poisson_log_sf
from ioscope.detect.significance.weighting import rowwise_dot, tfidf_matrix

__all__ = ["test_burst_edges", "simes_by_account"]


def simes_by_account(account: np.ndarray, log_p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(accounts, Simes log p-value of each) from item-level log p-values."""
    if account.size == 0:
        return account, np.zeros(0)
    order = np.lexsort((log_p, account))
    acc, lp = account[order], log_p[order]
    starts = np.flatnonzero(np.r_[True, acc[1:] != acc[:-1]])
    sizes = np.diff(np.r_[starts, acc.size])
    rank = np.arange(acc.size) - np.repeat(starts, sizes) + 1
    simes = np.minimum.reduceat(lp + np.log(np.repeat(sizes, sizes)) - np.log(rank), starts)
    return acc[starts], np.minimum(simes, 0.0)


def test_burst_edges(con: duckdb.DuckDBPyConnection, p: dict[str, Any], *, stratum: float,
                     n_accounts: int, members: str) -> EdgeTests:
    """Test creation_burst's edges (``_det_edges``) with the account-level item test.

    ``members`` (aid, burst) are the burst accounts; ``_det_actions`` holds one incidence per
    account and item (aid, iid, t).
    """
    e = con.execute(f"SELECT a1, a2, weight FROM {EDGES}").fetchnumpy()
    a1, a2 = e["a1"].astype(np.int64), e["a2"].astype(np.int64)
    k = e["weight"].astype(np.float64)
    if a1.size == 0:
        z = np.zeros(0)
        return EdgeTests("creation_burst", a1, a2, k, z, z, z)
    r = con.execute(f"""
        WITH inc AS (SELECT DISTINCT aid, iid FROM {ACTIONS}),
             bg AS (SELECT iid, count(*) AS u FROM inc
                    WHERE aid NOT IN (SELECT aid FROM {members}) GROUP BY iid),
             total AS (SELECT count(*) AS n FROM inc
                       WHERE aid NOT IN (SELECT aid FROM {members})),
             b AS (SELECT i.aid, m.burst, i.iid FROM inc i JOIN {members} m USING (aid)),
             per_item AS (SELECT burst, iid, count(*) AS x FROM b GROUP BY ALL),
             per_burst AS (SELECT burst, count(*) AS n FROM b GROUP BY ALL),
             per_acc AS (SELECT aid, count(*) AS d FROM b GROUP BY ALL)
        SELECT b.aid, pi.x - 1 AS y,
               (pb.n - pa.d) * (coalesce(bg.u, 0) + 1.0) / (total.n + 1.0) AS mu
        FROM b JOIN per_item pi USING (burst, iid) JOIN per_burst pb USING (burst)
        JOIN per_acc pa USING (aid) LEFT JOIN bg USING (iid), total
        WHERE pi.x >= 2""").fetchnumpy()
    acc, log_pa = simes_by_account(r["aid"].astype(np.int64),
                                   poisson_log_sf(r["y"].astype(np.float64),
                                                  np.maximum(r["mu"].astype(np.float64), 1e-12)))
    per = np.zeros(n_accounts)
    per[acc] = log_pa
    log_p = np.maximum(per[a1], per[a2])
    actions = f"(SELECT aid, iid AS item, t FROM {ACTIONS})"
    null = fit_null(con, actions, window=None, stratum=stratum, n_accounts=n_accounts)
    lam = np.maximum(null.expected(a1, a2), null.floor(a1, a2))
    vectors = tfidf_matrix(con, actions, n_accounts, rows=np.r_[a1, a2])
    sim = np.clip(rowwise_dot(vectors, vectors, a1, a2), 0.0, 1.0)
    return EdgeTests("creation_burst", a1, a2, k, lam, log_p, sim)
