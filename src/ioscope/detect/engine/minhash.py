"""MinHash signatures and LSH band keys in SQL (Broder 1997; Leskovec, Rajaraman & Ullman,
*Mining of Massive Datasets*, ch. 3), for sets given as rows ``(key, h)``, the same on every engine.

Elements are integers ``h`` in [0, 2³¹ − 1): strings (words, texts) get theirs from a
vocabulary built by the run (:func:`vocabulary`), time bins from their offset to the first bin.
Every step is integer arithmetic that DuckDB and Spark evaluate alike (no engine hash function),
so both find the same candidate pairs:

- each element is first permuted by ``x ↦ (x + c)⁵ mod p`` (p = 2³¹ − 1; a bijection of
  [0, p) because 5 does not divide p − 1), which breaks the regularity of consecutive ids (a
  linear hash of a run of consecutive time bins underestimates the Jaccard index by about 0.04);
- the ``bands × rows`` min-hashes of a set are ``MIN((a_i · x + b_i) mod p)`` over its permuted
  elements (universal hashing, Carter & Wegman 1979; every product is below 2⁶², so 64-bit
  integers hold it), all in one GROUP BY, in chunks of keys to bound memory;
- each band of ``rows`` min-hashes becomes one 62-bit band key: two polynomial hashes mod p of
  ``(band, m_1, …, m_rows)`` with seeded multipliers, side by side.

Kept signatures store each min-hash as INTEGER (every value is below 2³¹ − 1). Two sets with
Jaccard index J share at least one band key with probability 1 − (1 − J^rows)^bands.
"""

from __future__ import annotations

import random

from ioscope.detect.engine.sql import Sql, chunk_filters

__all__ = ["PRIME", "band_keys", "candidate_probability", "estimated_jaccard", "vocabulary"]

PRIME = 2147483647  # 2^31 - 1: (a * x + b) stays below 2^62 in BIGINT arithmetic
CHUNK_KEYS = 1_000_000
_SHIFT = 2147483648  # 2^31: a band key is h1 * 2^31 + h2


def vocabulary(sql: Sql, *, values: str, out: str) -> int:
    """``out (value, id)``: the distinct strings of ``values`` (a SELECT of one column
    ``value``) numbered 1, 2, … in order of length, then of bytes. The same ids on every engine
    (both compare strings byte by byte); the numbering is parallel per length, not one sort.
    Returns the number of values (ids stay below 2³¹ − 1 up to that many)."""
    sql.temp(
        f"{out}_d",
        f"SELECT value, LENGTH(value) AS g FROM (SELECT DISTINCT value "
        f"FROM ({values}) v WHERE value IS NOT NULL) d",
    )
    n = sql.temp(
        out,
        f"""
        SELECT d.value, o.start + ROW_NUMBER() OVER (PARTITION BY d.g ORDER BY d.value) AS id
        FROM {out}_d d JOIN (
            SELECT g, CAST(SUM(n) OVER (ORDER BY g) - n AS BIGINT) AS start
            FROM (SELECT g, COUNT(*) AS n FROM {out}_d GROUP BY g) c) o ON o.g = d.g""",
    )
    return n


def _coefficients(n: int, seed: int) -> list[tuple[int, int]]:
    rng = random.Random(seed)
    return [(rng.randrange(1, PRIME), rng.randrange(0, PRIME)) for _ in range(n)]


def _keying(seed: int) -> tuple[int, tuple[int, int]]:
    """The permutation's offset ``c`` and the band keys' two multipliers for ``seed``."""
    rng = random.Random(f"band-keys-{seed}")
    return rng.randrange(0, PRIME), (rng.randrange(1, PRIME), rng.randrange(1, PRIME))


def _permuted(x: str, c: int) -> str:
    """SQL: ``(x + c)⁵ mod p`` for ``x`` in [0, p), every product below 2⁶²."""
    y = f"(({x} + {c}) % {PRIME})"
    y2 = f"({y} * {y} % {PRIME})"
    return f"({y2} * {y2} % {PRIME} * {y} % {PRIME})"


def _band_key(ms: list[str], band: int, mult: tuple[int, int]) -> str:
    """SQL: the 62-bit key of one band, two polynomial hashes of (band, m…) mod p."""

    def poly(a: int) -> str:
        h = f"CAST({band} AS BIGINT)"
        for m in ms:
            h = f"(({h}) * {a} + {m}) % {PRIME}"
        return h

    return f"({poly(mult[0])}) * {_SHIFT} + ({poly(mult[1])})"


def band_keys(
    sql: Sql,
    *,
    elements: str,
    keys: str,
    out: str,
    bands: int,
    rows: int,
    seed: int,
    signatures: str | None = None,
) -> int:
    """Fill ``out (key, band_key)`` with the band keys of every set of ``elements (key, h)``
    (``h`` in [0, 2³¹ − 1)); ``keys`` is a table with one row per key (its ``key`` column).
    With ``signatures``, the min-hashes are also kept there as ``(key, m0, m1, …)`` (for
    :func:`estimated_jaccard`). Returns the number of keys."""
    n = bands * rows
    coef = _coefficients(n, seed)
    c, mult = _keying(seed)
    mins = ", ".join(f"MIN((x * {a} + {b}) % {PRIME}) AS m{i}" for i, (a, b) in enumerate(coef))
    band = ", ".join(
        _band_key([f"CAST(m{j * rows + r} AS BIGINT)" for r in range(rows)], j, mult)
        for j in range(bands)
    )
    n_keys = sql.one(f"SELECT COUNT(*) FROM {keys}")
    sql.temp_table(out, "key BIGINT, band_key BIGINT")
    if signatures:
        sql.temp_table(signatures, "key BIGINT, " + ", ".join(f"m{i} INTEGER" for i in range(n)))
    for where in chunk_filters(n_keys, CHUNK_KEYS, "key"):
        permuted = (
            f"(SELECT key, {_permuted('CAST(h AS BIGINT)', c)} AS x FROM {elements} {where}) e"
        )
        sig = f"(SELECT key, {mins} FROM {permuted} GROUP BY key) s"
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
    return 1 - (1 - j**rows) ** bands
