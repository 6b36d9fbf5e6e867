"""synchronized: two accounts active in the same short time bins far more than chance.

Pacheco et al., "Uncovering Coordinated Networks on Social Media: Methods and Case Studies",
ICWSM 2021, case study 5 (pump & dump): the trace is the post's time, engineered into bins
(30 minutes in the paper) for accounts with at least 8 posts; the account × bin network is
weighted with TF-IDF and projected with cosine similarity.

Here an action is an account's first post in a bin; accounts pair on the bin. Edge ``weight``
is the number of shared bins and ``score`` the TF-IDF cosine similarity of the two accounts'
bin vectors (tf = posts in the bin, idf = ln(active accounts / accounts active in the bin),
norms over all of an account's bins). Edges need ``min_weight`` shared bins and a score of at
least ``min_similarity``. Bins where more than ``max_item_actions`` accounts are active (busy
hours) carry almost no information (their idf is near 0) and are set aside by the hot-item policy.
"""

from __future__ import annotations

from typing import Any

from ioscope.detect.base import Signal
from ioscope.detect.coaction import ACCOUNTS, EDGES, PAIRS
from ioscope.detect.sql import Sql, epoch_seconds, lit
from ioscope.params import Param

__all__ = ["SIGNAL", "actions", "finish"]


def _bins(p: dict[str, Any]) -> str:
    t = epoch_seconds("p.created_at")
    return f"""
        SELECT p.platform, p.account_id, p.post_id, {t} AS t,
               CAST(FLOOR({t} / {lit(p['bin'])}) AS BIGINT) AS bin
        FROM posts p JOIN (SELECT platform, account_id FROM posts GROUP BY platform, account_id
                           HAVING COUNT(*) >= {lit(p['min_posts'])}) a
          ON a.platform = p.platform AND a.account_id = p.account_id"""


def actions(p: dict[str, Any], compat: str | None) -> str:
    """One action per (account, bin): the account's first post in the bin."""
    return f"""
        SELECT platform, account_id, CAST(bin AS VARCHAR) AS item, t, post_id FROM (
            SELECT b.*, ROW_NUMBER() OVER (PARTITION BY platform, account_id, bin
                                           ORDER BY t, post_id) AS rn
            FROM ({_bins(p)}) b) r
        WHERE rn = 1"""


def finish(sql: Sql, p: dict[str, Any]) -> dict[str, int]:
    """Score the edges with the TF-IDF cosine similarity and keep those ≥ min_similarity."""
    sql.temp("_sync_tf", f"""
        SELECT c.aid, CAST(b.bin AS VARCHAR) AS item, COUNT(*) AS tf
        FROM ({_bins(p)}) b JOIN {ACCOUNTS} c
          ON c.platform = b.platform AND c.account_id = b.account_id
        GROUP BY c.aid, b.bin""")
    sql.temp("_sync_w", """
        SELECT tf.aid, tf.item, tf.tf * LN(1.0 * n.accounts / d.df) AS w
        FROM _sync_tf tf
        JOIN (SELECT item, COUNT(*) AS df FROM _sync_tf GROUP BY item) d ON d.item = tf.item
        CROSS JOIN (SELECT COUNT(DISTINCT aid) AS accounts FROM _sync_tf) n""")
    sql.temp("_sync_norm", "SELECT aid, SQRT(SUM(w * w)) AS norm FROM _sync_w GROUP BY aid")
    before = sql.one(f"SELECT COUNT(*) FROM {EDGES}")
    sql.temp("_sync_edges", f"""
        SELECT e.a1, e.a2, e.directed, e.weight, e.shared_items, e.co_actions,
               s.dot / (n1.norm * n2.norm) AS score, e.first_t, e.last_t
        FROM {EDGES} e
        JOIN (SELECT x.a1, x.a2, SUM(w1.w * w2.w) AS dot FROM {PAIRS} x
              JOIN _sync_w w1 ON w1.aid = x.a1 AND w1.item = x.item
              JOIN _sync_w w2 ON w2.aid = x.a2 AND w2.item = x.item
              GROUP BY x.a1, x.a2) s ON s.a1 = e.a1 AND s.a2 = e.a2
        JOIN _sync_norm n1 ON n1.aid = e.a1 JOIN _sync_norm n2 ON n2.aid = e.a2
        WHERE n1.norm > 0 AND n2.norm > 0
          AND s.dot / (n1.norm * n2.norm) >= {lit(p['min_similarity'])}""")
    after = sql.temp(EDGES, "SELECT * FROM _sync_edges")
    return {"edges_below_similarity": before - after}


SIGNAL = Signal(
    "synchronized", "Both accounts were active in the same short time bins far more than "
    "chance (TF-IDF cosine similarity of their bin vectors).",
    "Pacheco et al., ICWSM 2021 (case study 5)", actions, windowed=False, finish=finish,
    defaults={"min_weight": 3, "max_item_actions": 200},
    params=(
        Param("bin", "duration", "30m", "Width of the time bins (UTC-aligned).", min=1),
        Param("min_posts", "int", 8, "Fewest posts an account needs to be considered.", min=1),
        Param("min_similarity", "float", 0.5, "Lowest cosine similarity kept.", min=0, max=1),
    ))
