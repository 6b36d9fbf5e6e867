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
from datetime import datetime, timezone
from typing import Any, Iterator

import pyarrow as pa

from ioscope.errors import InputFormatError
from ioscope.ingest.context import ReadContext
from ioscope.ingest.registry import read_head, register_reader

_MARKERS = ("ad_snapshot_url", "ad_delivery_start_time", "ad_creation_time")
_CSV_OPTIONAL = [
    "page_id", "page_name", "funding_entity", "bylines", "beneficiary_payers",
    "ad_creative_bodies", "ad_creative_body", "ad_creative_link_titles", "ad_creative_link_title",
    "ad_creative_link_descriptions", "ad_creative_link_description", "ad_creative_link_captions",
    "ad_creative_link_caption", "ad_delivery_start_time", "ad_delivery_stop_time",
    "ad_creation_time", "currency", "spend", "impressions", "spend_lower_bound",
    "spend_upper_bound", "spend.lower_bound", "spend.upper_bound", "impressions_lower_bound",
    "impressions_upper_bound", "impressions.lower_bound", "impressions.upper_bound",
    "target_locations", "target_ages", "target_gender", "languages", "delivery_by_region",
    "region_distribution", "demographic_distribution", "age_country_gender_reach_breakdown",
    "publisher_platforms", "ad_snapshot_url"]


def _sniff(path: str, head: str) -> bool:
    text = head.lstrip()
    if not text:
        return False
    if text[0] in "{[":
        return '"page_id"' in head and any(f'"{m}"' in head for m in _MARKERS)
    first = text.splitlines()[0].lower()
    return "page_id" in first and any(m in first for m in _MARKERS)


def _records(path: str) -> Iterator[tuple[int, Any]]:
    """(record number or line, record) for every ad in a JSON / JSON-lines file."""
    import gzip

    with open(path, "rb") as raw:
        opener = gzip.open if raw.read(2) == b"\x1f\x8b" else open
    try:
        with opener(path, "rb") as f:
            data = f.read()
    except (OSError, EOFError) as e:  # a cut or corrupt gzip stream
        raise InputFormatError(f"cannot be read: {e}", path=path) from None
    try:
        text = data.decode("utf-8-sig")  # a byte-order mark is not part of the JSON
    except UnicodeDecodeError as e:
        raise InputFormatError(f"not valid UTF-8 ({e.reason} at byte {e.start}); is the file "
                               "in another encoding?", path=path) from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError:
        for i, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                yield i, e
                continue
            if isinstance(obj, dict) and isinstance(obj.get("data"), list):
                for ad in obj["data"]:
                    yield i, ad
            else:
                yield i, obj
        return
    items = doc.get("data") if isinstance(doc, dict) and "data" in doc else doc
    if isinstance(items, dict):
        items = [items]
    for i, ad in enumerate(items if isinstance(items, list) else [items], 1):
        yield i, ad


