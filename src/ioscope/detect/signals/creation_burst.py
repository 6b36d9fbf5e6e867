"""creation_burst: accounts created in the same burst that share content beyond chance.

Operations register accounts in batches, and a batch shows as a span of creation dates far
denser than the background (Twitter's IRA releases give each account's creation date; peaks of
creation are reported by Zannettou et al., "Who let the trolls out?", WebSci 2019, and batch
creation is a classic sign of bot farms, Ferrara et al., CACM 2016). Creation alone does not make
a campaign (organic accounts are created on the same days), so the signal has two stages:

1. **Bursts: a temporal scan statistic with a Poisson null** (Kulldorff, "A spatial scan
   statistic", Communications in Statistics 1997; Naus 1965 for the one-dimensional case). Each
   account with a creation date (and posts in the workspace) opens windows of widths
   ``burst_window`` × 1, 3, 9, … (``burst_scales`` of them: a batch may be registered in hours
   or over days); the number of other accounts created in each is compared with a Poisson law
   whose mean is the background rate (the accounts created within ± ``burst_background`` of the
   window, outside it, plus one, per second, over that span clipped to the workspace's range of
   creation dates) times the window's width. Benjamini–Hochberg over all windows of all widths at
   ``burst_fdr``; the accounts inside the significant windows make the bursts (overlapping
   windows merge into one burst). A burst must stand out from its background: at 3–5 accounts a
   day, 23 accounts created over 3 days are one (found whole only with the 3- and 9-day
   windows), 17 are not (a simulated campaign of that size was missed), 230 are.
2. **Shared behaviour:** the accounts of one burst are paired on the items they both used over
   the whole period (hashtags and normalized URLs of their own posts, posts they reposted or
   quoted; one *incidence* per account and item, at its first use). The calibrated pipeline
   tests accounts, not pairs (:func:`test_burst_edges`): an account is beyond chance
   when its burst mates use its items far more than the items' popularity among the accounts
   outside every burst predicts, so that organic accounts of the burst that merely use popular
   hashtags stay at chance; an edge is significant when both of its accounts are. Which accounts
   are in a burst depends on creation dates alone, so the campaign cannot shape its own null.

A workspace without creation dates gives no edges. An edge's ``weight`` is the number of items
the two accounts share; its evidence rows pair the two accounts' first posts on each shared item,
whose name is ``hashtag:…``, ``url:…`` or ``post:…``. Items are not set aside as hot by default
(``max_item_actions`` 0): pairs are only formed inside bursts, one per shared item.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from ioscope.detect.engine.coaction import (
    ACCOUNTS,
    ACTIONS,
    EDGES,
    PAIRS,
    apply_hot_policy,
    index_actions,
)
from ioscope.detect.engine.sql import Sql, epoch_seconds
from ioscope.detect.signals.base import Explanation, Signal
from ioscope.detect.significance.edge_tests import EdgeTests, edge_arrays, intersection_union
from ioscope.detect.significance.explain import counted, partners, same
from ioscope.detect.significance.stats import benjamini_hochberg, poisson_log_sf, simes_by_group
from ioscope.fmt import format_seconds
from ioscope.params import Param
from ioscope.sql import literal, quote_ident

__all__ = ["SIGNAL", "pairs", "scan_bursts", "test_burst_edges"]

MEMBERS = "_cb_members"


def scan_bursts(
    t: np.ndarray,
    *,
    window: float | tuple[float, ...],
    background: float,
    fdr: float,
    min_size: int = 3,
) -> np.ndarray:
    """Burst number of each creation time ``t`` (seconds, any order), -1 outside every burst.

    A window [t_i, t_i + w] (one per account and width w in ``window``) is significant when the
    count of other accounts in it is beyond its Poisson expectation from the background density
    (Benjamini–Hochberg over the windows of every width together at ``fdr``) and it holds at
    least ``min_size`` accounts. The background is the accounts within ``background`` of the
    window but outside it, plus one, over that span (clipped to the range of creation times); a
    window with less background time than its own width is not tested (there is nothing to
    compare with). Overlapping significant windows form one burst.
    """
    n = t.size
    out = np.full(n, -1, dtype=np.int64)
    if n < min_size:
        return out
    order = np.argsort(t, kind="stable")
    s = t[order].astype(np.float64)
    widths = (window,) if np.isscalar(window) else tuple(window)
    ends, log_ps, ok = [], [], []
    for w in map(float, widths):
        b = max(float(background), w)
        end = np.searchsorted(s, s + w, side="right")
        inside = end - np.arange(n)  # the window's own account included
        lo = np.searchsorted(s, s - b, side="left")
        hi = np.searchsorted(s, s + w + b, side="right")
        span = np.minimum(s + w + b, s[-1]) - np.maximum(s - b, s[0])
        rest = span - w  # background time around the window
        tested = rest >= w
        # add-one: a span with no other account still has a finite density
        expected = (hi - lo - inside + 1.0) / np.where(tested, rest, 1.0) * w
        log_ps.append(np.where(tested, poisson_log_sf(inside - 1.0, expected), 0.0))
        ends.append(end)
        ok.append(tested & (inside >= min_size))
    q = benjamini_hochberg(np.exp(np.minimum(np.concatenate(log_ps), 0.0)))
    hit = np.flatnonzero((q <= fdr) & np.concatenate(ok))
    if hit.size == 0:
        return out
    # mark [start, end) of each significant window, merge overlaps into bursts
    start, end = hit % n, np.concatenate(ends)[hit]
    cover = np.zeros(n + 1, dtype=np.int64)
    np.add.at(cover, start, 1)
    np.add.at(cover, end, -1)
    covered = np.cumsum(cover[:-1]) > 0
    starts = covered & ~np.r_[False, covered[:-1]]
    burst = np.cumsum(starts) - 1
    out[order[covered]] = burst[covered]
    return out


def _bursts(sql: Sql, p: dict[str, Any]) -> dict[str, int]:
    """``MEMBERS`` (aid, burst): accounts of significant creation bursts, per platform."""
    sql.temp_table(MEMBERS, "aid BIGINT, burst BIGINT")
    has = sql.con.execute(  # a catalog lookup, not part of the portable pipeline
        "SELECT count(*) FROM duckdb_columns() WHERE table_name = 'accounts' "
        "AND column_name = 'created_at' AND NOT internal"
    ).fetchone()[0]
    if not has:
        return {"dated_accounts": 0, "bursts": 0, "burst_accounts": 0}
    d = sql.run(f"""
        SELECT c.aid, c.platform, {epoch_seconds("a.created_at")} AS t
        FROM accounts a JOIN {ACCOUNTS} c
          ON c.platform = a.platform AND c.account_id = a.account_id
        WHERE a.created_at IS NOT NULL ORDER BY c.aid""").fetchnumpy()
    aid, plat, t = d["aid"], np.asarray(d["platform"], dtype=object), d["t"]
    burst = np.full(aid.size, -1, dtype=np.int64)
    offset = 0
    for name in sorted(set(plat.tolist())):
        sel = np.flatnonzero(plat == name)
        widths = tuple(p["burst_window"] * 3**k for k in range(p["burst_scales"]))
        found = scan_bursts(
            t[sel].astype(np.float64),
            window=widths,
            background=p["burst_background"],
            fdr=p["burst_fdr"],
        )
        burst[sel] = np.where(found >= 0, found + offset, -1)
        offset = int(burst.max()) + 1 if (burst >= 0).any() else offset
    keep = burst >= 0
    if keep.any():
        sql.con.register("_cb_arrow", pa.table({"aid": aid[keep], "burst": burst[keep]}))
        try:
            sql.run(f"INSERT INTO {MEMBERS} SELECT aid, burst FROM _cb_arrow")
        finally:
            sql.con.unregister("_cb_arrow")
    return {
        "dated_accounts": int(aid.size),
        "bursts": int(np.unique(burst[keep]).size),
        "burst_accounts": int(keep.sum()),
    }


def _actions(sql: Sql) -> int:
    """Every account's actions on shareable items (for the null), items of ≥ 2 accounts."""
    t = epoch_seconds("created_at")
    own = "kind NOT IN ('repost')"
    src = f"""
        SELECT platform, account_id, 'hashtag:' || lower(item) AS item, t, post_id FROM (
            SELECT platform, account_id, UNNEST(LIST_DISTINCT(hashtags)) AS item, {t} AS t,
                   post_id FROM posts WHERE {own} AND ARRAY_LENGTH(hashtags) > 0) h
        WHERE item IS NOT NULL AND item <> ''
        UNION ALL
        SELECT platform, account_id, 'url:' || item, t, post_id FROM (
            SELECT platform, account_id, UNNEST(LIST_DISTINCT(urls_normalized)) AS item,
                   {t} AS t, post_id FROM posts
            WHERE {own} AND ARRAY_LENGTH(urls_normalized) > 0) u
        WHERE item IS NOT NULL AND item <> ''
        UNION ALL
        SELECT platform, account_id, 'post:' || target_post_id, {t}, post_id FROM posts
        WHERE kind IN ('repost', 'quote') AND target_post_id IS NOT NULL"""
    n = sql.temp(
        "_cb_actions_all",
        f"""
        SELECT DISTINCT a.aid, x.item, x.t, x.post_id, CAST(0 AS BIGINT) AS b
        FROM ({src}) x JOIN {ACCOUNTS} a
          ON a.platform = x.platform AND a.account_id = x.account_id WHERE x.t IS NOT NULL""",
    )
    # one incidence per account and item: its first use (the smallest post id among posts
    # at that time, so that ties are broken alike on every engine)
    sql.temp(
        "_cb_actions",
        """
        SELECT x.aid, x.item, x.t, MIN(x.post_id) AS post_id, CAST(0 AS BIGINT) AS b
        FROM _cb_actions_all x
        JOIN (SELECT aid, item, MIN(t) AS t FROM _cb_actions_all GROUP BY aid, item) f
          ON f.aid = x.aid AND f.item = x.item AND f.t = x.t
        JOIN (SELECT item FROM _cb_actions_all GROUP BY item
              HAVING MIN(aid) < MAX(aid)) i ON i.item = x.item
        GROUP BY x.aid, x.item, x.t""",
    )
    return n


