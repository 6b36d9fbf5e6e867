"""How an account is named to a reader: who, not an id.

An account's *name* is ``@handle`` when the source gave a handle, else its title (the display
name: a Telegram channel's title, a Facebook page's name), else nothing. An id is never shown
with an "@": a handle that is only digits (a Telegram peer id such as ``-1001101170442`` put
where a handle belongs) is not a handle. Readers see the name with the id beside it,
``РИА Новости (-1001101170442)``, ``@ten_gop (4224729994)``; the id alone when there is no name.

:func:`name_sql` is the one SQL definition (every query that names accounts uses it, usually
through :func:`names_source`); :func:`account_name` is the same rule in Python for rows that are
already read, and :func:`account_label` formats name and id for text output.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["name_sql", "names_source", "account_name", "account_label"]

_ID_LIKE = "[-+]?[0-9]+"
_ID_RE = re.compile(_ID_LIKE)


def name_sql(handle: str = "handle", title: str = "display_name") -> str:
    """SQL expression of an account's name from its ``handle`` and ``title`` columns:
    ``'@' || handle`` for a handle that is not an id, else the trimmed title, else NULL."""
    h = f"ltrim(trim({handle}), '@')"
    return (
        f"CASE WHEN nullif({h}, '') IS NOT NULL AND NOT regexp_full_match({h}, '{_ID_LIKE}') "
        f"THEN '@' || {h} ELSE nullif(trim({title}), '') END"
    )


def names_source(accounts: str = "accounts") -> str:
    """A subquery of (platform, account_id, name) over ``accounts``, one row per account, to
    LEFT JOIN wherever accounts are listed."""
    return (
        f"(SELECT platform, account_id, any_value({name_sql()}) AS name "
        f"FROM {accounts} GROUP BY platform, account_id)"
    )


def account_name(handle: Any = None, title: Any = None) -> str | None:
    """:func:`name_sql` for values already read (same rule, same result)."""
    h = str(handle).strip().lstrip("@") if handle is not None else ""
    if h and not _ID_RE.fullmatch(h):
        return "@" + h
    t = str(title).strip() if title is not None else ""
    return t or None


def account_label(name: Any, account_id: Any) -> str:
    """``name (id)``; the id alone without a name; the name alone when the id is the handle
    itself (sources that give handles only use the lower-cased handle as the id)."""
    ident = "" if account_id is None else str(account_id)
    if not name:
        return ident
    name = str(name)
    if not ident or ident.lower() == name.lstrip("@").lower():
        return name
    return f"{name} ({ident})"
