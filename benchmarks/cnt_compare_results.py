"""The sections of docs/benchmarks.md that ``bench_cnt_compare.py --record`` writes.

Each recorded output of ``bench_cnt_compare.py`` is quoted as it is, and every figure of the
sentences beside it is parsed from that same text (ratios, identical edge sets, peak memory
against ``--memory-limit``), so a section cannot claim more than its run shows.
``tests/test_benchmarks_doc.py`` checks that the recorded numbers agree with each other and that
docs/benchmarks.md quotes the files as they are.
"""

from __future__ import annotations

import re
from pathlib import Path

from record import NUM, number, quote, replace_section

__all__ = ["parse_comparison", "parse_scale", "section", "record"]

_GIB = 2**30
_UNITS = {
    "KB": 1e3,
    "MB": 1e6,
    "GB": 1e9,
    "TB": 1e12,
    "KIB": 2**10,
    "MIB": 2**20,
    "GIB": 2**30,
    "TIB": 2**40,
}


def _bytes(size: str) -> float:
    m = re.fullmatch(r"([\d.]+)\s*([KMGT]i?B)", size.strip(), re.I)
    return float(m[1]) * _UNITS[m[2].upper()]


def parse_comparison(text: str) -> dict | None:
    """Posts, per-step seconds (CNT, ioscope), identical edge-set sizes and the printed ratios;
    None when the output has no comparison."""
    head = re.search(
        rf"CNT-compatible networks, {NUM} posts, window {NUM} s, min weight "
        rf"{NUM}: identical edge sets (.*)",
        text,
    )
    if not head:
        return None
    steps = {
        m[1]: (number(m[2]), number(m[3]))
        for m in re.finditer(rf"^(ingest|co_\w+|detect CLI|total)\s+{NUM}\s+{NUM}", text, re.M)
    }
    ratio = re.search(
        rf"end to end\): {NUM}x wall; CPU seconds {NUM} / {NUM} = {NUM}x "
        rf"\(load average now {NUM}",
        text,
    )
    before = re.search(r"before: .*load average: ([\d.]+)", text)
    fixed = re.search(rf"^fixed cost\s+{NUM} .*ingest {NUM} s, detect {NUM} s", text, re.M)
    copy = re.search(rf"^bare copy\s+{NUM} ", text, re.M)
    return {
        "posts": int(number(head[1])),
        "window": number(head[2]),
        "min_weight": int(number(head[3])),
        "edges": {m[1]: int(number(m[2])) for m in re.finditer(rf"(co_\w+) {NUM}", head[4])},
        "steps": steps,
        "ratio_wall": number(ratio[1]),
        "cpu": (number(ratio[2]), number(ratio[3])),
        "ratio_cpu": number(ratio[4]),
        "load_after": number(ratio[5]),
        "load_before": float(before[1]) if before else None,
        "fixed": (number(fixed[2]), number(fixed[3])) if fixed else None,
        "bare_copy": number(copy[1]) if copy else None,
    }


def parse_scale(text: str) -> dict | None:
    """Posts, memory limit, and wall seconds / peak RSS (GiB) of ingest, near-dup and the default
    detect; None when the output has no scale run."""
    nd = re.search(
        rf"near_duplicate_text on {NUM} posts: {NUM} s wall \({NUM} s in detect\)"
        rf".*peak RSS {NUM} GiB, {NUM} similar text pairs, {NUM} edges",
        text,
    )
    if not nd:
        return None
    limit = re.search(r"--memory-limit (\S+)", text)
    out = {
        "memory_limit": limit[1] if limit else "3GB",
        "posts": int(number(nd[1])),
        "near_dup": (number(nd[2]), number(nd[4])),
        "near_dup_detect": number(nd[3]),
        "similar_pairs": int(number(nd[5])),
        "near_dup_edges": int(number(nd[6])),
    }
    ingest = re.search(rf"^ingest: {NUM} s wall, .*peak RSS {NUM} GiB", text, re.M)
    if ingest:
        out["ingest"] = (number(ingest[1]), number(ingest[2]))
    full = re.search(rf"default detect on {NUM} posts: {NUM} s wall, .*peak RSS {NUM} GiB", text)
    if full:
        out["full"] = (number(full[2]), number(full[3]))
    # a run whose report the script could not read, timed from the workspace's runs table
    noted = re.search(
        rf"\[default detect on {NUM} posts: {NUM} s in its run \(runs table\), "
        rf"RSS at least {NUM} GiB",
        text,
    )
    if noted and not full:
        out["full_noted"] = (number(noted[2]), number(noted[3]))
    return out


def _minutes(seconds: float) -> str:
    return f"{seconds:.0f} s ({seconds / 60:.1f} min)"


