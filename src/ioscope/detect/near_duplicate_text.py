"""near_duplicate_text: two accounts posted near-identical texts within the window.

Copy-paste campaigns with small edits. The similarity is the Jaccard index of the two texts'
word sets after normalization (:func:`ioscope.detect.text.normalized_text`), as in
coordination-network-toolkit's co_similar_tweet (Graham et al.), found with MinHash and
locality-sensitive hashing (Broder 1997; Leskovec, Rajaraman & Ullman, *Mining of Massive
Datasets*, ch. 3) computed entirely in SQL, so that the cost grows with the number of posts
rather than with the pairs of posts in a window:

1. each distinct normalized text with at least ``min_tokens`` distinct words gets a signature
   of ``bands × rows`` min-hashes (``MIN((a_i · h(word) + b_i) mod (2³¹ − 1))``, all in one
   GROUP BY, computed in chunks of texts to bound memory);
2. each band of ``rows`` min-hashes is hashed into a band key; texts that share a band key and
   were posted in the same or adjacent window-sized buckets are candidates;
3. candidates are verified with the exact Jaccard index of their word sets (≥ ``threshold``);
4. posts of the same text, or of two verified texts, by two accounts at most ``window`` apart
   are co-actions (bucket equi-join, as every co-action signal).

The item of a pair is the two texts' ids (``tid`` or ``tid~tid``); an edge's ``score`` is the
mean Jaccard index of its post pairs. Two texts of 16 bands × 4 rows are candidates with probability 1 − (1 − J⁴)¹⁶: 0.99
at J = 0.7, 0.64 at J = 0.5. Text ids are 63-bit hashes of the normalized text.
"""

from __future__ import annotations

import random
from typing import Any

from ioscope.detect.base import Signal
from ioscope.detect.coaction import ACCOUNTS, PAIRS, apply_hot_policy
from ioscope.detect.sql import Sql, epoch_seconds, lit
from ioscope.detect.text import normalized_text
from ioscope.params import Param

__all__ = ["SIGNAL", "pairs"]

PRIME = 2147483647  # 2^31 - 1: (a * h + b) stays below 2^62 in BIGINT arithmetic
CHUNK_TEXTS = 1_000_000  # texts per signature GROUP BY


def _coefficients(n: int, seed: int) -> list[tuple[int, int]]:
    rng = random.Random(seed)
    return [(rng.randrange(1, PRIME), rng.randrange(0, PRIME)) for _ in range(n)]


def _texts(sql: Sql, p: dict[str, Any]) -> int:
    """Posts with a normalized text (``_nd_posts``), distinct texts and their word hashes."""
    w = lit(p["window"])
    sql.temp("_nd_posts_all", f"""
        SELECT a.aid, x.post_id, x.t, CAST(FLOOR(x.t / {w}) AS BIGINT) AS b,
               CAST(HASH(x.text) % 9223372036854775807 AS BIGINT) AS tid, x.text
        FROM (SELECT platform, account_id, post_id, {epoch_seconds('created_at')} AS t,
                     {normalized_text('text')} AS text
              FROM posts WHERE kind <> 'repost' AND text IS NOT NULL) x
        JOIN {ACCOUNTS} a ON a.platform = x.platform AND a.account_id = x.account_id
        WHERE x.text <> ''""")
    sql.temp("_nd_tokens_all", f"""
        SELECT DISTINCT d.tid, CAST(HASH(u.word) % {PRIME} AS BIGINT) AS h
        FROM (SELECT DISTINCT tid, text FROM _nd_posts_all) d,
             UNNEST(STRING_SPLIT(d.text, ' ')) AS u(word)
        WHERE u.word <> ''""")
    sql.temp("_nd_sizes", f"SELECT tid, COUNT(*) AS n FROM _nd_tokens_all GROUP BY tid "
             f"HAVING COUNT(*) >= {lit(p['min_tokens'])}")
    sql.temp("_nd_tokens", "SELECT k.tid, k.h FROM _nd_tokens_all k JOIN _nd_sizes s ON s.tid = k.tid")
    return sql.temp("_nd_posts", "SELECT x.aid, x.post_id, x.t, x.b, x.tid FROM _nd_posts_all x "
                    "JOIN _nd_sizes s ON s.tid = x.tid")