def pairs(sql: Sql, p: dict[str, Any]) -> dict[str, int]:
    """Build the pairs (``PAIRS``: one row per account pair and shared item, with each
    account's first post on it) of accounts of one creation burst."""
    counts = _bursts(sql, p)
    counts["actions"] = _actions(sql) if counts["burst_accounts"] else 0
    if not counts["burst_accounts"]:
        sql.temp(
            "_cb_actions",
            "SELECT * FROM (SELECT CAST(NULL AS BIGINT) AS aid, "
            "CAST(NULL AS VARCHAR) AS item, CAST(NULL AS DOUBLE) AS t, "
            "CAST(NULL AS VARCHAR) AS post_id, CAST(0 AS BIGINT) AS b) x WHERE FALSE",
        )
    counts.update(apply_hot_policy(sql, p, src="_cb_actions", dst="_cb_actions_cold"))
    index_actions(sql, "_cb_actions_cold")
    burst = f"(SELECT x.*, m.burst FROM {ACTIONS} x JOIN {MEMBERS} m USING (aid))"
    counts["pairs"] = sql.temp(
        PAIRS,
        f"""
        SELECT x.aid AS a1, y.aid AS a2, x.iid, x.pid AS p1, y.pid AS p2, x.t AS t1, y.t AS t2,
               CAST(NULL AS DOUBLE) AS score
        FROM {burst} x JOIN {burst} y ON x.iid = y.iid AND x.burst = y.burst
        WHERE x.aid < y.aid""",
    )
    return counts


