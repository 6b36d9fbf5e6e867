"""Scale: memory stays flat from chunk to chunk (run with ``pytest -m slow``)."""

from __future__ import annotations

import pytest

from ioscope.simulate import simulate

psutil = pytest.importorskip("psutil")


@pytest.mark.slow
def test_memory_is_bounded_by_the_chunk_not_the_posts(tmp_path):
    proc = psutil.Process()
    rss: list[int] = []

    def progress(done: int, total: int) -> None:
        rss.append(proc.memory_info().rss)

    s = simulate(tmp_path, posts=3_000_000, seed=2, chunk_size=250_000, progress=progress)
    assert s["counts"]["posts"] == 3_000_000 and len(rss) >= 10
    # after the first chunks the resident size does not grow with the number of posts written
    assert max(rss[3:]) < 1.25 * rss[2], [r >> 20 for r in rss]
    assert max(rss) < 2 * 2**30
