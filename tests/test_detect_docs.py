"""docs/signals.md is generated from the signal modules and stays in sync; every signal is cited."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_recorded_benchmarks_agree_with_themselves():
    """The outputs quoted in docs/signals.md ("Measured"): the printed ratios are the ratios of
    the printed totals, all four networks were compared, the scale run has its numbers."""
    from ioscope.detect.measured_docs import (COMPARISON, RESULTS, SCALE, parse_comparison,
                                              parse_scale)

    cmp_path, scale_path = RESULTS / COMPARISON, RESULTS / SCALE
    if cmp_path.exists():
        c = parse_comparison(cmp_path.read_text())
        assert set(c["edges"]) == {"co_repost", "co_text", "co_reply", "co_link"}
        # each ratio is printed to 0.1 from unrounded seconds, which are printed to 0.01 (wall)
        # and 0.1 (CPU): the ratio of the printed seconds may differ by the rounding of all three
        def agrees(a: float, b: float, step: float, ratio: float) -> bool:
            err = a / b * (step / 2 / a + step / 2 / b)
            return abs(a / b - ratio) <= 0.05 + err + 1e-9

        cnt, mine = c["steps"]["total"]
        assert agrees(cnt, mine, 0.01, c["ratio_wall"])
        assert agrees(*c["cpu"], 0.1, c["ratio_cpu"])
        assert not agrees(*c["cpu"], 0.1, c["ratio_cpu"] + 0.2)
        assert c["steps"]["total"][1] > 0 and c["posts"] >= 1_000_000
        if c["fixed"]:  # the two commands on 100 records cost less than on the whole file
            assert 0 < sum(c["fixed"]) < mine
    if scale_path.exists():
        s = parse_scale(scale_path.read_text())
        budget = float(s["memory_limit"].rstrip("GB"))
        for step in ("ingest", "near_dup", "full"):
            if step in s:
                assert s[step][1] > 0
        assert "near_dup" in s and s["posts"] >= 1_000_000 and budget > 0
