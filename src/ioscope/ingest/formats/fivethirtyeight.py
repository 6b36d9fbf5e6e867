"""FiveThirtyEight / Clemson (Linvill & Warren) IRA tweets, in their three layouts.

* **original** ``IRAhandle_tweets_N.csv``: ``external_author_id, author, content, region,
  language, publish_date, harvested_date, following, followers, updates, post_type,
  account_type, retweet, account_category, new_june_2018, alt_external_id, tweet_id,
  article_url, tco1_step1, tco2_step1, tco3_step1`` (later releases; the first has no tweet_id);
* **by-author** (``tweets_<Category>.csv.gz`` in the shared copy): ``author_id, content, region,
  language, publish_date, harvested_date, following, followers, updates, post_type, retweet``;
* **authors** (``authors.csv``): ``author_id, author, external_author_id, account_type,
  account_category, new_june_2018, congress_2017_id, in_congress_2017, in_congress_2018``.

Account ids. The account id is the lower-cased 538 author key: ``author_id`` in the by-author
and authors files, ``author`` in the original layout, so that tweets and authors join. It is not
the Twitter user id, because ``external_author_id`` lost its low digits for about 530 accounts
(``906000000000000000``, a float round trip) and is missing for some. The Twitter ids are kept
as account attributes. For the 11 handles with two Twitter ids the by-author copy splits the
author into ``<handle><id>`` keys; the original layout cannot tell them apart and keeps one
account per handle. ``handle`` is the 538 handle (``author``; in by-author tweets the author key).

Tweets. Times (``2015-05-25 12:38:00`` or ``5/25/2015 12:38``, minute resolution) are read as
UTC. ``post_type`` Q (QUOTE_TWEET) is a quote; R (RETWEET), ``retweet = 1`` or an ``RT @x:``
prefix make a repost, whose ``text`` is the reposted text without the prefix and whose
``target_handle`` comes from the prefix (there are no target ids; most by-author retweets carry no
prefix at all, so their text alone identifies what was reposted). Without ``tweet_id`` the post id
is ``fte-`` + md5(account id | minute | content), the same in both layouts, so a tweet met twice
is stored once. URLs are the expanded ``tco*_step1`` columns when present, else the links in the
text. ``region`` and ``harvested_date`` are not kept; the latest ``followers``, ``following`` and
``updates`` of each author become the account's followers, following and post_count.
"""

from __future__ import annotations

from ioscope.ingest.context import ReadContext
from ioscope.ingest.registry import header_names, register_reader
from ioscope.ingest.sqlfrag import big, ts
from ioscope.ingest.sqlfrag import nullif_blank as nb

TWEETS = ["content", "publish_date"]
TWEET_OPTIONAL = [
    "region",
    "language",
    "harvested_date",
    "following",
    "followers",
    "updates",
    "post_type",
    "retweet",
    "account_type",
    "account_category",
    "new_june_2018",
    "alt_external_id",
    "tweet_id",
    "tco1_step1",
    "tco2_step1",
    "tco3_step1",
    "external_author_id",
]
AUTHORS = ["author_id", "author", "external_author_id", "account_type", "account_category"]
AUTHOR_OPTIONAL = ["new_june_2018", "congress_2017_id", "in_congress_2017", "in_congress_2018"]
_RT = r"^RT @([A-Za-z0-9_]{1,15}):?\s*"


def _layout(cols: list[str]) -> str | None:
    if "content" in cols and "publish_date" in cols:
        if "author_id" in cols:
            return "by-author"
        if "author" in cols and "external_author_id" in cols:
            return "original"
    if all(c in cols for c in AUTHORS) and "content" not in cols:
        return "authors"
    return None


def _sniff(path: str, head: str) -> bool:
    return _layout(header_names(head)) is not None


