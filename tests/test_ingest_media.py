"""post_media and account_images: every reader whose source carries media fills them, and the
counts agree with the sources, counted here independently in Python."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from ioscope.ingest import ingest

FIX = Path(__file__).parent / "fixtures" / "ingest"
CID1 = "bafkreia2ktu7rsrnrvqjslzmwo6e5vdmfp4nwyo4wsgnhd5bvr6ivvgmk4"
CID2 = "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"
AVATAR = "bafkreiavatarcidavatarcidavatarcidavatarcidavatarcid"


def _bsky_view(n: int, did: str, images: list[str], avatar: str | None) -> dict:
    author = {"did": did, "handle": f"h{n}.bsky.social"}
    if avatar:
        author["avatar"] = f"https://cdn.bsky.app/img/avatar/plain/{did}/{avatar}@jpeg"
    embed = {
        "$type": "app.bsky.embed.images",
        "images": [
            {
                "alt": "",
                "image": {
                    "$type": "blob",
                    "ref": {"$link": c},
                    "mimeType": "image/jpeg",
                    "size": 10,
                },
            }
            for c in images
        ],
    }
    return {
        "uri": f"at://{did}/app.bsky.feed.post/{n}",
        "author": author,
        "record": {
            "$type": "app.bsky.feed.post",
            "text": f"post {n}",
            "createdAt": f"2024-05-01T10:0{n}:00Z",
            "embed": embed,
        },
        "indexedAt": f"2024-05-01T10:0{n}:00Z",
    }


def test_bluesky_blob_cids(ws, tmp_path):
    page = {
        "posts": [
            _bsky_view(1, "did:plc:aaa", [CID1, CID2], AVATAR),
            _bsky_view(2, "did:plc:bbb", [CID1], AVATAR),
            _bsky_view(3, "did:plc:ccc", [], None),
        ]
    }
    video = {
        "did": "did:plc:ddd",
        "time_us": 1714557600000000,
        "kind": "commit",
        "commit": {
            "operation": "create",
            "collection": "app.bsky.feed.post",
            "rkey": "v1",
            "record": {
                "$type": "app.bsky.feed.post",
                "text": "clip",
                "createdAt": "2024-05-01T10:09:00Z",
                "embed": {
                    "$type": "app.bsky.embed.recordWithMedia",
                    "record": {"record": {"uri": "at://did:plc:aaa/app.bsky.feed.post/1"}},
                    "media": {
                        "$type": "app.bsky.embed.video",
                        "video": {
                            "$type": "blob",
                            "ref": {"$link": CID2},
                            "mimeType": "video/mp4",
                            "size": 99,
                        },
                    },
                },
            },
        },
    }
    f = tmp_path / "bsky.jsonl"
    f.write_text(json.dumps(page) + "\n" + json.dumps(video) + "\n")
    (r,) = ingest(ws, [f]).files
    assert r.post_media_new == 4
    rows = ws.sql(
        "SELECT post_id, media_id, media_kind, content_hash, media_item FROM post_media "
        "ORDER BY post_id, media_id"
    ).fetchall()
    assert rows == [
        ("at://did:plc:aaa/app.bsky.feed.post/1", CID1, "photo", "cid:" + CID1, "cid:" + CID1),
        ("at://did:plc:aaa/app.bsky.feed.post/1", CID2, "photo", "cid:" + CID2, "cid:" + CID2),
        ("at://did:plc:bbb/app.bsky.feed.post/2", CID1, "photo", "cid:" + CID1, "cid:" + CID1),
        ("at://did:plc:ddd/app.bsky.feed.post/v1", CID2, "video", "cid:" + CID2, "cid:" + CID2),
    ]
    # both avatars are the same blob: the same item
    assert ws.sql("SELECT account_id, image_item FROM account_images ORDER BY 1").fetchall() == [
        ("did:plc:aaa", "cid:" + AVATAR),
        ("did:plc:bbb", "cid:" + AVATAR),
    ]
    # a re-ingest adds nothing
    assert ingest(ws, [f]).files[0].post_media_new == 0


def test_telegram_photos_and_files(ws, tmp_path):
    export = {
        "name": "Chan",
        "type": "public_channel",
        "id": 777,
        "messages": [
            {
                "id": 1,
                "type": "message",
                "date_unixtime": "1714557600",
                "from": "Chan",
                "from_id": "channel777",
                "text": "a",
                "photo": "photos/photo_1@01-05-2024_10-00-00.jpg",
            },
            {
                "id": 2,
                "type": "message",
                "date_unixtime": "1714557660",
                "from": "Chan",
                "from_id": "channel777",
                "text": "b",
                "file": "video_files/clip.mp4",
                "media_type": "video_file",
                "mime_type": "video/mp4",
            },
            {
                "id": 3,
                "type": "message",
                "date_unixtime": "1714557720",
                "from": "Chan",
                "from_id": "channel777",
                "text": "no media",
            },
        ],
    }
    bot = {
        "message_id": 9,
        "sender_id": -100888,
        "date": "2024-05-01T10:00:00+00:00",
        "text": "bot api",
        "photo": [{"file_unique_id": "AQADsmall"}, {"file_unique_id": "AQADlarge"}],
    }
    f = tmp_path / "result.json"
    f.write_text(json.dumps(export, indent=1))
    g = tmp_path / "dump.json"
    g.write_text(json.dumps([bot]))
    ingest(ws, [f, g])
    rows = ws.sql(
        "SELECT post_id, media_id, media_kind, file FROM post_media ORDER BY 1"
    ).fetchall()
    assert rows == [
        (
            "-100777/1",
            "photos/photo_1@01-05-2024_10-00-00.jpg",
            "photo",
            "photos/photo_1@01-05-2024_10-00-00.jpg",
        ),
        ("-100777/2", "video_files/clip.mp4", "video", "video_files/clip.mp4"),
        ("-100888/9", "AQADlarge", "photo", None),
    ]


def _one(ws, sql: str):
    return ws.sql(sql).fetchall()[0][0]


def _v1_media_count(tweets: list[dict]) -> int:
    n = 0
    for t in tweets:
        ext = t.get("extended_tweet") or {}
        for e in (
            ext.get("extended_entities"),
            t.get("extended_entities"),
            ext.get("entities"),
            t.get("entities"),
        ):
            if e and e.get("media"):
                n += len(e["media"])
                break
    return n


def test_twitter_v1_counts_match_the_source(ws, shared_data):
    f = shared_data / "twitter-v1-geotagged-election-2016" / "election" / "AK_election.json.gz"
    tweets = json.load(gzip.open(f))
    (r,) = ingest(ws, [f]).files
    assert r.post_media_new == _v1_media_count(tweets) == 12
    ids = {m["id_str"] for t in tweets for m in (t.get("extended_entities") or {}).get("media", [])}
    assert ids <= {x[0] for x in ws.sql("SELECT media_id FROM post_media").fetchall()}
    # each author's latest avatar and banner URL; the item drops the size suffix
    avatars = {t["user"]["id_str"] for t in tweets if t["user"].get("profile_image_url_https")}
    assert _one(
        ws, "SELECT count(DISTINCT account_id) FROM account_images WHERE kind = 'avatar'"
    ) == len(avatars)
    assert (
        _one(
            ws,
            "SELECT count(*) FROM account_images WHERE image_item LIKE '%\\_normal.%' ESCAPE '\\'",
        )
        == 0
    )


def test_twitter_v2_media_keys_resolved_in_includes(ws, shared_data):
    d = shared_data / "twitter-v2-twarc-fixtures"
    expected, urls = 0, 0
    for name in ("kpop", "brexit", "media_tweet"):
        for line in gzip.open(d / f"{name}.jsonl.gz", "rt"):
            page = json.loads(line)
            data = page["data"] if isinstance(page["data"], list) else [page["data"]]
            media = {m["media_key"]: m for m in page.get("includes", {}).get("media", [])}
            for t in data:
                keys = t.get("attachments", {}).get("media_keys", [])
                expected += len(keys)
                urls += sum(
                    1
                    for k in keys
                    if k in media and (media[k].get("url") or media[k].get("preview_image_url"))
                )
    ingest(ws, [d / f"{n}.jsonl.gz" for n in ("kpop", "brexit", "media_tweet")])
    assert _one(ws, "SELECT count(*) FROM post_media") == expected == 27
    assert _one(ws, "SELECT count(url) FROM post_media") == urls
    assert (
        _one(ws, "SELECT media_kind FROM post_media WHERE media_id = '7_1558552952549277696'")
        == "video"
    )