def finish(sql: Sql, p: dict[str, Any]) -> dict[str, int]:
    """An edge's weight is the number of items the two accounts share (the generic weight
    counts distinct first posts, fewer when one post carries two shared items)."""
    cols = ", ".join(
        "e.shared_items AS weight" if c.lower() == "weight" else f"e.{quote_ident(c)}"
        for c in sql.columns(EDGES)
    )
    sql.temp(
        "_cb_edges",
        f"""
        SELECT {cols} FROM {EDGES} e WHERE e.shared_items >= {literal(p["min_weight"])}""",
    )
    sql.temp(EDGES, "SELECT * FROM _cb_edges")
    return {}


def test_burst_edges(con, p: dict[str, Any], *, stratum: float, n_accounts: int) -> EdgeTests:
    """Test the signal's edges (``EDGES``) with an account-level item test.

    A campaign created in one burst shares a few items (its hashtags, its sites) among many of
    its accounts, while each account also acts on many unrelated items; a pair shares few items,
    so one pair's count is weak evidence, and a sum over the account's co-uses drowns the
    campaign's few items in the account's many others. The test therefore asks, item by item,
    whether the account's burst mates use it more than its popularity predicts:

    * the background is the accounts outside every burst (which accounts are in a burst depends
      on creation dates only, so the campaign cannot shape its own null); item i has u_i of
      their U incidences (an incidence is one account using one item), so a random incidence
      falls on i with probability π_i = (u_i + 1) / (U + 1) (add-one: an item nobody outside
      uses is treated as used once);
    * for account a of burst B and each of its items i, Y_ai is the number of *other* accounts
      of B that used i; under the null (their I_B − d_a incidences drawn from the background)
      Y_ai is Poisson((I_B − d_a) π_i), and p_ai = P(Y ≥ Y_ai);
    * the account's p-value combines its items with Simes' method (valid under positive
      dependence).

    An edge (a, b) gets p = max(p_a, p_b): the intersection–union test of "both accounts share
    items with their burst beyond chance" (Berger, "Multiparameter hypothesis testing and
    acceptance sampling", Technometrics 1982), a valid p-value whenever either account is
    organic. Simes and Benjamini–Hochberg then run over these with every other signal's edges.
    The edge's ``expected`` column is λ of the configuration null with no window
    (:mod:`ioscope.detect.significance.nullmodel`), never below its floor.

    ``MEMBERS`` (aid, burst) are the burst accounts; ``ACTIONS`` holds one incidence per
    account and item (aid, iid, t).
    """
    a1, a2, k = edge_arrays(con, EDGES)
    if a1.size == 0:
        return EdgeTests.empty(SIGNAL.name, a1, a2, k)
    r = con.execute(f"""
        WITH inc AS (SELECT DISTINCT aid, iid FROM {ACTIONS}),
             bg AS (SELECT iid, count(*) AS u FROM inc
                    WHERE aid NOT IN (SELECT aid FROM {MEMBERS}) GROUP BY iid),
             total AS (SELECT count(*) AS n FROM inc
                       WHERE aid NOT IN (SELECT aid FROM {MEMBERS})),
             b AS (SELECT i.aid, m.burst, i.iid FROM inc i JOIN {MEMBERS} m USING (aid)),
             per_item AS (SELECT burst, iid, count(*) AS x FROM b GROUP BY ALL),
             per_burst AS (SELECT burst, count(*) AS n FROM b GROUP BY ALL),
             per_acc AS (SELECT aid, count(*) AS d FROM b GROUP BY ALL)
        SELECT b.aid, pi.x - 1 AS y,
               (pb.n - pa.d) * (coalesce(bg.u, 0) + 1.0) / (total.n + 1.0) AS mu
        FROM b JOIN per_item pi USING (burst, iid) JOIN per_burst pb USING (burst)
        JOIN per_acc pa USING (aid) LEFT JOIN bg USING (iid), total
        WHERE pi.x >= 2""").fetchnumpy()
    acc, log_pa = simes_by_group(
        r["aid"].astype(np.int64),
        poisson_log_sf(r["y"].astype(np.float64), np.maximum(r["mu"].astype(np.float64), 1e-12)),
    )
    return intersection_union(
        con, SIGNAL.name, a1, a2, k, acc, log_pa, stratum=stratum, n_accounts=n_accounts
    )


