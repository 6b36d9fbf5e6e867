"""Build src/ioscope/data/countries.csv: ISO 3166-1 alpha-2 codes, names and common aliases.

Source: the tz database's ``iso3166.tab`` (public domain), as installed at
/usr/share/zoneinfo/iso3166.tab by Debian's tzdata. The aliases below (official names, common short
forms, the names ad platforms use, and ISO alpha-3 codes of frequent countries) are ioscope's own.

    python scripts/build_countries.py [/usr/share/zoneinfo/iso3166.tab]
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "src" / "ioscope" / "data" / "countries.csv"

ALIASES = {
    "US": ["United States of America", "USA", "U.S.", "U.S.A.", "America", "united_states"],
    "GB": [
        "United Kingdom",
        "UK",
        "U.K.",
        "Great Britain",
        "England",
        "Scotland",
        "Wales",
        "Northern Ireland",
        "GBR",
    ],
    "RU": ["Russian Federation", "RUS", "Rossiya"],
    "DE": ["Deutschland", "DEU"],
    "FR": ["FRA"],
    "CN": ["People's Republic of China", "PRC", "CHN"],
    "KR": ["South Korea", "Republic of Korea"],
    "KP": ["North Korea"],
    "IR": ["Islamic Republic of Iran", "IRN"],
    "SY": ["Syrian Arab Republic"],
    "CD": ["Democratic Republic of the Congo", "DR Congo"],
    "CG": ["Republic of the Congo"],
    "BA": ["Bosnia and Herzegovina"],
    "AG": ["Antigua and Barbuda"],
    "TT": ["Trinidad and Tobago"],
    "KN": ["Saint Kitts and Nevis"],
    "ST": ["Sao Tome and Principe"],
    "MM": ["Myanmar", "Burma"],
    "SZ": ["Eswatini", "Swaziland"],
    "CZ": ["Czech Republic", "Czechia"],
    "CI": ["Ivory Coast", "Cote d'Ivoire"],
    "VN": ["Viet Nam"],
    "LA": ["Lao PDR"],
    "MK": ["North Macedonia", "Macedonia"],
    "MD": ["Republic of Moldova"],
    "TR": ["Turkiye", "Türkiye"],
    "AE": ["UAE", "United Arab Emirates"],
    "NL": ["The Netherlands", "Holland"],
    "VA": ["Holy See", "Vatican City"],
    "PS": ["Palestinian Territories", "State of Palestine"],
    "TW": ["Republic of China"],
    "UA": ["UKR"],
    "BY": ["Belarus", "BLR"],
    "CA": ["CAN"],
    "AU": ["AUS"],
    "IN": ["IND"],
    "BR": ["BRA"],
    "MX": ["MEX"],
    "JP": ["JPN"],
    "IT": ["ITA"],
    "ES": ["ESP"],
    "PL": ["POL"],
    "SA": ["SAU"],
    "TC": ["Turks and Caicos Islands"],
    "VG": ["British Virgin Islands"],
    "VI": ["US Virgin Islands", "U.S. Virgin Islands"],
    "AS": ["American Samoa"],
    "WS": ["Samoa"],
}


def main(src: str = "/usr/share/zoneinfo/iso3166.tab") -> None:
    rows = []
    for line in Path(src).read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        code, name = line.split("\t", 1)
        plain = name.replace(" & ", " and ")
        aliases = [a for a in dict.fromkeys([plain] + ALIASES.get(code, [])) if a != name]
        rows.append((code, name, ";".join(aliases)))
    with OUT.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["code", "name", "aliases"])
        w.writerows(sorted(rows))
    print(f"wrote {len(rows)} countries to {OUT}")


if __name__ == "__main__":
    main(*sys.argv[1:])
