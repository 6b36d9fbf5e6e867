"""Jinja environments (autoescaping HTML; escaping Markdown) and the value filters they share.

Data is never marked safe: the only :class:`~markupsafe.Markup` strings are ioscope's own static
CSS read from the package. Every ``{{ value }}`` in an HTML template is escaped by autoescape; in
Markdown templates a ``finalize`` hook escapes HTML and Markdown syntax of every value.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache, partial
from importlib.resources import files
from typing import Any

import jinja2
from markupsafe import Markup

from ioscope.fmt import MISSING, format_number, format_p_value, format_pct, format_usd
from ioscope.jsonenc import dumps
from ioscope.model.names import account_label

__all__ = ["html_env", "markdown_env", "static_text", "csp_hash", "FILTERS"]


def static_text(package: str, name: str) -> str:
    return (files(package) / name).read_text(encoding="utf-8")


def csp_hash(text: str) -> str:
    """The CSP source expression allowing exactly this inline ``<style>``/``<script>`` body."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def fmt_ts(v: Any) -> str:
    if v is None:
        return "–"
    if isinstance(v, datetime):
        return (
            v.strftime("%Y-%m-%d %H:%M:%S") + "Z"
            if (v.hour or v.minute or v.second)
            else v.strftime("%Y-%m-%d")
        )
    if isinstance(v, date):
        return v.isoformat()
    return str(v)


def fmt_month(v: Any) -> str:
    return v.strftime("%Y-%m") if isinstance(v, (date, datetime)) else fmt_cell(v)


def fmt_range(lo: Any, hi: Any, money: bool = False) -> str:
    f = format_usd if money else format_number
    if lo is None and hi is None:
        return "–"
    if hi is None:
        return f"≥ {f(lo)}"
    if lo is None or abs(float(hi) - float(lo)) < 1e-9:
        return f(hi)
    return f"{f(lo)} – {f(hi)}"


def fmt_cell(v: Any) -> str:
    """Any value as text for a table cell."""
    if v is None:
        return "–"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, (datetime, date)):
        return fmt_ts(v)
    if isinstance(v, (int, float, Decimal)) and not isinstance(v, bool):
        return format_number(v)
    if isinstance(v, (list, tuple)):
        return ", ".join(fmt_cell(x) for x in v)
    if isinstance(v, dict):
        return dumps(v)
    return str(v)


def fmt_json(v: Any) -> str:
    return dumps(v, sort_keys=True, indent=1)


def fmt_top_signals(v: Any) -> str:
    """``top_signals`` (JSON list of {signal, contribution, ...} or of names) as short text."""
    if isinstance(v, str):
        try:
            v = json.loads(v)
        except ValueError:
            return v
    if not isinstance(v, list):
        return fmt_cell(v)
    parts = []
    for item in v:
        if isinstance(item, dict):
            name = item.get("signal", "?")
            c = item.get("contribution")
            parts.append(f"{name} ({c:.2g})" if isinstance(c, (int, float)) else str(name))
        else:
            parts.append(str(item))
    return ", ".join(parts)


FILTERS: dict[str, Any] = {
    "num": format_number,
    "ts": fmt_ts,
    "usd": format_usd,
    "pval": partial(format_p_value, missing=MISSING),
    "pct": format_pct,
    "cell": fmt_cell,
    "text": fmt_cell,
    "pjson": fmt_json,
    "range": fmt_range,
    "month": fmt_month,
    "topsig": fmt_top_signals,
    "tag": fmt_cell,
}
FILTERS["attr_filter"] = lambda v, name: FILTERS[name](v)
FILTERS["who"] = account_label  # {{ name|who(account_id) }}: "@handle (id)", "Title (id)" or the id


def guess_filter(column: str, value: Any = None) -> str:
    """The display filter for a column, from its name (and a sample value, when given)."""
    c = column.lower()
    if (
        "p_value" in c
        or "q_value" in c
        or c in ("min_p", "median_p", "min_q", "max_q", "max_q_kept")
        or c.endswith(("_p", "_q"))
    ):
        return "pval"
    if c.startswith("share_") or c == "coordination":
        return "pct"
    if "spend_usd" in c:
        return "usd"
    if c == "top_signals":
        return "topsig"
    if c in ("signal", "kind", "family", "platform", "format", "directed", "significant"):
        return "tag"  # short names, never broken inside a word
    if c.endswith(("_at", "_date", "_start")) or c in ("day", "month", "bucket", "created"):
        return "ts"
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return "num"
    return "cell"


FILTERS["guess_filter"] = guess_filter


def _env(
    package: str, *extra: str, autoescape: bool = True, finalize: Any = None
) -> jinja2.Environment:
    loaders = [jinja2.PackageLoader(p, "templates") for p in (package, *extra)]
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=autoescape,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=finalize,
        extensions=["jinja2.ext.do"],
    )
    env.filters.update(FILTERS)
    return env


@lru_cache(maxsize=8)
def html_env(package: str = "ioscope.report", *extra: str) -> jinja2.Environment:
    """Autoescaping environment for HTML; ``extra`` packages' templates are found too."""
    return _env(package, *extra, autoescape=True)


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|<>~])")


def md_escape(value: Any) -> Markup:
    """Text that Markdown renders literally: HTML and Markdown syntax backslash-escaped,
    newlines turned into spaces (so that table rows hold). Already-rendered template output
    (:class:`Markup`, e.g. a macro's result) passes unchanged."""
    if isinstance(value, Markup):
        return value
    text = str(value) if value is not None else ""
    text = text.replace("&", "&amp;").replace("\r", " ").replace("\n", " ")
    return Markup(_MD_SPECIAL.sub(r"\\\1", text))


@lru_cache(maxsize=1)
def markdown_env() -> jinja2.Environment:
    """Environment for the Markdown report: every printed value goes through :func:`md_escape`
    (autoescape is on only so that macro output, which is :class:`Markup`, is not escaped twice);
    SQL printed in fences is passed as ``|code``."""
    env = _env("ioscope.report", autoescape=True, finalize=md_escape)
    env.filters["code"] = lambda s: Markup(_fence_safe(str(s)))
    return env


def _fence_safe(text: str) -> str:
    return text.replace("```", "`\u200b``")
