"""telegram: Telegram Desktop exports, flat dumps and Telethon dumps."""

from __future__ import annotations

import gzip
import json

import orjson

from ioscope.ingest import detect_format, ingest
from ioscope.workspace import Workspace
from tests.fixtures.samples.telegram import channel_export, message, write_desktop

RU = "telegram-ru-news-channels/raw"


def test_desktop_channel_export(tmp_path, ws):
    f = tmp_path / "result.json"
    write_desktop(f, channel_export())
    assert detect_format(str(f)) == "telegram"
    (r,) = ingest(ws, [f]).files
    assert (r.rows_read, r.rows_ingested, r.rows_quarantined) == (6, 5, 1)
    (q,) = ws.rows("SELECT * FROM quarantine")
    assert "service message (create_channel)" in q["reason"] and q["source_line"] == 6
    p = {x["post_id"]: x for x in ws.rows("SELECT * FROM posts")}
    assert set(p) == {f"-1001234567890/{i}" for i in range(2, 7)}
    assert all(x["account_id"] == "-1001234567890" for x in p.values())
    plain = p["-1001234567890/2"]
    assert plain["text"] == "Plain\x0btext with https://example.com/x."
    assert (
        plain["urls"] == ["https://example.com/x"]
        and str(plain["created_at"]) == "2024-03-01 12:00:02"
    )
    rich = p["-1001234567890/3"]
    assert rich["text"] == "Read this and https://t.me/other/5 #Вести by @someone"
    assert rich["urls"] == ["https://news.example.org/a?utm_medium=x", "https://t.me/other/5"]
    assert rich["urls_normalized"][0] == "https://news.example.org/a"
    assert rich["hashtags"] == ["вести"] and rich["mentions"] == ["someone"]
    fwd = p["-1001234567890/4"]
    assert (fwd["kind"], fwd["target_handle"], fwd["text"]) == (
        "repost",
        "Other Channel",
        "Forwarded words",
    )
    reply = p["-1001234567890/5"]
    assert (reply["kind"], reply["target_post_id"], reply["target_account_id"]) == (
        "reply",
        "-1001234567890/2",
        "-1001234567890",
    )
    (acc,) = ws.rows("SELECT * FROM accounts")
    assert (acc["account_id"], acc["display_name"]) == ("-1001234567890", "Test Channel")


def test_desktop_group_export_senders_are_accounts(tmp_path, ws):
    export = {
        "name": "Group",
        "type": "private_supergroup",
        "id": 42,
        "messages": [
            message(1, "hi", **{"from": "Ann", "from_id": "user111"}),
            message(2, "hello", **{"from": "Bob", "from_id": "user222"}, reply_to_message_id=1),
        ],
    }
    f = tmp_path / "group.json.gz"
    with gzip.open(f, "wt", encoding="utf-8") as g:
        g.write(json.dumps(export, indent=1))
    ingest(ws, [f])
    rows = ws.rows(
        "SELECT post_id, account_id, target_post_id, target_account_id FROM posts ORDER BY 1"
    )
    assert rows == [
        {
            "post_id": "-10042/1",
            "account_id": "111",
            "target_post_id": None,
            "target_account_id": None,
        },
        {
            "post_id": "-10042/2",
            "account_id": "222",
            "target_post_id": "-10042/1",
            "target_account_id": None,
        },
    ]
    assert dict(ws.sql("SELECT account_id, display_name FROM accounts").fetchall()) == {
        "111": "Ann",
        "222": "Bob",
    }


def test_desktop_truncated_export_quarantines_the_cut_message(tmp_path, ws):
    f = tmp_path / "cut.json"
    write_desktop(f, channel_export(), escape=False)
    text = f.read_text()
    f.write_text(text[: text.index('"A reply"') + 5])
    (r,) = ingest(ws, [f], format="telegram").files
    assert (r.rows_read, r.rows_ingested, r.rows_quarantined) == (5, 3, 2)
    reasons = [x["reason"] for x in ws.rows("SELECT reason FROM quarantine ORDER BY source_line")]
    assert "service" in reasons[0] and "truncated" in reasons[1]


