"""Client and app mix: automation and scheduling tools versus phones.

Most people post from a phone; operations post from desktops, dashboards and schedulers, and
automated accounts from feed and trigger services (IFTTT, dlvr.it, twittbot.net). The posting
device makeup (web, mobile, API, other) separates humans, bots and cyborgs in Chu et al. (IEEE TDSC
2012), and Twitter's IRA release names the client of every tweet. Matching is on the lower-cased client
name; the lists are in this module and are easy to extend.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from ioscope.accounts._sql import has_rows, signal_rows
from ioscope.accounts.registry import NotApplicable, Signal, register_family
from ioscope.params import Param
from ioscope.sql import literal

__all__ = ["client_signals", "AUTOMATION_CLIENTS", "SCHEDULING_CLIENTS", "MOBILE_CLIENTS"]

#: Feed, trigger and bot services (regular expressions on the lower-cased client name).
AUTOMATION_CLIENTS = (
    r"ifttt",
    r"dlvr\.?it",
    r"twitterfeed",
    r"zapier",
    r"socialflow",
    r"twittbot",
    r"botize",
    r"cheap bots",
    r"roundteam",
    r"power automate",
    r"microsoft power platform",
    r"wordpress",
    r"feedburner",
    r"\brss\b",
    r"autotweet",
    r"tweet ?jukebox",
    r"publicize",
)
#: Dashboards that queue posts for later.
SCHEDULING_CLIENTS = (
    r"hootsuite",
    r"\bbuffer\b",
    r"sprout ?social",
    r"socialoomph",
    r"sendible",
    r"coschedule",
    r"agorapulse",
    r"postcron",
    r"crowdfire",
    r"twuffer",
    r"tweetdeck",
    r"\blater\b",
    r"loomly",
    r"socialpilot",
    r"eclincher",
    r"sprinklr",
    r"falcon",
)
#: Phone and tablet apps.
MOBILE_CLIENTS = (
    r"for iphone",
    r"for ipad",
    r"for ios",
    r"for android",
    r"for windows phone",
    r"for blackberry",
    r"mobile web",
    r"twitter lite",
    r"tweetbot",
    r"twitterrific",
    r"echofon",
    r"ubersocial",
    r"fenix",
    r"talon",
    r"instagram",
    r"foursquare",
    r"swarm",
)

SIGNALS = (
    Signal(
        "automation_client_share",
        +1,
        "share",
        "Share of posts sent from automation or "
        "scheduling tools (IFTTT, dlvr.it, Hootsuite, TweetDeck, ...).",
    ),
    Signal("mobile_client_share", -1, "share", "Share of posts sent from phone or tablet apps."),
    Signal("client_count", 0, "clients", "Number of distinct clients the account posted from."),
)
PARAMS = (
    Param(
        "client_min_posts",
        "int",
        1,
        "Posts with a known client an account needs for client signals.",
        min=1,
    ),
)


def _pattern(items: tuple[str, ...]) -> str:
    return literal("|".join(items))


@register_family(
    "clients",
    signals=SIGNALS,
    params=PARAMS,
    sources=("Chu et al., Detecting automation of Twitter accounts, IEEE TDSC 9(6), 2012",),
)
def client_signals(con: duckdb.DuckDBPyConnection, *, client_min_posts: int) -> pa.Table:
    """Share of automation/scheduling clients and of mobile apps; number of clients."""
    if not has_rows(con, "SELECT 1 FROM posts WHERE NULLIF(trim(client), '') IS NOT NULL"):
        raise NotApplicable("no post names its client")
    auto = _pattern(AUTOMATION_CLIENTS + SCHEDULING_CLIENTS)
    mobile = _pattern(MOBILE_CLIENTS)
    return signal_rows(
        con,
        f"""
        WITH c AS (
            SELECT platform, account_id, trim(client) AS client, count(*) AS n,
                   regexp_matches(lower(trim(client)), {auto}) AS is_auto,
                   regexp_matches(lower(trim(client)), {mobile}) AS is_mobile
            FROM posts WHERE NULLIF(trim(client), '') IS NOT NULL GROUP BY ALL),
        t AS (
            SELECT platform, account_id, sum(n) AS total,
                   sum(n) FILTER (WHERE is_auto) AS auto_n,
                   sum(n) FILTER (WHERE is_mobile) AS mobile_n,
                   count(*) AS clients,
                   list_slice(list({{'client': client, 'posts': n, 'automation': is_auto,
                                     'mobile': is_mobile}} ORDER BY n DESC, client), 1, 8) AS top
            FROM c GROUP BY platform, account_id HAVING sum(n) >= {int(client_min_posts)})
        SELECT platform, account_id, 'automation_client_share' AS signal,
               COALESCE(auto_n, 0) / total AS value,
               json_object('posts_with_client', total, 'clients', top) AS detail FROM t
        UNION ALL
        SELECT platform, account_id, 'mobile_client_share', COALESCE(mobile_n, 0) / total,
               json_object('posts_with_client', total, 'clients', top) FROM t
        UNION ALL
        SELECT platform, account_id, 'client_count', clients,
               json_object('posts_with_client', total, 'clients', top) FROM t""",
    )
