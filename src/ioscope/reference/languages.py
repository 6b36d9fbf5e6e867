"""Small reference tables the signals compare against: places and languages with their clocks.

Offsets are standard-time UTC offsets in hours (daylight-saving time moves them by one hour; the
time-zone signal tolerates that). A multi-zone country or language gets a range (lo, hi). The
lists are short on purpose: a location that does not resolve leaves the account without a
time-zone mismatch signal, which is better than a wrong one.
"""

from __future__ import annotations

import pyarrow as pa

__all__ = [
    "places_table",
    "us_state_abbreviations_table",
    "language_names_table",
    "language_offsets_table",
    "UNDEFINED_LANGUAGES",
]

_US_STATES = """
AL alabama -6|AK alaska -9|AZ arizona -7|AR arkansas -6|CA california -8|CO colorado -7
CT connecticut -5|DE delaware -5|FL florida -5|GA georgia -5|HI hawaii -10|ID idaho -7
IL illinois -6|IN indiana -5|IA iowa -6|KS kansas -6|KY kentucky -5|LA louisiana -6|ME maine -5
MD maryland -5|MA massachusetts -5|MI michigan -5|MN minnesota -6|MS mississippi -6
MO missouri -6|MT montana -7|NE nebraska -6|NV nevada -8|NH new_hampshire -5|NJ new_jersey -5
NM new_mexico -7|NY new_york -5|NC north_carolina -5|ND north_dakota -6|OH ohio -5
OK oklahoma -6|OR oregon -8|PA pennsylvania -5|RI rhode_island -5|SC south_carolina -5
SD south_dakota -6|TN tennessee -6|TX texas -6|UT utah -7|VT vermont -5|VA virginia -5
WA washington -8|WV west_virginia -5|WI wisconsin -6|WY wyoming -7|DC district_of_columbia -5
PR puerto_rico -4"""

_CITIES = """
nyc new_york_city brooklyn manhattan bronx queens boston philadelphia baltimore pittsburgh
atlanta miami orlando tampa jacksonville charlotte raleigh richmond detroit cleveland columbus
cincinnati indianapolis louisville providence washington_dc washington_d_c toronto montreal
ottawa bogota bogotá lima : -5
chicago houston dallas austin san_antonio nashville memphis new_orleans minneapolis st_louis
saint_louis kansas_city milwaukee omaha des_moines little_rock wichita fargo sioux_falls
mexico_city ciudad_de_mexico ciudad_de_méxico guadalajara monterrey : -6
denver phoenix albuquerque salt_lake_city boise billings cheyenne calgary : -7
los_angeles san_francisco san_diego san_jose sacramento seattle portland las_vegas vancouver : -8
honolulu : -10
anchorage : -9
london manchester glasgow edinburgh dublin lisbon lisboa accra : 0
paris lyon marseille berlin munich münchen hamburg cologne köln frankfurt madrid barcelona
sevilla seville rome roma milan milano amsterdam brussels bruxelles vienna wien zurich zürich
stockholm oslo copenhagen warsaw warszawa prague praha budapest belgrade lagos abuja : 1
helsinki athens kyiv kiev київ киев kharkiv харків харьков odesa odessa одеса одесса bucharest
sofia jerusalem tel_aviv cairo johannesburg cape_town riga vilnius tallinn chisinau : 2
moscow москва saint_petersburg st_petersburg санкт_петербург петербург спб minsk минск istanbul
ankara riyadh nairobi baghdad : 3
dubai abu_dhabi baku yerevan tbilisi : 4
tehran : 3.5
karachi lahore islamabad tashkent : 5
mumbai delhi new_delhi bengaluru bangalore chennai kolkata hyderabad : 5.5
dhaka almaty : 6
novosibirsk новосибирск bangkok hanoi jakarta : 7
beijing shanghai hong_kong taipei manila cebu_city singapore kuala_lumpur perth : 8
tokyo osaka seoul : 9
sydney melbourne brisbane canberra : 10
auckland wellington : 12
sao_paulo são_paulo rio_de_janeiro belo_horizonte buenos_aires : -3
santiago caracas : -4"""

_COUNTRIES = """
usa:-10:-5 us:-10:-5 united_states:-10:-5 united_states_of_america:-10:-5 canada:-8:-3.5
ontario:-5:-5 quebec:-5:-5 british_columbia:-8:-8 alberta:-7:-7 mexico:-8:-5 méxico:-8:-5
uk:0:0 united_kingdom:0:0 england:0:0 scotland:0:0 wales:0:0 britain:0:0 great_britain:0:0
ireland:0:0 portugal:0:0 ghana:0:0 france:1:1 germany:1:1 deutschland:1:1 spain:1:1 españa:1:1
italy:1:1 italia:1:1 netherlands:1:1 nederland:1:1 belgium:1:1 switzerland:1:1 austria:1:1
poland:1:1 polska:1:1 sweden:1:1 norway:1:1 denmark:1:1 czechia:1:1 czech_republic:1:1
hungary:1:1 serbia:1:1 croatia:1:1 nigeria:1:1 finland:2:2 greece:2:2 ukraine:2:2 україна:2:2
украина:2:2 romania:2:2 bulgaria:2:2 moldova:2:2 lithuania:2:2 latvia:2:2 estonia:2:2
israel:2:2 egypt:2:2 syria:2:2 south_africa:2:2 turkey:3:3 türkiye:3:3 belarus:3:3
беларусь:3:3 russia:2:12 россия:2:12 russian_federation:2:12 рф:2:12 saudi_arabia:3:3
iraq:3:3 kenya:3:3 uae:4:4 united_arab_emirates:4:4 armenia:4:4 azerbaijan:4:4 iran:3.5:3.5
pakistan:5:5 uzbekistan:5:5 kazakhstan:5:6 india:5.5:5.5 bangladesh:6:6 thailand:7:7
vietnam:7:7 indonesia:7:9 china:8:8 hong_kong:8:8 taiwan:8:8 philippines:8:8 malaysia:8:8
japan:9:9 korea:9:9 south_korea:9:9 australia:8:10 new_zealand:12:12 brazil:-5:-3
brasil:-5:-3 argentina:-3:-3 chile:-4:-4 colombia:-5:-5 peru:-5:-5 venezuela:-4:-4"""

