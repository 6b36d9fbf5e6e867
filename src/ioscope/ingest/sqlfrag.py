"""SQL fragments the readers share (portable DuckDB SQL, no Python per row)."""

from __future__ import annotations

__all__ = ["ts", "big", "nullif_blank", "list_literal", "split_list", "RT_PREFIX", "RT_PREFIX_API"]

#: A repost's ``RT @handle:`` prefix (group 1: the handle) with the white space after the colon;
#: ``RT_PREFIX_API`` (the Twitter API readers) takes at most one white space character.
RT_PREFIX = r"^RT @([A-Za-z0-9_]{1,15}):\s*"
RT_PREFIX_API = r"^RT @([A-Za-z0-9_]{1,15}):\s?"


def nullif_blank(expr: str) -> str:
    return f"NULLIF(TRIM({expr}), '')"


def big(expr: str) -> str:
    """A count column as BIGINT; accepts '12', '12.0', '1,234'; NULL when not a number."""
    e = nullif_blank(expr)
    return f"TRY_CAST(TRY_CAST(REPLACE({e}, ',', '') AS DOUBLE) AS BIGINT)"


def ts(expr: str) -> str:
    """A UTC timestamp from text in any of the forms the sources use.

    Unix seconds or milliseconds; ISO 8601 with or without offset (no offset = UTC);
    'YYYY-MM-DD HH:MM[:SS]'; 'M/D/YYYY H:MM'; Twitter v1 'Wed Nov 09 01:23:45 +0000 2016'.
    """
    e = nullif_blank(expr)
    return f"""(CASE
      WHEN {e} IS NULL THEN NULL
      WHEN regexp_full_match({e}, '-?[0-9]{{1,11}}(\\.[0-9]+)?')
        THEN make_timestamp(CAST(TRY_CAST({e} AS DOUBLE) * 1000000 AS BIGINT))
      WHEN regexp_full_match({e}, '[0-9]{{12,14}}')
        THEN make_timestamp(TRY_CAST({e} AS BIGINT) * 1000)
      WHEN regexp_full_match({e}, '[A-Za-z]{{3}} [A-Za-z]{{3}} [0-9]{{2}} [0-9:]{{8}} [+-][0-9]{{4}} [0-9]{{4}}')
        THEN CAST(timezone('UTC', try_strptime({e}, '%a %b %d %H:%M:%S %z %Y')) AS TIMESTAMP)
      WHEN regexp_full_match({e}, '[0-9]{{1,2}}/[0-9]{{1,2}}/[0-9]{{4}} [0-9]{{1,2}}:[0-9]{{2}}(:[0-9]{{2}})?')
        THEN COALESCE(try_strptime({e}, '%m/%d/%Y %H:%M:%S'), try_strptime({e}, '%m/%d/%Y %H:%M'))
      WHEN regexp_matches({e}, '([Zz]|[+-][0-9]{{2}}:?[0-9]{{2}})$')
        THEN CAST(timezone('UTC', TRY_CAST({e} AS TIMESTAMPTZ)) AS TIMESTAMP)
      ELSE TRY_CAST({e} AS TIMESTAMP)
    END)"""


def list_literal(expr: str) -> str:
    """A ``VARCHAR[]`` from a list written as text: ``['a', "b"]`` (Python or JSON literal,
    items in quotes), ``[a, b]`` (bare items) or ``[]``; NULL or blank gives an empty list."""
    e = f"trim({expr})"
    quoted = (
        "list_transform(regexp_extract_all(" + e + r""", '''[^'']*''|"[^"]*"'), """
        "lambda x: substr(x, 2, length(x) - 2))"
    )
    bare = (
        f"list_transform(string_split(regexp_replace({e}, '^\\[|\\]$', '', 'g'), ','), "
        "lambda x: trim(x))"
    )
    return (
        f"list_filter(CASE WHEN {expr} IS NULL THEN []::VARCHAR[] "
        f"WHEN contains({expr}, '''') OR contains({expr}, '\"') THEN {quoted} "
        f"ELSE {bare} END, lambda x: x <> '')"
    )


def split_list(expr: str, *, urls: bool = False) -> str:
    """A ``VARCHAR[]`` from a list column given as text: a ``[...]`` literal (see
    :func:`list_literal`), else items separated by whitespace, ',', ';' or '|'. URLs are split on
    whitespace and '|' only, and on a comma only where the next URL starts (``…,https://…``)."""
    e = f"trim({expr})"
    if urls:
        plain = (
            f"string_split_regex(regexp_replace({e}, ',\\s*([A-Za-z][A-Za-z0-9+.\\-]*://)', "
            "' \\1', 'g'), '[\\s|]+')"
        )
    else:
        plain = f"string_split_regex({e}, '[\\s,;|]+')"
    return (
        f"CASE WHEN {expr} IS NULL THEN []::VARCHAR[] WHEN starts_with({e}, '[') "
        f"THEN {list_literal(expr)} ELSE list_filter({plain}, lambda x: x <> '') END"
    )