def _cluster_sentence(f: dict, p: str) -> str:
    span = _span(f.get("first_created"), f.get("last_created"))
    return (
        f"{int(f['accounts']):,} accounts {span} {_used(f, 'post', 'posts')}; their first uses "
        f"of a shared item were a median of {format_seconds(f.get('median_dt_seconds'))} apart "
        f"({p})."
    )


def _member_sentence(f: dict, p: str) -> str:
    made = f.get("created_at")
    made = f"Created on {made:%Y-%m-%d}" if made is not None else "Created"
    return (
        f"{made}, in one burst with {partners(f)}, and {_used(f, 'of its posts')}; first uses "
        f"a median of {format_seconds(f.get('median_dt_seconds'))} apart ({p})."
    )


def _used(f: dict, one: str, many: str | None = None) -> str:
    """'used the same 17 items (hashtags, links, reposted posts; 230 posts)'."""
    return (
        f"used {same(f, 'item', 'items')} (hashtags, links, reposted posts; "
        f"{counted(f, 'posts', one, many)})"
    )


def _span(first, last) -> str:
    if first is None or last is None:
        return "with unknown creation dates"
    days = (last - first).total_seconds()
    if days < 86400 and first.date() == last.date():
        return f"created on {first:%Y-%m-%d}"
    return (
        f"created between {first:%Y-%m-%d} and {last:%Y-%m-%d} (creation dates spanning "
        f"{format_seconds(days)})"
    )


SIGNAL = Signal(
    "creation_burst",
    "Both accounts were created in the same burst of account creation (a "
    "temporal scan statistic) and acted on the same items (hashtags, links, reposted posts) "
    "over the whole period.",
    "Kulldorff 1997 and Naus 1965 (scan statistics); Zannettou et al., WebSci 2019; Ferrara et "
    "al., CACM 2016; Simes 1986; Berger 1982 (intersection–union test)",
    None,
    pairs=pairs,
    finish=finish,
    windowed=False,
    test=test_burst_edges,
    order=110,
    shares=(MEMBERS,),
    explanation=Explanation(
        "were created in one burst and used",
        "item",
        "items",
        account_test="burst test",
        cluster=_cluster_sentence,
        member=_member_sentence,
    ),
    defaults={"min_weight": 2, "max_item_actions": 0, "max_evidence": 20},
    params=(
        Param(
            "burst_window",
            "duration",
            "1d",
            "Width of the narrowest scan window over account creation times.",
            min=60,
        ),
        Param(
            "burst_scales",
            "int",
            3,
            "Scan window widths: burst_window × 1, 3, 9, … (this many), tested together.",
            min=1,
            max=6,
        ),
        Param(
            "burst_background",
            "duration",
            "90d",
            "Half-width of the span around a window "
            "whose creation density (outside the window) is the background.",
            min=60,
        ),
        Param(
            "burst_fdr",
            "float",
            0.01,
            "False discovery rate (Benjamini–Hochberg) of the creation windows called bursts.",
            min=1e-12,
            max=0.5,
        ),
    ),
)
