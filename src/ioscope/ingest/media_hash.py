"""Perceptual hashes of the user's copies of media files; near-identical images become one item.

``ioscope media WS hash DIR`` reads the images under DIR (nothing is fetched), computes each one's
64-bit DCT perceptual hash (pHash: Zauner, "Implementation and Benchmarking of Perceptual Image
Hash Functions", 2010; imagehash's ``phash``), and matches files to the workspace's rows: a
``post_media`` row by its ``file`` (path relative to DIR, as a Telegram export names it), by the
file name its URL ends with, or by a file stem equal to its media id or content hash; an
``account_images`` row by its URL's file name or content hash. Images whose hashes differ in at
most ``max_distance`` bits are near-identical (re-encoded, resized, lightly cropped copies), and
the connected groups of near-identical images become one item ``phash:<hex>`` (the smallest hash
of the group) in ``post_media.media_item`` and ``account_images.image_item``, which co_media and
shared_profile_image then match on. Candidate pairs come from banding: with ``max_distance + 1``
bands of the 64 bits, two hashes within the distance agree on at least one band (pigeonhole), so
only hashes sharing a band are compared, never all pairs. Re-running with another distance starts
again from the items ingest set. Each hashed file also leaves a thumbnail of at most
``THUMBNAIL_PX`` pixels a side (PNG) in ``media_thumbnails``, which the report and the web UI
show beside the item; images the user did not supply have none.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from ioscope.errors import NotFoundError
from ioscope.ingest.media import image_item_sql
from ioscope.model.media import MEDIA_THUMBNAILS
from ioscope.params import Param, validate_params
from ioscope.workspace import Workspace

__all__ = [
    "hash_media",
    "image_files",
    "near_groups",
    "thumbnail",
    "MEDIA_HASH_PARAMS",
    "IMAGE_SUFFIXES",
    "THUMBNAIL_PX",
]

#: Largest side of a thumbnail, in pixels.
THUMBNAIL_PX = 96

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".bmp", ".tif", ".tiff")
MEDIA_HASH_PARAMS = (
    Param(
        "max_distance",
        "int",
        6,
        "Largest Hamming distance (of 64 bits) between the "
        "perceptual hashes of two near-identical images.",
        min=0,
        max=20,
    ),
)


def image_files(directory: str | os.PathLike) -> list[Path]:
    """The image files under ``directory`` (by suffix), sorted by path."""
    root = Path(directory)
    if not root.is_dir():
        raise NotFoundError(
            f"{root} is not a directory.", hint="Give the folder that holds the media files."
        )
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)


def thumbnail(im) -> tuple[bytes, int, int]:
    """PNG bytes, width and height of ``im`` (a PIL image; its first frame) shrunk to fit
    :data:`THUMBNAIL_PX` pixels a side, keeping its proportions."""
    import io

    im.seek(0)
    t = im.copy()
    t.thumbnail((THUMBNAIL_PX, THUMBNAIL_PX))
    if t.mode not in ("RGB", "RGBA", "L", "LA"):
        t = t.convert("RGBA")
    buf = io.BytesIO()
    t.save(buf, format="PNG", optimize=True)
    return buf.getvalue(), t.width, t.height


def _phashes(root: Path, files: list[Path]) -> tuple[pa.Table, list[dict[str, str]]]:
    import hashlib

    import imagehash
    from PIL import Image, UnidentifiedImageError

    rows: dict[str, list] = {
        "rel": [],
        "name": [],
        "stem": [],
        "hash": [],
        "sha256": [],
        "thumb": [],
        "width": [],
        "height": [],
    }
    unreadable = []
    for f in files:
        try:
            with Image.open(f) as im:
                h = str(imagehash.phash(im))
                thumb, w, ht = thumbnail(im)
        except (OSError, UnidentifiedImageError, ValueError) as e:
            unreadable.append({"file": str(f.relative_to(root)), "reason": str(e)[:200]})
            continue
        rows["rel"].append(f.relative_to(root).as_posix())
        rows["name"].append(f.name)
        rows["stem"].append(f.stem)
        rows["hash"].append(h)
        rows["sha256"].append("sha256:" + hashlib.sha256(f.read_bytes()).hexdigest())
        rows["thumb"].append(thumb)
        rows["width"].append(w)
        rows["height"].append(ht)
    types = {"thumb": pa.binary(), "width": pa.int32(), "height": pa.int32()}
    return pa.table(
        {k: pa.array(v, types.get(k, pa.string())) for k, v in rows.items()}
    ), unreadable


def near_groups(con, hashes: list[str], max_distance: int) -> dict[str, str]:
    """hash → the smallest hash of its group of near-identical hashes (connected components of
    the pairs within ``max_distance`` bits), found through band candidates."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    uniq = sorted(set(hashes))
    if not uniq:
        return {}
    bands = max_distance + 1
    width = 64 // bands
    _h = pa.table(
        {
            "i": pa.array(range(len(uniq)), pa.int64()),
            "h": pa.array([int(x, 16) for x in uniq], pa.uint64()),
        }
    )
    parts = " UNION ALL ".join(
        f"SELECT i, h, {b} AS band, (h >> {b * width}) & "
        f"{(1 << (64 - b * width if b == bands - 1 else width)) - 1}::UBIGINT AS v FROM _h"
        for b in range(bands)
    )
    pairs = con.execute(f"""
        WITH k AS ({parts})
        SELECT DISTINCT x.i, y.i FROM k x JOIN k y ON x.band = y.band AND x.v = y.v AND x.i < y.i
        WHERE bit_count(xor(x.h, y.h)) <= {int(max_distance)}""").fetchall()
    n = len(uniq)
    a = np.array([p[0] for p in pairs], np.int64)
    b = np.array([p[1] for p in pairs], np.int64)
    graph = coo_matrix((np.ones(len(a)), (a, b)), shape=(n, n))
    _, label = connected_components(graph, directed=False)
    first: dict[int, str] = {}
    for i, lab in enumerate(label):  # uniq is sorted: the first of a label is its smallest
        first.setdefault(int(lab), uniq[i])
    return {h: first[int(label[i])] for i, h in enumerate(uniq)}


