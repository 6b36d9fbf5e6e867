"""near_duplicate_text: two accounts posted near-identical texts within the window.

Copy-paste campaigns with small edits. The similarity is the Jaccard index of the two texts'
word sets after normalization (:func:`ioscope.detect.signals.text.normalized_text`), as in
coordination-network-toolkit's co_similar_tweet (Graham et al.), found with MinHash and
locality-sensitive hashing (Broder 1997; Leskovec, Rajaraman & Ullman, *Mining of Massive
Datasets*, ch. 3) computed entirely in SQL, so that the cost grows with the number of posts
rather than with the pairs of posts in a window:

1. each distinct normalized text with at least ``min_tokens`` distinct words gets a signature
   of ``bands × rows`` min-hashes (``MIN((a_i · x + b_i) mod (2³¹ − 1))`` over its permuted
   word ids x, all in one GROUP BY, computed in chunks of texts to bound memory);
2. each band of ``rows`` min-hashes is hashed into a band key; texts that share a band key and
   were posted in the same or adjacent window-sized buckets are candidates;
3. candidates are verified with the exact Jaccard index of their word sets (≥ ``threshold``);
4. posts of the same text, or of two verified texts, by two accounts at most ``window`` apart
   are co-actions (bucket equi-join, as every co-action signal).

The item of a pair is the two texts' ids (``tid`` or ``tid~tid``); an edge's ``weight`` counts
posts as for every signal and its ``score`` is the mean Jaccard index of its post pairs. With
16 bands × 4 rows two texts are candidates with probability 1 − (1 − J⁴)¹⁶: 0.99 at J = 0.7,
0.64 at J = 0.5. Text ids number the run's distinct normalized texts and words get ids from a
vocabulary the same way (:func:`ioscope.detect.engine.minhash.vocabulary`), so that the min-hashes are
integer arithmetic that every engine computes alike.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from ioscope.detect.engine.coaction import (
    ACCOUNTS,
    ITEM_NAMES,
    PAIR_COLUMNS,
    PAIRS,
    POST_NAMES,
    apply_hot_policy,
    oriented,
)
from ioscope.detect.engine.minhash import band_keys, vocabulary
from ioscope.detect.engine.sql import Sql, chunk_filters, epoch_seconds
from ioscope.detect.signals.base import Explanation, Null, Signal
from ioscope.detect.signals.text import normalized_text
from ioscope.detect.significance.explain import apart, counted, partners
from ioscope.params import Param
from ioscope.sql import literal

__all__ = ["SIGNAL", "pairs", "null"]

#: Texts split into words in one statement (see :func:`_texts`).
CHUNK_POSTS = 1_000_000


def _texts(sql: Sql, p: dict[str, Any]) -> int:
    """Posts with a normalized text (``_nd_posts``), the distinct texts numbered (``_nd_texts``)
    and their words as word ids (``_nd_tokens``)."""
    w = literal(p["window"])
    src = (
        f"SELECT platform, account_id, post_id, {epoch_seconds('created_at')} AS t, text "
        "FROM posts WHERE kind <> 'repost' AND text IS NOT NULL"
    )
    sql.temp(
        "_nd_posts_text",
        f"""
        SELECT a.aid, x.post_id, x.t, CAST(FLOOR(x.t / {w}) AS BIGINT) AS b, x.norm AS text
        FROM ({normalized_text(src)}) x
        JOIN {ACCOUNTS} a ON a.platform = x.platform AND a.account_id = x.account_id
        WHERE x.norm <> ''""",
    )
    n_texts = vocabulary(sql, values="SELECT text AS value FROM _nd_posts_text", out="_nd_texts")
    sql.temp(
        "_nd_posts_all",
        "SELECT x.aid, x.post_id, x.t, x.b, v.id AS tid "
        "FROM _nd_posts_text x JOIN _nd_texts v ON v.value = x.text",
    )
    vocabulary(
        sql,
        out="_nd_words",
        values="""
        SELECT value FROM (SELECT UNNEST(STRING_SPLIT(value, ' ')) AS value FROM _nd_texts) w
        WHERE value <> ''""",
    )
    # the texts' words in chunks of texts: the DISTINCT over texts and words holds one chunk
    # at a time, which DuckDB keeps within a small memory limit
    sql.temp_table("_nd_tokens_all", "tid BIGINT, h BIGINT")
    for where in chunk_filters(n_texts, CHUNK_POSTS, "id"):
        sql.run(f"""INSERT INTO _nd_tokens_all
            SELECT DISTINCT w.tid, v.id AS h FROM (
                SELECT id AS tid, UNNEST(STRING_SPLIT(value, ' ')) AS word
                FROM _nd_texts {where}) w
            JOIN _nd_words v ON v.value = w.word""")
    sql.temp(
        "_nd_sizes",
        f"SELECT tid, COUNT(*) AS n FROM _nd_tokens_all GROUP BY tid "
        f"HAVING COUNT(*) >= {literal(p['min_tokens'])}",
    )
    sql.temp(
        "_nd_tokens", "SELECT k.tid, k.h FROM _nd_tokens_all k JOIN _nd_sizes s ON s.tid = k.tid"
    )
    return sql.temp(
        "_nd_posts",
        "SELECT x.aid, x.post_id, x.t, x.b, x.tid FROM _nd_posts_all x "
        "JOIN _nd_sizes s ON s.tid = x.tid",
    )


def _bands(sql: Sql, p: dict[str, Any]) -> int:
    """Band keys of every text, from its min-hash signature; only keys two texts share."""
    band_keys(
        sql,
        elements="(SELECT tid AS key, h FROM _nd_tokens) e",
        keys="(SELECT tid AS key FROM _nd_sizes) k",
        out="_nd_band_all",
        bands=p["bands"],
        rows=p["rows"],
        seed=p["seed"],
    )
    return sql.temp(
        "_nd_band",
        """
        SELECT x.key AS tid, x.band_key FROM _nd_band_all x
        JOIN (SELECT band_key FROM _nd_band_all GROUP BY band_key HAVING COUNT(*) >= 2) k
          ON k.band_key = x.band_key""",
    )


def _similar_texts(sql: Sql, p: dict[str, Any]) -> dict[str, int]:
    """Verified pairs of distinct texts posted in the same or adjacent buckets (``_nd_similar``)."""
    sql.temp(
        "_nd_cells",
        """
        SELECT DISTINCT k.band_key, t.b, k.tid
        FROM _nd_band k JOIN (SELECT DISTINCT tid, b FROM _nd_posts) t ON t.tid = k.tid""",
    )
    counts = apply_hot_policy(
        sql, p, src="_nd_cells", dst="_nd_cells_cold", item="band_key", order="tid"
    )
    cand = sql.temp(
        "_nd_candidates",
        """
        SELECT DISTINCT LEAST(x.tid, y.tid) AS t1, GREATEST(x.tid, y.tid) AS t2
        FROM _nd_cells_cold x JOIN _nd_cells_cold y
          ON x.band_key = y.band_key AND (y.b = x.b)
        WHERE x.tid < y.tid
        UNION
        SELECT LEAST(x.tid, y.tid) AS t1, GREATEST(x.tid, y.tid) AS t2
        FROM _nd_cells_cold x JOIN _nd_cells_cold y
          ON x.band_key = y.band_key AND y.b = x.b + 1
        WHERE x.tid <> y.tid""",
    )
    similar = sql.temp(
        "_nd_similar",
        f"""
        SELECT t1, t2, j FROM (
            SELECT i.t1, i.t2, 1.0 * i.inter / (s1.n + s2.n - i.inter) AS j
            FROM (SELECT c.t1, c.t2, COUNT(*) AS inter
                  FROM _nd_candidates c
                  JOIN _nd_tokens k1 ON k1.tid = c.t1
                  JOIN _nd_tokens k2 ON k2.tid = c.t2 AND k2.h = k1.h
                  GROUP BY c.t1, c.t2) i
            JOIN _nd_sizes s1 ON s1.tid = i.t1 JOIN _nd_sizes s2 ON s2.tid = i.t2) v
        WHERE j >= {literal(p["threshold"])}""",
    )
    return {
        "text_hot_cells": counts["hot_cells"],
        "candidate_text_pairs": cand,
        "similar_text_pairs": similar,
    }


def pairs(sql: Sql, p: dict[str, Any]) -> dict[str, int]:
    """Build the co-action pairs (``PAIRS``) of near-identical texts."""
    n_posts = _texts(sql, p)
    counts = {"actions": n_posts, "text_bands": _bands(sql, p)}
    counts.update(_similar_texts(sql, p))
    hot = apply_hot_policy(
        sql, p, src="_nd_posts", dst="_nd_posts_cold", item="tid", order="t, aid, post_id"
    )
    counts.update(hot)
    sql.temp(
        POST_NAMES,
        "SELECT post_id, ROW_NUMBER() OVER (ORDER BY post_id) AS pid "
        "FROM (SELECT DISTINCT post_id FROM _nd_posts_cold) d",
    )
    sql.temp(
        "_nd_acts",
        f"SELECT x.aid, x.t, x.b, x.tid, q.pid FROM _nd_posts_cold x "
        f"JOIN {POST_NAMES} q ON q.post_id = x.post_id",
    )
    # text ids are below 2^31: a pair's id is above every text's
    pair_key = "s.t1 * 2147483648 + s.t2"
    sql.temp(
        ITEM_NAMES,
        f"""
        SELECT DISTINCT tid AS iid, CAST(tid AS VARCHAR) AS item FROM _nd_acts
        UNION ALL
        SELECT {pair_key} AS iid, CAST(s.t1 AS VARCHAR) || '~' || CAST(s.t2 AS VARCHAR) AS item
        FROM _nd_similar s""",
    )
    w = literal(p["window"])
    near = "\n        UNION ALL\n".join(
        f"""
        SELECT {oriented()}, {pair_key} AS iid, s.j AS score
        FROM _nd_similar s JOIN _nd_acts x ON x.tid = s.t1
        JOIN _nd_acts y ON y.tid = s.t2 AND y.b = x.b + {d}
        WHERE x.aid <> y.aid AND ABS(y.t - x.t) <= {w}"""
        for d in (-1, 0, 1)
    )
    counts["pairs"] = sql.temp(
        PAIRS,
        f"""
        SELECT {PAIR_COLUMNS} FROM (
        SELECT x.aid AS a1, y.aid AS a2, x.pid AS p1, y.pid AS p2, x.t AS t1, y.t AS t2,
               x.tid AS iid, 1.0 AS score
        FROM _nd_acts x JOIN _nd_acts y ON x.tid = y.tid AND x.b = y.b
        WHERE x.aid < y.aid AND ABS(y.t - x.t) <= {w}
        UNION ALL
        SELECT {oriented()}, x.tid AS iid, 1.0 AS score
        FROM _nd_acts x JOIN _nd_acts y ON x.tid = y.tid AND y.b = x.b + 1
        WHERE x.aid <> y.aid AND y.t - x.t <= {w}
        UNION ALL{near}) u""",
    )
    return counts


def null(con, p: dict[str, Any]) -> Null:
    """Posts of near-identical texts as actions on one item per group of similar texts.

    The signal pairs posts of the same text or of two verified similar texts; for the null, the
    texts linked by verified similarity (``_nd_similar``) are merged into connected components,
    each one item, over the posts the pairs were built from (``_nd_posts_cold``).
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    sim = con.execute("SELECT t1, t2 FROM _nd_similar").fetchnumpy()
    con.execute("CREATE OR REPLACE TEMP TABLE _nd_group (tid BIGINT, grp BIGINT)")
    if sim["t1"].size:
        tids, inv = np.unique(np.concatenate([sim["t1"], sim["t2"]]), return_inverse=True)
        n = tids.size
        half = sim["t1"].size
        g = coo_matrix((np.ones(half), (inv[:half], inv[half:])), shape=(n, n))
        _, label = connected_components(g, directed=False)
        rep = np.full(label.max() + 1, np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(rep, label, tids)
        con.register("_nd_group_arrow", pa.table({"tid": tids, "grp": rep[label]}))
        try:
            con.execute("INSERT INTO _nd_group SELECT * FROM _nd_group_arrow")
        finally:
            con.unregister("_nd_group_arrow")
    return Null(
        "(SELECT x.aid, CAST(coalesce(g.grp, x.tid) AS VARCHAR) AS item, x.t "
        "FROM _nd_posts_cold x LEFT JOIN _nd_group g ON g.tid = x.tid)",
        window=float(p["window"]),
        temps=("_nd_group",),
    )


def _cluster_sentence(f: dict, p: str) -> str:
    return (
        f"{int(f['accounts']):,} accounts posted near-identical texts: "
        f"{counted(f, 'posts', 'post', 'posts')}, "
        f"{counted(f, 'texts', 'distinct text', 'distinct texts')}{apart(f)} ({p})."
    )


def _member_sentence(f: dict, p: str) -> str:
    return (
        f"Posted near-identical texts with {partners(f)}: "
        f"{counted(f, 'posts', 'of its posts')}, "
        f"{counted(f, 'texts', 'distinct text', 'distinct texts')}{apart(f)} ({p})."
    )


SIGNAL = Signal(
    "near_duplicate_text",
    "Both accounts posted near-identical texts (Jaccard similarity of "
    "word sets ≥ threshold, found with MinHash + LSH in SQL) within the window.",
    "Graham et al., coordination-network-toolkit (co_similar_tweet); Broder 1997 (MinHash); "
    "Pacheco et al., ICWSM 2021",
    None,
    pairs=pairs,
    null=null,
    order=90,
    shares=("_nd_posts_cold", "_nd_similar"),
    explanation=Explanation(
        "posted near-identical copies of",
        "text",
        "texts",
        cluster=_cluster_sentence,
        member=_member_sentence,
    ),
    params=(
        Param(
            "threshold",
            "float",
            0.7,
            "Lowest Jaccard similarity of the two word sets.",
            min=0.05,
            max=1,
        ),
        Param("min_tokens", "int", 5, "Fewest distinct words a normalized text needs.", min=1),
        Param("bands", "int", 16, "LSH bands.", min=1, max=64),
        Param(
            "rows",
            "int",
            4,
            "Min-hashes per band (signature length = bands × rows).",
            min=1,
            max=16,
        ),
        Param("seed", "int", 1, "Seed of the min-hash coefficients.", min=0),
    ),
)
