"""Handles, display names and bios, built as Arrow string arrays.

Organic handles mix the common shapes (``marygarcia``, ``kavo_teli``, ``tom1987``). Campaign
handles follow one pattern per campaign, as in disclosed operations: the platform's default
suggestion ``NameSur12345678`` (mass-created accounts), a shared persona prefix
(``PatriotKavo12``), or fake local news (``ChicagoDailyPost``, as in the IRA's local-news accounts).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ioscope.simulate.vocab import lexicon

__all__ = [
    "HANDLE_STYLES",
    "organic_handles",
    "campaign_handles",
    "display_names",
    "dedupe_handles",
    "bios",
    "digits",
]

HANDLE_STYLES = ("default_suggestion", "persona_prefix", "local_news")
_CITIES = (
    "Chicago",
    "Atlanta",
    "Detroit",
    "Houston",
    "Phoenix",
    "Dallas",
    "Denver",
    "Boston",
    "Memphis",
    "Seattle",
    "Austin",
    "Miami",
    "Baltimore",
    "Cleveland",
    "Tampa",
)
_NEWS = ("DailyPost", "Online", "Today", "Voice", "News", "Times", "Gazette", "Herald")
_PERSONA = ("Patriot", "True", "Real", "Proud", "Free", "Awake", "Honest", "Voice")
_BIO_PHRASES = (
    "Proud American.",
    "Wake up people!",
    "Truth matters.",
    "God, family, country.",
    "Say no to lies.",
    "Independent voice.",
    "Real news only.",
    "No DMs.",
    "Mother of two.",
    "Veteran.",
    "Follow back!",
    "Patriot.",
)


def digits(rng: np.random.Generator, n: int, k: int) -> pa.Array:
    """``n`` strings of exactly ``k`` random digits."""
    nums = rng.integers(0, 10**k, n)
    return pc.utf8_lpad(pc.cast(pa.array(nums), pa.string()), k, "0")


def _cap(a: pa.Array) -> pa.Array:
    return pc.utf8_capitalize(a)


def _pick(rng: np.random.Generator, arr: pa.Array, n: int, limit: int | None = None) -> pa.Array:
    return arr.take(pa.array(rng.integers(0, limit or len(arr), n)))


def _en_words(rng: np.random.Generator, n: int, top: int = 4000) -> pa.Array:
    lex = lexicon()
    return lex.words.take(pa.array(rng.integers(60, top, n)))  # skip function words


def organic_handles(rng: np.random.Generator, n: int) -> pa.Array:
    lex = lexicon()
    first, last = _pick(rng, lex.first_names, n), _pick(rng, lex.last_names, n)
    w1, w2 = _en_words(rng, n), _en_words(rng, n)
    year = pc.cast(pa.array(rng.integers(1960, 2010, n)), pa.string())
    n_digits = rng.choice([0, 0, 1, 2, 2, 3, 4], n)
    tail = pc.utf8_slice_codeunits(digits(rng, n, 4), 0, 4)
    tail = pc.if_else(pa.array(n_digits == 0), "", tail)
    for k in (1, 2, 3):
        tail = pc.if_else(pa.array(n_digits == k), pc.utf8_slice_codeunits(tail, 0, k), tail)
    initial = pc.utf8_slice_codeunits(last, 0, 1)
    j = pc.binary_join_element_wise
    options = [
        j(first, last, tail, ""),
        j(w1, w2, "_"),
        j(first, initial, year, ""),
        j(w1, digits(rng, n, 3), ""),
        j("the", w1, tail, ""),
        j(first, "_", last, tail, ""),
        j(_cap(w1), _cap(w2), ""),
        j(first, w1, ""),
        j(w1, "_", first, ""),
    ]
    kind = rng.integers(0, len(options), n)
    out = options[0]
    for k in range(1, len(options)):
        out = pc.if_else(pa.array(kind == k), options[k], out)
    return pc.utf8_slice_codeunits(out, 0, 15)


def campaign_handles(rng: np.random.Generator, n: int, style: str, stem: str) -> pa.Array:
    """Handles of one campaign; ``stem`` is the campaign's fixed part (persona or news word)."""
    lex = lexicon()
    j = pc.binary_join_element_wise
    if style == "default_suggestion":
        first = _cap(_pick(rng, lex.first_names, n))
        last = pc.utf8_slice_codeunits(_cap(_pick(rng, lex.last_names, n)), 0, 3)
        return pc.utf8_slice_codeunits(j(first, last, digits(rng, n, 8), ""), 0, 15)
    if style == "persona_prefix":
        return pc.utf8_slice_codeunits(
            j(stem, _cap(_en_words(rng, n, 1500)), digits(rng, n, 2), ""), 0, 15
        )
    if style == "local_news":
        city = pa.array(np.asarray(_CITIES)[rng.integers(0, len(_CITIES), n)])
        return pc.utf8_slice_codeunits(j(city, stem, ""), 0, 15)
    raise ValueError(style)


def campaign_stem(rng: np.random.Generator, style: str) -> str:
    if style == "persona_prefix":
        return str(rng.choice(_PERSONA))
    if style == "local_news":
        return str(rng.choice(_NEWS))
    return ""


def dedupe_handles(handles: pa.Array, rng: np.random.Generator) -> pa.Array:
    """Make handles unique ignoring case, by giving later duplicates a numeric suffix."""
    out = handles
    for _ in range(20):
        codes = pc.dictionary_encode(pc.utf8_lower(out)).indices.to_numpy()
        _, first_idx, inverse = np.unique(codes, return_index=True, return_inverse=True)
        dup = first_idx[inverse] != np.arange(len(codes))
        if not dup.any():
            break
        stem = pc.utf8_slice_codeunits(out.filter(pa.array(dup)), 0, 10)
        fixed = pc.binary_join_element_wise(stem, digits(rng, int(dup.sum()), 5), "")
        out = pc.replace_with_mask(out, pa.array(dup), fixed)
    return out


def display_names(rng: np.random.Generator, handles: pa.Array) -> pa.Array:
    lex = lexicon()
    n = len(handles)
    first, last = _cap(_pick(rng, lex.first_names, n)), _cap(_pick(rng, lex.last_names, n))
    full = pc.binary_join_element_wise(first, last, " ")
    emoji = _pick(rng, lex.emoji, n)
    kind = rng.random(n)
    out = pc.if_else(pa.array(kind < 0.15), handles, full)
    return pc.if_else(pa.array(kind > 0.9), pc.binary_join_element_wise(out, emoji, " "), out)


def bios(rng: np.random.Generator, n: int, text: pa.Array, templated: bool) -> pa.Array:
    """Profile descriptions: free text for organic accounts, shared stock phrases for campaigns."""
    if not templated:
        return pc.if_else(pa.array(rng.random(n) < 0.25), pa.nulls(n, pa.string()), text)
    p = np.asarray(_BIO_PHRASES)
    a, b = p[rng.integers(0, len(p), n)], p[rng.integers(0, len(p), n)]
    return pc.binary_join_element_wise(pa.array(a), pa.array(b), " ")
