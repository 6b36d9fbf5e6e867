"""Each signal on hand-made cases with known edges, including the window edges (Δt = W counts)."""

from __future__ import annotations

import itertools

import pytest

from ioscope.detect import detect
from tests.fixtures.detect import edges, evidence, load, planted, post

W = 60


def _words(key: str, n: int = 9) -> list[str]:
    return [f"{key}{i}" for i in range(n)]


#: signal -> (post_id, account, t, item key, variant) -> a post that is one action on that item
MAKERS = {
    "co_repost": lambda i, a, t, k, v: post(i, a, t, "repost", target=k, text="rt"),
    "co_link": lambda i, a, t, k, v: post(i, a, t, text="x", urls=[f"https://{k}.example/a"]),
    "co_domain": lambda i, a, t, k, v: post(
        i, a, t, text="x", urls=[f"https://{k}.example/{v}"], domains=[f"{k}.example"]
    ),
    "co_reply": lambda i, a, t, k, v: post(i, a, t, "reply", target=k, text="reply"),
    "co_mention": lambda i, a, t, k, v: post(i, a, t, text=f"hi @{k}", mentions=[k]),
    "co_hashtag": lambda i, a, t, k, v: post(i, a, t, text=f"#{k}", hashtags=[k]),
    "co_text": lambda i, a, t, k, v: post(i, a, t, text=" ".join(_words(k)) + f" @someone{v}"),
    "near_duplicate_text": lambda i, a, t, k, v: post(
        i, a, t, text=" ".join(_words(k) + (["extra"] if v else []))
    ),
}


def _window_case(make) -> list[dict]:
    """Pairs of accounts on one item each, at Δt = W (counts) and Δt > W (does not)."""
    spec = [  # (account, t, item, variant)
        ("a", 10, "x", 0),
        ("b", 70, "x", 1),
        ("c", 131, "x", 0),  # a-b: Δt = W across buckets
        ("d", 0, "y", 0),
        ("e", 60, "y", 1),  # d-e: Δt = W on a boundary
        ("f", 200, "z", 0),
        ("g", 261, "z", 1),  # Δt = W + 1
        ("h", 400, "q", 0),
        ("i", 460.001, "q", 1),  # Δt = W + 1 ms
        ("j", 600, "r", 0),
        ("k", 659, "r", 1),  # same bucket, Δt = 59
    ]
    return [make(f"p{n}", a, t, k, v) for n, (a, t, k, v) in enumerate(spec)]


@pytest.mark.parametrize("signal", sorted(MAKERS))
def test_window_edges(ws, signal):
    load(ws, _window_case(MAKERS[signal]))
    detect(ws, signals=[signal], window=W, min_weight=1)
    got = edges(ws, signal)
    assert set(got) == {("a", "b"), ("d", "e"), ("j", "k")}
    ev = {(e["account_1"], e["account_2"]): e["dt_seconds"] for e in evidence(ws, signal)}
    assert ev[("a", "b")] == pytest.approx(60) and ev[("d", "e")] == pytest.approx(60)
    assert ev[("j", "k")] == pytest.approx(59)
    assert all(e["weight"] == 1 and not e["directed"] for e in got.values())


def test_weights_count_distinct_items_and_pairs(ws):
    rows = []
    for n, (acc, t, target) in enumerate(
        [
            ("a", 0, "x"),
            ("b", 5, "x"),
            ("b", 6, "x"),  # b reposts x twice
            ("a", 1000, "y"),
            ("b", 1030, "y"),
            ("a", 5000, "z"),
            ("c", 5001, "z"),
        ]
    ):
        rows.append(post(f"p{n}", acc, t, "repost", target=target, text="t"))
    load(ws, rows)
    detect(ws, signals=["co_repost"], min_weight=1)
    e = edges(ws, "co_repost")
    assert e[("a", "b")]["weight"] == 2 and e[("a", "b")]["shared_items"] == 2
    assert e[("a", "b")]["co_actions"] == 3
    assert e[("a", "c")]["weight"] == 1
    assert e[("a", "b")]["first_at"] == post("x", "a", 0)["created_at"]
    assert e[("a", "b")]["last_at"] == post("x", "a", 1030)["created_at"]
    detect(ws, signals=["co_repost"], min_weight=2)
    assert set(edges(ws, "co_repost")) == {("a", "b")}


def test_reposts_without_target_ids_match_on_handle_and_text(ws):
    load(
        ws,
        [
            post("1", "a", 0, "repost", target_handle="Src", text="Big  NEWS http://t.co/x"),
            post("2", "b", 20, "repost", target_handle="src", text="big news"),
            post("3", "c", 30, "repost", target_handle="other", text="big news"),
        ],
    )
    detect(ws, signals=["co_repost"], min_weight=1)
    assert set(edges(ws, "co_repost")) == {("a", "b")}
    assert evidence(ws, "co_repost")[0]["item"] == "rt:src:big news"


def test_text_normalization_and_minimum_length(ws):
    load(
        ws,
        [
            post("1", "a", 0, text="Vote NOW https://x.example/1 @bob  for the future"),
            post("2", "b", 10, text="vote now @alice for\tthe future www.y.example"),
            post("3", "c", 20, text="ok @x"),
            post("4", "d", 25, text="OK"),
            post("5", "e", 30, "repost", target="z", text="vote now for the future"),
        ],
    )
    detect(ws, signals=["co_text"], min_weight=1)
    assert set(edges(ws, "co_text")) == {("a", "b")}
    assert evidence(ws, "co_text")[0]["item"] == "vote now for the future"
    detect(ws, signals=["co_text"], min_weight=1, params={"co_text": {"min_chars": 2}})
    assert set(edges(ws, "co_text")) == {("a", "b"), ("c", "d")}


