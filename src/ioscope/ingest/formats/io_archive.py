"""Twitter's Information Operations archive (transparency.twitter.com, 2018–2021 releases).

**Tweets** (``*_tweets_csv_hashed.csv`` and the like), 31 columns: ``tweetid, userid,
user_display_name, user_screen_name, user_reported_location, user_profile_description,
user_profile_url, follower_count, following_count, account_creation_date, account_language,
tweet_language, tweet_text, tweet_time, tweet_client_name, in_reply_to_userid,
in_reply_to_tweetid, quoted_tweet_tweetid, is_retweet, retweet_userid, retweet_tweetid, latitude,
longitude, quote_count, reply_count, like_count, retweet_count, hashtags, urls, user_mentions,
poll_choices``. **Users** (``*_users_csv_hashed.csv``): the first 10 of them, ``userid`` to
``account_language``; each row is an account record of its own (``_primary``).

Mapping: tweetid → post_id, userid → account_id (verbatim: the archive's hashes of small accounts
are ids too), user_screen_name → handle, tweet_time (``YYYY-MM-DD HH:MM``, UTC) → created_at,
tweet_client_name → client, tweet_language → language, the four counts → like/repost/reply/quote
counts. Kind: ``is_retweet`` true → repost of retweet_tweetid by retweet_userid (its text loses the
``RT @x:`` prefix, which gives target_handle); else quoted_tweet_tweetid → quote; else
in_reply_to_tweetid → reply (target in_reply_to_userid); else post (the same precedence as the
other readers). ``hashtags`` and ``urls`` are
list literals (``['a', 'b']``, ``[a, b]`` or ``[]``) parsed in SQL. ``user_mentions`` lists user
ids, not handles, so mentions come from the text. The user columns of a tweet row describe its
author at collection time and fill the account (users-file rows take precedence).
latitude/longitude ("absent" in most releases) and poll_choices are not kept.
"""

from __future__ import annotations

from ioscope.ingest.context import ReadContext
from ioscope.ingest.registry import header_names, read_head, register_reader
from ioscope.ingest.sqlfrag import RT_PREFIX as _RT
from ioscope.ingest.sqlfrag import big, list_literal, ts
from ioscope.ingest.sqlfrag import nullif_blank as nb

USER_COLUMNS = [
    "userid",
    "user_display_name",
    "user_screen_name",
    "user_reported_location",
    "user_profile_description",
    "user_profile_url",
    "follower_count",
    "following_count",
    "account_creation_date",
    "account_language",
]
TWEET_COLUMNS = (
    ["tweetid"]
    + USER_COLUMNS[:]
    + [
        "tweet_language",
        "tweet_text",
        "tweet_time",
        "tweet_client_name",
        "in_reply_to_userid",
        "in_reply_to_tweetid",
        "quoted_tweet_tweetid",
        "is_retweet",
        "retweet_userid",
        "retweet_tweetid",
        "latitude",
        "longitude",
        "quote_count",
        "reply_count",
        "like_count",
        "retweet_count",
        "hashtags",
        "urls",
        "user_mentions",
        "poll_choices",
    ]
)
TWEET_REQUIRED = ["tweetid", "userid", "tweet_text", "tweet_time"]
_TRUE = "('true', '1', 't', 'yes')"


def _sniff(path: str, head: str) -> bool:
    cols = header_names(head)
    if all(c in cols for c in TWEET_REQUIRED):
        return True
    return cols[:3] == USER_COLUMNS[:3] and "tweetid" not in cols


def _profile() -> dict[str, str]:
    """The account columns of a tweet or users row, as SQL expressions."""
    return {
        "account_id": nb("userid"),
        "handle": nb("user_screen_name"),
        "display_name": nb("user_display_name"),
        "description": nb("user_profile_description"),
        "location": nb("user_reported_location"),
        "language": nb("account_language"),
        "created_at": ts("account_creation_date"),
        "followers": big("follower_count"),
        "following": big("following_count"),
        "profile_url": nb("user_profile_url"),
    }


