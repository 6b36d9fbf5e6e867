"""Meta Ad Library API results (the ``ads_archive`` endpoint) and their CSV export.

JSON: a response object with ``data`` (and ``paging``), a JSON array of ads, or JSON lines of
ads or of responses. CSV: one ad per row with the API's field names as columns; nested fields
either as JSON text or flattened (``spend_lower_bound``, ``spend.upper_bound``).

Fields read: id, page_id, page_name, funding_entity / bylines / beneficiary_payers (payer),
ad_creative_bodies / _link_titles / _link_descriptions (text; the singular forms of older API
versions too), ad_creative_link_captions (the displayed landing domain), ad_delivery_start_time
(else ad_creation_time), ad_delivery_stop_time, currency, spend and impressions ranges
(``{lower_bound, upper_bound}``; no upper bound = open-ended), target_locations (with
``excluded``), target_ages, target_gender, languages, delivery_by_region / region_distribution,
demographic_distribution, age_country_gender_reach_breakdown.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import orjson

from ioscope.ingest.compressed import open_input
from ioscope.ingest.context import ReadContext
from ioscope.ingest.lazy import lazy
from ioscope.ingest.registry import read_head, register_reader

pa = lazy("pyarrow")

_MARKERS = ("ad_snapshot_url", "ad_delivery_start_time", "ad_creation_time")
#: The fields whose texts make an ad's creative text, in order (plural lists, then singular).
_CREATIVE_TEXT = (
    "ad_creative_bodies",
    "ad_creative_body",
    "ad_creative_link_titles",
    "ad_creative_link_title",
    "ad_creative_link_descriptions",
    "ad_creative_link_description",
)
_CSV_OPTIONAL = [
    "page_id",
    "page_name",
    "funding_entity",
    "bylines",
    "beneficiary_payers",
    *_CREATIVE_TEXT,
    "ad_creative_link_captions",
    "ad_creative_link_caption",
    "ad_delivery_start_time",
    "ad_delivery_stop_time",
    "ad_creation_time",
    "currency",
    "spend",
    "impressions",
    "spend_lower_bound",
    "spend_upper_bound",
    "spend.lower_bound",
    "spend.upper_bound",
    "impressions_lower_bound",
    "impressions_upper_bound",
    "impressions.lower_bound",
    "impressions.upper_bound",
    "target_locations",
    "target_ages",
    "target_gender",
    "languages",
    "delivery_by_region",
    "region_distribution",
    "demographic_distribution",
    "age_country_gender_reach_breakdown",
    "publisher_platforms",
    "ad_snapshot_url",
]


def _sniff(path: str, head: str) -> bool:
    text = head.lstrip()
    if not text:
        return False
    if text[0] in "{[":
        return '"page_id"' in head and any(f'"{m}"' in head for m in _MARKERS)
    first = text.splitlines()[0].lower()
    return "page_id" in first and any(m in first for m in _MARKERS)


def _loads(data: bytes | str) -> Any:
    """A JSON value, or the exception saying why it is not one (never RecursionError)."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as e:
        if isinstance(data, bytes):
            try:
                data.decode("utf-8")
            except UnicodeDecodeError as u:
                return ValueError(f"not valid UTF-8 ({u.reason} at byte {u.start:,} of the record)")
        if "depth" in str(e):
            return ValueError("nested more than 1,024 levels deep")
    try:  # integers beyond 64 bits, which orjson refuses
        return json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as e:
        return e if not isinstance(e, RecursionError) else ValueError("nested too deeply")


#: a JSON string, or one of the characters that structure a document
_TOKEN = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{},]', re.S)