def _bands(sql: Sql, p: dict[str, Any]) -> int:
    """Band keys of every text, from its min-hash signature (computed in chunks of texts)."""
    bands, rows = p["bands"], p["rows"]
    coef = _coefficients(bands * rows, p["seed"])
    mins = ", ".join(f"MIN((h * {a} + {b}) % {PRIME}) AS m{i}" for i, (a, b) in enumerate(coef))
    keys = ", ".join(
        "CAST(HASH(" + ", ".join([str(j)] + [f"m{j * rows + r}" for r in range(rows)])
        + ") % 9223372036854775807 AS BIGINT)"
        for j in range(bands))
    n_texts = sql.one("SELECT COUNT(*) FROM _nd_sizes")
    chunks = max(1, -(-n_texts // CHUNK_TEXTS))
    sql.temp_table("_nd_band_all", "tid BIGINT, band_key BIGINT")
    for c in range(chunks):
        where = f"WHERE tid % {chunks} = {c}" if chunks > 1 else ""
        sql.run(f"""
            INSERT INTO _nd_band_all
            SELECT tid, UNNEST([{keys}]) AS band_key
            FROM (SELECT tid, {mins} FROM _nd_tokens {where} GROUP BY tid) s""")
    return sql.temp("_nd_band", """
        SELECT x.tid, x.band_key FROM _nd_band_all x
        JOIN (SELECT band_key FROM _nd_band_all GROUP BY band_key HAVING COUNT(*) >= 2) k
          ON k.band_key = x.band_key""")


def _similar_texts(sql: Sql, p: dict[str, Any]) -> dict[str, int]:
    """Verified pairs of distinct texts posted in the same or adjacent buckets (``_nd_similar``)."""
    sql.temp("_nd_cells", """
        SELECT DISTINCT k.band_key, t.b, k.tid
        FROM _nd_band k JOIN (SELECT DISTINCT tid, b FROM _nd_posts) t ON t.tid = k.tid""")
    counts = apply_hot_policy(sql, p, src="_nd_cells", dst="_nd_cells_cold", item="band_key",
                              order="tid")
    cand = sql.temp("_nd_candidates", """
        SELECT DISTINCT LEAST(x.tid, y.tid) AS t1, GREATEST(x.tid, y.tid) AS t2
        FROM _nd_cells_cold x JOIN _nd_cells_cold y
          ON x.band_key = y.band_key AND (y.b = x.b)
        WHERE x.tid < y.tid
        UNION
        SELECT LEAST(x.tid, y.tid) AS t1, GREATEST(x.tid, y.tid) AS t2
        FROM _nd_cells_cold x JOIN _nd_cells_cold y
          ON x.band_key = y.band_key AND y.b = x.b + 1
        WHERE x.tid <> y.tid""")
    similar = sql.temp("_nd_similar", f"""
        SELECT t1, t2, j FROM (
            SELECT i.t1, i.t2, 1.0 * i.inter / (s1.n + s2.n - i.inter) AS j
            FROM (SELECT c.t1, c.t2, COUNT(*) AS inter
                  FROM _nd_candidates c
                  JOIN _nd_tokens k1 ON k1.tid = c.t1
                  JOIN _nd_tokens k2 ON k2.tid = c.t2 AND k2.h = k1.h
                  GROUP BY c.t1, c.t2) i
            JOIN _nd_sizes s1 ON s1.tid = i.t1 JOIN _nd_sizes s2 ON s2.tid = i.t2) v
        WHERE j >= {lit(p['threshold'])}""")
    return {"text_hot_cells": counts["hot_cells"], "candidate_text_pairs": cand,
            "similar_text_pairs": similar}


def pairs(sql: Sql, p: dict[str, Any]) -> dict[str, int]:
    """Build the co-action pairs (``PAIRS``) of near-identical texts."""
    n_posts = _texts(sql, p)
    counts = {"actions": n_posts, "text_bands": _bands(sql, p)}
    counts.update(_similar_texts(sql, p))
    hot = apply_hot_policy(sql, p, src="_nd_posts", dst="_nd_posts_cold", item="tid",
                           order="t, aid, post_id")
    counts.update(hot)
    w = lit(p["window"])

    def pick(lo: str, hi: str) -> str:
        return f"CASE WHEN x.aid < y.aid THEN {lo} ELSE {hi} END"

    oriented = (f"{pick('x.aid', 'y.aid')} AS a1, {pick('y.aid', 'x.aid')} AS a2, "
                f"{pick('x.post_id', 'y.post_id')} AS p1, {pick('y.post_id', 'x.post_id')} AS p2, "
                f"{pick('x.t', 'y.t')} AS t1, {pick('y.t', 'x.t')} AS t2")
    near_item = "CAST(s.t1 AS VARCHAR) || '~' || CAST(s.t2 AS VARCHAR)"
    near = "\n        UNION ALL\n".join(f"""
        SELECT {oriented}, {near_item} AS item, s.j AS score
        FROM _nd_similar s JOIN _nd_posts_cold x ON x.tid = s.t1
        JOIN _nd_posts_cold y ON y.tid = s.t2 AND y.b = x.b + {d}
        WHERE x.aid <> y.aid AND ABS(y.t - x.t) <= {w}""" for d in (-1, 0, 1))
    counts["pairs"] = sql.temp(PAIRS, f"""
        SELECT a1, a2, item, p1, p2, t1, t2, score FROM (
        SELECT x.aid AS a1, y.aid AS a2, x.post_id AS p1, y.post_id AS p2, x.t AS t1, y.t AS t2,
               CAST(x.tid AS VARCHAR) AS item, 1.0 AS score
        FROM _nd_posts_cold x JOIN _nd_posts_cold y ON x.tid = y.tid AND x.b = y.b
        WHERE x.aid < y.aid AND ABS(y.t - x.t) <= {w}
        UNION ALL
        SELECT {oriented}, CAST(x.tid AS VARCHAR) AS item, 1.0 AS score
        FROM _nd_posts_cold x JOIN _nd_posts_cold y ON x.tid = y.tid AND y.b = x.b + 1
        WHERE x.aid <> y.aid AND y.t - x.t <= {w}
        UNION ALL{near}) u""")
    return counts


SIGNAL = Signal(
    "near_duplicate_text", "Both accounts posted near-identical texts (Jaccard similarity of "
    "word sets ≥ threshold, found with MinHash + LSH in SQL) within the window.",
    "Graham et al., coordination-network-toolkit (co_similar_tweet); Broder 1997 (MinHash); "
    "Pacheco et al., ICWSM 2021", None, pairs=pairs,
    params=(
        Param("threshold", "float", 0.8, "Lowest Jaccard similarity of the two word sets.",
              min=0.05, max=1),
        Param("min_tokens", "int", 5, "Fewest distinct words a normalized text needs.", min=1),
        Param("bands", "int", 16, "LSH bands.", min=1, max=64),
        Param("rows", "int", 4, "Min-hashes per band (signature length = bands × rows).",
              min=1, max=16),
        Param("seed", "int", 1, "Seed of the min-hash coefficients.", min=0),
    ))
