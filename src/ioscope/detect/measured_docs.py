"""The "Measured" part of docs/signals.md: benchmark outputs, quoted verbatim, and what they say.

``benchmarks/bench_cnt_compare.py --record benchmarks/results/FILE`` writes its output with the
date, the commit and the load average; this module quotes those files as they are and derives
the sentences about them (ratios, identical edge sets, peak memory) from the same text, so the
page cannot claim more than the recorded runs show. ``tests/test_detect_docs.py`` checks that
the recorded numbers agree with each other.
"""

from __future__ import annotations

import re
from pathlib import Path

from ioscope.resources import parse_size

__all__ = ["NUM", "RESULTS", "measured_markdown", "number", "parse_comparison", "parse_scale"]

#: Recorded benchmark outputs (present in a source checkout).
RESULTS = Path(__file__).resolve().parents[3] / "benchmarks" / "results"
COMPARISON = "cnt_compare_1m.txt"
SCALE = "scale_10m.txt"
#: The scale runs before ``--memory-limit`` became the process budget (DuckDB's limit was the
#: whole of it): with 3GB, and the first one with 4GB (quoted in sentences).
SCALE_BEFORE = "scale_10m_3GB_before_budget.txt"
SCALE_FIRST = "scale_10m_duckdb_limit_4GB.txt"
#: The memory budget the 10 M-post run is measured against.
BUDGET = "4GB"
#: A number as the benchmarks print it (thousands separators, optional decimals).
NUM = r"([\d,]+(?:\.\d+)?)"


def number(text: str) -> float:
    """A printed number (``"1,234.5"``) as a float."""
    return float(text.replace(",", ""))


def parse_comparison(text: str) -> dict:
    """Posts, per-step seconds (CNT, ioscope), identical edge-set sizes and the printed ratios."""
    head = re.search(rf"CNT-compatible networks, {NUM} posts, window {NUM} s, min weight "
                     rf"{NUM}: identical edge sets (.*)", text)
    steps = {m[1]: (number(m[2]), number(m[3])) for m in re.finditer(
        rf"^(ingest|co_\w+|detect CLI|total)\s+{NUM}\s+{NUM}", text, re.M)}
    ratio = re.search(rf"end to end\): {NUM}x wall; CPU seconds {NUM} / {NUM} = {NUM}x "
                      rf"\(load average now {NUM}", text)
    before = re.search(r"before: .*load average: ([\d.]+)", text)
    fixed = re.search(rf"^fixed cost\s+{NUM} .*ingest {NUM} s, detect {NUM} s", text, re.M)
    copy = re.search(rf"^bare copy\s+{NUM} ", text, re.M)
    return {"posts": int(number(head[1])), "window": number(head[2]), "min_weight": int(number(head[3])),
            "edges": {m[1]: int(number(m[2])) for m in re.finditer(rf"(co_\w+) {NUM}", head[4])},
            "steps": steps, "ratio_wall": number(ratio[1]), "cpu": (number(ratio[2]), number(ratio[3])),
            "ratio_cpu": number(ratio[4]), "load_after": number(ratio[5]),
            "load_before": float(before[1]) if before else None,
            "fixed": (number(fixed[2]), number(fixed[3])) if fixed else None,
            "bare_copy": number(copy[1]) if copy else None}


def parse_scale(text: str) -> dict:
    """Posts, memory limit, and wall seconds / peak RSS (GiB) of ingest, near-dup, full detect."""
    limit = re.search(r"--memory-limit (\S+)", text)
    out = {"memory_limit": limit[1] if limit else "3GB"}
    ingest = re.search(rf"^ingest: {NUM} s wall, .*peak RSS {NUM} GiB", text, re.M)
    if ingest:
        out["ingest"] = (number(ingest[1]), number(ingest[2]))
    nd = re.search(rf"near_duplicate_text on {NUM} posts: {NUM} s wall \({NUM} s in detect\)"
                   rf".*peak RSS {NUM} GiB, {NUM} similar text pairs, {NUM} edges", text)
    if nd:
        out.update(posts=int(number(nd[1])), near_dup=(number(nd[2]), number(nd[4])),
                   near_dup_detect=number(nd[3]), similar_pairs=int(number(nd[5])),
                   near_dup_edges=int(number(nd[6])))
    full = re.search(rf"default detect on {NUM} posts: {NUM} s wall, .*peak RSS {NUM} GiB",
                     text)
    if full:
        out["full"] = (number(full[2]), number(full[3]))
    # a run whose report the script could not read, timed from the workspace's runs table
    noted = re.search(rf"\[default detect on {NUM} posts: {NUM} s in its run \(runs table\), "
                      rf"RSS at least {NUM} GiB", text)
    if noted and not full:
        out["full_noted"] = (number(noted[2]), number(noted[3]))
    return out