def test_mentions_in_replies_and_reposts_do_not_count(ws):
    load(
        ws,
        [
            post("1", "a", 0, "reply", target="x", text="@t hi", mentions=["t"]),
            post("2", "b", 5, "reply", target="y", text="@t hi", mentions=["t"]),
            post("3", "c", 6, "repost", target="z", text="@t hi", mentions=["t"]),
            post("4", "d", 7, text="@t hey", mentions=["t"]),
            post("5", "e", 8, "quote", target="q", text="@t look", mentions=["t"]),
        ],
    )
    detect(ws, signals=["co_mention"], min_weight=1)
    assert set(edges(ws, "co_mention")) == {("d", "e")}


def test_near_duplicate_threshold(ws):
    base = [f"word{i}" for i in range(10)]
    load(
        ws,
        [
            post("1", "a", 0, text=" ".join(base)),
            post("2", "b", 5, text=" ".join(base[:9] + ["other"])),  # J = 9/11 = 0.82
            post("3", "c", 9, text=" ".join(base[:7] + ["x", "y", "z"])),  # J with a = 7/13
            post("4", "d", 12, text="short text"),
            post("5", "e", 13, text="short text"),
        ],
    )
    detect(ws, signals=["near_duplicate_text"], min_weight=1)
    got = edges(ws, "near_duplicate_text")
    assert set(got) == {("a", "b")}
    assert got[("a", "b")]["score"] == pytest.approx(9 / 11)
    detect(
        ws,
        signals=["near_duplicate_text"],
        min_weight=1,
        params={"near_duplicate_text": {"threshold": 0.5, "min_tokens": 2}},
    )
    assert set(edges(ws, "near_duplicate_text")) >= {("a", "b"), ("a", "c"), ("d", "e")}


def test_hashtag_sequence_same_day_same_order(ws):
    rows, n = [], 0
    seqs = {"a": "abcde", "b": "abcde", "c": "abced", "d": "abcde"}
    for acc, seq in seqs.items():
        day = 86400 if acc == "d" else 0  # d posts the sequence on the next day
        for k, tag in enumerate(seq):
            n += 1
            rows.append(post(f"p{n}", acc, day + 3600 + 100 * k, text=f"#{tag}", hashtags=[tag]))
    load(ws, rows)
    detect(ws, signals=["hashtag_sequence"])
    got = edges(ws, "hashtag_sequence")
    assert set(got) == {("a", "b")}
    assert evidence(ws, "hashtag_sequence")[0]["item"].endswith(":a b c d e")
    detect(ws, signals=["hashtag_sequence"], params={"hashtag_sequence": {"min_hashtags": 6}})
    assert edges(ws, "hashtag_sequence") == {}


def test_synchronized_accounts_versus_chance(ws):
    import random

    rng = random.Random(3)
    rows, n = [], 0
    for b in range(40):  # s1, s2 post within 20 s of each other, 14 times
        if b % 3:
            continue
        start = b * 1800 + rng.randint(0, 1700)
        for acc in ("s1", "s2"):
            n += 1
            rows.append(post(f"p{n}", acc, start + rng.randint(0, 20), text="x"))
    for acc in [f"r{i}" for i in range(12)]:  # random accounts, 12 posts each
        for _ in range(12):
            n += 1
            rows.append(post(f"p{n}", acc, rng.randint(0, 40 * 1800), text="x"))
    load(ws, rows)
    detect(ws, signals=["synchronized"])
    got = edges(ws, "synchronized")
    assert set(got) == {("s1", "s2")}
    assert got[("s1", "s2")]["weight"] == 14 and got[("s1", "s2")]["score"] > 0.5
    ev = evidence(ws, "synchronized")
    assert len(ev) == 14 and all(abs(e["dt_seconds"]) <= 20 for e in ev)
    # a bin shorter than the offsets loses them
    detect(ws, signals=["synchronized"], params={"synchronized": {"bin": "5s"}})
    assert ("s1", "s2") not in edges(ws, "synchronized")


def test_planted_groups_found_by_every_signal(ws):
    rows, truth = planted()
    load(ws, rows)
    report = detect(
        ws,
        signals=[
            "co_repost",
            "co_link",
            "co_domain",
            "co_reply",
            "co_mention",
            "co_hashtag",
            "hashtag_sequence",
            "near_duplicate_text",
            "synchronized",
            "co_text",
        ],
        # the planted groups act within 20 s; their events are an hour apart, so at the
        # default's 1 h scale members of the two groups co-mention the same accounts
        window="60s",
    )
    assert {s["signal"] for s in report.signals if s["edges"]} >= {
        "co_repost",
        "co_link",
        "co_domain",
        "co_reply",
        "co_mention",
        "co_hashtag",
        "hashtag_sequence",
        "near_duplicate_text",
        "synchronized",
        "co_text",
    }
    planted_pairs = {tuple(sorted(p)) for g in truth for p in itertools.combinations(g, 2)}
    for signal in (
        "co_repost",
        "co_link",
        "co_reply",
        "co_mention",
        "near_duplicate_text",
        "hashtag_sequence",
    ):
        got = set(edges(ws, signal))
        assert got == planted_pairs, signal
    # identical normalized texts only between members with the same variant
    assert set(edges(ws, "co_text")) == {
        p for p in planted_pairs if int(p[0][-1]) % 2 == int(p[1][-1]) % 2
    }
