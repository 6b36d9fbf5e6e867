"""A small seeded generator of CNT-format CSVs with planted coordinated groups.

Stands in for ``ioscope.simulate`` in the detect tests and the CNT benchmark until the simulator
is on main. Organic accounts post, repost (popular posts more), reply and link at random times;
each planted group repeatedly reposts the same post, shares the same URL, posts the same text
(with different @mentions, which both normalizations remove) and replies to the same post,
its members acting within ``burst`` seconds of each other.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

HEADER = ["message_id", "user_id", "username", "repost_id", "reply_id", "message", "timestamp", "urls"]
T0 = 1_600_000_000


@dataclass
class Synth:
    path: Path
    posts: int
    groups: list[list[str]] = field(default_factory=list)


def _words(rng: np.random.Generator, n: int) -> np.ndarray:
    syl = np.array(["ka", "lo", "mi", "ra", "to", "ne", "su", "vi", "de", "po", "la", "zu"])
    parts = rng.integers(0, len(syl), size=(n, 3))
    return np.array(["".join(syl[p]) for p in parts])


def write_cnt_csv(path: str | Path, *, posts: int = 20_000, seed: int = 1, accounts: int | None = None,
                  groups: int = 10, group_size: int = 8, days: float = 10.0, burst: int = 30,
                  events_per_group: int = 12) -> Synth:
    """Write ``posts`` (approximately: organic rows plus planted ones) and return the truth."""
    rng = np.random.default_rng(seed)
    path = Path(path)
    accounts = accounts or max(50, posts // 20)
    span = int(days * 86400)
    vocab = _words(rng, 3000)
    tags = np.array([f"#{w}" for w in _words(rng, 300)])
    url_pool = np.array([f"https://news{i % 97}.example/a/{i}" for i in range(max(100, posts // 10))])
    planted_rows = groups * group_size * events_per_group * 4
    n = max(0, posts - planted_rows)
    # organic activity: Zipf-ish accounts, uniform times, sorted so that reposts follow originals
    acct = np.minimum(rng.zipf(1.6, n) - 1, accounts - 1)
    ts = np.sort(rng.integers(T0, T0 + span, n))
    kind = rng.choice(3, size=n, p=[0.5, 0.38, 0.12])  # post, repost, reply
    ids = np.arange(1, n + 1)
    target = np.zeros(n, dtype=np.int64)
    earlier = np.maximum(1, (np.arange(n) * rng.random(n) ** 3).astype(np.int64))  # popular = early
    target[kind > 0] = earlier[kind > 0]
    rows = []
    for i in range(n):
        k = kind[i]
        words = " ".join(rng.choice(vocab, rng.integers(6, 14)))
        if rng.random() < 0.2:
            words += " " + " ".join(rng.choice(tags, rng.integers(1, 4)))
        if rng.random() < 0.15:
            words = f"@{'u' + str(rng.integers(accounts))} " + words
        urls = " ".join(rng.choice(url_pool, rng.integers(1, 3))) if (k != 1 and rng.random() < 0.3) else ""
        rows.append([str(ids[i]), f"u{acct[i]}", f"user{acct[i]}",
                     str(target[i]) if k == 1 else "", str(target[i]) if k == 2 else "",
                     words, str(int(ts[i])), urls])
    # planted groups: accounts g0_0 .. g0_7 etc., acting together within `burst` seconds
    truth, next_id = [], n + 1
    for g in range(groups):
        members = [f"g{g}_{m}" for m in range(group_size)]
        truth.append(members)
        for e in range(events_per_group):
            start = int(rng.integers(T0, T0 + span - burst))
            text = " ".join(rng.choice(vocab, 10)) + f" {tags[g % len(tags)]}"
            url = f"https://campaign{g}.example/story/{e}"
            rt_target = str(rng.integers(1, max(2, n)))
            reply_target = str(rng.integers(1, max(2, n)))
            for m in members:
                for k in range(4):
                    t = start + int(rng.integers(0, burst + 1))
                    row = [str(next_id), m, m, "", "", "", str(t), ""]
                    if k == 0:
                        row[3], row[5] = rt_target, "reposted text"
                    elif k == 1:
                        row[5], row[7] = f"read this {e}", url
                    elif k == 2:
                        row[5] = f"@{m}friend {text}"
                    else:
                        row[4], row[5] = reply_target, f"reply {g} {e}"
                    rows.append(row)
                    next_id += 1
    rows.sort(key=lambda r: (int(r[6]), int(r[0])))
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        w.writerows(rows)
    return Synth(path, len(rows), truth)
