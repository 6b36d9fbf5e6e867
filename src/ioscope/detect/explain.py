"""Sentences that say why a cluster or an account is flagged, from aggregated evidence.

"41 accounts reposted the same 17 posts, a median of 12 s apart (median pair p = 3e-12)."
The numbers come from the significant edges and their evidence rows; nothing here decides
anything. The sentences are plain text: renderers must escape them (items are user content).
"""

from __future__ import annotations

import math

__all__ = ["PHRASES", "format_p", "format_seconds", "cluster_sentence", "member_sentence"]

#: signal → (verb, singular noun, plural noun) for "N accounts <verb> the same K <nouns>".
PHRASES: dict[str, tuple[str, str, str]] = {
    "co_repost": ("reposted", "post", "posts"),
    "co_link": ("shared", "link", "links"),
    "co_domain": ("shared links to", "domain", "domains"),
    "co_reply": ("replied to", "post", "posts"),
    "co_mention": ("mentioned", "account", "accounts"),
    "co_hashtag": ("used", "hashtag", "hashtags"),
    "co_media": ("posted", "media item", "media items"),
    "hashtag_sequence": ("posted", "hashtag sequence", "hashtag sequences"),
    "co_text": ("posted", "text", "texts"),
    "near_duplicate_text": ("posted near-identical copies of", "text", "texts"),
    "synchronized": ("were active in", "time bin", "time bins"),
    "creation_burst": ("were created in one burst and used", "item", "items"),
    "promoted_amplification": ("amplified", "promoted post", "promoted posts"),
}


def _phrase(signal: str) -> tuple[str, str, str]:
    return PHRASES.get(signal, (f"acted together ({signal}) on", "item", "items"))


def format_p(log10_p: float | None) -> str:
    """'3e-12' from log10 p = −11.5; '< 1e-300' far in the tail; '1' at the top."""
    if log10_p is None or math.isnan(log10_p):
        return "n/a"
    if log10_p < -300:
        return "< 1e-300"
    p = 10.0 ** log10_p
    return "1" if p >= 0.9995 else (f"{p:.2g}" if p >= 1e-3 else f"{p:.0e}").replace("e-0", "e-")


def format_seconds(s: float | None) -> str:
    if s is None or math.isnan(s):
        return "n/a"
    s = abs(float(s))
    if s < 90:
        return f"{s:.0f} s" if s >= 1 else f"{s:.1f} s"
    if s < 5400:
        return f"{s / 60:.1f} min".replace(".0 min", " min")
    if s < 2 * 86400:
        return f"{s / 3600:.1f} h".replace(".0 h", " h")
    return f"{s / 86400:.1f} days".replace(".0 days", " days")


def _items(n: int, signal: str) -> str:
    _, one, many = _phrase(signal)
    return f"{n:,} {one if n == 1 else many}"


def cluster_sentence(signal: str, accounts: int, items: int, median_dt: float | None,
                     median_log10_p: float) -> str:
    verb = _phrase(signal)[0]
    apart = "" if median_dt is None else f", a median of {format_seconds(median_dt)} apart"
    return (f"{accounts:,} accounts {verb} the same {_items(items, signal)}{apart} "
            f"(median pair p = {format_p(median_log10_p)}).")


def member_sentence(signal: str, partners: int, items: int, median_dt: float | None,
                    best_log10_p: float) -> str:
    verb = _phrase(signal)[0]
    who = "another member" if partners == 1 else f"{partners:,} other members"
    apart = "" if median_dt is None else f", a median of {format_seconds(median_dt)} apart"
    return (f"{verb[0].upper() + verb[1:]} the same {_items(items, signal)} as {who}{apart} "
            f"(best pair p = {format_p(best_log10_p)}).")