def _file_name(url: str) -> str:
    """SQL: the last path segment of a URL (query and fragment removed)."""
    return f"regexp_extract({url}, '([^/?#]+)(?:[?#].*)?$', 1)"


def hash_media(ws: Workspace, directory: str | os.PathLike, **params: Any) -> dict[str, Any]:
    """Hash the images under ``directory``, match them to ``post_media`` and ``account_images``
    and group near-identical ones into one item; returns the counts (recorded in the run)."""
    p = validate_params(MEDIA_HASH_PARAMS, params, "media hash")
    root = Path(directory)
    files = image_files(root)
    if not files:
        raise NotFoundError(
            f"{root} holds no image file ({', '.join(IMAGE_SUFFIXES)}).",
            hint="Give the folder that holds the media files.",
        )
    table, unreadable = _phashes(root, files)
    with ws.run("media", {"action": "hash", "directory": str(root), **p}, inputs=files) as run:
        con = ws.con
        _files = table  # noqa: F841  (read by DuckDB as a local variable)
        con.execute("CREATE OR REPLACE TEMP TABLE _media_files AS SELECT * FROM _files")
        posts = con.execute(f"""
            UPDATE post_media x SET phash = f.hash FROM (
                SELECT DISTINCT ON (m.platform, m.post_id, m.media_id) m.platform, m.post_id,
                       m.media_id, f.hash
                FROM post_media m JOIN _media_files f ON f.rel = m.file OR f.name = m.file
                  OR f.name = {_file_name("m.url")} OR f.stem = m.media_id
                  OR f.stem = replace(m.content_hash, 'cid:', '')
                ORDER BY m.platform, m.post_id, m.media_id, f.rel) f
            WHERE x.platform = f.platform AND x.post_id = f.post_id
              AND x.media_id = f.media_id""").fetchall()[0][0]
        pictures = con.execute(f"""
            UPDATE account_images x SET phash = f.hash FROM (
                SELECT DISTINCT ON (i.platform, i.account_id, i.kind, i.url) i.platform,
                       i.account_id, i.kind, i.url, f.hash
                FROM account_images i JOIN _media_files f
                  ON f.name = {_file_name("i.url")}
                  OR f.stem = replace(i.content_hash, 'cid:', '')
                ORDER BY i.platform, i.account_id, i.kind, i.url, f.rel) f
            WHERE x.platform = f.platform AND x.account_id = f.account_id AND x.kind = f.kind
              AND x.url = f.url""").fetchall()[0][0]
        hashes = [
            r[0]
            for r in con.execute(
                "SELECT phash FROM post_media WHERE phash IS NOT NULL UNION "
                "SELECT phash FROM account_images WHERE phash IS NOT NULL"
            ).fetchall()
        ]
        ws.ensure(MEDIA_THUMBNAILS)
        thumbs = con.execute(
            """
            INSERT OR REPLACE INTO media_thumbnails
            SELECT DISTINCT ON (hash) hash, rel, sha256, 'image/png', width, height, thumb, ?
            FROM _media_files ORDER BY hash, rel""",
            [run.run_id],
        ).fetchall()[0][0]
        groups = near_groups(con, hashes, p["max_distance"])
        _groups = pa.table({"phash": list(groups), "rep": list(groups.values())})  # noqa: F841
        con.execute("CREATE OR REPLACE TEMP TABLE _media_groups AS SELECT * FROM _groups")
        # an exact item is mapped to the group of (the smallest) of its hashed files, for every
        # row carrying it, hashed or not
        con.execute(
            "UPDATE post_media SET media_item = exact_item, exact_item = NULL "
            "WHERE exact_item IS NOT NULL"
        )
        con.execute("""
            UPDATE post_media x SET exact_item = x.media_item, media_item = 'phash:' || g.rep
            FROM (SELECT m.media_item, min(g.rep) AS rep FROM post_media m
                  JOIN _media_groups g ON g.phash = m.phash GROUP BY m.media_item) g
            WHERE x.media_item = g.media_item""")
        con.execute(f"""
            UPDATE account_images x SET image_item = CASE WHEN x.phash IS NULL
                THEN {image_item_sql("x.url", "x.content_hash")}
                ELSE 'phash:' || g.rep END
            FROM (SELECT i.platform, i.account_id, i.kind, i.url, g.rep FROM account_images i
                  LEFT JOIN _media_groups g ON g.phash = i.phash) g
            WHERE x.platform = g.platform AND x.account_id = g.account_id AND x.kind = g.kind
              AND x.url = g.url AND ({image_item_sql("x.url", "x.content_hash")}) IS NOT NULL""")
        con.execute("DROP TABLE _media_files")
        con.execute("DROP TABLE _media_groups")
        counts = {
            "files": len(files),
            "hashed": table.num_rows,
            "unreadable": len(unreadable),
            "post_media_hashed": posts,
            "account_images_hashed": pictures,
            "distinct_hashes": len(groups),
            "thumbnails": thumbs,
            "groups": len(set(groups.values())),
            "media_items": ws.sql("SELECT count(DISTINCT media_item) FROM post_media").fetchone()[
                0
            ],
        }
        run.row_counts.update(counts)
        run.row_counts["unreadable_files"] = unreadable[:100]
    return {"run_id": run.run_id, **counts, "unreadable_files": unreadable}
