"""A seeded generator of CNT-format CSV posts for the ingest benchmark (numpy, no ioscope).

Accounts post with Zipf-like activity; 30 % of posts are reposts of earlier posts, 10 % replies;
texts are drawn from a small vocabulary with hashtags and mentions; a fifth of original posts
carry one or two URLs (some with tracking parameters).
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

__all__ = ["write_cnt_csv"]

_WORDS = ("the vote news today people state media truth fake real election world watch read "
          "breaking video live share must now why how they we you love hate war peace").split()
_TAGS = ["#news", "#election", "#breaking", "#maga", "#resist", "#ukraine", "#russia", "#fakenews"]
_HOSTS = ["https://www.example.com/a/", "http://news.example.org/story/", "https://t.co/",
          "https://YouTube.com/watch?v=", "https://www.bbc.co.uk/news/"]


def write_cnt_csv(path: str | Path, *, posts: int, accounts: int = 50_000, seed: int = 1) -> Path:
    """Write ``posts`` rows of CNT CSV to ``path`` and return it."""
    rng = np.random.default_rng(seed)
    path = Path(path)
    weights = 1.0 / np.arange(1, accounts + 1) ** 0.8
    author = rng.choice(accounts, size=posts, p=weights / weights.sum())
    t = np.sort(rng.integers(1_500_000_000, 1_500_000_000 + 30 * 86400, size=posts))
    kind = rng.random(posts)
    target = (rng.random(posts) * np.arange(posts) ** 0.9).astype(np.int64)  # earlier posts, skewed
    words = rng.integers(0, len(_WORDS), size=(posts, 8))
    tags = rng.integers(0, len(_TAGS), size=posts)
    ment = rng.integers(0, accounts, size=posts)
    has_url = rng.random(posts)
    url_n = rng.integers(0, 5_000, size=posts)
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["message_id", "user_id", "username", "repost_id", "reply_id", "message",
                    "timestamp", "urls"])
        for i in range(posts):
            a = int(author[i])
            mid = 10**15 + i
            repost = reply = ""
            if kind[i] < 0.3 and i > 0:
                repost = str(10**15 + int(target[i]))
            elif kind[i] < 0.4 and i > 0:
                reply = str(10**15 + int(target[i]))
            text = " ".join(_WORDS[k] for k in words[i][: 4 + i % 5])
            if i % 3 == 0:
                text += " " + _TAGS[tags[i]]
            if i % 7 == 0:
                text = f"@user{int(ment[i])} " + text
            urls = ""
            if not repost and has_url[i] < 0.2:
                h = _HOSTS[int(url_n[i]) % len(_HOSTS)]
                urls = f"{h}{int(url_n[i])}" + ("?utm_source=tw" if url_n[i] % 4 == 0 else "")
                if has_url[i] < 0.03:
                    urls += f" {_HOSTS[0]}{int(url_n[i]) + 1}"
            w.writerow([mid, a, f"user{a}", repost, reply, text, int(t[i]), urls])
    return path