def _block(text: str) -> str:
    return "```\n" + text.strip() + "\n```"


def _scale_sentences(s: dict, *, budget_verdict: bool = True) -> str:
    facts = []
    if "ingest" in s:
        facts.append(f"the ingest took {s['ingest'][0]:.0f} s ({s['ingest'][0] / 60:.1f} min), "
                     f"peak RSS {s['ingest'][1]:.2f} GiB")
    if "near_dup" in s:
        facts.append(f"`near_duplicate_text` (MinHash + LSH in SQL, then its significance test) "
                     f"took {s['near_dup'][0]:.0f} s ({s['near_dup'][0] / 60:.1f} min), peak "
                     f"RSS {s['near_dup'][1]:.2f} GiB")
    if "full" in s:
        facts.append(f"the default `ioscope detect` (every signal, significance, clusters) took "
                     f"{s['full'][0]:.0f} s ({s['full'][0] / 60:.1f} min), peak RSS "
                     f"{s['full'][1]:.2f} GiB")
    if "full_noted" in s:
        facts.append(f"the default `ioscope detect` (every signal, significance, clusters) took "
                     f"{s['full_noted'][0]:.0f} s ({s['full_noted'][0] / 60:.1f} min) by the "
                     f"workspace's `runs` table, and its RSS reached at least "
                     f"{s['full_noted'][1]:.2f} GiB (sampled with ps; see the note in the output)")
    if not facts:
        return ""
    text = "; ".join(facts)
    text = f"With `--memory-limit {s['memory_limit']}`, {text}."
    if budget_verdict:
        budget = parse_size(BUDGET)
        peak = max(v[1] for k, v in s.items()
                   if k in ("ingest", "near_dup", "full", "full_noted"))
        verdict = "within" if peak * 2**30 <= budget else "**above**"
        text += (f" (The benchmark samples the RSS of the whole process tree every 50 ms.) "
                 f"The highest figure, {peak:.2f} GiB, is {verdict} the {BUDGET} budget "
                 f"({budget / 2**30:.2f} GiB).")
        if "full" not in s and "full_noted" not in s:
            text += " The default detect did not finish in the time this session had for it."
    return text


