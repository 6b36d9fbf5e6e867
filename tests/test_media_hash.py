"""``ioscope media WS hash DIR``: perceptual hashes, near-identical images as one item."""

from __future__ import annotations

import json
import random

import pytest
from typer.testing import CliRunner

from ioscope.cli.main import app
from ioscope.detect import detect
from ioscope.ingest import ingest
from ioscope.ingest.media_hash import hash_media, near_groups
from tests.fixtures.pictures import picture as _picture

Image = pytest.importorskip("PIL.Image")
runner = CliRunner()


def _export(tmp_path, photos: dict[str, str]) -> tuple:
    """Three channels post one photo each within 30 s; photos maps channel → file."""
    d = tmp_path / "export"
    files = []
    for i, (chan, photo) in enumerate(photos.items()):
        msgs = [
            {
                "id": n,
                "type": "message",
                "date_unixtime": str(1714557600 + 3600 * n + 10 * i),
                "from": chan,
                "from_id": f"channel{100 + i}",
                "text": f"m{n}",
                "photo": f"photos/{photo}_{n}.jpg",
            }
            for n in range(3)
        ]
        f = tmp_path / f"{chan}.json"
        f.write_text(
            json.dumps(
                {"name": chan, "type": "public_channel", "id": 100 + i, "messages": msgs}, indent=1
            )
        )
        files.append(f)
    return d, files


def test_near_identical_copies_become_one_item(ws, tmp_path):
    d, files = _export(tmp_path, {"a": "pa", "b": "pb", "c": "pc"})
    (d / "photos").mkdir(parents=True)
    for n in range(3):
        base = _picture(n)
        base.save(d / "photos" / f"pa_{n}.jpg", quality=95)
        # b: the same picture resized and re-encoded harder; c: another picture
        base.resize((200, 200)).save(d / "photos" / f"pb_{n}.jpg", quality=60)
        _picture(100 + n).save(d / "photos" / f"pc_{n}.jpg", quality=95)
    (d / "photos" / "broken.png").write_bytes(b"not an image")
    ingest(ws, files)
    detect(ws, signals=["co_media"], mode="raw", min_weight=2)
    assert ws.sql("SELECT count(*) FROM edges").fetchone()[0] == 0  # every file differs
    r = hash_media(ws, d, max_distance=6)
    assert (r["files"], r["hashed"], r["unreadable"], r["post_media_hashed"]) == (10, 9, 1, 9)
    items = dict(ws.sql("SELECT file, media_item FROM post_media").fetchall())
    for n in range(3):
        assert items[f"photos/pa_{n}.jpg"] == items[f"photos/pb_{n}.jpg"]
        assert items[f"photos/pa_{n}.jpg"].startswith("phash:")
        assert items[f"photos/pc_{n}.jpg"] != items[f"photos/pa_{n}.jpg"]
    detect(ws, signals=["co_media"], mode="raw", min_weight=2)
    edges = ws.sql("SELECT account_1, account_2, weight FROM edges").fetchall()
    assert edges == [("-100100", "-100101", 3)]
    # a re-run with distance 0 starts from the exact items: only identical hashes are merged
    hash_media(ws, d, max_distance=0)
    rows = {
        f: (item, h)
        for f, item, h in ws.sql("SELECT file, media_item, phash FROM post_media").fetchall()
    }
    for n in range(3):
        (ia, ha), (ib, hb) = rows[f"photos/pa_{n}.jpg"], rows[f"photos/pb_{n}.jpg"]
        assert (ia == ib) == (ha == hb) and ia == "phash:" + ha
    runs = ws.sql("SELECT inputs, row_counts FROM runs WHERE command = 'media'").fetchall()
    assert len(runs) == 2 and all(len(json.loads(i)) == 10 for i, _ in runs)
    assert json.loads(runs[0][1])["unreadable_files"][0]["file"] == "photos/broken.png"


def test_banded_groups_equal_brute_force(ws):
    rnd = random.Random(5)
    base = [rnd.getrandbits(64) for _ in range(40)]
    hashes = set()
    for b in base:  # each base with copies 0-8 bits away
        hashes.add(b)
        for _ in range(3):
            x = b
            for bit in rnd.sample(range(64), rnd.randint(0, 8)):
                x ^= 1 << bit
            hashes.add(x)
    hexes = [f"{h:016x}" for h in sorted(hashes)]
    got = near_groups(ws.con, hexes, 6)
    # brute force: union-find over all pairs within 6 bits
    parent = {h: h for h in hexes}

    def find(h):
        while parent[h] != h:
            h = parent[h]
        return h

    for i, a in enumerate(hexes):
        for b in hexes[i + 1 :]:
            if bin(int(a, 16) ^ int(b, 16)).count("1") <= 6:
                ra, rb = find(a), find(b)
                parent[max(ra, rb)] = min(ra, rb)
    want = {h: find(h) for h in hexes}
    assert got == want


def test_cli_media_hash_and_errors(ws_path, tmp_path):
    d, files = _export(tmp_path, {"a": "pa"})
    (d / "photos").mkdir(parents=True)
    _picture(1).save(d / "photos" / "pa_0.jpg")
    res = runner.invoke(app, ["ingest", str(ws_path), *map(str, files)])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["media", str(ws_path), "hash", str(d), "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["post_media_hashed"] == 1
    res = runner.invoke(app, ["media", str(ws_path), "shred", str(d)])
    assert res.exit_code == 2 and "must be one of hash" in " ".join(res.output.split())
    res = runner.invoke(app, ["media", str(ws_path), "hash", str(tmp_path / "none")])
    assert res.exit_code == 1 and "is not a directory" in " ".join(res.output.split())
    res = runner.invoke(app, ["media", str(ws_path), "hash", str(d), "--max-distance", "-1"])
    assert res.exit_code == 2
    assert "The 'max_distance' parameter of media hash must be" in " ".join(res.output.split())
