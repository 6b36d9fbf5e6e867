"""Thumbnails of the media files the user supplied: small, stored in the workspace, embedded in
the report and the web UI as data: URIs only; without supplied files there is no image at all."""

from __future__ import annotations

import base64
import io
import re

import pytest

from ioscope.detect import detect
from ioscope.ingest.media_hash import THUMBNAIL_PX, hash_media, thumbnail
from ioscope.report import build_report, collect
from tests.fixtures.pictures import picture as _picture

Image = pytest.importorskip("PIL.Image")

HOSTILE_URL = '"><img src="https://evil.example/x.png">'
IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)


@pytest.mark.parametrize(
    "size,want", [((400, 100), (96, 24)), ((60, 300), (19, 96)), ((50, 40), (50, 40))]
)
def test_thumbnail_fits_and_keeps_proportions(size, want):
    data, w, h = thumbnail(Image.new("RGB", size, (200, 30, 30)))
    assert (w, h) == want and max(w, h) <= THUMBNAIL_PX
    with Image.open(io.BytesIO(data)) as back:
        assert back.format == "PNG" and back.size == want


@pytest.fixture
def hashed(ws, tmp_path):
    """A planted group shares links; every link's post carries its preview image, and the user
    holds the image files (one picture per link, named after the media id); one file name is
    hostile, and every URL is."""
    from tests.fixtures.detect import attach_media, load, planted

    rows, _ = planted(seed=3, groups=1, size=5, events=6, noise=10, noise_posts=150)
    load(ws, rows)
    attach_media(ws)
    ws.con.execute("UPDATE post_media SET url = ?", [HOSTILE_URL])
    first = ws.sql("SELECT min(post_id) FROM post_media").fetchone()[0]
    ws.con.execute(
        "UPDATE post_media SET media_id = '\"><b>' || media_id WHERE post_id = ?", [first]
    )
    d = tmp_path / "files"
    d.mkdir()
    items = sorted({i for (i,) in ws.sql("SELECT media_item FROM post_media").fetchall()})
    for media_id, item in ws.sql("SELECT media_id, media_item FROM post_media").fetchall():
        _picture(items.index(item), 200).save(d / f"{media_id}.png")
    r = hash_media(ws, d)
    detect(ws)
    return ws, r


def test_thumbnails_stored_per_hash(hashed):
    ws, r = hashed
    rows = ws.sql(
        "SELECT phash, file, media_type, width, height, data, file_sha256 FROM media_thumbnails"
    ).fetchall()
    distinct = ws.sql("SELECT count(DISTINCT phash) FROM post_media").fetchone()[0]
    assert r["thumbnails"] == len(rows) == distinct > 1  # one per distinct hash
    assert any(f.startswith('"><b>') for _, f, *_ in rows)
    for _ph, _, mime, w, h, data, sha in rows:
        assert mime == "image/png" and w == h == THUMBNAIL_PX and sha.startswith("sha256:")
        with Image.open(io.BytesIO(data)) as im:
            assert im.size == (w, h)
    missing = ws.sql(
        "SELECT count(*) FROM post_media m ANTI JOIN media_thumbnails t USING (phash)"
    ).fetchone()[0]
    assert missing == 0


def _images_are_data_only(html: str) -> list[str]:
    tags = IMG.findall(html)
    for t in tags:
        src = re.search(r'src="([^"]*)"', t).group(1)
        assert src.startswith("data:image/png;base64,"), t
    assert not re.search(r"<img[^>]+src=[\"']?https?:", html, re.IGNORECASE)
    return tags


def test_report_and_ui_embed_thumbnails_as_data_uris(hashed, tmp_path, ws_path):
    ws, _ = hashed
    details = collect(ws, format="json")["sections"]["campaigns"]["details"]
    d = details[0]
    thumbs = {r["item"]: r["thumbnail"] for r in d["media_items"]}
    assert len(thumbs) >= 3 and all(thumbs.values())
    # an item's thumbnail is that of one of its rows' files
    want = {}
    for item, data in ws.sql(
        "SELECT m.media_item, t.data FROM post_media m JOIN media_thumbnails t USING (phash)"
    ).fetchall():
        want.setdefault(item, set()).add(data)
    for item, uri in thumbs.items():
        assert base64.b64decode(uri.split(",", 1)[1]) in want[item]
    html = build_report(ws, tmp_path / "r.html")
    md = build_report(ws, tmp_path / "r.md", format="md")
    tags = _images_are_data_only(html)
    assert len(tags) >= len(thumbs)
    assert "evil.example" in html and '"><img src="https://evil' not in html
    assert "iVBORw0KGgo" not in md  # no PNG inside: the text report lists ids only
    from ioscope.web import create_app, get

    ws.close()
    cid = d["cluster_id"]
    page = get(create_app(ws_path), f"/clusters/{cid}")
    assert page.status == 200
    assert len(_images_are_data_only(page.text)) == len(thumbs)


def test_no_supplied_files_no_images(ws, tmp_path):
    from tests.fixtures.detect import attach_media, load, planted

    rows, _ = planted(seed=3, groups=1, size=5, events=6, noise=10, noise_posts=150)
    load(ws, rows)
    attach_media(ws)
    ws.con.execute("UPDATE post_media SET url = ?", [HOSTILE_URL])
    detect(ws)
    det = collect(ws, format="json")["sections"]["campaigns"]["details"][0]
    assert det["media_items"] and not any(r["thumbnail"] for r in det["media_items"])
    html = build_report(ws, tmp_path / "r.html")
    assert IMG.findall(html) == [] and "evil.example" in html
