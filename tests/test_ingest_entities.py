"""Hashtags and mentions extracted from text, on the cases that trip tokenizers."""

from __future__ import annotations

import csv

import pytest

from ioscope.ingest import ingest

CASES = [
    ("#a #b", ["a", "b"], []),
    ("#123 #b #1a #_", ["b", "1a", "_"], []),
    ("##tag x#no &#no /#no", ["tag"], []),
    ("é#no e\u0301#yes", ["yes"], []),
    ("#tag#notag2 #Ünïcode_X!", ["tag", "ünïcode_x"], []),
    ("＃全角 #日本語 a\n#b", ["全角", "日本語", "b"], []),
    ("🇺🇸#flag 🙂#emoji🙂@emo", ["flag", "emoji"], ["emo"]),
    ("@@bob a@no @Bob.Smith. hi", [], ["bob", "bob.smith"]),
    ("@b @bo /@no \n@nl ＠fw", [], ["bo", "nl", "fw"]),
    ("@alice@bob email me@x.com", [], ["alice"]),
    ("@" + "a" * 70, [], ["a" * 65]),
    ("#a@bb @cc#d", ["a"], ["cc"]),
]


@pytest.fixture
def posts(tmp_path, ws):
    f = tmp_path / "cases.csv"
    with f.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(
            [
                "message_id",
                "user_id",
                "username",
                "repost_id",
                "reply_id",
                "message",
                "timestamp",
                "urls",
            ]
        )
        for i, (text, _, _) in enumerate(CASES):
            w.writerow([i, "u", "u", "", "", text, 1600000000 + i, ""])
        w.writerow([len(CASES), "u", "u", "0", "", "RT text @someone #tag", 1600000100, ""])
    ingest(ws, [f])
    return {int(r["post_id"]): r for r in ws.rows("SELECT post_id, hashtags, mentions FROM posts")}


@pytest.mark.parametrize("i", range(len(CASES)))
def test_entities_from_text(posts, i):
    text, hashtags, mentions = CASES[i]
    assert posts[i]["hashtags"] == hashtags, text
    assert posts[i]["mentions"] == mentions, text


def test_reposts_keep_hashtags_but_not_mentions(posts):
    assert posts[len(CASES)]["hashtags"] == ["tag"] and posts[len(CASES)]["mentions"] == []
