"""synchronized: two accounts active in the same short time bins far more than chance.

Pacheco et al., "Uncovering Coordinated Networks on Social Media: Methods and Case Studies",
ICWSM 2021, case study 5 (pump & dump): the trace is the time of each post, engineered into
time bins, for accounts with at least 8 posts; accounts whose bin profiles are similar are
linked. Pairing accounts on every shared bin is quadratic in the accounts active per bin (at
1 M posts a 30-minute bin holds ~500 of them), so here similar profiles are found with MinHash
and LSH, as for near-duplicate texts, and the cost grows with the posts:

1. an account (with at least ``min_posts`` posts) is the set of its bins on two grids of width
   ``bin``, the second shifted by half a bin, so that two posts less than half a bin apart
   always share a bin;
2. accounts whose sets share an LSH band key are candidates (``bands`` × ``rows`` min-hashes;
   band keys shared by more than ``max_item_actions`` accounts are a hot item);
3. a candidate pair is kept when the Jaccard index of the two sets, estimated from the
   ``bands × rows`` min-hashes (standard error ≤ 0.5/√128 ≈ 0.045), is at least
   ``min_similarity`` (random accounts score near 0: the chance level);
4. its co-actions are the pairs of posts at most ``bin`` apart (bucket equi-join).

An edge's ``weight`` is the number of synchronized posts (the smaller of the two accounts'
numbers of posts with a partner post), ``score`` the estimated Jaccard index; the
item of a post pair is the time bin of the earlier post.
"""

from __future__ import annotations

from typing import Any

from ioscope.detect.engine.coaction import (
    ACCOUNTS,
    ACTIONS,
    ITEM_NAMES,
    PAIR_COLUMNS,
    PAIRS,
    POST_NAMES,
    apply_hot_policy,
)
from ioscope.detect.engine.minhash import PRIME, band_keys, estimated_jaccard
from ioscope.detect.engine.sql import Sql, epoch_seconds, from_epoch
from ioscope.detect.signals.base import Explanation, Null, Signal
from ioscope.params import Param
from ioscope.sql import literal

__all__ = ["SIGNAL", "pairs"]


def _profiles(sql: Sql, p: dict[str, Any]) -> int:
    """Posts of supported accounts (``_sy_posts``) and their bin sets (``_sy_elements``)."""
    width = literal(p["bin"])
    t = epoch_seconds("p.created_at")
    n = sql.temp(
        "_sy_posts",
        f"""
        SELECT a.aid, p.post_id, {t} AS t, CAST(FLOOR({t} / {width}) AS BIGINT) AS b
        FROM posts p
        JOIN (SELECT platform, account_id FROM posts GROUP BY platform, account_id
              HAVING COUNT(*) >= {literal(p["min_posts"])}) s
          ON s.platform = p.platform AND s.account_id = p.account_id
        JOIN {ACCOUNTS} a ON a.platform = p.platform AND a.account_id = p.account_id""",
    )
    # a bin's element is its offset to the first bin (below 2^31 - 1 unless the posts span
    # more than 2^30 bins: 34 years of 1-second bins; beyond, offsets p apart share an element)
    sql.temp(
        "_sy_elements",
        f"""
        SELECT DISTINCT x.aid AS key, (x.e - f.e0) % {PRIME} AS h FROM (
            SELECT aid, 2 * b AS e FROM _sy_posts
            UNION ALL
            SELECT aid, 2 * CAST(FLOOR((t + {width} / 2) / {width}) AS BIGINT) + 1 AS e
            FROM _sy_posts) x
        CROSS JOIN (SELECT 2 * MIN(b) AS e0 FROM _sy_posts) f""",
    )
    sql.temp("_sy_sizes", "SELECT key, COUNT(*) AS n FROM _sy_elements GROUP BY key")
    return n


