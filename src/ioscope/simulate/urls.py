"""Links: a pool of articles with Zipfian popularity, and the variants people and campaigns post.

One article can be posted as many different strings: with tracking parameters added by share
buttons (``utm_*``, ``fbclid``, ``gclid``), a fragment, an AMP or mobile path, an upper-case host,
an explicit default port, or behind a shortener. ``urls`` carries the string as posted;
``urls_normalized`` applies ioscope's normalization rules (lower-case scheme and host, no default
port, no fragment, no tracking parameters), so every variant but AMP, mobile and shortener links
normalizes back to the canonical URL. ``domains`` holds the registered domain of the posted host.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ioscope.simulate.vocab import SECTIONS, SHORTENERS, lexicon

__all__ = [
    "Articles",
    "article_pool",
    "random_tokens",
    "url_variants",
    "VARIANT_KINDS",
    "ORGANIC_VARIANTS",
    "CAMPAIGN_VARIANTS",
    "draw_variants",
]

VARIANT_KINDS = (
    "canonical",
    "tracking",
    "click_id",
    "fragment",
    "amp",
    "mobile",
    "shortener",
    "uppercase_host",
    "default_port",
)
# what ordinary sharing produces (mostly the canonical link, share-button tracking parameters)
ORGANIC_VARIANTS = (0.72, 0.14, 0.03, 0.02, 0.04, 0.03, 0.02, 0.0, 0.0)
# what link-amplification campaigns produce to dodge exact-match link detection
CAMPAIGN_VARIANTS = (0.25, 0.2, 0.1, 0.05, 0.1, 0.1, 0.12, 0.04, 0.04)

_ALNUM = np.frombuffer(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", np.uint8)
_UTM_SOURCES = ("twitter", "tw", "social", "share", "dlvr.it", "newsletter")


def random_tokens(rng: np.random.Generator, n: int, k: int) -> pa.Array:
    """``n`` random alphanumeric strings of length ``k``."""
    chars = _ALNUM[rng.integers(0, len(_ALNUM), (n, k))]
    return pa.array(np.ascontiguousarray(chars).view(f"S{k}").ravel()).cast(pa.string())


@dataclass
class Articles:
    """Linkable pages: ``host`` + ``path``, and the registered domain of each."""

    host: pa.Array
    path: pa.Array
    domain: pa.Array
    platform: np.ndarray  # bool: a platform page (video, wiki, photo), not a news article

    def __len__(self) -> int:
        return len(self.host)

    def canonical(self, idx: np.ndarray | None = None) -> pa.Array:
        h, p = (
            (self.host, self.path)
            if idx is None
            else (self.host.take(pa.array(idx)), self.path.take(pa.array(idx)))
        )
        return pc.binary_join_element_wise("https://", h, p, "")


def _slug(rng: np.random.Generator, n: int) -> pa.Array:
    lex = lexicon()
    k = rng.integers(3, 7, n)
    w = lex.words.take(pa.array(rng.integers(60, 5000, int(k.sum()))))
    offsets = np.zeros(n + 1, np.int32)
    np.cumsum(k, out=offsets[1:])
    return pc.binary_join(pa.ListArray.from_arrays(pa.array(offsets), w), "-")


def article_pool(
    rng: np.random.Generator,
    n: int,
    start_year: int,
    domain_idx: np.ndarray | None = None,
    platform_share: float = 0.15,
    hosts: pa.Array | None = None,
) -> Articles:
    """``n`` articles; news domains Zipf-popular unless ``domain_idx`` or ``hosts`` name them."""
    lex = lexicon()
    if hosts is not None:
        news_host = hosts
    else:
        if domain_idx is None:
            w = 1.0 / (np.arange(len(lex.domains)) + 3.0)
            domain_idx = rng.choice(len(lex.domains), size=n, p=w / w.sum())
        news_host = lex.domains.take(pa.array(domain_idx))
    section = pa.array(np.asarray(SECTIONS)[rng.integers(0, len(SECTIONS), n)])
    year = pc.cast(pa.array(rng.integers(start_year - 1, start_year + 1, n)), pa.string())
    month = pc.utf8_lpad(pc.cast(pa.array(rng.integers(1, 13, n)), pa.string()), 2, "0")
    ident = pc.cast(pa.array(rng.integers(10_000, 99_999_999, n)), pa.string())
    news_path = pc.binary_join_element_wise(
        "/", section, "/", year, "/", month, "/", _slug(rng, n), "-", ident, ""
    )
    is_platform = rng.random(n) < platform_share
    plat = rng.integers(0, len(lex.platform_domains), n)
    plat_host = lex.platform_domains.take(pa.array(plat))
    tok = random_tokens(rng, n, 11)
    word = lex.words.take(pa.array(rng.integers(60, 3000, n)))
    plat_name = np.asarray(lex.platform_domains.to_pylist())[plat]
    plat_path = pc.binary_join_element_wise("/", word, "/", tok, "")
    for name, form in (
        ("youtube.com", ("/watch?v=", tok)),
        ("instagram.com", ("/p/", tok)),
        ("wikipedia.org", ("/wiki/", pc.utf8_capitalize(word))),
        ("reddit.com", ("/r/", word, "/comments/", tok)),
    ):
        plat_path = pc.if_else(
            pa.array(plat_name == name), pc.binary_join_element_wise(*form, ""), plat_path
        )
    plat_host_full = pc.if_else(
        pa.array(np.isin(plat_name, ["youtube.com", "facebook.com"])),
        pc.binary_join_element_wise("www.", plat_host, ""),
        plat_host,
    )
    plat_host_full = pc.if_else(
        pa.array(plat_name == "wikipedia.org"),
        pc.binary_join_element_wise("en.", plat_host, ""),
        plat_host_full,
    )
    mask = pa.array(is_platform)
    return Articles(
        host=pc.if_else(mask, plat_host_full, news_host),
        path=pc.if_else(mask, plat_path, news_path),
        domain=pc.if_else(mask, plat_host, news_host),
        platform=is_platform,
    )


def draw_variants(rng: np.random.Generator, n: int, probs: tuple[float, ...]) -> np.ndarray:
    p = np.asarray(probs, float)
    return rng.choice(len(VARIANT_KINDS), size=n, p=p / p.sum()).astype(np.int8)


def url_variants(
    rng: np.random.Generator, art: Articles, idx: np.ndarray, kind: np.ndarray
) -> tuple[pa.Array, pa.Array, pa.Array]:
    """(url as posted, normalized url, registered domain) of article ``idx[i]`` in variant
    ``kind[i]`` (an index into VARIANT_KINDS)."""
    ix = pa.array(np.asarray(idx, np.int64))
    host, path, domain = art.host.take(ix), art.path.take(ix), art.domain.take(ix)
    base = pc.binary_join_element_wise("https://", host, path, "")
    url, norm, dom = base, base, domain
    kind = np.asarray(kind)
    for k, name in enumerate(VARIANT_KINDS):
        mask = kind == k
        m = int(mask.sum())
        if k == 0 or m == 0:
            continue
        pm = pa.array(mask)
        h, p, b = host.filter(pm), path.filter(pm), base.filter(pm)
        sep = pc.if_else(pc.match_substring(p, "?"), "&", "?")
        if name == "tracking":
            src = pa.array(np.asarray(_UTM_SOURCES)[rng.integers(0, len(_UTM_SOURCES), m)])
            camp = lexicon().words.take(pa.array(rng.integers(60, 2000, m)))
            v = pc.binary_join_element_wise(
                b, sep, "utm_source=", src, "&utm_medium=social&utm_campaign=", camp, ""
            )
        elif name == "click_id":
            key = pa.array(np.where(rng.random(m) < 0.7, "fbclid=IwAR", "gclid=Cj0K"))
            v = pc.binary_join_element_wise(b, sep, key, random_tokens(rng, m, 22), "")
        elif name == "fragment":
            frag = pa.array(
                np.asarray(["comments", "top", "section-2", "share"])[rng.integers(0, 4, m)]
            )
            v = pc.binary_join_element_wise(b, "#", frag, "")
        elif name == "amp":
            v = pc.binary_join_element_wise("https://", h, "/amp", p, "")
        elif name == "mobile":
            v = pc.binary_join_element_wise(
                "https://m.", pc.replace_substring_regex(h, r"^www\.", ""), p, ""
            )
        elif name == "shortener":
            sh = pa.array(np.asarray(SHORTENERS)[rng.integers(0, len(SHORTENERS), m)])
            v = pc.binary_join_element_wise("https://", sh, "/", random_tokens(rng, m, 7), "")
        elif name == "uppercase_host":
            v = pc.binary_join_element_wise("https://", pc.utf8_upper(h), p, "")
        else:  # default_port
            v = pc.binary_join_element_wise("https://", h, ":443", p, "")
        url = pc.replace_with_mask(url, pm, v)
        if name in ("amp", "mobile", "shortener"):
            norm = pc.replace_with_mask(norm, pm, v)
        if name == "shortener":
            dom = pc.replace_with_mask(dom, pm, sh)
    return url, norm, dom