@register_reader(
    "fivethirtyeight",
    summary="FiveThirtyEight/Clemson IRA tweets: IRAhandle_tweets_N"
    ".csv, the by-author tweets_*.csv and authors.csv",
    sniff=_sniff,
    priority=30,
)
def read_fivethirtyeight(ctx: ReadContext) -> None:
    from ioscope.ingest.registry import read_head

    layout = _layout(header_names(read_head(ctx.path, 8192)))
    if layout == "authors":
        _read_authors(ctx)
        return
    author = "author_id" if layout == "by-author" else "author"
    ctx.load_csv(required=[author] + TWEETS, optional=TWEET_OPTIONAL)
    cols = {r[0] for r in ctx.con.execute("DESCRIBE src").fetchall()}
    opt = {c: (c if c in cols else "NULL") for c in TWEET_OPTIONAL}
    tco = [c for c in ("tco1_step1", "tco2_step1", "tco3_step1") if c in cols]
    urls = (
        "list_filter([" + ", ".join(nb(c) for c in tco) + "], lambda u: u IS NOT NULL)"
        if tco
        else "regexp_extract_all(content, 'https?://[^\\s]+')"
    )
    tweet_id = nb(opt["tweet_id"]) if "tweet_id" in cols else "NULL"
    ctx.con.execute(f"""CREATE OR REPLACE TEMP VIEW fte AS
        SELECT *, CASE WHEN pt IN ('Q', 'QUOTE_TWEET') THEN 'quote'
                       WHEN pt IN ('R', 'RETWEET') OR trim(COALESCE({opt["retweet"]}, '')) = '1'
                            OR rt_handle <> '' THEN 'repost' ELSE 'post' END AS kind
        FROM (SELECT *, lower({nb(author)}) AS account_id, {ts("publish_date")} AS created_at,
                     upper(trim(COALESCE({opt["post_type"]}, ''))) AS pt,
                     regexp_extract(content, '{_RT}', 1) AS rt_handle
              FROM src)""")
    ctx.stage_sql(
        "stg_posts",
        f"""
        SELECT 'twitter' AS platform,
               COALESCE({tweet_id}, 'fte-' || md5(concat_ws('|', account_id,
                        strftime(created_at, '%Y-%m-%d %H:%M'), content))) AS post_id,
               account_id, {nb(author)} AS handle, created_at, kind,
               CASE WHEN kind = 'repost' AND rt_handle <> ''
                    THEN regexp_replace(content, '{_RT}', '') ELSE content END AS text,
               CASE WHEN kind = 'repost' THEN NULLIF(rt_handle, '') END AS target_handle,
               {nb(opt["language"])} AS language, {urls} AS urls,
               CASE WHEN created_at IS NULL AND {nb("publish_date")} IS NOT NULL
                    THEN 'publish_date' END AS _error_field,
               CASE WHEN created_at IS NULL AND {nb("publish_date")} IS NOT NULL
                    THEN 'unparseable publish_date ''' || publish_date || '''' END AS _error,
               _line AS source_line,
               CASE WHEN account_id IS NULL OR created_at IS NULL
                    THEN concat_ws(',', {author}, publish_date, content) END AS _raw
        FROM fte""",
    )
    # the author's counts from their latest tweet in the file
    ctx.stage_sql(
        "stg_accounts",
        f"""
        SELECT 'twitter' AS platform, account_id,
               arg_max({nb(author)}, (created_at, _line)) AS handle,
               arg_max({big(opt["followers"])}, (created_at, _line)) AS followers,
               arg_max({big(opt["following"])}, (created_at, _line)) AS following,
               arg_max({big(opt["updates"])}, (created_at, _line)) AS post_count,
               max(_line) AS source_line, false AS _primary
        FROM fte WHERE account_id IS NOT NULL AND created_at IS NOT NULL GROUP BY account_id""",
    )
    attrs = [
        c
        for c in (
            "external_author_id",
            "alt_external_id",
            "account_type",
            "account_category",
            "new_june_2018",
        )
        if c in cols
    ]
    if attrs:
        _stage_attributes(ctx, "fte", attrs, order="(created_at, _line)")
    ctx.con.execute("DROP VIEW fte")


def _read_authors(ctx: ReadContext) -> None:
    ctx.load_csv(required=AUTHORS, optional=AUTHOR_OPTIONAL)
    cols = {r[0] for r in ctx.con.execute("DESCRIBE src").fetchall()}
    ctx.stage_sql(
        "stg_accounts",
        f"""
        SELECT 'twitter' AS platform, lower({nb("author_id")}) AS account_id,
               {nb("author")} AS handle, _line AS source_line, true AS _primary,
               concat_ws(',', author_id, author, external_author_id, account_type,
                         account_category) AS _raw
        FROM src""",
    )
    ctx.con.execute(
        f"CREATE OR REPLACE TEMP VIEW fte AS SELECT *, "
        f"lower({nb('author_id')}) AS account_id FROM src"
    )
    names = [c for c in AUTHORS[2:] + AUTHOR_OPTIONAL if c in cols]
    _stage_attributes(ctx, "fte", names, order="_line")
    ctx.con.execute("DROP VIEW fte")


def _stage_attributes(ctx: ReadContext, table: str, names: list[str], *, order: str) -> None:
    """One attribute row per account and column: the value of the account's last row."""
    parts = [
        f"""SELECT account_id, '{n}' AS name, arg_max({nb(n)}, {order}) AS value,
                        max(_line) AS source_line
                 FROM {table} WHERE account_id IS NOT NULL AND {nb(n)} IS NOT NULL
                 GROUP BY account_id"""
        for n in names
    ]
    ctx.stage_sql(
        "stg_attributes", "SELECT 'twitter' AS platform, * FROM (" + " UNION ALL ".join(parts) + ")"
    )
