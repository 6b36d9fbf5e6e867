"""What posts say: Zipfian text, hashtags, mentions and links, assembled as Arrow arrays.

A :class:`Content` holds the text and the entity lists of a set of posts. Everything is built
with Arrow's vectorized string kernels; no Python loop runs per post.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ioscope.simulate.vocab import lexicon, zipf_sampler

__all__ = [
    "Content",
    "repeat",
    "list_array",
    "empty_lists",
    "concat_lists",
    "list_lengths",
    "words",
    "entity_text",
    "compose",
    "word_counts",
    "concat_content",
    "take_content",
    "draw_word_ranks",
]

_STR_LIST = pa.list_(pa.string())


@dataclass
class Content:
    """Text and entities of ``len(text)`` posts (lists are ``list<string>``)."""

    text: pa.Array
    hashtags: pa.Array
    mentions: pa.Array
    urls: pa.Array
    urls_normalized: pa.Array
    domains: pa.Array

    def __len__(self) -> int:
        return len(self.text)

    def columns(self) -> dict[str, pa.Array]:
        return {
            "text": self.text,
            "hashtags": self.hashtags,
            "mentions": self.mentions,
            "urls": self.urls,
            "urls_normalized": self.urls_normalized,
            "domains": self.domains,
        }


def list_array(values: pa.Array, counts: np.ndarray) -> pa.Array:
    """A ``list<string>`` array whose i-th list holds the next ``counts[i]`` values."""
    offsets = np.zeros(len(counts) + 1, np.int32)
    np.cumsum(counts, out=offsets[1:])
    if len(values) != offsets[-1]:
        raise ValueError("counts do not add up to the number of values")
    return pa.ListArray.from_arrays(pa.array(offsets), values.cast(pa.string()), type=_STR_LIST)


def repeat(value: str, n: int) -> pa.Array:
    """A string array holding ``value`` ``n`` times."""
    return pa.array([value], pa.string()).take(pa.array(np.zeros(n, np.int64)))


def list_lengths(lists: pa.Array) -> np.ndarray:
    return pc.list_value_length(lists).fill_null(0).to_numpy().astype(np.int64)


def concat_lists(a: pa.Array, b: pa.Array) -> pa.Array:
    """Row-wise concatenation of two ``list<string>`` arrays of the same length."""
    ca, cb = list_lengths(a), list_lengths(b)
    fa, fb = pc.list_flatten(a), pc.list_flatten(b)
    n = len(ca)
    total = ca + cb
    off = np.zeros(n + 1, np.int64)
    np.cumsum(total, out=off[1:])
    start_a = np.r_[0, np.cumsum(ca)[:-1]] if n else ca
    start_b = np.r_[0, np.cumsum(cb)[:-1]] if n else cb
    row_a, row_b = np.repeat(np.arange(n), ca), np.repeat(np.arange(n), cb)
    src = np.empty(int(total.sum()), np.int64)
    src[off[row_a] + np.arange(len(fa)) - start_a[row_a]] = np.arange(len(fa))
    src[off[row_b] + ca[row_b] + np.arange(len(fb)) - start_b[row_b]] = len(fa) + np.arange(len(fb))
    values = pa.concat_arrays([fa.cast(pa.string()), fb.cast(pa.string())]).take(pa.array(src))
    return list_array(values, total)


def empty_lists(n: int) -> pa.Array:
    return list_array(pa.array([], pa.string()), np.zeros(n, np.int64))


def word_counts(
    rng: np.random.Generator,
    n: int,
    median: float = 12,
    sigma: float = 0.5,
    lo: int = 2,
    hi: int = 45,
) -> np.ndarray:
    return np.clip(np.rint(median * np.exp(sigma * rng.standard_normal(n))), lo, hi).astype(
        np.int64
    )


_WORD_RANK = None


def draw_word_ranks(rng: np.random.Generator, size: int) -> np.ndarray:
    """Word ranks within a language, Zipf-Mandelbrot (exponent 1.07, shift 2.7)."""
    global _WORD_RANK
    if _WORD_RANK is None:
        _WORD_RANK = zipf_sampler(lexicon().words_per_language)
    return _WORD_RANK(rng, size)


def words(
    rng: np.random.Generator, lang: np.ndarray, n_words: np.ndarray, capitalize: bool = True
) -> pa.Array:
    """Running text: ``n_words[i]`` Zipf-distributed words of language ``lang[i]``."""
    lex = lexicon()
    total = int(n_words.sum())
    word_lang = np.repeat(np.asarray(lang, np.int64), n_words)
    idx = word_lang * lex.words_per_language + draw_word_ranks(rng, total)
    lists = list_array(lex.words.take(pa.array(idx)), n_words)
    text = pc.binary_join(lists, " ")
    return pc.utf8_capitalize(text) if capitalize else text


def entity_text(lists: pa.Array, prefix: str) -> pa.Array:
    """``['a', 'b']`` -> ``'#a #b'`` (for prefix '#'); empty lists give null."""
    flat = pc.list_flatten(lists)
    counts = pc.list_value_length(lists).fill_null(0).to_numpy()
    pref = pc.binary_join_element_wise(prefix, flat, "") if prefix and len(flat) else flat
    joined = pc.binary_join(list_array(pref, counts), " ")
    return pc.if_else(
        pc.equal(pc.list_value_length(lists), 0), pa.nulls(len(lists), pa.string()), joined
    )


def compose(
    body: pa.Array,
    *,
    hashtags: pa.Array,
    mentions: pa.Array,
    urls: pa.Array,
    urls_normalized: pa.Array,
    domains: pa.Array,
    lead_mentions: bool = False,
    extra_tail: pa.Array | None = None,
) -> Content:
    """Text = [@mentions] body [@mentions] [#hashtags] [extra] [urls]; entities kept as lists."""
    m = entity_text(mentions, "@")
    parts = [m, body] if lead_mentions else [body, m]
    parts.append(entity_text(hashtags, "#"))
    if extra_tail is not None:
        parts.append(extra_tail)
    parts.append(entity_text(urls, ""))
    text = pc.binary_join_element_wise(*parts, " ", null_handling="skip")
    return Content(text, hashtags, mentions, urls, urls_normalized, domains)


def concat_content(parts: list[Content]) -> Content:
    cols = [p.columns() for p in parts if len(p)]
    if not cols:
        e = empty_lists(0)
        return Content(pa.array([], pa.string()), e, e, e, e, e)
    return Content(*(pa.concat_arrays([c[k] for c in cols]) for k in cols[0]))


def take_content(c: Content, idx: np.ndarray) -> Content:
    ix = pa.array(np.asarray(idx, np.int64))
    return Content(*(a.take(ix) for a in c.columns().values()))
