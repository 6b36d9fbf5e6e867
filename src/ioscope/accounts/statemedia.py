"""The list of state-affiliated media domains the content-diet signal compares links with.

The paid-promotion stage ships a registry (``ioscope.ads.registry.state_media_domains``); when it
is not installed we read the Alliance for Securing Democracy's State Media Matrix CSV (MIT) at run
time from ``IOSCOPE_STATE_MEDIA_CSV`` or the shared data folder beside the project, keeping the
state-controlled and captured outlets (typology SC, CaPu, CaPr).
"""

from __future__ import annotations

import csv
import os
from functools import lru_cache
from pathlib import Path

from ioscope.ingest.urls import registered_domain

__all__ = ["state_media_domains", "STATE_CONTROLLED"]

STATE_CONTROLLED = ("SC", "CaPu", "CaPr")
#: Domains of platforms and hosts, never a state outlet by themselves.
_PLATFORMS = frozenset({
    "youtube.com", "youtu.be", "facebook.com", "twitter.com", "x.com", "t.me", "telegram.me",
    "vk.com", "ok.ru", "instagram.com", "tiktok.com", "rutube.ru", "linkedin.com", "t.co",
    "wikipedia.org", "google.com", "blogspot.com", "wordpress.com", "livejournal.com",
})


def _candidate_paths() -> list[Path]:
    paths = []
    if os.environ.get("IOSCOPE_STATE_MEDIA_CSV"):
        paths.append(Path(os.environ["IOSCOPE_STATE_MEDIA_CSV"]))
    root = Path(__file__).resolve().parents[3]
    shared = ([Path(os.environ["IOSCOPE_SHARED"])] if os.environ.get("IOSCOPE_SHARED") else
              [root.parent / "shared", root.parent.parent / "shared"])
    paths += [s / "data" / "asd-state-media-profiles" / "State_Media_Matrix.csv" for s in shared]
    return paths


@lru_cache(maxsize=1)
def state_media_domains() -> tuple[frozenset[str], str]:
    """(registered domains, where the list came from); an empty set when no list is available."""
    try:
        from ioscope.ads.registry import state_media_domains as from_ads  # type: ignore
    except ImportError:
        from_ads = None
    if from_ads is not None:
        return _as_domains(from_ads()), "ioscope.ads.registry"
    for path in _candidate_paths():
        if path.is_file():
            return _read_asd(path), str(path)
    return frozenset(), "none"


def _as_domains(value: object) -> frozenset[str]:
    if hasattr(value, "column_names") and "domain" in getattr(value, "column_names"):
        items = value.column("domain").to_pylist()  # type: ignore[attr-defined]
    elif isinstance(value, dict):
        items = list(value)
    else:
        items = list(value)  # type: ignore[call-overload]
    out = set()
    for item in items:
        d = item.get("domain") if isinstance(item, dict) else item
        if d:
            out.add(registered_domain(str(d)) or str(d).lower())
    return frozenset(out - _PLATFORMS)


def _read_asd(path: Path) -> frozenset[str]:
    out = set()
    with open(path, newline="", encoding="utf-8-sig") as f:
        for row in csv.DictReader(f):
            if (row.get("Typology") or "").strip() not in STATE_CONTROLLED:
                continue
            for url in (row.get("URL") or "").replace(";", " ").replace(",", " ").split():
                d = registered_domain(url)
                if d:
                    out.add(d)
    return frozenset(out - _PLATFORMS)