def _where_the_time_goes(c: dict) -> str:
    steps = c["steps"]
    cnt_total, mine_total = steps["total"]
    ingest = steps["ingest"][1]
    signals = {k: v for k, v in steps.items() if k.startswith("co_")}
    in_process = sum(v[1] for v in signals.values())
    overhead = steps["detect CLI"][1] - in_process
    goal = cnt_total / 10
    per = ", ".join(f"{k} {v[0]:.1f} s → {v[1]:.1f} s ({v[0] / v[1]:.0f}×)"
                    for k, v in signals.items() if v[1] > 0)
    text = (f"**Where the time goes.** Per step, CNT → ioscope: ingest {steps['ingest'][0]:.1f} s"
            f" → {ingest:.1f} s ({steps['ingest'][0] / ingest:.1f}×); {per} (ioscope's signal "
            f"times are measured inside the detect process). The detect command spends "
            f"{overhead:.1f} s beyond its signals: start-up, opening the workspace and recording "
            f"the run. ")
    text += f"Ten times CNT would leave both commands {goal:.1f} s here. "
    if c.get("fixed"):
        fi, fd = c["fixed"]
        text += (f"Their fixed cost, measured in the same run on the file's first 100 records, "
                 f"is {fi + fd:.2f} s (ingest {fi:.2f} s, detect {fd:.2f} s). ")
        if c.get("bare_copy"):
            floor = fi + fd + c["bare_copy"]
            text += (f"DuckDB alone copies the CSV into a database file, every field as text, "
                     f"in {c['bare_copy']:.2f} s; with the fixed cost that is {floor:.2f} s, "
                     f"{'more than' if floor > goal else 'most of'} that, before any "
                     f"value is parsed or checked and before any network is computed. ")
    text += (f"The detect command "
             f"alone is {steps['detect CLI'][0] / steps['detect CLI'][1]:.1f}× faster than "
             f"CNT's four network computations together, but the ingest takes "
             f"{ingest:.1f} s ({ingest / mine_total:.0%} of ioscope's total): even with a "
             f"detect that took no time the ratio could not exceed {cnt_total / ingest:.1f}×. "
             "ioscope's ingest does more per record than CNT's (validation and quarantine, "
             "hashtags, mentions, normalized URLs and registered domains, the accounts table, "
             "input hashes, one transaction: [ingest.md](ingest.md)); profiled statement by "
             "statement at 1 M posts, a third of it is writing the posts table and another third "
             "reading and staging the CSV. co_repost's time goes mostly to finding, among all "
             "pairs of reposts within the window (10.6 M at 1 M posts, 95 % of them between two "
             "accounts that co-repost only once), the account pairs with at least `min_weight` "
             "of them: a hash aggregation over every pair; the rewrites tried (a single 64-bit "
             "key, a semi-join, IN, a window count) were no faster. "
             "Both tools run on the same file in the same script (CNT's link network without "
             "the rows whose `urls` field is empty, which CNT 1.5.2 stores as an empty URL and "
             "would link). When the machine is loaded, both "
             "tools' wall-clock times are several times their CPU times, so the CPU ratio is "
             "the steadier of the two.")
    return text


def measured_markdown(results: Path = RESULTS) -> str:
    """The section, or "" where no recorded output is present."""
    cmp_path, scale_path = results / COMPARISON, results / SCALE
    if not cmp_path.exists() and not scale_path.exists():
        return ""
    parts = ["## Measured: side by side with CNT, and at scale", "",
             "Outputs of `benchmarks/bench_cnt_compare.py`, recorded with `--record` under the "
             "benchmark lock on the shared 2-core development machine (other jobs running: the "
             "load average is in each output) and quoted verbatim. Trust ratios more than "
             "seconds.", ""]
    if cmp_path.exists():
        text = cmp_path.read_text()
        c = parse_comparison(text)
        cnt, mine = c["steps"]["total"]
        parts += [f"### {c['posts']:,} posts: ioscope against coordination-network-toolkit 1.5.2",
                  "", _block(text), "",
                  f"The four CNT-compatible networks are **identical** edge for edge ("
                  + ", ".join(f"{s} {n:,} edges" for s, n in c["edges"].items())
                  + f"). End to end — ingest plus the four networks, each tool through its own "
                  f"command line, start-up included — ioscope took {mine:.1f} s against CNT's "
                  f"{cnt:.1f} s: **{c['ratio_wall']:.1f}× faster in wall-clock time** and "
                  f"{c['ratio_cpu']:.1f}× in CPU seconds ({c['cpu'][1]:.1f} against "
                  f"{c['cpu'][0]:.1f}). "
                  + ("That is 10× or more." if c["ratio_wall"] >= 10 else
                     "That is short of 10×; see below for where the time goes."),
                  "", _where_the_time_goes(c), ""]
    if scale_path.exists():
        text = scale_path.read_text()
        s = parse_scale(text)
        parts += [f"### {s.get('posts', 0):,} posts: near-duplicate text, and the {BUDGET} budget",
                  "", _block(text), "", _scale_sentences(s), ""]
        before = [parse_scale((results / name).read_text())
                  for name in (SCALE_BEFORE, SCALE_FIRST) if (results / name).exists()]
        if before:
            parts += ["Before `--memory-limit` became the budget of the whole process (recorded "
                      f"in `benchmarks/results/{SCALE_BEFORE}` and `{SCALE_FIRST}`), it was "
                      "DuckDB's own limit, which bounds DuckDB's buffer manager, not the "
                      "process, and every temporary table of the run stayed allocated until "
                      "its end (see docs/scale.md, \"Memory\"). " +
                      " ".join(_scale_sentences(f, budget_verdict=False) for f in before), ""]
    return "\n".join(parts)
