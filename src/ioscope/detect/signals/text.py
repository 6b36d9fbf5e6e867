"""Text normalization in SQL, shared by co_text, near_duplicate_text and co_repost.

Both wrap a SELECT and add one column, in stages (one subquery each) so that no part of the
expression is computed twice. ``normalized_text``: lower-cased; URLs (``http(s)://…``, ``www.…``) and @mentions removed;
runs of whitespace collapsed to one space; trimmed. Two posts that differ only in case, in the
accounts they mention, in the links they carry or in spacing get the same normalized text.

``cnt_text`` reproduces coordination-network-toolkit's ``message_preprocessor`` exactly:
lower-case, remove every ``@`` and what follows it up to the next whitespace, split on
whitespace and join with single spaces. URLs stay.
"""

from __future__ import annotations

from ioscope.detect.engine.sql import PY_WHITESPACE, WHITESPACE

__all__ = ["normalized_text", "cnt_text"]

_URL = r"(https?://|www\.)[^" + WHITESPACE[1:-1] + "]+"
_MENTION = r"[@＠][A-Za-z0-9_.]+"


def _collapse(col: str, ws: str) -> str:
    """Runs of whitespace (class ``ws``) to one space, trimmed; the regex only runs when needed
    (two whitespace characters in a row, or one other than a space), and TRIM (which copies
    every string) only when a space begins or ends it."""
    other = ws.replace(" ", "")
    need = f"(POSITION('  ' IN {col}) > 0 OR REGEXP_MATCHES({col}, '{other}'))"
    edge = f"({col} LIKE ' %' OR {col} LIKE '% ')"
    return (
        f"CASE WHEN {need} THEN TRIM(REGEXP_REPLACE({col}, '{ws}+', ' ', 'g')) "
        f"WHEN {edge} THEN TRIM({col}) ELSE {col} END"
    )


def _stages(source: str, stages: list[str], out: str) -> str:
    """Nest ``SELECT *, stage AS _n{i}`` around ``source``, the last stage named ``out``: every
    stage reads the column the previous one made, so no expression is evaluated twice."""
    sql = source
    for i, stage in enumerate(stages):
        name = out if i == len(stages) - 1 else f"_n{i}"
        sql = f"SELECT *, {stage.replace('{prev}', f'_n{i - 1}')} AS {name} FROM ({sql}) s{i}"
    return sql


def normalized_text(source: str, column: str = "text", out: str = "norm") -> str:
    """``source`` (a SELECT) with one more column ``out``: ioscope's normalization of ``column``
    (NULL stays NULL). Each URL and mention goes with the whitespace before it."""
    url = (
        f"CASE WHEN POSITION('http' IN {{prev}}) > 0 OR POSITION('www.' IN {{prev}}) > 0 "
        f"THEN REGEXP_REPLACE({{prev}}, '{WHITESPACE}*{_URL}', '', 'g') ELSE {{prev}} END"
    )
    mention = (
        f"CASE WHEN POSITION('@' IN {{prev}}) > 0 OR POSITION('＠' IN {{prev}}) > 0 "
        f"THEN REGEXP_REPLACE({{prev}}, '{WHITESPACE}*{_MENTION}', '', 'g') "
        f"ELSE {{prev}} END"
    )
    return _stages(source, [f"LOWER({column})", url, mention, _collapse("{prev}", WHITESPACE)], out)


def cnt_text(source: str, column: str = "text", out: str = "norm") -> str:
    """``source`` with ``out``: CNT 1.5.2's co_tweet normalization of ``column`` (NULL, an empty
    CSV field, is '')."""
    mention = (
        f"CASE WHEN POSITION('@' IN {{prev}}) > 0 THEN REGEXP_REPLACE({{prev}}, "
        f"'@[^{WHITESPACE[1:-1]}]*', '', 'g') ELSE {{prev}} END"
    )
    return _stages(
        source, [f"LOWER(COALESCE({column}, ''))", mention, _collapse("{prev}", PY_WHITESPACE)], out
    )
