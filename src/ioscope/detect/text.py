"""Text normalization in SQL, shared by co_text, near_duplicate_text and co_repost.

``normalized_text``: lower-cased; URLs (``http(s)://…``, ``www.…``) and @mentions removed;
runs of whitespace collapsed to one space; trimmed. Two posts that differ only in case, in the
accounts they mention, in the links they carry or in spacing get the same normalized text.

``cnt_text`` reproduces coordination-network-toolkit's ``message_preprocessor`` exactly:
lower-case, remove every ``@`` and what follows it up to the next whitespace, split on
whitespace and join with single spaces. URLs stay.
"""

from __future__ import annotations

from ioscope.detect.sql import PY_WHITESPACE, WHITESPACE

__all__ = ["normalized_text", "cnt_text"]

_URL = r"(https?://|www\.)[^\s]+"
_MENTION = r"[@＠][A-Za-z0-9_.]+"


def normalized_text(expr: str) -> str:
    """SQL for ioscope's text normalization of ``expr`` (NULL stays NULL)."""
    t = f"LOWER({expr})"
    t = f"REGEXP_REPLACE({t}, '{_URL}', ' ', 'g')"
    t = f"REGEXP_REPLACE({t}, '{_MENTION}', ' ', 'g')"
    t = f"REGEXP_REPLACE({t}, '{WHITESPACE}+', ' ', 'g')"
    return f"TRIM({t})"


def cnt_text(expr: str) -> str:
    """SQL for CNT 1.5.2's co_tweet normalization of ``expr``; NULL (an empty CSV field) is ''."""
    t = f"LOWER(COALESCE({expr}, ''))"
    t = f"REGEXP_REPLACE({t}, '@[^{WHITESPACE[1:-1]}]*', '', 'g')"
    t = f"REGEXP_REPLACE({t}, '{PY_WHITESPACE}+', ' ', 'g')"
    return f"TRIM({t})"
