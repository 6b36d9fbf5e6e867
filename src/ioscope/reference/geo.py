"""Places and languages to ISO 3166-1 alpha-2 countries, offline.

Countries and their aliases come from ``ioscope/data/countries.csv`` (built from the tz database's
public-domain iso3166.tab by ``scripts/build_countries.py``); US states are listed here because ad
platforms name them without the country.

>>> resolve_location("Detroit (+40 km) Michigan")
(['US'], 'subnational')
>>> resolve_location("Germany, France, United Kingdom")
(['DE', 'FR', 'GB'], 'multi_country')
>>> language_countries("English (UK)")
['GB']
"""

from __future__ import annotations

import csv
import functools
import re
from importlib.resources import files

__all__ = ["country_code", "country_name", "resolve_location", "language_countries", "US_STATES"]

US_STATES = {
    "AL": "Alabama",
    "AK": "Alaska",
    "AZ": "Arizona",
    "AR": "Arkansas",
    "CA": "California",
    "CO": "Colorado",
    "CT": "Connecticut",
    "DE": "Delaware",
    "FL": "Florida",
    "GA": "Georgia",
    "HI": "Hawaii",
    "ID": "Idaho",
    "IL": "Illinois",
    "IN": "Indiana",
    "IA": "Iowa",
    "KS": "Kansas",
    "KY": "Kentucky",
    "LA": "Louisiana",
    "ME": "Maine",
    "MD": "Maryland",
    "MA": "Massachusetts",
    "MI": "Michigan",
    "MN": "Minnesota",
    "MS": "Mississippi",
    "MO": "Missouri",
    "MT": "Montana",
    "NE": "Nebraska",
    "NV": "Nevada",
    "NH": "New Hampshire",
    "NJ": "New Jersey",
    "NM": "New Mexico",
    "NY": "New York",
    "NC": "North Carolina",
    "ND": "North Dakota",
    "OH": "Ohio",
    "OK": "Oklahoma",
    "OR": "Oregon",
    "PA": "Pennsylvania",
    "RI": "Rhode Island",
    "SC": "South Carolina",
    "SD": "South Dakota",
    "TN": "Tennessee",
    "TX": "Texas",
    "UT": "Utah",
    "VT": "Vermont",
    "VA": "Virginia",
    "WA": "Washington",
    "WV": "West Virginia",
    "WI": "Wisconsin",
    "WY": "Wyoming",
    "DC": "District of Columbia",
}
#: Names that mean "every country": no geography in the sense of the targeting rules.
WORLDWIDE = {"worldwide", "all countries", "global", "world", "international"}
EU = [
    "AT",
    "BE",
    "BG",
    "HR",
    "CY",
    "CZ",
    "DK",
    "EE",
    "FI",
    "FR",
    "DE",
    "GR",
    "HU",
    "IE",
    "IT",
    "LV",
    "LT",
    "LU",
    "MT",
    "NL",
    "PL",
    "PT",
    "RO",
    "SK",
    "SI",
    "ES",
    "SE",
]
_STATE_NAMES = sorted((n.lower() for n in US_STATES.values()), key=len, reverse=True)
_STATE_END = re.compile(r"(?:^|[\s,;])(" + "|".join(re.escape(n) for n in _STATE_NAMES) + r")\s*$")
_RADIUS = re.compile(r"\(\s*[+-]?\s*\d+\s*(?:km|mi|miles?)\s*\)", re.I)
_LANG_TAG = re.compile(r"^[a-z]{2,3}[-_]([A-Za-z]{2})$")


def _key(text: str) -> str:
    return re.sub(r"[\s_]+", " ", text.replace("—", "-").replace("–", "-")).strip(" .").casefold()


@functools.lru_cache(maxsize=1)
def _countries() -> tuple[dict[str, str], dict[str, str]]:
    by_key: dict[str, str] = {}
    names: dict[str, str] = {}
    path = files("ioscope") / "data" / "countries.csv"
    with path.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            code = row["code"]
            names[code] = row["name"]
            by_key[code.casefold()] = code
            for alias in [row["name"]] + [a for a in row["aliases"].split(";") if a]:
                by_key.setdefault(_key(alias), code)
    return by_key, names


def country_code(text: str | None) -> str | None:
    """The ISO alpha-2 code of a country name, alias or code, or None.

    >>> country_code("united_states"), country_code("Russian Federation"), country_code("xx")
    ('US', 'RU', None)
    """
    if not text:
        return None
    return _countries()[0].get(_key(text))


def country_name(code: str) -> str:
    return _countries()[1].get(code, code)


@functools.lru_cache(maxsize=50_000)
def resolve_location(value: str | None, hint: str | None = None) -> tuple[list[str], str]:
    """The countries a location criterion points to and its scope.

    ``hint`` is a country the source files the place under (HPSCI's ``location:united_states:``).
    Scope is ``country`` (a whole country), ``subnational`` (a place within one country),
    ``multi_country`` (a list or region of several; worldwide gives no countries) or
    ``unresolved``.
    """
    hc = (
        (country_code(hint) or country_code(hint.replace("_", " ").split(",")[-1]))
        if hint
        else None
    )
    if not value or not value.strip():
        return ([hc], "country") if hc else ([], "unresolved")
    text = value.strip()
    k = _key(text)
    if k in WORLDWIDE:
        return [], "multi_country"
    if k in {"european union", "eu"}:
        return list(EU), "multi_country"
    whole = country_code(text)
    if whole and not (hc == "US" and k in {n.casefold() for n in US_STATES.values()}):
        return [whole], "country"
    parts = [p for p in re.split(r"[;,]", text) if p.strip()]
    codes = [country_code(p) for p in parts]
    if len(parts) > 1 and all(codes):
        uniq = list(dict.fromkeys(codes))
        return uniq, "multi_country" if len(uniq) > 1 else "country"
    if hc:
        return [hc], "subnational"
    bare = _key(_RADIUS.sub(" ", text))
    postal = re.search(r",\s*([A-Z]{2})\s*$", text)
    if (
        _STATE_END.search(bare)
        or all(_key(p) in _STATE_NAMES for p in parts)
        or (postal and postal.group(1) in US_STATES)
    ):
        return ["US"], "subnational"
    if len(parts) > 1 and codes[-1]:
        return [codes[-1]], "subnational"
    return [], "unresolved"


@functools.lru_cache(maxsize=10_000)
def language_countries(value: str | None) -> list[str]:
    """The country of a language variant: 'English (US)', 'en-GB', 'pt_BR'; [] for a bare language."""
    if not value:
        return []
    text = value.strip()
    m = re.search(r"\(([^)]*)\)\s*$", text)
    if m:
        code = country_code(m.group(1))
        return [code] if code else []
    m = _LANG_TAG.match(text)
    if m:
        code = country_code(m.group(1).upper())
        return [code] if code else []
    return []
