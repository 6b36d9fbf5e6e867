"""MinHash signatures and LSH band keys in SQL (Broder 1997; Leskovec, Rajaraman & Ullman,
*Mining of Massive Datasets*, ch. 3), for sets given as rows ``(key, h)``.

The ``bands × rows`` min-hashes of a set are ``MIN((a_i · h + b_i) mod (2³¹ − 1))`` over its
elements, all computed in one GROUP BY (in chunks of keys, to bound memory); each band of ``rows``
min-hashes is hashed into one band key. Kept signatures store each min-hash as INTEGER (every value
is below 2³¹ − 1): half the memory of BIGINT where signatures are joined; band keys hash the
values as BIGINT either way. Two sets with Jaccard index J share at least one band key
with probability 1 − (1 − J^rows)^bands.
"""

from __future__ import annotations

import random

from ioscope.detect.sql import Sql, chunk_filters

__all__ = ["PRIME", "MAX_BIGINT", "element_hash", "band_keys", "estimated_jaccard",
           "candidate_probability"]

PRIME = 2147483647  # 2^31 - 1: (a * h + b) stays below 2^62 in BIGINT arithmetic
MAX_BIGINT = 9223372036854775807
CHUNK_KEYS = 1_000_000


def element_hash(expr: str) -> str:
    """A set element's hash in [0, 2³¹ − 1), as BIGINT."""
    return f"CAST(HASH({expr}) % {PRIME} AS BIGINT)"


def _coefficients(n: int, seed: int) -> list[tuple[int, int]]:
    rng = random.Random(seed)
    return [(rng.randrange(1, PRIME), rng.randrange(0, PRIME)) for _ in range(n)]


def band_keys(sql: Sql, *, elements: str, keys: str, out: str, bands: int, rows: int,
              seed: int, signatures: str | None = None) -> int:
    """Fill ``out (key, band_key)`` with the band keys of every set of ``elements (key, h)``;
    ``keys`` is a table with one row per key (its ``key`` column). With ``signatures``, the
    min-hashes are also kept there as ``(key, m0, m1, …)`` (for :func:`estimated_jaccard`).
    Returns the number of keys."""
    n = bands * rows
    coef = _coefficients(n, seed)
    mins = ", ".join(f"MIN((h * {a} + {b}) % {PRIME}) AS m{i}" for i, (a, b) in enumerate(coef))
    band = ", ".join(
        "CAST(HASH(" + ", ".join([str(j)] + [f"CAST(m{j * rows + r} AS BIGINT)"
                                             for r in range(rows)])
        + f") % {MAX_BIGINT} AS BIGINT)"
        for j in range(bands))
    n_keys = sql.one(f"SELECT COUNT(*) FROM {keys}")
    sql.temp_table(out, "key BIGINT, band_key BIGINT")
    if signatures:
        sql.temp_table(signatures, "key BIGINT, " + ", ".join(f"m{i} INTEGER" for i in range(n)))
    for where in chunk_filters(n_keys, CHUNK_KEYS, "key"):
        sig = f"(SELECT key, {mins} FROM {elements} {where} GROUP BY key) s"
        if signatures:
            ints = ", ".join(f"CAST(m{i} AS INTEGER)" for i in range(n))
            sql.run(f"INSERT INTO {signatures} SELECT key, {ints} FROM {sig}")
            sig = f"(SELECT * FROM {signatures} {where}) s"
        sql.run(f"INSERT INTO {out} SELECT key, UNNEST([{band}]) AS band_key FROM {sig}")
    return n_keys


def estimated_jaccard(n: int, x: str = "s1", y: str = "s2") -> str:
    """SQL: the share of equal min-hashes of signatures ``x`` and ``y`` (an unbiased estimate of
    their sets' Jaccard index, standard error ≤ 0.5 / √n)."""
    same = " + ".join(f"CASE WHEN {x}.m{i} = {y}.m{i} THEN 1 ELSE 0 END" for i in range(n))
    return f"(1.0 * ({same}) / {n})"


def candidate_probability(j: float, bands: int, rows: int) -> float:
    """Probability that two sets with Jaccard index ``j`` share a band key."""
    return 1 - (1 - j ** rows) ** bands