@register_reader(
    "io-archive",
    summary="Twitter Information Operations archive: tweets CSV (31 "
    "columns) or users CSV (10 columns)",
    sniff=_sniff,
    priority=20,
)
def read_io_archive(ctx: ReadContext) -> None:
    if "tweetid" not in header_names(read_head(ctx.path, 8192)):
        _read_users(ctx)
        return
    ctx.load_csv(
        required=TWEET_REQUIRED, optional=[c for c in TWEET_COLUMNS if c not in TWEET_REQUIRED]
    )
    platform = ctx.platform or "twitter"
    ctx.con.execute(f"""CREATE OR REPLACE TEMP VIEW io AS
        SELECT *, CASE WHEN lower(trim(COALESCE(is_retweet, ''))) IN {_TRUE} THEN 'repost'
                       WHEN {nb("quoted_tweet_tweetid")} IS NOT NULL THEN 'quote'
                       WHEN {nb("in_reply_to_tweetid")} IS NOT NULL THEN 'reply'
                       ELSE 'post' END AS kind,
                  {ts("tweet_time")} AS created_at
        FROM {_complete(ctx, TWEET_COLUMNS)}""")
    ctx.stage_sql(
        "stg_posts",
        f"""
        SELECT ? AS platform, {nb("tweetid")} AS post_id, {nb("userid")} AS account_id,
               {nb("user_screen_name")} AS handle, created_at, kind,
               CASE WHEN kind = 'repost' THEN regexp_replace(tweet_text, '{_RT}', '')
                    ELSE tweet_text END AS text,
               {nb("tweet_language")} AS language, {nb("tweet_client_name")} AS client,
               CASE kind WHEN 'repost' THEN {nb("retweet_tweetid")}
                         WHEN 'reply' THEN {nb("in_reply_to_tweetid")}
                         WHEN 'quote' THEN {nb("quoted_tweet_tweetid")} END AS target_post_id,
               CASE kind WHEN 'repost' THEN {nb("retweet_userid")}
                         WHEN 'reply' THEN {nb("in_reply_to_userid")} END AS target_account_id,
               CASE WHEN kind = 'repost'
                    THEN NULLIF(regexp_extract(tweet_text, '{_RT}', 1), '') END AS target_handle,
               CASE WHEN {nb("hashtags")} IS NOT NULL THEN {list_literal("hashtags")}
                    END AS hashtags,
               {list_literal("urls")} AS urls,
               {big("like_count")} AS like_count, {big("retweet_count")} AS repost_count,
               {big("reply_count")} AS reply_count, {big("quote_count")} AS quote_count,
               CASE WHEN created_at IS NULL AND {nb("tweet_time")} IS NOT NULL
                    THEN 'tweet_time' END AS _error_field,
               CASE WHEN created_at IS NULL AND {nb("tweet_time")} IS NOT NULL
                    THEN 'unparseable tweet_time ''' || tweet_time || '''' END AS _error,
               _line AS source_line,
               CASE WHEN {nb("tweetid")} IS NULL OR {nb("userid")} IS NULL OR created_at IS NULL
                    THEN concat_ws(',', tweetid, userid, tweet_time, tweet_text) END AS _raw
        FROM io""",
        [platform],
    )
    ctx.con.execute("DROP VIEW io")
    # each author as described by their latest tweet in the file (fills gaps only): the latest
    # line of each author is found on the staged posts (account_id, created_at and source_line
    # are the tweet's userid, time and line), and the profile is read from that line alone
    ctx.stage_sql(
        "stg_accounts",
        f"""
        SELECT ? AS platform, {", ".join(f"{e} AS {k}" for k, e in _profile().items())},
               a._last_line AS source_line, false AS _primary
        FROM (SELECT arg_max(source_line, (created_at, source_line)) AS _latest,
                     max(source_line) AS _last_line
              FROM stg_posts WHERE account_id IS NOT NULL GROUP BY account_id) a
        JOIN {_complete(ctx, TWEET_COLUMNS)} s ON s._line = a._latest""",
        [platform],
    )


def _read_users(ctx: ReadContext) -> None:
    ctx.load_csv(required=USER_COLUMNS[:3], optional=USER_COLUMNS[3:])
    # an unreadable creation date leaves created_at empty; the account record itself is kept
    ctx.stage_sql(
        "stg_accounts",
        f"""
        SELECT ? AS platform, {", ".join(f"{e} AS {k}" for k, e in _profile().items())},
               _line AS source_line, true AS _primary,
               concat_ws(',', userid, user_display_name, user_screen_name) AS _raw
        FROM {_complete(ctx, USER_COLUMNS)}""",
        [ctx.platform or "twitter"],
    )


def _complete(ctx: ReadContext, columns: list[str]) -> str:
    """``src`` with the columns this release of the archive lacks, as empty text."""
    have = {r[0] for r in ctx.con.execute("DESCRIBE src").fetchall()}
    extra = "".join(f", NULL::VARCHAR AS {k}" for k in columns if k not in have)
    return f"(SELECT *{extra} FROM src)"
