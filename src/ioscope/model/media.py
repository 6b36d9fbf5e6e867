"""Media: the images, videos and files that posts carry, and the images of account profiles."""

from __future__ import annotations

from ioscope.model.core import PROVENANCE
from ioscope.model.table import Column as C
from ioscope.model.table import Table, register

_ITEM_DOC = (
    "The item co_media matches on: the content address when the source gives one (a "
    "Bluesky blob CID, CooRTweet's anonymised perceptual hash id), else "
    "'<platform>:<media_id>'; after `ioscope media WS hash DIR`, 'phash:<hex>' shared "
    "by every group of near-identical images."
)

POST_MEDIA = Table(
    "post_media",
    "Media attached to collected posts, one row per post and media item: Twitter "
    "v1.1 extended_entities.media, Twitter v2 attachments.media_keys with includes.media, Bluesky "
    "image and video embeds (blob CIDs), Telegram photos and files, CooRTweet's phash_id. Only "
    "ids, hashes and URLs are stored: ioscope never fetches a remote image.",
    (
        C("platform", "VARCHAR", "Platform (posts.platform).", nullable=False),
        C("post_id", "VARCHAR", "The post (posts.post_id).", nullable=False),
        C(
            "media_id",
            "VARCHAR",
            "The platform's media key or id, verbatim (v1.1 media id_str, v2 "
            "media_key, Bluesky blob CID, Telegram file id or export path, CooRTweet "
            "'phash_id:N').",
            nullable=False,
        ),
        C(
            "media_kind",
            "VARCHAR",
            "photo, video, animated_gif, document or audio (image when the source does not say).",
        ),
        C("url", "VARCHAR", "Where the platform serves the file (inert text, never fetched)."),
        C(
            "file",
            "VARCHAR",
            "The file's name or relative path in an export that holds the files "
            "(Telegram Desktop's photos/ and files/).",
        ),
        C(
            "content_hash",
            "VARCHAR",
            "A content address the source gives ('cid:<CID>' for "
            "Bluesky blobs); identical files have identical hashes.",
        ),
        C(
            "phash",
            "VARCHAR",
            "64-bit perceptual hash (DCT pHash, 16 hex digits) of the user's copy "
            "of the file, set by `ioscope media WS hash DIR`.",
        ),
        C("media_item", "VARCHAR", _ITEM_DOC, nullable=False),
        C(
            "exact_item",
            "VARCHAR",
            "The item as ingest set it, kept when `ioscope media hash` "
            "replaced media_item with a near-duplicate group (NULL: media_item is it).",
        ),
    )
    + PROVENANCE,
    primary_key=("platform", "post_id", "media_id"),
)

ACCOUNT_IMAGES = Table(
    "account_images",
    "Profile pictures (avatars) and banners of accounts as the sources give "
    "them, one row per account, kind and URL (an account that changed its picture has several). "
    "The platforms' default pictures are kept but get no item.",
    (
        C("platform", "VARCHAR", "Platform (accounts.platform).", nullable=False),
        C("account_id", "VARCHAR", "Account (accounts.account_id).", nullable=False),
        C("kind", "VARCHAR", "avatar or banner.", nullable=False),
        C(
            "url",
            "VARCHAR",
            "URL as the source gives it (inert text, never fetched).",
            nullable=False,
        ),
        C(
            "content_hash",
            "VARCHAR",
            "A content address the source gives ('cid:<CID>' for Bluesky avatars).",
        ),
        C(
            "phash",
            "VARCHAR",
            "64-bit perceptual hash (16 hex digits) of the user's copy, set by "
            "`ioscope media WS hash DIR`.",
        ),
        C(
            "image_item",
            "VARCHAR",
            "The item shared_profile_image matches on: the content hash, "
            "else the URL without its size suffix (Twitter's _normal, _400x400, ...), or "
            "'phash:<hex>' for near-identical pictures once hashed; NULL for a platform's default "
            "picture, which thousands of accounts share.",
        ),
    )
    + PROVENANCE,
    primary_key=("platform", "account_id", "kind", "url"),
)

MEDIA_THUMBNAILS = Table(
    "media_thumbnails",
    "Small thumbnails of the image files the user supplied to `ioscope "
    "media WS hash DIR`, one per perceptual hash (the post_media or account_images rows with "
    "that phash show it). The report embeds them as data: URIs; without supplied files there "
    "are none, and nothing is ever fetched.",
    (
        C(
            "phash",
            "VARCHAR",
            "The perceptual hash of the file (post_media.phash, account_images.phash).",
            nullable=False,
        ),
        C(
            "file",
            "VARCHAR",
            "Path of the file the thumbnail was made from, relative to DIR (the "
            "first in path order of those with this hash).",
            nullable=False,
        ),
        C("file_sha256", "VARCHAR", "'sha256:<hex>' of that file's bytes.", nullable=False),
        C("media_type", "VARCHAR", "image/png.", nullable=False),
        C("width", "INTEGER", "Thumbnail width in pixels (at most 96).", nullable=False),
        C("height", "INTEGER", "Thumbnail height in pixels (at most 96).", nullable=False),
        C("data", "BLOB", "The PNG bytes.", nullable=False),
        C("run_id", "VARCHAR", "The `runs.run_id` of the media hash run that made it."),
    ),
    primary_key=("phash",),
)

register(POST_MEDIA, ACCOUNT_IMAGES, MEDIA_THUMBNAILS)
