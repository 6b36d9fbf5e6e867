"""Repairs for OCR-derived landing URLs, and advertisers inferred from landing pages.

The HPSCI ads were released as scanned PDFs; the text was recovered by OCR, which confuses
``l``/``|``/``I``, ``c``/``o``, ``n``/``h`` and sometimes reads a ``/`` as ``l``. The repairs are
conservative: character fixes in host names only, the host's ``/`` restored after a known suffix,
and a host corrected to a near-identical host (edit distance ≤ 2) that occurs at least ten times
as often in the same file. The source URL is always kept as given.

>>> repair_urls(["https://b|ackmattersus.oom/x"] + ["https://blackmattersus.com/"] * 10)[0]
'https://blackmattersus.com/x'
>>> infer_advertiser("https://www.facebook.com/Woke-Blacks-294234600956431/")
('294234600956431', 'Woke Blacks', 'woke-blacks', 'facebook page in landing URL')
"""

from __future__ import annotations

import re
from collections import Counter

from ioscope.ingest.urls import registered_domain

__all__ = ["repair_urls", "infer_advertiser"]

_HOST_FIX = (("|", "l"), ("I", "l"), ("—", "-"), (".oom", ".com"), (".Com", ".com"))
_GLUED = re.compile(r"^([a-z0-9.-]+?\.(?:com|org|net|info|us|gov))(?:l|/)?(.+)$")
_KNOWN_SUFFIX = re.compile(r"\.(?:com|org|net|info|us|gov|io|co|uk|ru|tv|me|mk)$")
#: landing hosts that host many unrelated parties: they say nothing about the advertiser
_GENERIC = {
    "youtube.com",
    "meetup.com",
    "eventbrite.com",
    "change.org",
    "whitehouse.gov",
    "cnn.com",
    "aljazeera.com",
    "bonfirefunds.com",
    "google.com",
    "twitter.com",
}
_FB_SKIP = {"events", "evehts", "groups", "login", "iogin", "pg", "pages", "photo.php", "watch", ""}


def _split(url: str) -> tuple[str, str, str]:
    m = re.match(r"^([a-zA-Z]+://)?([^/?#]*)(.*)$", url.strip(), re.S)
    return (m.group(1) or "https://"), m.group(2), m.group(3)


def _fix_host(url: str) -> str:
    scheme, host, rest = _split(url)
    for a, b in _HOST_FIX:
        host = host.replace(a, b)
    host = host.lower()
    if not _KNOWN_SUFFIX.search(host):
        m = _GLUED.match(host)
        if m:
            host, rest = m.group(1), "/" + m.group(2) + rest
    rest = rest.replace("—", "-").rstrip("]")
    return scheme.lower() + host + rest


def _distance(a: str, b: str, limit: int = 2) -> int:
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        if min(cur) > limit:
            return limit + 1
        prev = cur
    return prev[-1]


def repair_urls(urls: list[str | None]) -> list[str | None]:
    """The repaired form of each URL (None stays None), using the hosts' frequencies in ``urls``."""
    fixed = [_fix_host(u) if u and "." in _split(u)[1] else None for u in urls]
    hosts = Counter(_split(u)[1] for u in fixed if u)
    common = [h for h, n in hosts.most_common() if n >= 10]
    remap = {}
    for h, n in hosts.items():
        for c in common:
            if c != h and hosts[c] >= 10 * n and _distance(h, c) <= 2:
                remap[h] = c
                break
    out = []
    for u in fixed:
        if u:
            scheme, host, rest = _split(u)
            u = scheme + remap.get(host, host) + rest
        out.append(u)
    return out


def _skeleton(name: str) -> str:
    """A key that OCR confusions do not change: l/|/I/1 alike, dashes and dots dropped."""
    s = re.sub(r"[|I1]", "l", name).lower()
    return re.sub(r"[-_.\s—]+", "-", s).strip("-")


def infer_advertiser(url: str | None) -> tuple[str, str, str | None, str] | None:
    """(advertiser_id, name, handle, how) from a (repaired) landing URL, or None."""
    if not url:
        return None
    _, host, rest = _split(url)
    host = host.lower()
    segs = [s for s in re.split(r"[/?#]", rest) if s]
    dom = registered_domain(host)
    if dom == "facebook.com":
        if not segs or segs[0].lower() in _FB_SKIP:
            if len(segs) >= 3 and segs[0].lower() == "pages" and segs[2].isdigit():
                return segs[2], segs[1].replace("-", " "), None, "facebook page in landing URL"
            return None
        seg = segs[0]
        m = re.match(r"^(.*?)[-.]?(\d{8,})$", seg)
        if m and m.group(1):
            name = m.group(1).replace("|", "l").replace("—", "-")
            return (
                m.group(2),
                name.replace("-", " "),
                _skeleton(name),
                "facebook page in landing URL",
            )
        key = _skeleton(seg)
        return key, seg.replace("|", "l"), key, "facebook page in landing URL"
    if dom == "instagram.com":
        if not segs or segs[0].lower() in {"p", "explore", "accounts"}:
            return None
        h = segs[0].replace("|", "l").lower()
        return "instagram:" + h, h, h, "instagram account in landing URL"
    if dom and dom not in _GENERIC:
        return dom, dom, None, "landing domain"
    return None
