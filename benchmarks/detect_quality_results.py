"""The sections of docs/benchmarks.md that ``bench_detect_quality.py --record`` writes.

Each recorded output is quoted (its command and the measurements; the date and commit go into the
sentence before it) and every figure of the sentences is parsed from that same text.
``tests/test_benchmarks_doc.py`` checks that the recorded numbers agree with each other and that
docs/benchmarks.md quotes the files as they are.
"""

from __future__ import annotations

import re
from pathlib import Path

from record import NUM, number, quote, replace_section

__all__ = ["parse_quality", "section", "record"]


def parse_quality(text: str) -> dict:
    """Date, commit, loads and, per case: accounts, wall/CPU seconds, flagged, precision, recall,
    recall per strategy."""
    date = re.search(r"^(\d{4}-\d\d-\d\d [\d:-]+ UTC)", text, re.M)
    out: dict = {
        "date": date[1] if date else None,
        "commit": re.search(r"ioscope commit (\w+)", text)[1],
        "load_before": number(re.search(rf"load average {NUM}\n", text)[1]),
        "load_after": number(re.findall(rf"load average after: {NUM}", text)[-1]),
        "seed": int(re.search(r"posts, seed (\d+)", text)[1]),
    }
    for case, part in re.findall(r"== (\w+): (.*?)(?=\n== |\nload average after)", text, re.S):
        c = {
            "posts": int(number(re.search(rf"^{NUM} posts", part)[1])),
            "accounts": int(number(re.search(rf"posts, {NUM} accounts", part)[1])),
        }
        m = re.search(rf"calibrated detect: {NUM} s wall, {NUM} s CPU", part)
        c["wall"], c["cpu"] = number(m[1]), number(m[2])
        m = re.search(rf"raw co-action engine \(baseline\): {NUM} s wall, {NUM} s CPU", part)
        c["raw_wall"], c["raw_cpu"] = number(m[1]), number(m[2])
        m = re.search(rf"flagged: {NUM} accounts = {NUM} of all \(raw: {NUM} = {NUM}\)", part)
        c["flagged"], c["share"] = int(number(m[1])), number(m[2])
        c["raw_flagged"] = int(number(m[3]))
        m = re.search(rf"accounts: precision {NUM}, recall {NUM}", part)
        if m:
            c["precision"], c["recall"] = number(m[1]), number(m[2])
            m = re.search(rf"\| raw: precision {NUM}", part)
            c["raw_precision"] = number(m[1])
        m = re.search(r"recall by strategy: (.*)", part)
        if m:
            c["strategies"] = {
                k: (int(a), int(b)) for k, a, b in re.findall(r"(\w+) (\d+)/(\d+)", m[1])
            }
        out[case] = c
    return out


def _campaigns(c: dict) -> str:
    strategies = ", ".join(f"{k} {a}/{b}" for k, (a, b) in c["strategies"].items())
    missed = [
        f"its {k} campaign ({b} accounts) is not found"
        for k, (a, b) in c["strategies"].items()
        if a == 0
    ]
    return (
        f"* Planted campaigns ({c['accounts']:,} accounts): {c['flagged']:,} flagged, account "
        f"precision {c['precision']:.3f} at recall {c['recall']:.3f} (the raw co-action edges: "
        f"{c['raw_flagged']:,} accounts, precision {c['raw_precision']:.3f}); found per strategy: "
        f"{strategies}" + ("; " + "; ".join(missed) if missed else "") + "."
    )


def _calibration(c: dict) -> str:
    return (
        f"* Calibration preset, no campaigns ({c['accounts']:,} accounts): {c['flagged']:,} "
        f"flagged, a share of {c['share']:.5f} (the raw co-action edges: {c['raw_flagged']:,} "
        f"accounts)."
    )


def _times(name: str, c: dict) -> str:
    return (
        f"{name} {c['wall']:.1f} s wall, {c['cpu']:.1f} s CPU (the raw co-action engine on the "
        f"same workspace: {c['raw_wall']:.1f} s wall, {c['raw_cpu']:.1f} s CPU)"
    )


def section(text: str) -> str:
    """The Markdown of one recorded output: what it shows, then the output quoted."""
    q = parse_quality(text)
    lines = text.strip().splitlines()
    # the second line is the recording's header (date, commit, load): said in the sentence
    body = "\n".join(lines[:1] + lines[2:]) if lines[0].startswith("$ ") else text
    cases = [k for k in ("campaigns", "calibration") if k in q]
    parts = [
        f"Seed {q['seed']}, {q[cases[0]]['posts']:,} posts per case; recorded "
        + (f"{q['date']}, " if q["date"] else "")
        + f"commit {q['commit']}, load average {q['load_before']:.1f} before and "
        f"{q['load_after']:.1f} after.",
        "",
    ]
    if "campaigns" in q:
        parts.append(_campaigns(q["campaigns"]))
    if "calibration" in q:
        parts.append(_calibration(q["calibration"]))
    parts.append(
        "* The whole calibrated pipeline: " + "; ".join(_times(k, q[k]) for k in cases) + "."
    )
    return "\n".join(parts) + "\n\n" + quote(body)


def record(path: Path) -> None:
    """Rewrite the section of docs/benchmarks.md named for ``path`` from ``path``."""
    replace_section(Path(path).stem, section(Path(path).read_text(encoding="utf-8")))
