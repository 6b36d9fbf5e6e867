"""Language: the account's own (interface) language versus the languages of its posts.

Twitter's IRA release (October 2018) carries each account's interface language next to each
tweet's language, so a persona that writes American English from a Russian-language interface can
be seen; language use is one of the feature groups of the IRA classifier of Im et al. ("Still out
there", WebSci 2020). We compare the
account's language with the detected language of each of its posts, and measure how concentrated
its posts are on one language. Language values are normalized to ISO 639-1 ('en-GB' → 'en',
'English' → 'en'); undetermined values ('und', Twitter's 'qme', ...) are ignored.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from ioscope.accounts._sql import has_rows, lang_code, register_language_names, signal_rows
from ioscope.accounts.registry import NotApplicable, Signal, register_family
from ioscope.params import Param

__all__ = ["language_signals"]

SIGNALS = (
    Signal(
        "language_mismatch",
        +1,
        "share",
        "Share of the account's posts (with a detected "
        "language) written in a language other than the account's own language.",
    ),
    Signal(
        "main_language_share",
        -1,
        "share",
        "Share of the account's posts in its most frequent "
        "post language; the detail lists the share of each language.",
    ),
)
PARAMS = (
    Param(
        "language_min_posts",
        "int",
        3,
        "Posts with a detected language an account needs for language signals.",
        min=1,
    ),
)


@register_family(
    "language",
    signals=SIGNALS,
    params=PARAMS,
    sources=(
        "Im et al., Still out there: Modeling and identifying Russian troll "
        "accounts on Twitter, WebSci 2020",
    ),
)
def language_signals(con: duckdb.DuckDBPyConnection, *, language_min_posts: int) -> pa.Table:
    """Account language versus post languages; how concentrated the post languages are."""
    if not has_rows(con, "SELECT 1 FROM posts WHERE language IS NOT NULL"):
        raise NotApplicable("no post has a language")
    register_language_names(con)
    return signal_rows(
        con,
        f"""
        WITH c AS (
            SELECT platform, account_id, {lang_code("language")} AS code, count(*) AS n
            FROM posts GROUP BY ALL),
        t AS (
            SELECT platform, account_id, sum(n) AS total,
                   first(code ORDER BY n DESC, code) AS main,
                   max(n) AS main_n,
                   list_slice(list({{'language': code, 'posts': n}} ORDER BY n DESC, code), 1, 8)
                       AS languages
            FROM c WHERE code IS NOT NULL GROUP BY platform, account_id
            HAVING sum(n) >= {int(language_min_posts)}),
        a AS (SELECT platform, account_id, {lang_code("language")} AS own FROM accounts),
        o AS (
            SELECT c.platform, c.account_id, sum(c.n) FILTER (WHERE c.code <> a.own) AS other_n
            FROM c JOIN a USING (platform, account_id) WHERE c.code IS NOT NULL GROUP BY ALL),
        j AS (
            SELECT t.*, a.own, o.other_n
            FROM t LEFT JOIN a USING (platform, account_id) LEFT JOIN o USING (platform, account_id))
        SELECT platform, account_id, 'language_mismatch' AS signal,
               COALESCE(other_n, 0) / total AS value,
               json_object('account_language', own, 'posts_with_language', total,
                           'post_languages', languages) AS detail
        FROM j WHERE own IS NOT NULL
        UNION ALL
        SELECT platform, account_id, 'main_language_share', main_n / total,
               json_object('main_language', main, 'posts_with_language', total,
                           'post_languages', languages)
        FROM j""",
    )
