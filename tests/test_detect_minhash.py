"""MinHash signatures and LSH band keys in SQL (ioscope.detect.engine.minhash), against Python."""

from __future__ import annotations

import random

import duckdb
import pytest

from ioscope.detect.engine import minhash
from ioscope.detect.engine.minhash import PRIME, band_keys, estimated_jaccard
from ioscope.detect.engine.sql import Sql

BANDS, ROWS, SEED = 8, 2, 5


@pytest.fixture
def sql():
    con = duckdb.connect()
    rng = random.Random(11)
    sets = {k: {rng.randrange(0, PRIME) for _ in range(rng.randint(1, 40))} for k in range(60)}
    sets[60] = set(sets[0])  # an identical pair
    sets[61] = set(list(sets[1])[: max(1, len(sets[1]) // 2)])  # a half-overlapping one
    con.execute("CREATE TABLE elements (key BIGINT, h BIGINT)")
    con.executemany(
        "INSERT INTO elements VALUES (?, ?)", [(k, h) for k, s in sets.items() for h in s]
    )
    con.execute("CREATE TABLE keys AS SELECT DISTINCT key FROM elements")
    yield Sql(con), sets
    con.close()


def _signature(s: set[int]) -> list[int]:
    coef = minhash._coefficients(BANDS * ROWS, SEED)
    c, _ = minhash._keying(SEED)
    x = [pow(h + c, 5, PRIME) for h in s]  # the permutation, in Python's big integers
    return [min((v * a + b) % PRIME for v in x) for a, b in coef]


def _band_keys(s: set[int]) -> list[int]:
    sig, (_, mult) = _signature(s), minhash._keying(SEED)

    def poly(band: int, a: int) -> int:
        h = band
        for m in sig[band * ROWS : (band + 1) * ROWS]:
            h = (h * a + m) % PRIME
        return h

    return [poly(j, mult[0]) * 2**31 + poly(j, mult[1]) for j in range(BANDS)]


def test_permutation_is_a_bijection_below_the_prime():
    assert (PRIME - 1) % 5 != 0  # so x -> x^5 permutes the integers mod p
    con = duckdb.connect()
    c, _ = minhash._keying(SEED)
    xs = [0, 1, 2, PRIME - 2, PRIME - 1 - c, PRIME - c, 123456789]
    got = [
        con.execute(f"SELECT {minhash._permuted(f'CAST({x} AS BIGINT)', c)}").fetchone()[0]
        for x in xs
    ]
    assert got == [pow(x + c, 5, PRIME) for x in xs]


def test_vocabulary_numbers_by_length_then_bytes():
    con = duckdb.connect()
    sql = Sql(con)
    words = ["b", "a", "ab", "é", "z", "aa", "ab", None, "e\u0301", "zz"]
    con.execute("CREATE TABLE w (value VARCHAR)")
    con.executemany("INSERT INTO w VALUES (?)", [(x,) for x in words])
    n = minhash.vocabulary(sql, values="SELECT value FROM w", out="v")
    distinct = sorted({x for x in words if x is not None}, key=lambda x: (len(x), x.encode()))
    assert n == len(distinct)
    assert dict(sql.rows("SELECT value, id FROM v")) == {x: i + 1 for i, x in enumerate(distinct)}


@pytest.mark.parametrize("chunk_keys", [1_000_000, 7])
def test_signatures_and_band_keys_match_python(sql, monkeypatch, chunk_keys):
    sql, sets = sql
    monkeypatch.setattr(minhash, "CHUNK_KEYS", chunk_keys)
    n = band_keys(
        sql,
        elements="elements",
        keys="keys",
        out="bands_kept",
        bands=BANDS,
        rows=ROWS,
        seed=SEED,
        signatures="sigs",
    )
    band_keys(
        sql, elements="elements", keys="keys", out="bands_only", bands=BANDS, rows=ROWS, seed=SEED
    )
    assert n == len(sets)
    # kept signatures are the min-hashes, stored as INTEGER (half the memory of BIGINT) ...
    types = {
        r[0]
        for r in sql.rows(
            "SELECT data_type FROM duckdb_columns() "
            "WHERE table_name = 'sigs' AND column_name <> 'key'"
        )
    }
    assert types == {"INTEGER"}
    cols = ", ".join(f"m{i}" for i in range(BANDS * ROWS))
    got = {r[0]: list(r[1:]) for r in sql.rows(f"SELECT key, {cols} FROM sigs")}
    assert got == {k: _signature(s) for k, s in sets.items()}
    # ... and the band keys do not depend on whether signatures are kept
    kept = sql.rows("SELECT key, band_key FROM bands_kept ORDER BY ALL")
    assert kept == sql.rows("SELECT key, band_key FROM bands_only ORDER BY ALL")
    assert len(kept) == len(sets) * BANDS
    assert sorted(kept) == sorted((k, b) for k, s in sets.items() for b in _band_keys(s))
    shared = {
        r[0]
        for r in sql.rows(
            "SELECT x.key FROM bands_kept x JOIN bands_kept y "
            "ON x.band_key = y.band_key WHERE x.key = 0 AND y.key = 60"
        )
    }
    assert shared == {0}  # identical sets share every band


def test_estimated_jaccard_is_the_share_of_equal_min_hashes(sql):
    sql, sets = sql
    band_keys(
        sql,
        elements="elements",
        keys="keys",
        out="b",
        bands=BANDS,
        rows=ROWS,
        seed=SEED,
        signatures="sigs",
    )
    n = BANDS * ROWS
    got = dict(
        ((r[0], r[1]), r[2])
        for r in sql.rows(
            f"SELECT s1.key, s2.key, {estimated_jaccard(n)} FROM sigs s1 JOIN sigs s2 "
            f"ON s1.key < s2.key"
        )
    )
    for (a, b), j in got.items():
        sa, sb = _signature(sets[a]), _signature(sets[b])
        assert j == pytest.approx(sum(x == y for x, y in zip(sa, sb)) / n)
    assert got[(0, 60)] == 1.0
