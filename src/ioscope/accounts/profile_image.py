"""Profile image: accounts that wear the same profile picture.

Operations reuse one picture across their personas, or take it from a stock or stolen photo:
Pacheco et al. ("Uncovering Coordinated Networks on Social Media: Methods and Case Studies",
ICWSM 2021) link accounts through shared profile traits, and platform takedown reports (Meta's
adversarial threat reports) routinely cite recycled profile photos. The picture's item is
``account_images.image_item``: the source's content address (a Bluesky avatar's blob CID, the
same for the same file), else its URL without Twitter's size suffix. The platforms' default
pictures have no item, so accounts that never set one are not linked. Any of an account's
pictures counts (one it used earlier too), across platforms.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from ioscope.accounts._sql import has_rows, require_table, signal_rows
from ioscope.accounts.registry import NotApplicable, Signal, register_family

__all__ = ["profile_image_signals"]

SIGNALS = (
    Signal(
        "shared_profile_image",
        +1,
        "accounts",
        "Number of other accounts (on any platform) "
        "that used the same profile picture (same content hash or image URL).",
    ),
)


@register_family(
    "profile_image",
    signals=SIGNALS,
    sources=(("Pacheco et al., Uncovering Coordinated Networks on Social Media, ICWSM 2021"),),
)
def profile_image_signals(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """Accounts sharing a profile picture, with the picture and the other accounts."""
    require_table(con, "account_images", "no profile pictures in the workspace")
    if not has_rows(
        con, "SELECT 1 FROM account_images WHERE kind = 'avatar' AND image_item IS NOT NULL"
    ):
        raise NotApplicable("no profile pictures in the sources")
    return signal_rows(
        con,
        """
        WITH pics AS (
            SELECT DISTINCT i.platform, i.account_id, i.image_item FROM account_images i
            JOIN accounts a USING (platform, account_id)
            WHERE i.kind = 'avatar' AND i.image_item IS NOT NULL),
        users AS (
            SELECT image_item, count(*) AS n,
                   list(platform || ':' || account_id ORDER BY platform, account_id) AS who
            FROM pics GROUP BY image_item),
        per AS (
            SELECT p.platform, p.account_id, arg_max(p.image_item, u.n) AS image_item,
                   max(u.n) AS n, arg_max(u.who, u.n) AS who
            FROM pics p JOIN users u USING (image_item) GROUP BY ALL)
        SELECT platform, account_id, 'shared_profile_image' AS signal, n - 1 AS value,
               json_object('image_item', image_item, 'accounts',
                           list_slice(list_filter(who, lambda w: w <> platform || ':' || account_id),
                                      1, 20)) AS detail
        FROM per""",
    )
