"""A cluster's media and profile pictures: the files its members posted together and the
pictures they wear, as evidence. Ids, hashes and URLs are shown as inert text: the report never
fetches a remote image. When the user supplied the files (``ioscope media WS hash DIR``), each
item carries its thumbnail from ``media_thumbnails`` as a ``data:image/png;base64,`` URI, embedded
in the page.

Reads ``post_media``, ``account_images``, ``posts``, ``cluster_members`` and
``media_thumbnails``.
"""

from __future__ import annotations

from typing import Any

from ioscope.report.trace import Tracer

__all__ = ["cluster_media"]

_MEMBERS = "m AS (SELECT platform, account_id FROM cluster_members WHERE cluster_id = ?)"


#: The only image sources the report and the UI ever show: the workspace's thumbnails, inline.
DATA_URI = "data:image/png;base64,"


def _filled(tr: Tracer, table: str) -> bool:
    return tr.has(table) and tr.ws.count(table) > 0


def _thumb(tr: Tracer, phash: str) -> tuple[str, str]:
    """SQL of the select column and join giving the thumbnail of the row's ``phash``."""
    if not _filled(tr, "media_thumbnails"):
        return "NULL AS thumbnail, NULL AS thumb_width, NULL AS thumb_height", ""
    return (
        (
            f"'{DATA_URI}' || to_base64(t.data) AS thumbnail, t.width AS thumb_width, "
            "t.height AS thumb_height"
        ),
        f"LEFT JOIN media_thumbnails t ON t.phash = {phash}",
    )


def cluster_media(tr: Tracer, cid: Any, limit: int = 20) -> dict[str, Any]:
    """Media items posted by at least two members (reposts aside), and profile pictures that a
    member shares with at least one other account (anywhere in the workspace). A table the
    sources left empty gives no section."""
    out: dict[str, Any] = {}
    if _filled(tr, "post_media"):
        col, join = _thumb(tr, "i.phash")
        rows, q = tr.rows(
            "Media items posted by two or more members (reposts aside)",
            f"""
            WITH {_MEMBERS},
            i AS (
                SELECT x.media_item AS item, min(x.media_kind) AS kind,
                       count(DISTINCT p.account_id) AS members, count(DISTINCT p.post_id) AS posts,
                       min(p.created_at) AS first_post, max(p.created_at) AS last_post,
                       min(x.url) AS url, min(x.phash) AS phash
                FROM post_media x JOIN posts p ON p.platform = x.platform
                                              AND p.post_id = x.post_id
                JOIN m ON m.platform = p.platform AND m.account_id = p.account_id
                WHERE p.kind <> 'repost'
                GROUP BY x.media_item HAVING count(DISTINCT p.account_id) >= 2
                ORDER BY members DESC, posts DESC, item LIMIT ?)
            SELECT i.item, i.kind, i.members, i.posts, i.first_post, i.last_post, i.url,
                   {col}
            FROM i {join} ORDER BY members DESC, posts DESC, item""",
            [cid, limit],
        )
        out.update(media_items=rows, q_media_items=q)
    if _filled(tr, "account_images"):
        col, join = _thumb(tr, "w.phash")
        rows, q = tr.rows(
            "Profile pictures a member shares with other accounts",
            f"""
            WITH {_MEMBERS},
            pics AS (SELECT platform, account_id, image_item, min(phash) AS phash
                     FROM account_images
                     WHERE kind = 'avatar' AND image_item IS NOT NULL GROUP BY ALL),
            worn AS (SELECT p.image_item, count(*) AS accounts,
                            count(m.account_id) AS members, min(p.phash) AS phash
                     FROM pics p LEFT JOIN m ON m.platform = p.platform
                                             AND m.account_id = p.account_id
                     GROUP BY p.image_item)
            SELECT w.image_item AS picture, w.members, w.accounts, {col} FROM worn w {join}
            WHERE w.members >= 1 AND w.accounts >= 2
            ORDER BY members DESC, accounts DESC, picture LIMIT ?""",
            [cid, limit],
        )
        out.update(shared_pictures=rows, q_shared_pictures=q)
    return out
