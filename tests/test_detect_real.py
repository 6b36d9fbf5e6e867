"""co_repost on CooRTweet's real Russian retweet sample, against an independent computation."""

from __future__ import annotations

import csv
import gzip
from collections import defaultdict

import pytest

from ioscope.detect import detect
from ioscope.ingest import ingest


def independent_co_repost(path, window: float, min_weight: int) -> dict[tuple[str, str], int]:
    """Sliding window per retweeted object; weight = min of the two accounts' matched tweets."""
    seen, by_object = set(), defaultdict(list)
    with gzip.open(path, "rt", newline="") as f:
        for row in csv.DictReader(f):
            if row["content_id"] in seen:
                continue
            seen.add(row["content_id"])
            if row["content_id"] != row["object_id"]:
                by_object[row["object_id"]].append(
                    (int(row["timestamp_share"]), row["account_id"], row["content_id"])
                )
    matched = defaultdict(lambda: (set(), set()))
    for shares in by_object.values():
        shares.sort()
        for i, (t1, a1, c1) in enumerate(shares):
            for t2, a2, c2 in shares[i + 1 :]:
                if t2 - t1 > window:
                    break
                if a1 != a2:
                    (lo, clo), (hi, chi) = sorted([(a1, c1), (a2, c2)])
                    matched[(lo, hi)][0].add(clo)
                    matched[(lo, hi)][1].add(chi)
    out = {k: min(len(a), len(b)) for k, (a, b) in matched.items()}
    return {k: w for k, w in out.items() if w >= min_weight}


@pytest.mark.parametrize("window,min_weight", [(10, 1), (60, 2), (1439, 3)])
def test_co_repost_on_coortweet_sample(shared_data, ws, window, min_weight):
    path = shared_data / "coortweet-coordination-samples" / "russian_coord_tweets.csv.gz"
    ingest(ws, [path])
    detect(
        ws,
        signals=["co_repost"],
        window=window,
        min_weight=min_weight,
        hot_items="keep",
        max_evidence=1,
    )
    got = {
        (a, b): w
        for a, b, w in ws.sql(
            "SELECT account_1, account_2, weight FROM edges WHERE signal = 'co_repost'"
        ).fetchall()
    }
    want = independent_co_repost(path, window, min_weight)
    assert got == want
    assert len(got) > 0
