"""co_media on hand-made cases with known edges."""

from __future__ import annotations

import pytest

from ioscope.detect import detect
from tests.fixtures.detect import edges, evidence, load, post

W = 60


def media(ws, rows: list[tuple]) -> None:
    """post_media rows (platform, post_id, media_id, media_item) for posts already loaded."""
    ws.con.executemany(
        "INSERT INTO post_media (platform, post_id, media_id, media_item) VALUES (?, ?, ?, ?)", rows
    )


def _case(spec):
    posts, items = [], []
    for n, (acc, t, item, *rest) in enumerate(spec):
        kind = rest[0] if rest else "post"
        platform = rest[1] if len(rest) > 1 else "twitter"
        posts.append(
            post(
                f"p{n}",
                acc,
                t,
                kind,
                text="pic",
                target="x" if kind == "repost" else None,
                platform=platform,
            )
        )
        items.append((platform, f"p{n}", f"m{n}", item))
    return posts, items


def test_window_edges_and_reposts(ws):
    posts, items = _case(
        [
            ("a", 10, "x"),
            ("b", 70, "x"),
            ("c", 131, "x"),  # a-b: Δt = W; b-c 61 s: no
            ("d", 0, "y"),
            ("e", 60, "y"),  # Δt = W on a bucket boundary
            ("f", 200, "z"),
            ("g", 261, "z"),  # Δt = W + 1: no
            ("j", 600, "r"),
            ("k", 659, "r"),  # Δt = 59
            ("l", 800, "s"),
            ("m", 801, "s", "repost"),  # a repost is not a media action
        ]
    )
    load(ws, posts)
    media(ws, items)
    detect(ws, signals=["co_media"], window=W, min_weight=1)
    got = edges(ws, "co_media")
    assert set(got) == {("a", "b"), ("d", "e"), ("j", "k")}
    ev = {
        (e["account_1"], e["account_2"]): (e["item"], e["dt_seconds"])
        for e in evidence(ws, "co_media")
    }
    assert ev[("a", "b")] == ("x", pytest.approx(60)) and ev[("j", "k")][1] == pytest.approx(59)


def test_weight_counts_posts_and_items_once(ws):
    """a and b share 3 images in two posts each (one post carries two of them): weight 2 (posts),
    shared_items 3; a post carrying the same item twice counts once."""
    posts = [
        post("a1", "a", 0, text="x"),
        post("b1", "b", 10, text="x"),
        post("a2", "a", 1000, text="x"),
        post("b2", "b", 1020, text="x"),
    ]
    load(ws, posts)
    media(
        ws,
        [
            ("twitter", "a1", "1", "i1"),
            ("twitter", "a1", "2", "i2"),
            ("twitter", "a1", "3", "i2"),
            ("twitter", "b1", "4", "i1"),
            ("twitter", "b1", "5", "i2"),
            ("twitter", "a2", "6", "i3"),
            ("twitter", "b2", "7", "i3"),
        ],
    )
    detect(ws, signals=["co_media"], window=W, min_weight=2)
    e = edges(ws, "co_media")[("a", "b")]
    assert (e["weight"], e["shared_items"], e["co_actions"]) == (2, 3, 3)


def test_content_hash_links_accounts_across_platforms(ws):
    """The same blob on two platforms (a content address) is one item; media ids are not."""
    load(
        ws,
        [
            post("t1", "tw", 0, text="x", platform="twitter"),
            post("b1", "bs", 30, text="x", platform="bluesky"),
            post("t2", "tw2", 5, text="x", platform="twitter"),
        ],
    )
    media(
        ws,
        [
            ("twitter", "t1", "900", "cid:abc"),
            ("bluesky", "b1", "abc", "cid:abc"),
            ("twitter", "t2", "901", "twitter:901"),
        ],
    )
    detect(ws, signals=["co_media"], window=W, min_weight=1)
    rows = ws.sql("SELECT platform_1, account_1, platform_2, account_2 FROM edges").fetchall()
    assert rows == [("bluesky", "bs", "twitter", "tw")]


def test_hot_meme_is_set_aside(ws):
    """A meme posted by 30 accounts in one minute is a hot cell; the two accounts that share a
    rare image stay linked."""
    posts = [post(f"v{i}", f"u{i:02d}", i, text="lol") for i in range(30)]
    posts += [post("r1", "u00", 100, text="x"), post("r2", "u01", 110, text="x")]
    load(ws, posts)
    media(
        ws,
        [("twitter", f"v{i}", f"m{i}", "meme") for i in range(30)]
        + [("twitter", "r1", "q1", "rare"), ("twitter", "r2", "q2", "rare")],
    )
    report = detect(ws, signals=["co_media"], window=W, min_weight=1, max_item_actions=20)
    assert set(edges(ws, "co_media")) == {("u00", "u01")}
    (s,) = [s for s in report.signals if s["signal"] == "co_media"]
    assert s["edges"] == 1


def test_no_media_no_edges(ws):
    load(ws, [post("1", "a", 0, text="x"), post("2", "b", 1, text="x")])
    detect(ws, signals=["co_media"], window=W, min_weight=1)
    assert edges(ws, "co_media") == {}