def _json_field(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def _texts(ad: dict, *names: str) -> list[str]:
    out: list[str] = []
    for n in names:
        v = _json_field(ad.get(n))
        for x in (v if isinstance(v, list) else [v]):
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
    return t.astimezone(timezone.utc).replace(tzinfo=None) if t.tzinfo else t


def _range(ad: dict, name: str) -> tuple[float | None, float | None, str | None]:
    v = _json_field(ad.get(name))
    lo = ad.get(f"{name}_lower_bound", ad.get(f"{name}.lower_bound"))
    hi = ad.get(f"{name}_upper_bound", ad.get(f"{name}.upper_bound"))
    if isinstance(v, dict):
        lo, hi = v.get("lower_bound", lo), v.get("upper_bound", hi)
    raw = json.dumps(v) if isinstance(v, dict) else (v if v else None)
    if lo in (None, "") and hi in (None, ""):
        return None, None, raw if isinstance(raw, str) else None
    f = lambda x: None if x in (None, "") else float(str(x).replace(",", ""))  # noqa: E731
    lo_f, hi_f = f(lo), f(hi)
    return (lo_f if lo_f is not None else 0.0), hi_f, raw or json.dumps(
        {"lower_bound": lo, "upper_bound": hi})


def _payer(ad: dict) -> str | None:
    bp = _json_field(ad.get("beneficiary_payers"))
    if isinstance(bp, list) and bp and isinstance(bp[0], dict) and bp[0].get("payer"):
        return bp[0]["payer"]
    for n in ("funding_entity", "bylines"):
        if ad.get(n):
            return str(ad[n])
    return None


def convert(ad: Any, line: int, platform: str) -> tuple[dict, list[dict], list[dict]]:
    """One Ad Library record → (stg_ads row, criteria, delivery rows)."""
    if not isinstance(ad, dict):
        return ({"platform": platform, "source_line": line, "_error": "not an ad object",
                 "_error_field": None, "_raw": json.dumps(ad, default=str)[:10_000]}, [], [])
    ad_id = str(ad["id"]).strip() if ad.get("id") not in (None, "") else None
    s_lo, s_hi, s_raw = _range(ad, "spend")
    i_lo, i_hi, i_raw = _range(ad, "impressions")
    captions = _texts(ad, "ad_creative_link_captions", "ad_creative_link_caption")
    start = ad.get("ad_delivery_start_time") or ad.get("ad_creation_time")
    row = {
        "platform": platform, "ad_id": ad_id,
        "advertiser_id": str(ad["page_id"]) if ad.get("page_id") not in (None, "") else None,
        "advertiser_name": ad.get("page_name") or None, "payer": _payer(ad),
        "creative_text": "\n\n".join(_texts(ad, "ad_creative_bodies", "ad_creative_body",
                                            "ad_creative_link_titles", "ad_creative_link_title",
                                            "ad_creative_link_descriptions",
                                            "ad_creative_link_description")) or None,
        "landing_url": captions[0] if captions and "." in captions[0] and " " not in captions[0]
        else None,
        "start_at": _time(start), "end_at": _time(ad.get("ad_delivery_stop_time")),
        "spend_lower": s_lo, "spend_upper": s_hi, "spend_raw": s_raw,
        "currency": (ad.get("currency") or None),
        "impressions_lower": i_lo, "impressions_upper": i_hi, "impressions_raw": i_raw,
        "source_line": line, "_raw": json.dumps(ad, default=str)[:10_000],
        "_error_field": "ad_delivery_start_time" if start and not _time(start) else None,
        "_error": f"unparseable time {start!r}" if start and not _time(start) else None,
    }
    crit: list[dict] = []
    for loc in _json_field(ad.get("target_locations")) or []:
        if isinstance(loc, dict) and loc.get("name"):
            crit.append({"kind": "location", "mode": "exclude" if loc.get("excluded") else "include",
                         "value": loc["name"], "raw": json.dumps(loc)})
    ages = _json_field(ad.get("target_ages"))
    if isinstance(ages, list) and ages:
        crit.append({"kind": "age", "value": "-".join(map(str, ages[:2])), "raw": json.dumps(ages)})
    if ad.get("target_gender"):
        crit.append({"kind": "gender", "value": str(ad["target_gender"]),
                     "raw": str(ad["target_gender"])})
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
                delivery.append({"dimension": "region", "value": d["region"],
                                 "share": share(d.get("percentage"))})
    for d in _json_field(ad.get("demographic_distribution")) or []:
        if isinstance(d, dict):
            delivery.append({"dimension": "age_gender",
                             "value": f"{d.get('age', '')}|{d.get('gender', '')}",
                             "share": share(d.get("percentage"))})
    for d in _json_field(ad.get("age_country_gender_reach_breakdown")) or []:
        if isinstance(d, dict) and d.get("country"):
            delivery.append({"dimension": "country", "value": d["country"], "share": None})
    for d in delivery:
        d.update(platform=platform, ad_id=ad_id, _ad_line=line)
    return row, crit, delivery


@register_reader("meta-ad-library", summary="Meta Ad Library API results (ads_archive JSON, JSON "
                 "lines, or their CSV export)", sniff=_sniff, priority=30)
def read_meta_ad_library(ctx: ReadContext) -> None:
    platform = ctx.platform or "facebook"
    head = read_head(ctx.path).lstrip("\ufeff \t\r\n")
    if head[:1] in "{[":
        records = []
        for line, ad in _records(ctx.path):
            ctx.rows_read += 1
            if isinstance(ad, Exception):
                ctx.quarantine(line, f"invalid JSON: {ad}", None)
                continue
            records.append((line, ad))
    else:
        ctx.load_csv(required=["id"], optional=_CSV_OPTIONAL)
        cur = ctx.con.execute("SELECT * FROM src ORDER BY _line")
        names = [d[0] for d in cur.description]
        records = [(row["_line"], {k: v for k, v in row.items() if v not in (None, "")})
                   for row in (dict(zip(names, r)) for r in cur.fetchall())]
    ads, crit, delivery = [], [], []
    for line, ad in records:
        a, c, d = convert(ad, line, platform)
        ads.append(a)
        crit += c
        delivery += d
    for table, rows in (("stg_ads", ads), ("stg_ad_targeting", crit),
                        ("stg_ad_delivery", delivery)):
        ctx.stage_arrow(table, _columns(rows))


def _columns(rows: list[dict]) -> pa.Table:
    """Rows with differing keys as one Arrow table (missing values NULL)."""
    keys = list(dict.fromkeys(k for r in rows for k in r))
    return pa.table({k: [r.get(k) for r in rows] for k in keys})