def _scale_sentences(s: dict) -> str:
    facts = []
    if "ingest" in s:
        facts.append(
            f"the ingest took {_minutes(s['ingest'][0])}, peak RSS {s['ingest'][1]:.2f} GiB"
        )
    facts.append(
        f"`near_duplicate_text` (MinHash + LSH in SQL, then its significance test) took "
        f"{_minutes(s['near_dup'][0])}, peak RSS {s['near_dup'][1]:.2f} GiB, and found "
        f"{s['similar_pairs']:,} similar text pairs and {s['near_dup_edges']:,} edges"
    )
    if "full" in s:
        facts.append(
            f"the default `ioscope detect` (every signal, significance, clusters) took "
            f"{_minutes(s['full'][0])}, peak RSS {s['full'][1]:.2f} GiB"
        )
    if "full_noted" in s:
        facts.append(
            f"the default `ioscope detect` (every signal, significance, clusters) took "
            f"{_minutes(s['full_noted'][0])} by the workspace's `runs` table, and its RSS "
            f"reached at least {s['full_noted'][1]:.2f} GiB (sampled with ps; see the "
            f"note in the output)"
        )
    peaks = [v[1] for k, v in s.items() if k in ("ingest", "near_dup", "full", "full_noted")]
    limit = _bytes(s["memory_limit"])
    verdict = "within" if max(peaks) * _GIB <= limit else "**above**"
    text = (
        f"With `--memory-limit {s['memory_limit']}`, on {s['posts']:,} posts, "
        + "; ".join(facts)
        + ". The benchmark samples the RSS of the whole process tree every "
        f"50 ms. The highest figure, {max(peaks):.2f} GiB, is {verdict} the limit "
        f"({limit / _GIB:.2f} GiB)."
    )
    if "full" not in s and "full_noted" not in s:
        text += " The output has no time for the default detect (see its last line)."
    return text


def _comparison_sentences(c: dict) -> str:
    steps = c["steps"]
    cnt_total, mine_total = steps["total"]
    ingest = steps["ingest"][1]
    signals = {k: v for k, v in steps.items() if k.startswith("co_")}
    overhead = steps["detect CLI"][1] - sum(v[1] for v in signals.values())
    per = ", ".join(
        f"{k} {v[0]:.1f} s → {v[1]:.1f} s ({v[0] / v[1]:.0f}×)"
        for k, v in signals.items()
        if v[1] > 0
    )
    text = (
        "The four CNT-compatible networks are **identical** edge for edge ("
        + ", ".join(f"{s} {n:,} edges" for s, n in c["edges"].items())
        + f"). End to end — ingest plus the four networks, each tool through its own command "
        f"line, start-up included — ioscope took {mine_total:.1f} s against CNT's "
        f"{cnt_total:.1f} s: **{c['ratio_wall']:.1f}× faster in wall-clock time** and "
        f"{c['ratio_cpu']:.1f}× in CPU seconds ({c['cpu'][1]:.1f} against {c['cpu'][0]:.1f}).\n\n"
    )
    text += (
        f"**Where the time goes.** Per step, CNT → ioscope: ingest {steps['ingest'][0]:.1f} s"
        f" → {ingest:.1f} s ({steps['ingest'][0] / ingest:.1f}×); {per} (ioscope's signal "
        f"times are measured inside the detect process). The detect command spends "
        f"{overhead:.1f} s beyond its signals: start-up, opening the workspace and recording "
        f"the run. "
    )
    if c.get("fixed"):
        fi, fd = c["fixed"]
        text += (
            f"The fixed cost of the two commands, measured in the same run on the file's "
            f"first 100 records, is {fi + fd:.2f} s (ingest {fi:.2f} s, detect {fd:.2f} s). "
        )
        if c.get("bare_copy"):
            text += (
                f"DuckDB alone copies the CSV into a database file, every field as text, in "
                f"{c['bare_copy']:.2f} s: with the fixed cost, "
                f"{fi + fd + c['bare_copy']:.2f} s go before any value is parsed or checked "
                f"and before any network is computed. "
            )
    text += (
        f"The detect command alone is "
        f"{steps['detect CLI'][0] / steps['detect CLI'][1]:.1f}× faster than CNT's four "
        f"network computations together; the ingest takes {ingest:.1f} s "
        f"({ingest / mine_total:.0%} of ioscope's total), so even a detect that took no time "
        f"would leave the ratio at most {cnt_total / ingest:.1f}×."
    )
    return text


def section(text: str) -> str:
    """The Markdown of one recorded output: the output quoted, then what it shows."""
    parts = [quote(text)]
    c, s = parse_comparison(text), parse_scale(text)
    if c:
        parts.append(_comparison_sentences(c))
    if s:
        parts.append(_scale_sentences(s))
    return "\n\n".join(parts)


def record(path: Path) -> None:
    """Rewrite the section of docs/benchmarks.md named for ``path`` from ``path``."""
    replace_section(Path(path).stem, section(Path(path).read_text(encoding="utf-8")))