def _elements(data: bytes, start: int) -> Iterator[tuple[int, int]]:
    """(begin, end) byte spans of the elements of the array opening at ``start``; a damaged
    element does not move the others (strings are skipped whole, brackets counted). An array
    cut short ends with its last, partial, element."""
    depth, begin = 0, start + 1
    for m in _TOKEN.finditer(data, start):
        c = m.group()
        if c[:1] == b'"':
            continue
        if c in (b"[", b"{"):
            depth += 1
        elif c in (b"]", b"}"):
            depth -= 1
            if depth == 0:
                if data[begin : m.start()].strip():
                    yield begin, m.start()
                return
        elif c == b"," and depth == 1:
            yield begin, m.start()
            begin = m.end()
    if data[begin:].strip():
        yield begin, len(data)


def _records(path: str) -> Iterator[tuple[int, Any, bytes]]:
    """(line, record or the exception saying why it is unreadable, its raw bytes) for every ad
    in a JSON / JSON-lines file. One damaged ad (a bad byte, a non-JSON value, nesting deeper
    than 1,024 levels) is one unreadable record; the others are read."""
    with open_input(path) as f:
        data = f.read()
    if data.startswith(b"\xef\xbb\xbf"):  # a byte-order mark is not part of the JSON
        data = data[3:]
    first = data.lstrip().split(b"\n", 1)[0]
    doc = _loads(data)
    if (
        isinstance(doc, Exception)
        and first.startswith(b"{")
        and not isinstance(_loads(first), Exception)
    ):
        # JSON lines: of ads or of responses
        for i, line in enumerate(data.split(b"\n"), 1):
            if not line.strip():
                continue
            obj = _loads(line)
            if isinstance(obj, dict) and isinstance(obj.get("data"), list):
                for ad in obj["data"]:
                    yield i, ad, b""
            else:
                yield i, obj, line
        return
    if isinstance(doc, dict) and not isinstance(doc.get("data", []), list):
        yield 1, doc, data
        return
    # one array of ads, or a response whose "data" is one: each element on its own
    stripped = data.lstrip()
    at = len(data) - len(stripped)
    if stripped[:1] == b"{":
        m = re.search(rb'"data"\s*:\s*\[', data)
        if m is None:
            yield 1, doc if not isinstance(doc, Exception) else doc, data
            return
        at = m.end() - 1
    elif stripped[:1] != b"[":
        yield 1, doc, data
        return
    for begin, end in _elements(data, at):
        raw = data[begin:end]
        line = data.count(b"\n", 0, begin + len(raw) - len(raw.lstrip())) + 1
        yield line, _loads(raw), raw


