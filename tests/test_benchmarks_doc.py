"""docs/benchmarks.md quotes the recorded benchmark outputs as they are, its sentences agree with
them, and the recorded numbers agree with each other. The sections are written by the benchmark
scripts (``--record``, ``--record-only``), never by the package."""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"
RESULTS = BENCH / "results"
DOC = ROOT / "docs" / "benchmarks.md"
#: Recorded outputs quoted in docs/benchmarks.md, by the script that writes their section.
QUOTED = {
    "cnt_compare_1m": "bench_cnt_compare.py",
    "scale_10m": "bench_cnt_compare.py",
    "scale_10m_3GB_before_budget": "bench_cnt_compare.py",
    "scale_10m_duckdb_limit_4GB": "bench_cnt_compare.py",
    "detect_quality_1m": "bench_detect_quality.py",
    "detect_quality_1m_seed2": "bench_detect_quality.py",
    "ingest_floor_1m": "bench_ingest_floor.py",
}

pytestmark = pytest.mark.skipif(
    not RESULTS.is_dir(), reason="no benchmarks/results (not a source checkout)"
)


@pytest.fixture(scope="module")
def bench():
    """The benchmarks' recording modules (they import each other by name, beside the scripts)."""
    sys.path.insert(0, str(BENCH))
    try:
        import bench_ingest_floor
        import cnt_compare_results
        import detect_quality_results
        import record

        yield {
            "record": record,
            "bench_cnt_compare.py": cnt_compare_results,
            "bench_detect_quality.py": detect_quality_results,
            "bench_ingest_floor.py": bench_ingest_floor,
        }
    finally:
        sys.path.remove(str(BENCH))


def _section(name: str) -> str:
    text = DOC.read_text(encoding="utf-8")
    start, end = f"<!-- {name}:start -->\n", f"\n<!-- {name}:end -->"
    assert start in text and end in text, f"docs/benchmarks.md has no section {name}"
    return text.split(start, 1)[1].split(end, 1)[0]


@pytest.mark.parametrize("name", sorted(QUOTED))
def test_every_recorded_output_is_quoted_as_recorded(bench, name):
    script = QUOTED[name]
    text = (RESULTS / f"{name}.txt").read_text(encoding="utf-8")
    assert text.startswith(f"$ benchmarks/{script}")
    assert _section(name) == bench[script].section(text), (
        f"docs/benchmarks.md is stale: run `PYTHONPATH=src python benchmarks/{script} "
        f"--record-only benchmarks/results/{name}.txt`"
    )


def test_signals_doc_links_to_the_measurements_instead_of_embedding_them():
    text = (ROOT / "docs" / "signals.md").read_text(encoding="utf-8")
    assert "(benchmarks.md)" in text
    assert "$ benchmarks/" not in text and "benchmarks/results" not in text


def test_recorded_comparison_agrees_with_itself(bench):
    """The printed ratios are the ratios of the printed totals, all four networks were compared,
    the scale run has its numbers."""
    m = bench["bench_cnt_compare.py"]
    c = m.parse_comparison((RESULTS / "cnt_compare_1m.txt").read_text())
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
    s = m.parse_scale((RESULTS / "scale_10m.txt").read_text())
    budget = float(s["memory_limit"].rstrip("GB"))
    for step in ("ingest", "near_dup", "full"):
        assert s[step][1] > 0
    assert s["posts"] >= 1_000_000 and budget > 0
    # the verdict on the budget follows the recorded peak
    section = m.section((RESULTS / "scale_10m.txt").read_text())
    assert (
        f"The highest figure, {max(s[k][1] for k in ('ingest', 'near_dup', 'full')):.2f} GiB"
        in section
    )


def test_recorded_quality_runs_agree_with_themselves(bench):
    m = bench["bench_detect_quality.py"]
    for name in ("detect_quality_1m", "detect_quality_1m_seed2"):
        text = (RESULTS / f"{name}.txt").read_text()
        q = m.parse_quality(text)
        camp, cal = q["campaigns"], q["calibration"]
        hit = sum(a for a, _ in camp["strategies"].values())
        total = sum(b for _, b in camp["strategies"].values())
        assert abs(hit / total - camp["recall"]) < 0.0015, name  # strategies add up to the recall
        assert abs(cal["share"] - cal["flagged"] / cal["accounts"]) < 5e-6, name
        md = m.section(text)
        assert f"precision {camp['precision']:.3f} at recall {camp['recall']:.3f}" in md
        assert "\n".join(text.strip().splitlines()[2:]) in md  # the measurements, verbatim
        assert f"commit {q['commit']}," in md  # the header line, said in the sentence
        # the sentences are computed from the file: another precision gives another sentence
        worse = text.replace(f"precision {camp['precision']:.3f}", "precision 0.900", 1)
        assert "precision 0.900 at recall" in m.section(worse)


def test_quotes_leave_out_the_machine_s_paths(bench):
    quote = bench["record"].quote
    scratch = f"{tempfile.gettempdir()}/ioscope-bench-q5w29zpm/sim/posts.csv"
    out = quote(
        f"7.8 s -> {scratch}\n2 cores, under /work/wt/.bench.lock; reads {ROOT}/docs/x.md\n"
        "co_repost 36/38, https://example.org/a/b, hdfs:///tmp/x"
    )
    assert "<scratch>/sim/posts.csv" in out and "under <path>;" in out
    assert "reads docs/x.md" in out
    assert "36/38" in out and "https://example.org/a/b" in out and "hdfs:///tmp/x" in out
    assert out.startswith("```\n") and out.endswith("\n```")
    assert not re.search(r"(?<![\w:/.<])/(work|tmp)/", DOC.read_text(encoding="utf-8"))


def test_replace_section_touches_only_its_own_lines(bench, tmp_path):
    replace = bench["record"].replace_section
    doc = tmp_path / "b.md"
    doc.write_text(
        "# B\n\nprose\n<!-- a:start -->\nold\n<!-- a:end -->\nmore prose\n"
        "<!-- b:start -->\nkept\n<!-- b:end -->\n"
    )
    replace("a", "new\nlines\n", doc)
    assert doc.read_text() == (
        "# B\n\nprose\n<!-- a:start -->\nnew\nlines\n<!-- a:end -->\n"
        "more prose\n<!-- b:start -->\nkept\n<!-- b:end -->\n"
    )
    with pytest.raises(SystemExit, match="needs exactly one section c"):
        replace("c", "x", doc)


def test_recorded_floor_comparison_agrees_with_itself(bench):
    """Both formats were measured on the same number of posts, and each printed ratio is the
    ratio of the printed medians (wall-clock and CPU)."""
    runs = bench["bench_ingest_floor.py"].parse((RESULTS / "ingest_floor_1m.txt").read_text())
    assert set(runs) == {"cnt-csv", "io-archive"}
    for r in runs.values():
        assert r["posts"] == 1_000_000
        assert r["ratio_wall"] == pytest.approx(r["wall"] / r["floor_wall"], abs=0.01)
        assert r["ratio_cpu"] == pytest.approx(r["cpu"] / r["floor_cpu"], abs=0.01)