def _similar_accounts(sql: Sql, p: dict[str, Any]) -> dict[str, int]:
    band_keys(
        sql,
        elements="_sy_elements",
        keys="_sy_sizes",
        out="_sy_band",
        bands=p["bands"],
        rows=p["rows"],
        seed=p["seed"],
        signatures="_sy_signatures",
    )
    sql.temp("_sy_cells", "SELECT key AS aid, band_key, CAST(0 AS BIGINT) AS b FROM _sy_band")
    hot = apply_hot_policy(
        sql, p, src="_sy_cells", dst="_sy_cells_cold", item="band_key", order="aid"
    )
    # J <= min(n1, n2) / max(n1, n2): pairs of very unequal sets (a bot posting every minute and
    # an occasional poster) cannot reach min_similarity and go before anything is compared
    ms = literal(p["min_similarity"])
    cand = sql.temp(
        "_sy_candidates",
        f"""
        SELECT c.a1, c.a2 FROM (
            SELECT DISTINCT x.aid AS a1, y.aid AS a2
            FROM _sy_cells_cold x JOIN _sy_cells_cold y ON x.band_key = y.band_key
            WHERE x.aid < y.aid) c
        JOIN _sy_sizes n1 ON n1.key = c.a1 JOIN _sy_sizes n2 ON n2.key = c.a2
        WHERE LEAST(n1.n, n2.n) >= {ms} * GREATEST(n1.n, n2.n)""",
    )
    # the Jaccard index is estimated from the signatures (no join over the bins themselves,
    # whose cost would grow with the candidates times their sizes)
    j = estimated_jaccard(p["bands"] * p["rows"])
    similar = sql.temp(
        "_sy_similar",
        f"""
        SELECT a1, a2, j FROM (
            SELECT c.a1, c.a2, {j} AS j FROM _sy_candidates c
            JOIN _sy_signatures s1 ON s1.key = c.a1 JOIN _sy_signatures s2 ON s2.key = c.a2) v
        WHERE j >= {ms}""",
    )
    return {
        "hot_cells": hot["hot_cells"],
        "hot_actions_set_aside": hot["hot_actions_set_aside"],
        "candidate_account_pairs": cand,
        "similar_account_pairs": similar,
    }


def pairs(sql: Sql, p: dict[str, Any]) -> dict[str, int]:
    """Build the co-action pairs (``PAIRS``) of synchronized accounts."""
    counts = {"actions": _profiles(sql, p)}
    counts.update(_similar_accounts(sql, p))
    width = literal(p["bin"])
    sql.temp(
        POST_NAMES,
        "SELECT post_id, ROW_NUMBER() OVER (ORDER BY post_id) AS pid "
        "FROM (SELECT DISTINCT post_id FROM _sy_posts) d",
    )
    # the accounts' (account, bin) activity, as the actions behind the signal
    sql.temp(
        ACTIONS,
        """
        SELECT aid, CAST(b AS VARCHAR) AS item, MIN(t) AS t, b FROM _sy_posts GROUP BY aid, b""",
    )
    sql.temp(
        "_sy_acts",
        f"""
        SELECT x.aid, x.t, x.b, q.pid FROM _sy_posts x
        JOIN {POST_NAMES} q ON q.post_id = x.post_id
        WHERE x.aid IN (SELECT a1 FROM _sy_similar UNION SELECT a2 FROM _sy_similar)""",
    )
    near = "\n        UNION ALL\n".join(
        f"""
        SELECT s.a1, s.a2, LEAST(x.b, y.b) AS iid, x.pid AS p1, y.pid AS p2, x.t AS t1,
               y.t AS t2, s.j AS score
        FROM _sy_similar s JOIN _sy_acts x ON x.aid = s.a1
        JOIN _sy_acts y ON y.aid = s.a2 AND y.b = x.b + {d}
        WHERE ABS(y.t - x.t) <= {width}"""
        for d in (-1, 0, 1)
    )
    counts["pairs"] = sql.temp(PAIRS, f"SELECT {PAIR_COLUMNS} FROM ({near}) u")
    sql.temp(
        ITEM_NAMES,
        f"""
        SELECT DISTINCT iid, CAST({from_epoch(f"iid * {width}")} AS VARCHAR) AS item FROM {PAIRS}""",
    )
    return counts


def null(con, p: dict[str, Any]) -> Null:
    """The null of a signal without shared content: one item, being active at all, with
    co-actions at most ``bin`` apart; the similarity is over the accounts' time bins."""
    return Null(
        f"(SELECT aid, 0 AS item, t FROM {ACTIONS})",
        window=float(p["bin"]),
        items=f"(SELECT aid, item FROM {ACTIONS})",
    )


SIGNAL = Signal(
    "synchronized",
    "Both accounts were active in the same short time bins far more than "
    "chance (Jaccard index of their bin sets, found with MinHash + LSH).",
    "Pacheco et al., ICWSM 2021 (case study 5)",
    None,
    pairs=pairs,
    windowed=False,
    defaults={"min_weight": 4},
    null=null,
    timing=True,
    order=100,
    explanation=Explanation("were active in", "time bin", "time bins"),
    params=(
        Param(
            "bin",
            "duration",
            "1m",
            "Width of the time bins; posts at most this far apart are synchronized.",
            min=1,
        ),
        Param("min_posts", "int", 8, "Fewest posts an account needs to be considered.", min=2),
        Param(
            "min_similarity",
            "float",
            0.2,
            "Lowest Jaccard index of the two accounts' bin sets (0: every LSH candidate).",
            min=0,
            max=1,
        ),
        Param("bands", "int", 64, "LSH bands.", min=1, max=128),
        Param("rows", "int", 2, "Min-hashes per band.", min=1, max=16),
        Param("seed", "int", 1, "Seed of the min-hash coefficients.", min=0),
    ),
)
