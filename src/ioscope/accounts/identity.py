"""Identity: how the account presents itself — handle, renames, name, bio, empty profile, clones.

Accounts made in bulk get machine-made handles (a name plus a run of digits, numbered series),
profiles left at their defaults and bios copied between accounts; operations rename accounts to
keep their followers under a new persona (Meta's coordinated-inauthentic-behaviour reports often
note pages and accounts that changed names; in the FiveThirtyEight IRA data @10_GOP asks followers
to move to its new handle). Yang et al. ("Scalable and generalizable social bot detection through
data selection", AAAI 2020) use digits in the screen name, default profiles and description
length among their profile features. Profile fields count as empty only when the file the account came
from provides that field for some account: a source without bios says nothing about bios.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from ioscope.accounts._sql import has_rows, signal_rows
from ioscope.accounts.registry import NotApplicable, Signal, register_family
from ioscope.params import Param

__all__ = ["identity_signals"]

SIGNALS = (
    Signal("handle_digits", +1, "digits", "Number of digits in the handle."),
    Signal(
        "handle_template",
        +1,
        "accounts",
        "Number of other accounts whose handle has the same "
        "skeleton once digit runs are masked ('news_0042' and 'news_0043' → 'news_#'); 0 for "
        "handles without digits.",
    ),
    Signal(
        "renames",
        +1,
        "renames",
        "Distinct handles seen for the account (profile and posts) minus one.",
    ),
    Signal(
        "name_handle_distance",
        +1,
        "0-1",
        "1 − Jaro-Winkler similarity of the display name "
        "and the handle (letters and digits only, lower-cased).",
    ),
    Signal("empty_bio", +1, "0/1", "1 when the profile description is empty."),
    Signal(
        "default_profile",
        +1,
        "share",
        "Share of the profile fields bio, location and URL "
        "left empty (of those the source provides).",
    ),
    Signal(
        "duplicate_description",
        +1,
        "accounts",
        "Number of other accounts with exactly the "
        "same bio (lower-cased, whitespace collapsed, at least identity_min_bio characters).",
    ),
)
PARAMS = (
    Param(
        "identity_min_bio",
        "int",
        12,
        "Shortest bio that counts as a duplicate when repeated.",
        min=1,
    ),
)


@register_family(
    "identity",
    signals=SIGNALS,
    params=PARAMS,
    sources=(
        "Yang et al., Scalable and generalizable social bot detection through "
        "data selection, AAAI 2020"
    ),
)
def identity_signals(con: duckdb.DuckDBPyConnection, *, identity_min_bio: int) -> pa.Table:
    """Handle patterns, renames, name versus handle, empty and duplicated profiles."""
    if not has_rows(con, "SELECT 1 FROM accounts"):
        raise NotApplicable("no accounts")
    return signal_rows(
        con,
        f"""
        WITH seen AS (
            SELECT platform, account_id, lower(handle) AS h, min(created_at) AS first_seen,
                   max(created_at) AS last_seen
            FROM posts WHERE NULLIF(trim(handle), '') IS NOT NULL GROUP BY ALL),
        latest AS (SELECT platform, account_id, arg_max(h, last_seen) AS h FROM seen GROUP BY ALL),
        handles AS (
            SELECT platform, account_id, count(DISTINCT h) AS n,
                   list(DISTINCT h ORDER BY h) AS hs
            FROM (SELECT platform, account_id, h FROM seen
                  UNION ALL SELECT platform, account_id, lower(handle) FROM accounts
                  WHERE NULLIF(trim(handle), '') IS NOT NULL) GROUP BY ALL),
        a AS (
            SELECT a.platform, a.account_id, COALESCE(a.handle, l.h) AS handle, a.display_name,
                   NULLIF(trim(a.description), '') AS bio,
                   NULLIF(trim(a.location), '') AS loc, NULLIF(trim(a.profile_url), '') AS url,
                   bool_or(NULLIF(trim(a.description), '') IS NOT NULL)
                       OVER (PARTITION BY a.source_file) AS has_bio,
                   bool_or(NULLIF(trim(a.location), '') IS NOT NULL)
                       OVER (PARTITION BY a.source_file) AS has_loc,
                   bool_or(NULLIF(trim(a.profile_url), '') IS NOT NULL)
                       OVER (PARTITION BY a.source_file) AS has_url
            FROM accounts a LEFT JOIN latest l USING (platform, account_id)),
        sk AS (
            SELECT *, CASE WHEN regexp_matches(handle, '[0-9]')
                           THEN regexp_replace(lower(handle), '[0-9]+', '#', 'g') END AS skeleton,
                   lower(regexp_replace(trim(bio), '\\s+', ' ', 'g')) AS bio_norm
            FROM a),
        counted AS (
            SELECT *,
                   CASE WHEN skeleton IS NULL THEN 0
                        ELSE count(*) OVER (PARTITION BY platform, skeleton) - 1 END AS same_skeleton,
                   CASE WHEN length(bio_norm) >= {int(identity_min_bio)}
                        THEN count(*) OVER (PARTITION BY platform, bio_norm) - 1 ELSE 0 END AS same_bio
            FROM sk)
        SELECT platform, account_id, 'handle_digits' AS signal,
               length(regexp_replace(handle, '[^0-9]', '', 'g')) AS value,
               json_object('handle', handle) AS detail
        FROM counted WHERE handle IS NOT NULL
        UNION ALL
        SELECT platform, account_id, 'handle_template', same_skeleton,
               json_object('handle', handle, 'skeleton', skeleton)
        FROM counted WHERE handle IS NOT NULL
        UNION ALL
        SELECT platform, account_id, 'renames', n - 1,
               json_object('handles', list_slice(hs, 1, 20))
        FROM handles
        UNION ALL
        SELECT platform, account_id, 'name_handle_distance',
               1 - jaro_winkler_similarity(
                   lower(regexp_replace(display_name, '[^\\p{{L}}\\p{{N}}]', '', 'g')),
                   lower(regexp_replace(handle, '[^\\p{{L}}\\p{{N}}]', '', 'g'))),
               json_object('display_name', display_name, 'handle', handle)
        FROM counted WHERE NULLIF(trim(display_name), '') IS NOT NULL AND handle IS NOT NULL
        UNION ALL
        SELECT platform, account_id, 'empty_bio', CASE WHEN bio IS NULL THEN 1 ELSE 0 END,
               json_object('description', left(bio, 300))
        FROM counted WHERE has_bio
        UNION ALL
        SELECT platform, account_id, 'default_profile',
               ((has_bio AND bio IS NULL)::INT + (has_loc AND loc IS NULL)::INT
                + (has_url AND url IS NULL)::INT) / (has_bio::INT + has_loc::INT + has_url::INT),
               json_object('empty_fields', list_filter(['bio', 'location', 'url'],
                   lambda f: (f = 'bio' AND has_bio AND bio IS NULL)
                          OR (f = 'location' AND has_loc AND loc IS NULL)
                          OR (f = 'url' AND has_url AND url IS NULL)),
                   'fields_in_source', list_filter(['bio', 'location', 'url'],
                   lambda f: (f = 'bio' AND has_bio) OR (f = 'location' AND has_loc)
                          OR (f = 'url' AND has_url)))
        FROM counted WHERE has_bio OR has_loc OR has_url
        UNION ALL
        SELECT c.platform, c.account_id, 'duplicate_description', c.same_bio,
               json_object('description', left(c.bio, 300), 'shared_with',
                           list_slice(list_filter(g.handles, lambda x: x <> c.handle), 1, 10))
        FROM counted c
        LEFT JOIN (SELECT platform, bio_norm,
                          list_slice(list(handle ORDER BY handle), 1, 11) AS handles
                   FROM counted WHERE same_bio > 0 GROUP BY ALL) g
               ON g.platform = c.platform AND g.bio_norm = c.bio_norm AND c.same_bio > 0
        WHERE c.has_bio""",
    )