def _json_field(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in "[{":
        parsed = _loads(value)
        return value if isinstance(parsed, Exception) else parsed
    return value


def _texts(ad: dict, *names: str) -> list[str]:
    out: list[str] = []
    for n in names:
        v = _json_field(ad.get(n))
        for x in v if isinstance(v, list) else [v]:
            if isinstance(x, str) and x.strip() and x.strip() not in out:
                out.append(x.strip())
    return out


def _time(value: Any) -> datetime | None:
    if not value or not isinstance(value, str):
        return None
    text = value.strip().replace("Z", "+00:00")
    if len(text) > 5 and text[-5] in "+-" and text[-3] != ":":
        text = text[:-2] + ":" + text[-2:]
    try:
        t = datetime.fromisoformat(text)
    except ValueError:
        return None
    return t.astimezone(UTC).replace(tzinfo=None) if t.tzinfo else t


def _range(ad: dict, name: str) -> tuple[float | None, float | None, str | None]:
    v = _json_field(ad.get(name))
    lo = ad.get(f"{name}_lower_bound", ad.get(f"{name}.lower_bound"))
    hi = ad.get(f"{name}_upper_bound", ad.get(f"{name}.upper_bound"))
    if isinstance(v, dict):
        lo, hi = v.get("lower_bound", lo), v.get("upper_bound", hi)
    raw = _dump(v) if isinstance(v, dict) else (v if v else None)
    if lo in (None, "") and hi in (None, ""):
        return None, None, raw if isinstance(raw, str) else None

    def number(x: Any, bound: str) -> float | None:
        if x in (None, ""):
            return None
        try:
            value = float(str(x).replace(",", ""))
        except ValueError:
            value = float("nan")
        if value != value or value in (float("inf"), float("-inf")) or isinstance(x, bool):
            raise _BadValue(
                f"{name}.{bound}",
                f"{name} {bound.replace('_', ' ')} is not a number: {str(x)[:80]!r}",
            )
        return value

    lo_f, hi_f = number(lo, "lower_bound"), number(hi, "upper_bound")
    return (
        (lo_f if lo_f is not None else 0.0),
        hi_f,
        raw or _dump({"lower_bound": lo, "upper_bound": hi}),
    )


class _BadValue(ValueError):
    """A value of an ad that cannot be read (the record is quarantined naming the field)."""

    def __init__(self, field: str, reason: str):
        super().__init__(reason)
        self.field, self.reason = field, reason


def _dump(value: Any) -> str:
    """``value`` as JSON text (``str`` for what JSON cannot hold; never RecursionError)."""
    try:
        return orjson.dumps(value, default=str, option=orjson.OPT_NON_STR_KEYS).decode()
    except (TypeError, orjson.JSONEncodeError):
        return "(a value nested too deeply to show)"


def _payer(ad: dict) -> str | None:
    bp = _json_field(ad.get("beneficiary_payers"))
    if isinstance(bp, list) and bp and isinstance(bp[0], dict) and bp[0].get("payer"):
        return str(bp[0]["payer"])
    for n in ("funding_entity", "bylines"):
        if ad.get(n):
            return str(ad[n])
    return None


def convert(
    ad: Any, line: int, platform: str, raw: str | None = None
) -> tuple[dict, list[dict], list[dict]]:
    """One Ad Library record → (stg_ads row, criteria, delivery rows). ``raw`` is the record's
    source text when known; a record whose values cannot be read gives an ``_error`` row."""
    raw = (raw or _dump(ad))[:10_000]
    if not isinstance(ad, dict):
        return (
            {
                "platform": platform,
                "source_line": line,
                "_error": "not an ad object",
                "_error_field": "record",
                "_raw": raw,
            },
            [],
            [],
        )
    try:
        return _convert(ad, line, platform, raw)
    except _BadValue as e:
        return (
            {
                "platform": platform,
                "source_line": line,
                "_error": e.reason,
                "_error_field": e.field,
                "_raw": raw,
            },
            [],
            [],
        )


def _convert(ad: dict, line: int, platform: str, raw: str) -> tuple[dict, list[dict], list[dict]]:
    ad_id = str(ad["id"]).strip() if ad.get("id") not in (None, "") else None
    for name in ("page_name", "currency"):  # text fields: any other value is unreadable
        if ad.get(name) not in (None, "") and not isinstance(ad[name], str):
            raise _BadValue(name, f"{name} is not text: {_dump(ad[name])[:80]}")
    s_lo, s_hi, s_raw = _range(ad, "spend")
    i_lo, i_hi, i_raw = _range(ad, "impressions")
    captions = _texts(ad, "ad_creative_link_captions", "ad_creative_link_caption")
    start = ad.get("ad_delivery_start_time") or ad.get("ad_creation_time")
    row = {
        "platform": platform,
        "ad_id": ad_id,
        "advertiser_id": str(ad["page_id"]) if ad.get("page_id") not in (None, "") else None,
        "advertiser_name": ad.get("page_name") or None,
        "payer": _payer(ad),
        "creative_text": "\n\n".join(_texts(ad, *_CREATIVE_TEXT)) or None,
        "landing_url": captions[0]
        if captions and "." in captions[0] and " " not in captions[0]
        else None,
        "start_at": _time(start),
        "end_at": _time(ad.get("ad_delivery_stop_time")),
        "spend_lower": s_lo,
        "spend_upper": s_hi,
        "spend_raw": s_raw,
        "currency": (ad.get("currency") or None),
        "impressions_lower": i_lo,
        "impressions_upper": i_hi,
        "impressions_raw": i_raw,
        "source_line": line,
        "_raw": raw,
        "_error_field": "ad_delivery_start_time" if start and not _time(start) else None,
        "_error": f"unparseable time {start!r}" if start and not _time(start) else None,
    }
    crit: list[dict] = []
    for loc in _json_field(ad.get("target_locations")) or []:
        if isinstance(loc, dict) and loc.get("name"):
            crit.append(
                {
                    "kind": "location",
                    "mode": "exclude" if loc.get("excluded") else "include",
                    "value": str(loc["name"]),
                    "raw": _dump(loc),
                }
            )
    ages = _json_field(ad.get("target_ages"))
    if isinstance(ages, list) and ages:
        crit.append({"kind": "age", "value": "-".join(map(str, ages[:2])), "raw": _dump(ages)})
    if ad.get("target_gender"):
        crit.append(
            {"kind": "gender", "value": str(ad["target_gender"]), "raw": str(ad["target_gender"])}
        )
    for lang in _json_field(ad.get("languages")) or []:
        crit.append({"kind": "language", "value": str(lang), "raw": str(lang)})
    for c in crit:
        c.update(platform=platform, ad_id=ad_id, _ad_line=line, mode=c.get("mode", "include"))
    delivery: list[dict] = []

    def share(x: Any) -> float | None:
        try:
            return float(x)
        except (TypeError, ValueError):
            return None

    for key in ("delivery_by_region", "region_distribution"):
        for d in _json_field(ad.get(key)) or []:
            if isinstance(d, dict) and d.get("region"):
                delivery.append(
                    {
                        "dimension": "region",
                        "value": str(d["region"]),
                        "share": share(d.get("percentage")),
                    }
                )
    for d in _json_field(ad.get("demographic_distribution")) or []:
        if isinstance(d, dict):
            delivery.append(
                {
                    "dimension": "age_gender",
                    "value": f"{d.get('age', '')}|{d.get('gender', '')}",
                    "share": share(d.get("percentage")),
                }
            )
    for d in _json_field(ad.get("age_country_gender_reach_breakdown")) or []:
        if isinstance(d, dict) and d.get("country"):
            delivery.append({"dimension": "country", "value": str(d["country"]), "share": None})
    for d in delivery:
        d.update(platform=platform, ad_id=ad_id, _ad_line=line)
    return row, crit, delivery


@register_reader(
    "meta-ad-library",
    summary="Meta Ad Library API results (ads_archive JSON, JSON lines, or their CSV export)",
    sniff=_sniff,
    priority=30,
)
def read_meta_ad_library(ctx: ReadContext) -> None:
    platform = ctx.platform or "facebook"
    head = read_head(ctx.path).lstrip("\ufeff \t\r\n")
    if head[:1] in "{[":
        records = []
        for line, ad, raw in _records(ctx.path):
            ctx.rows_read += 1
            if isinstance(ad, Exception):
                ctx.quarantine(line, f"malformed JSON: {ad}", raw[:40_000], "record")
                continue
            records.append((line, ad, raw.decode("utf-8", errors="replace") if raw else None))
    else:
        ctx.load_csv(required=["id"], optional=_CSV_OPTIONAL)
        cur = ctx.con.execute("SELECT * FROM src ORDER BY _line")
        names = [d[0] for d in cur.description]
        records = [
            (row["_line"], {k: v for k, v in row.items() if v not in (None, "")}, None)
            for row in (dict(zip(names, r)) for r in cur.fetchall())
        ]
    ads, crit, delivery = [], [], []
    for line, ad, raw in records:
        a, c, d = convert(ad, line, platform, raw)
        ads.append(a)
        crit += c
        delivery += d
    for table, rows in (
        ("stg_ads", ads),
        ("stg_ad_targeting", crit),
        ("stg_ad_delivery", delivery),
    ):
        ctx.stage_arrow(table, _columns(rows))


def _columns(rows: list[dict]) -> pa.Table:
    """Rows with differing keys as one Arrow table (missing values NULL)."""
    keys = list(dict.fromkeys(k for r in rows for k in r))
    return pa.table({k: [r.get(k) for r in rows] for k in keys})
