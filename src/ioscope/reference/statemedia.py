"""The state-affiliated media registry shipped with ioscope, and matching against it.

Built by ``scripts/build_state_media.py`` from the Alliance for Securing Democracy's
state-media-profiles (MIT; see ``ioscope/data/PROVENANCE.md``): assets typed state-controlled
(SC), captured public (CaPu) or captured private (CaPr), with their websites' registered domains
and their social-media handles per platform.

>>> "rt.com" in state_media_domains()
True
>>> state_media_domains()["rt.com"]["country"]
'RU'
"""

from __future__ import annotations

import csv
import functools
from collections import defaultdict
from importlib.resources import files

import pyarrow as pa

__all__ = [
    "registry",
    "state_media_domains",
    "state_media_handles",
    "handle_countries",
    "match_advertiser",
    "state_media_table",
    "SOURCE",
]

#: How outputs name this registry.
SOURCE = "ASD State Media Matrix (ioscope.reference.statemedia)"

_PLATFORM_ALIASES = {"x": "twitter", "meta": "facebook"}


@functools.lru_cache(maxsize=1)
def registry() -> tuple[dict, ...]:
    """Every identifier row: country, country_name, media_company, asset, typology, kind,
    platform, value."""
    path = files("ioscope") / "data" / "state_media.csv"
    with path.open(encoding="utf-8", newline="") as f:
        return tuple(dict(r) for r in csv.DictReader(f))


def _outlet(row: dict) -> dict:
    return {k: row[k] for k in ("country", "country_name", "media_company", "asset", "typology")}


@functools.lru_cache(maxsize=1)
def _domains() -> dict[str, dict]:
    out: dict[str, dict] = {}
    for r in registry():
        if r["kind"] == "domain":
            out.setdefault(r["value"], _outlet(r))
    return out


def state_media_domains() -> dict[str, dict]:
    """Registered domain → outlet (country, country_name, media_company, asset, typology).

    Used for link diets (share of an account's links to state media) and for landing pages.
    """
    return dict(_domains())


@functools.lru_cache(maxsize=1)
def _handles() -> dict[tuple[str, str], dict]:
    out: dict[tuple[str, str], dict] = {}
    for r in registry():
        if r["kind"] == "handle":
            out.setdefault((r["platform"], r["value"].lower()), _outlet(r))
    return out


def state_media_handles(platform: str | None = None) -> dict[tuple[str, str], dict]:
    """(platform, lower-cased handle) → outlet; only ``platform``'s when given."""
    p = _PLATFORM_ALIASES.get(platform, platform) if platform else None
    return {k: v for k, v in _handles().items() if p is None or k[0] == p}


@functools.lru_cache(maxsize=1)
def handle_countries() -> dict[str, str]:
    """Lower-cased handle → country, for handles that belong to one country's outlets only."""
    seen: dict[str, set] = defaultdict(set)
    for (_, h), outlet in _handles().items():
        if outlet["country"]:
            seen[h].add(outlet["country"])
    return {h: next(iter(c)) for h, c in seen.items() if len(c) == 1}


@functools.lru_cache(maxsize=1)
def _names() -> dict[str, dict]:
    out: dict[str, dict] = {}
    for r in registry():
        for name in (r["asset"], r["media_company"]):
            key = name.strip().rstrip("*").strip().casefold()
            if len(key) >= 4:
                out.setdefault(key, _outlet(r))
    return out


def match_advertiser(
    *,
    platform: str | None,
    advertiser_id: str | None = None,
    handle: str | None = None,
    name: str | None = None,
    landing_domain: str | None = None,
) -> dict | None:
    """The registry outlet an advertiser matches, with ``matched_on`` (handle, advertiser_id,
    landing_domain or name) and ``matched_value``; None when it matches nothing.

    Handles and ids are compared case-insensitively on the same platform (facebook and instagram
    handles are tried on both); names must equal an asset or company name (at least 4 letters).
    """
    p = _PLATFORM_ALIASES.get((platform or "").lower(), (platform or "").lower())
    plats = {"facebook", "instagram"} if p in ("facebook", "instagram") else {p}
    handles = _handles()
    for field, value in (("handle", handle), ("advertiser_id", advertiser_id)):
        if value:
            for pl in sorted(plats):
                hit = handles.get((pl, value.lstrip("@").lower()))
                if hit:
                    return {**hit, "matched_on": field, "matched_value": value}
    if landing_domain and landing_domain.lower() in _domains():
        return {
            **_domains()[landing_domain.lower()],
            "matched_on": "landing_domain",
            "matched_value": landing_domain,
        }
    if name:
        hit = _names().get(name.strip().casefold())
        if hit:
            return {**hit, "matched_on": "name", "matched_value": name}
    return None


def state_media_table() -> pa.Table:
    """(domain, country, outlet) for every state-affiliated media domain in the registry."""
    reg = state_media_domains()
    domains = sorted(reg)
    return pa.table(
        {
            "domain": domains,
            "country": [reg[d].get("country") for d in domains],
            "outlet": [reg[d].get("asset") or reg[d].get("media_company") for d in domains],
        }
    )