_LANGUAGE_NAMES = """
english:en russian:ru german:de ukrainian:uk italian:it serbian:sr bulgarian:bg uzbek:uz
arabic:ar french:fr spanish:es portuguese:pt dutch:nl polish:pl turkish:tr japanese:ja
chinese:zh korean:ko farsi:fa persian:fa hebrew:he hindi:hi indonesian:id swedish:sv
norwegian:no danish:da finnish:fi czech:cs romanian:ro hungarian:hu greek:el belarusian:be
kazakh:kk macedonian:mk croatian:hr estonian:et latvian:lv lithuanian:lt vietnamese:vi thai:th
tagalog:tl albanian:sq azerbaijani:az armenian:hy georgian:ka slovak:sk slovenian:sl catalan:ca
urdu:ur pashto:ps bengali:bn malay:ms in:id iw:he"""

#: Source values that mean "no language detected".
UNDEFINED_LANGUAGES = (
    "und",
    "zxx",
    "qam",
    "qct",
    "qht",
    "qme",
    "qst",
    "art",
    "language undefined",
    "undefined",
    "unknown",
)

_LANGUAGE_OFFSETS = """
ru:2:12 uk:2:2 be:3:3 de:1:1 it:1:1 pl:1:1 nl:1:1 sv:1:1 da:1:1 no:1:1 fi:2:2 cs:1:1 hu:1:1
ro:2:2 bg:2:2 el:2:2 tr:3:3 fa:3.5:3.5 ja:9:9 ko:9:9 zh:8:8 th:7:7 vi:7:7 id:7:9 he:2:2 sr:1:1
hr:1:1 uz:5:5 kk:5:6 hy:4:4 ka:4:4 az:4:4 lt:2:2 lv:2:2 et:2:2"""


def _name(token: str) -> str:
    return token.replace("_", " ")


def places_table() -> pa.Table:
    """(name, kind, lo, hi): lower-case place names with their UTC offset range in hours."""
    rows: list[tuple[str, str, float, float]] = []
    for entry in _US_STATES.replace("\n", "|").split("|"):
        if entry.strip():
            _abbr, name, off = entry.split()
            rows.append((_name(name), "region", float(off), float(off)))
    for names, off in _city_groups():
        rows += [(_name(n), "city", off, off) for n in names]
    for tok in _COUNTRIES.split():
        name, lo, hi = tok.split(":")
        rows.append((_name(name), "country", float(lo), float(hi)))
    seen: dict[str, tuple] = {}
    for r in rows:  # first declaration wins (e.g. 'georgia' the US state)
        seen.setdefault(r[0], r)
    names, kinds, los, his = zip(*seen.values())
    return pa.table({"name": list(names), "kind": list(kinds), "lo": list(los), "hi": list(his)})


def _city_groups() -> list[tuple[list[str], float]]:
    groups, pending = [], []
    for line in _CITIES.strip().splitlines():
        if ":" in line:
            before, off = line.split(":")
            pending += before.split()
            groups.append((pending, float(off)))
            pending = []
        else:
            pending += line.split()
    return groups


def us_state_abbreviations_table() -> pa.Table:
    """(abbr, lo, hi) for the two-letter US state codes, matched only in upper case after a comma."""
    abbr, off = [], []
    for entry in _US_STATES.replace("\n", "|").split("|"):
        if entry.strip():
            a, _name_, o = entry.split()
            abbr.append(a)
            off.append(float(o))
    return pa.table({"abbr": abbr, "lo": off, "hi": off})


def language_names_table() -> pa.Table:
    """(name, code): language names (as some sources give them) and legacy codes to ISO 639-1."""
    pairs = [t.split(":") for t in _LANGUAGE_NAMES.split()]
    return pa.table({"name": [p[0] for p in pairs], "code": [p[1] for p in pairs]})


def language_offsets_table() -> pa.Table:
    """(code, lo, hi): languages spoken mostly within one band of time zones."""
    rows = [t.split(":") for t in _LANGUAGE_OFFSETS.split()]
    return pa.table(
        {
            "code": [r[0] for r in rows],
            "lo": [float(r[1]) for r in rows],
            "hi": [float(r[2]) for r in rows],
        }
    )
