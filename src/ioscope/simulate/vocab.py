"""The simulator's fixed lexicon: languages, regions, words, names, hashtags, domains, clients.

Everything here is built from a fixed internal seed, so it is the same in every run and every seed:
the run seed decides who says what and when, not which words exist. Words are the most common
function words of each language followed by pronounceable pseudo-words built from that language's
syllables; their frequencies follow a Zipf-Mandelbrot law (see :func:`zipf_sampler`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pyarrow as pa

__all__ = [
    "LANGUAGES",
    "REGIONS",
    "Region",
    "CLIENTS",
    "ORGANIC_CLIENTS",
    "BOT_CLIENTS",
    "CAMPAIGN_CLIENTS",
    "EMOJI",
    "SHORTENERS",
    "SECTIONS",
    "TOPICS",
    "Lexicon",
    "lexicon",
    "zipf_sampler",
]

_LEXICON_SEED = 20_160_815  # fixed on purpose: the lexicon does not depend on the run seed

LANGUAGES = ("en", "es", "fr", "de", "pt", "ru")

_FUNCTION_WORDS = {
    "en": "the to and a of in is you for that it on this with be are i we not at have was they my all "
    "so just but what from your will no our by about more people now like can today new one time "
    "get if do out up there who",
    "es": "de la que el en y a los se del las un por con no una su para es al lo como más pero sus le "
    "ya o este sí porque esta entre cuando muy sin sobre también me hay hoy todo gente ahora",
    "fr": "de la le et les des en un du une que est pour qui dans a par plus pas au sur ne se ce il sont "
    "mais nous vous avec on tout ils elle cette aujourd'hui bien fait comme",
    "de": "der die und in den von zu das mit sich des auf für ist im dem nicht ein eine als auch es an "
    "werden aus er hat dass sie nach wird bei noch wie wir heute jetzt alle",
    "pt": "de a o que e do da em um para é com não uma os no se na por mais as dos como mas foi ao ele "
    "das tem à seu sua ou ser quando muito nos já eu hoje gente agora",
    "ru": "и в не на я что тот быть с он а весь это как она по но они к у ты из мы за вы так же от "
    "сказать этот который мочь человек о один еще бы такой только сегодня все",
}

# onsets, nuclei, codas: enough to make words that look like the language, not real words
_SYLLABLES = {
    "en": (
        "b c d f g h j k l m n p r s t v w st tr pl gr br ch sh th cl fr",
        "a e i o u ea ou ai ee oo",
        "- - - n r s t l nd st ck ng m",
    ),
    "es": (
        "b c d f g j l m n p r s t v ll ch br tr pl gr",
        "a e i o u ia ue io á ó",
        "- - - - n r s l z",
    ),
    "fr": (
        "b c d f g j l m n p r s t v ch br tr pl gr",
        "a e i o ou eu ai au é è",
        "- - - - n r s t l x",
    ),
    "de": (
        "b d f g h k l m n p r s t w z sch st sp pf kr br tr",
        "a e i o u ei au ie ä ü ö",
        "- - n r s t l ch ng nd st",
    ),
    "pt": (
        "b c d f g j l m n p r s t v lh nh ch br tr",
        "a e i o u ão ei ou ã é",
        "- - - - s r l m",
    ),
    "ru": (
        "б в г д ж з к л м н п р с т ф х ч ш пр ст гр кр",
        "а е и о у ы я ю",
        "- - - н р с т л в й ть",
    ),
}

_WORDS_PER_LANGUAGE = 12_000
# random syllables can spell words nobody wants in a demo; such pseudo-words are skipped
_AVOID = (
    "fuck",
    "shit",
    "cunt",
    "nig",
    "fag",
    "rape",
    "cock",
    "dick",
    "piss",
    "slut",
    "whore",
    "bitch",
    "nazi",
    "kill",
    "porn",
    "sex",
    "anal",
    "homo",
    "jew",
    "kike",
    "spic",
    "chink",
    "tit",
    "cum",
    "hore",
    "хуй",
    "пизд",
    "бля",
    "еба",
    "ёб",
)


@dataclass(frozen=True)
class Region:
    """Where an account says it is: its clock (UTC offset in minutes), language and locations."""

    name: str
    country: str
    utc_offset_min: int
    language: str
    weight: float
    locations: tuple[str, ...]


REGIONS = (
    Region(
        "us_east",
        "US",
        -300,
        "en",
        0.17,
        (
            "New York, NY",
            "Boston, MA",
            "Atlanta, GA",
            "Miami, FL",
            "Washington, DC",
            "Philadelphia, PA",
        ),
    ),
    Region(
        "us_central",
        "US",
        -360,
        "en",
        0.08,
        ("Chicago, IL", "Houston, TX", "Dallas, TX", "Nashville, TN", "St. Louis, MO"),
    ),
    Region(
        "us_west",
        "US",
        -480,
        "en",
        0.08,
        ("Los Angeles, CA", "San Francisco, CA", "Seattle, WA", "Portland, OR"),
    ),
    Region("uk", "GB", 0, "en", 0.08, ("London", "Manchester, England", "Glasgow, Scotland")),
    Region("germany", "DE", 60, "de", 0.06, ("Berlin", "München", "Hamburg", "Köln")),
    Region("france", "FR", 60, "fr", 0.06, ("Paris", "Lyon", "Marseille")),
    Region("spain", "ES", 60, "es", 0.05, ("Madrid", "Barcelona", "Sevilla")),
    Region("mexico", "MX", -360, "es", 0.05, ("Ciudad de México", "Guadalajara", "Monterrey")),
    Region("brazil", "BR", -180, "pt", 0.06, ("São Paulo", "Rio de Janeiro", "Belo Horizonte")),
    Region("russia", "RU", 180, "ru", 0.05, ("Москва", "Санкт-Петербург", "Новосибирск")),
    Region("india", "IN", 330, "en", 0.06, ("Mumbai", "New Delhi", "Bengaluru")),
    Region("nigeria", "NG", 60, "en", 0.04, ("Lagos", "Abuja")),
    Region("philippines", "PH", 480, "en", 0.04, ("Manila", "Cebu City")),
    Region("australia", "AU", 600, "en", 0.03, ("Sydney", "Melbourne", "Brisbane")),
)

ORGANIC_CLIENTS = (
    ("Twitter for iPhone", 0.40),
    ("Twitter for Android", 0.34),
    ("Twitter Web App", 0.19),
    ("TweetDeck", 0.03),
    ("Twitter for iPad", 0.04),
)
BOT_CLIENTS = (
    ("dlvr.it", 0.3),
    ("IFTTT", 0.25),
    ("SocialFlow", 0.2),
    ("Buffer", 0.15),
    ("WordPress.com", 0.1),
)
CAMPAIGN_CLIENTS = (
    ("Twitter Web Client", 0.45),
    ("TweetDeck", 0.25),
    ("Twitter for Android", 0.2),
    ("twittbot.net", 0.1),
)
CLIENTS = tuple(dict.fromkeys(c for c, _ in ORGANIC_CLIENTS + BOT_CLIENTS + CAMPAIGN_CLIENTS))

EMOJI = tuple("😂 ❤️ 🔥 👍 🙏 😭 😍 💯 👏 🇺🇸 ⚠️ ‼️ 😡 🤔 ✅ ❌ 👉 📢 💥 🙄".split())

SHORTENERS = ("bit.ly", "ow.ly", "buff.ly", "tinyurl.com", "is.gd", "t.ly")

SECTIONS = (
    "politics",
    "world",
    "business",
    "opinion",
    "sport",
    "culture",
    "tech",
    "health",
    "local",
    "science",
)

# Interest names used in ad targeting and in the topical hashtags of campaigns.
TOPICS = (
    "politics",
    "immigration",
    "elections",
    "health",
    "economy",
    "religion",
    "guns",
    "veterans",
    "police",
    "black history",
    "lgbt rights",
    "energy",
    "ukraine",
    "china",
    "music",
    "sports",
    "fashion",
    "gaming",
    "travel",
    "food",
)

_FIRST = (
    "james mary john patricia robert jennifer michael linda david elizabeth william barbara "
    "maria jose ana carlos lucia pierre marie jean sophie hans anna lukas emma joao paula "
    "ivan olga dmitry elena amit priya chidi ngozi jose luz kim lee tom kate ben amy sam "
    "jack lily noah mia leo zoe max eva dan sara nick tina alex nina"
).split()
_LAST = (
    "smith johnson williams brown jones garcia miller davis rodriguez martinez hernandez lopez "
    "gonzalez wilson anderson thomas taylor moore jackson martin lee perez thompson white harris "
    "clark lewis walker hall allen young king wright scott green baker adams nelson hill muller "
    "schmidt dubois moreau silva santos ivanov petrov sharma patel okafor reyes cruz"
).split()
_OUTLET_WORDS = (
    "daily herald ledger post times observer report wire gazette journal tribune "
    "chronicle dispatch review sentinel monitor news courier express beacon record "
    "bulletin insider today"
).split()
_OUTLET_PREFIX = "the daily metro city global national capital morning evening free true".split()
_SUFFIXES = {
    "US": ".com",
    "GB": ".co.uk",
    "DE": ".de",
    "FR": ".fr",
    "ES": ".es",
    "MX": ".com.mx",
    "BR": ".com.br",
    "RU": ".ru",
    "IN": ".in",
    "NG": ".com.ng",
    "PH": ".ph",
    "AU": ".com.au",
}
_PLATFORM_DOMAINS = (
    "youtube.com",
    "instagram.com",
    "facebook.com",
    "wikipedia.org",
    "medium.com",
    "substack.com",
    "reddit.com",
    "tiktok.com",
)


def _words_from_syllables(rng: np.random.Generator, lang: str, n: int) -> list[str]:
    onsets, nuclei, codas = (s.split() for s in _SYLLABLES[lang])
    codas = ["" if c == "-" else c for c in codas]
    out: dict[str, None] = {}
    while len(out) < n:
        k = n - len(out)
        n_syl = rng.choice([1, 2, 2, 3, 3, 4], size=k)
        parts = [
            np.asarray(onsets)[rng.integers(0, len(onsets), (k, 4))],
            np.asarray(nuclei)[rng.integers(0, len(nuclei), (k, 4))],
            np.asarray(codas)[rng.integers(0, len(codas), (k, 4))],
        ]
        for i in range(k):
            word = "".join(
                parts[0][i, j] + parts[1][i, j] + (parts[2][i, j] if j == n_syl[i] - 1 else "")
                for j in range(n_syl[i])
            )
            if not any(bad in word for bad in _AVOID):
                out.setdefault(word)
    return list(out)


@dataclass(frozen=True)
class Lexicon:
    """All fixed vocabularies as Arrow arrays, so that texts are assembled with ``take``."""

    words: pa.Array  # LANGUAGES x words_per_language, language-major
    words_per_language: int
    hashtags: pa.Array  # general hashtag pool, most popular first
    fandom_hashtags: pa.Array  # hashtags of fan communities
    first_names: pa.Array
    last_names: pa.Array
    domains: pa.Array  # news-like domains, most popular first
    domain_country: np.ndarray
    outlet_names: pa.Array  # display name of the outlet owning domains[i]
    platform_domains: pa.Array
    emoji: pa.Array


def _title(s: str) -> str:
    return " ".join(w[:1].upper() + w[1:] for w in s.split())


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    rng = np.random.default_rng(_LEXICON_SEED)
    words: list[str] = []
    for lang in LANGUAGES:
        fw = list(dict.fromkeys(_FUNCTION_WORDS[lang].split()))
        pseudo = [w for w in _words_from_syllables(rng, lang, _WORDS_PER_LANGUAGE) if w not in fw]
        words.extend((fw + pseudo)[:_WORDS_PER_LANGUAGE])
    en = words[len(_FUNCTION_WORDS["en"].split()) : _WORDS_PER_LANGUAGE]
    # hashtags: single pseudo-words, pairs, word+year, acronyms (lower-case, without '#')
    tags: dict[str, None] = {}
    ordered = np.asarray(en)
    while len(tags) < 20_000:
        kind = rng.integers(0, 4)
        a, b = ordered[rng.integers(0, 3000, 2)]
        tag = {
            0: a,
            1: a + b,
            2: f"{a}{rng.integers(2015, 2031)}",
            3: "".join(ordered[rng.integers(0, 3000, 3)].astype("U1")),
        }[int(kind)]
        if len(tag) >= 3:
            tags.setdefault(tag)
    fandom = [
        f"{a}{b}"
        for a, b in zip(
            ordered[rng.integers(0, 3000, 400)],
            rng.choice(["army", "stan", "nation", "fam", "forever", "crew", "squad", "day"], 400),
        )
    ]
    fandom = list(dict.fromkeys(t for t in fandom if t not in tags))
    domains, countries, outlet_names = [], [], []
    seen: set[str] = set()
    region_weights = np.array([r.weight for r in REGIONS])
    while len(domains) < 400:
        region = REGIONS[int(rng.choice(len(REGIONS), p=region_weights / region_weights.sum()))]
        pre = _OUTLET_PREFIX[rng.integers(0, len(_OUTLET_PREFIX))]
        word = _OUTLET_WORDS[rng.integers(0, len(_OUTLET_WORDS))]
        sep = "" if rng.random() < 0.7 else "-"
        name = f"{pre}{sep}{word}"
        dom = name + _SUFFIXES[region.country]
        if dom in seen:
            continue
        seen.add(dom)
        domains.append(dom)
        countries.append(region.country)
        outlet_names.append(_title(f"{pre} {word}"))
    return Lexicon(
        words=pa.array(words, pa.string()),
        words_per_language=_WORDS_PER_LANGUAGE,
        hashtags=pa.array(list(tags), pa.string()),
        fandom_hashtags=pa.array(fandom, pa.string()),
        first_names=pa.array(_FIRST, pa.string()),
        last_names=pa.array(_LAST, pa.string()),
        domains=pa.array(domains, pa.string()),
        domain_country=np.asarray(countries),
        outlet_names=pa.array(outlet_names, pa.string()),
        platform_domains=pa.array(_PLATFORM_DOMAINS, pa.string()),
        emoji=pa.array(EMOJI, pa.string()),
    )


def zipf_sampler(n: int, exponent: float = 1.07, shift: float = 2.7):
    """Return ``draw(rng, size) -> ranks`` for P(rank r) ∝ 1 / (r + shift) ** exponent, r in [0, n).

    Zipf-Mandelbrot is the usual fit for word frequencies in natural text and for the popularity
    of hashtags, URLs and domains. Small vocabularies are sampled through a 2**20-entry inverse-CDF
    table (every rank keeps at least one entry, probabilities are exact to about 1e-6); larger ones
    by binary search.
    """
    weights = 1.0 / (np.arange(n) + shift) ** exponent
    cdf = np.cumsum(weights)
    cdf /= cdf[-1]
    bits = 20
    if weights[-1] / weights.sum() > 2.0 / 2**bits:
        table = np.searchsorted(cdf, (np.arange(2**bits) + 0.5) / 2**bits, side="right")
        table = np.minimum(table, n - 1).astype(np.int32)

        def draw(rng: np.random.Generator, size: int) -> np.ndarray:
            return table[rng.integers(0, 2**bits, size)].astype(np.int64)

        return draw

    def draw(rng: np.random.Generator, size: int) -> np.ndarray:  # noqa: F811
        return np.minimum(np.searchsorted(cdf, rng.random(size), side="right"), n - 1)

    return draw
