"""Build src/ioscope/data/state_media.csv, ioscope's registry of state-affiliated media.

Source: ASD-at-GMF/state-media-profiles, State_Media_Matrix.csv (MIT, Copyright 2023 ASD-at-GMF;
seed data from the State Media Monitor of the Media and Journalism Research Center). Kept: assets
whose Typology is SC (state-controlled), CaPu (captured public) or CaPr (captured private).
Websites become registered domains (tldextract's bundled suffix list; platform hosts such as
youtube.com are dropped); social links become lower-cased handles per platform.

    python scripts/build_state_media.py [PATH/TO/State_Media_Matrix.csv]

The output is long: one row per (asset, identifier), kind 'domain' or 'handle'.
"""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from ioscope.ingest.urls import registered_domain  # noqa: E402
from ioscope.reference.geo import country_code  # noqa: E402

DEFAULT_SRC = (
    ROOT.parent.parent / "shared" / "data" / "asd-state-media-profiles" / "State_Media_Matrix.csv"
)
OUT = ROOT / "src" / "ioscope" / "data" / "state_media.csv"
KEEP = {"SC", "CaPu", "CaPr"}
SOCIAL = {  # source column -> platform
    "Twitter Link": "twitter",
    "Facebook Link": "facebook",
    "Instagram Link": "instagram",
    "Youtube Link": "youtube",
    "Telegram Link": "telegram",
    "VK Link": "vk",
    "Linkedin link": "linkedin",
    "Ok.ru link": "ok",
    "Tiktok Link": "tiktok",
    "Rutube Link": "rutube",
}
PLATFORM_DOMAINS = {
    "youtube.com",
    "youtu.be",
    "facebook.com",
    "twitter.com",
    "x.com",
    "t.me",
    "instagram.com",
    "vk.com",
    "ok.ru",
    "tiktok.com",
    "rutube.ru",
    "linkedin.com",
    "google.com",
    "blogspot.com",
    "wordpress.com",
    "wikipedia.org",
}
SKIP_SEGMENTS = {
    "channel",
    "c",
    "user",
    "company",
    "group",
    "pages",
    "pg",
    "u",
    "s",
    "profile",
    "video",
    "watch",
    "people",
    "public",
    "club",
    "groups",
}
COUNTRY_FIX = {
    "Europen Union": None,
    "Central African Republic": "CF",
    "Palestine territories": "PS",
    "The Gambia": "GM",
    "Côte d'Ivoire": "CI",
    "Congo": "CG",
    "Macao": "MO",
    "Laos": "LA",
    "Hong Kong": "HK",
    "Taiwan": "TW",
    "Vatican City": "VA",
}


def handle(url: str) -> str | None:
    """The account name or id in a social-media profile link."""
    url = url.strip()
    if not re.match(r"^[a-z]+://", url, re.I):
        url = "https://" + url
    parts = urlsplit(url)
    if parts.path.startswith("/profile.php"):
        m = re.search(r"id=(\d+)", parts.query)
        return m.group(1) if m else None
    segs = [unquote(s) for s in parts.path.split("/") if s]
    while segs and segs[0].lower() in SKIP_SEGMENTS and len(segs) > 1:
        segs = segs[1:]
    if not segs:
        return None
    h = segs[0].lstrip("@").strip().lower()
    return h or None


def main(src: str | None = None, out: str | None = None) -> None:
    src_path = Path(src) if src else DEFAULT_SRC
    out_path = Path(out) if out else OUT
    rows = []
    with src_path.open(encoding="utf-8-sig", newline="") as f:
        for r in csv.DictReader(f):
            typ = (r.get("Typology") or "").strip()
            if typ not in KEEP:
                continue
            name = (r.get("Country") or "").strip()
            code = COUNTRY_FIX[name] if name in COUNTRY_FIX else country_code(name)
            base = [
                code or "",
                name,
                (r.get("Media company") or "").strip(),
                (r.get("Main assets") or "").strip(),
                typ,
            ]
            url = (r.get("URL") or "").strip()
            dom = registered_domain(url) if url else None
            if dom and dom not in PLATFORM_DOMAINS and "." in dom:
                rows.append(base + ["domain", "", dom])
            for col, platform in SOCIAL.items():
                link = (r.get(col) or "").strip()
                h = handle(link) if link else None
                if h:
                    rows.append(base + ["handle", platform, h])
    rows = list(dict.fromkeys(tuple(r) for r in rows))
    with out_path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(
            [
                "country",
                "country_name",
                "media_company",
                "asset",
                "typology",
                "kind",
                "platform",
                "value",
            ]
        )
        w.writerows(rows)
    print(
        f"wrote {len(rows)} identifiers of {len({(r[2], r[3]) for r in rows})} assets to {out_path}"
    )


if __name__ == "__main__":
    main(*sys.argv[1:])