def test_full_account_export_and_minified_layout(tmp_path, ws_path):
    one = channel_export()
    full = {
        "about": "x",
        "chats": {
            "about": "y",
            "list": [
                one,
                {
                    "name": "Ann",
                    "type": "personal_chat",
                    "id": 111,
                    "messages": [message(9, "private", **{"from": "Ann", "from_id": "user111"})],
                },
            ],
        },
    }
    streamed, minified = tmp_path / "a.json", tmp_path / "b.json"
    write_desktop(streamed, one, escape=False)
    minified.write_bytes(orjson.dumps(full))
    with Workspace.open(ws_path) as ws:
        ingest(ws, [streamed], format="telegram")
        before = ws.rows(
            "SELECT * EXCLUDE (source_file, source_line, run_id) FROM posts ORDER BY 1"
        )
        rep = ingest(ws, [minified], format="telegram")
        assert rep.totals["rows_read"] == 7 and rep.totals["posts_new"] == 1
        (p,) = ws.rows("SELECT * FROM posts WHERE post_id = '111/9'")
        assert p["account_id"] == "111"
        after = ws.rows(
            "SELECT * EXCLUDE (source_file, source_line, run_id) FROM posts "
            "WHERE post_id <> '111/9' ORDER BY 1"
        )
        assert after == before


def test_telethon_dump_forwards_with_ids(tmp_path, ws):
    recs = [
        {
            "_": "Message",
            "id": 5,
            "peer_id": {"_": "PeerChannel", "channel_id": 777},
            "date": "2024-01-01 10:00:00+00:00",
            "message": "Look https://a.example/x",
            "views": 100,
            "forwards": 3,
            "replies": {"_": "MessageReplies", "replies": 2},
            "fwd_from": {
                "_": "MessageFwdHeader",
                "from_id": {"_": "PeerChannel", "channel_id": 999},
                "channel_post": 77,
                "from_name": None,
            },
            "entities": [
                {
                    "_": "MessageEntityTextUrl",
                    "offset": 0,
                    "length": 4,
                    "url": "https://b.example/y",
                }
            ],
        },
        {
            "_": "Message",
            "id": 6,
            "peer_id": {"_": "PeerChannel", "channel_id": 777},
            "from_id": {"_": "PeerUser", "user_id": 55},
            "date": "2024-01-01 11:00:00+00:00",
            "message": "in a megagroup",
            "reply_to": {"_": "MessageReplyHeader", "reply_to_msg_id": 5},
        },
    ]
    f = tmp_path / "telethon.jsonl"
    f.write_bytes(b"\n".join(orjson.dumps(r) for r in recs))
    assert detect_format(str(f)) == "telegram"
    ingest(ws, [f])
    p = {x["post_id"]: x for x in ws.rows("SELECT * FROM posts")}
    fwd = p["-100777/5"]
    assert (fwd["kind"], fwd["target_post_id"], fwd["target_account_id"]) == (
        "repost",
        "-100999/77",
        "-100999",
    )
    assert fwd["urls"] == ["https://b.example/y", "https://a.example/x"]
    assert (fwd["view_count"], fwd["repost_count"], fwd["reply_count"]) == (100, 3, 2)
    assert str(fwd["created_at"]) == "2024-01-01 10:00:00"
    reply = p["-100777/6"]
    assert (reply["account_id"], reply["kind"], reply["target_post_id"]) == (
        "55",
        "reply",
        "-100777/5",
    )


def test_telegram_ru_news_channels(shared_data, ws):
    files = sorted((shared_data / RU).glob("*_messages.json.gz"))
    assert len(files) == 24
    rep = ingest(ws, files)
    assert {f.format for f in rep.files} == {"telegram"}
    t = rep.totals
    assert (t["rows_read"], t["rows_ingested"], t["rows_quarantined"]) == (22099, 22099, 0)
    assert ws.count("posts") == 22099 and ws.count("accounts") == 24
    # each file is one channel: its name is the account id, the channel title its display name
    ids = {f.name.split("_")[0] for f in files}
    assert {a[0] for a in ws.sql("SELECT account_id FROM accounts").fetchall()} == {
        "-" + i for i in ids
    }
    (name,) = ws.sql(
        "SELECT display_name FROM accounts WHERE account_id = '-1001101170442'"
    ).fetchall()[0]
    assert name == "РИА Новости"
    lo, hi = ws.sql("SELECT min(created_at), max(created_at) FROM posts").fetchall()[0]
    assert (lo.date().isoformat(), hi.date().isoformat()) == ("2023-08-10", "2024-12-04")
    # 14,543 posts have a link (counted in the dataset's provenance); hashtags exclude URL fragments
    assert ws.sql("SELECT count(*) FROM posts WHERE len(urls) > 0").fetchall()[0][0] == 14543
    assert ws.sql("SELECT count(*) FROM posts WHERE len(hashtags) > 0").fetchall()[0][0] == 1369
    assert (
        ws.sql("SELECT count(*) FROM posts WHERE list_contains(domains, 't.me')").fetchall()[0][0]
        > 5000
    )
