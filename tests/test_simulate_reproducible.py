"""Same seed and knobs, same files; another seed, other files; chunking keeps ids unique."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from ioscope.simulate import simulate

FILES = ("posts.csv", "truth.csv", "ads.csv", "campaigns.json")


def _run(path: Path, **kw) -> dict:
    return simulate(
        path,
        **{
            "posts": 20_000,
            "seed": 3,
            "campaigns": 4,
            "format": "cnt-csv",
            "campaign_size_max": 40,
            **kw,
        },
    )


def test_same_seed_gives_byte_identical_files(tmp_path):
    _run(tmp_path / "a")
    _run(tmp_path / "b")
    for name in FILES:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_same_seed_gives_equal_parquet_tables(tmp_path):
    for d in ("a", "b"):
        _run(tmp_path / d, format="parquet")
    for name in ("posts.parquet", "accounts.parquet"):
        a, b = (pq.read_table(tmp_path / d / name) for d in ("a", "b"))
        assert a.equals(b), name


def test_another_seed_gives_other_data(tmp_path):
    _run(tmp_path / "a")
    _run(tmp_path / "b", seed=4)
    for name in FILES:
        assert (tmp_path / "a" / name).read_bytes() != (tmp_path / "b" / name).read_bytes(), name


@pytest.mark.parametrize("chunk_size", [10_000, 25_000])
def test_many_chunks_exact_count_and_unique_ids(tmp_path, chunk_size):
    s = simulate(
        tmp_path, posts=60_000, seed=9, campaigns=3, chunk_size=chunk_size, campaign_size_max=50
    )
    assert s["counts"]["posts"] == 60_000
    assert s["counts"]["chunks"] == -(-s["counts"]["organic_posts"] // chunk_size)
    p = tmp_path / "posts.parquet"
    n, distinct, dangling = (
        duckdb.connect()
        .execute(
            f"SELECT count(*), count(DISTINCT post_id), count(*) FILTER (WHERE target_post_id IS NOT NULL"
            f" AND target_post_id NOT IN (SELECT post_id FROM '{p}')) FROM '{p}'"
        )
        .fetchone()
    )
    assert n == distinct == 60_000 and dangling == 0
