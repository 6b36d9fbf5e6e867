"""Validate, normalize and merge one file's staged records into the canonical tables.

Each staged post is read once more after staging: one ``INSERT … SELECT`` fills the defaults
(platform, source file, run id), extracts hashtags and mentions where the source gave none, cleans
the URL lists, joins the normalized URLs (:mod:`ioscope.ingest.url_map`), drops in-file duplicates
and rows already in the workspace, and writes the canonical table. There is no UPDATE pass over a
large staging table.

Accounts: every author of a collected post gets an account row (its latest handle in the file).
Records of users files (``_primary``) are the account's profile: when one arrives for an account
that already exists, its non-empty values replace the stored ones (and the row's provenance points
to it). Records derived from posts (``_primary`` false) add missing accounts and fill only the
columns that are still empty, so the result does not depend on the order of the files. Account
attributes (``stg_attributes``) are merged the same way as profiles: the latest value wins.
"""

from __future__ import annotations

from dataclasses import dataclass

from ioscope.errors import IoscopeError
from ioscope.ingest.compliance import merge_compliance, quarantine_compliance, staged_count
from ioscope.ingest.context import RAW_LIMIT, ReadContext
from ioscope.ingest.finalize_ads import merge_ads, prepare_ads
from ioscope.ingest.media import merge_media
from ioscope.ingest.url_map import CLEAN_URLS, build_url_lists
from ioscope.model.table import get_table
from ioscope.sql import literal

__all__ = ["FileResult", "finalize"]

KINDS = ("post", "repost", "reply", "quote")
# Hashtags and mentions in any script. The patterns match the sigil with the character before it
# (start of text, or one that cannot be part of a word); the tag is what follows the sigil. A
# hashtag needs a letter or '_' (not only digits). Matching without a capture group is several
# times faster in RE2; tests/test_ingest_entities.py pins the results.
HASHTAG_RE = r"(?:^|[^\p{L}\p{N}_&/])[#＃]\p{N}*[\p{L}_][\p{L}\p{N}_]*"
MENTION_RE = r"(?:^|[^\p{L}\p{N}_/])[@＠][A-Za-z0-9_.]{1,64}[A-Za-z0-9_]"
_PROFILE = (
    "handle",
    "display_name",
    "description",
    "location",
    "language",
    "created_at",
    "followers",
    "following",
    "post_count",
    "profile_url",
    "verified",
)


@dataclass
class FileResult:
    path: str
    format: str
    rows_read: int
    rows_ingested: int
    rows_quarantined: int
    posts_new: int
    accounts_new: int
    referenced_posts_new: int
    referenced_accounts_new: int
    ads_new: int = 0
    #: records whose key (platform and post or ad id) an earlier record of the file or the
    #: workspace already had: read, not ingested again, not quarantined
    rows_duplicate: int = 0
    #: quarantine rows written by this file (a re-ingest does not write its records again)
    quarantine_new: int = 0
    #: compliance events (deletions, withholdings, geo scrubbing) recorded
    compliance_events_new: int = 0
    #: media of posts and images of accounts recorded (post_media, account_images)
    post_media_new: int = 0
    account_images_new: int = 0
    #: the CSV dialect the file was read with (delimiter, quote, escape, sniffed), or None
    dialect: dict | None = None

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def finalize(ctx: ReadContext) -> FileResult:
    con = ctx.con
    ctx.flush_quarantine()
    staged = con.execute(
        "SELECT (SELECT count(*) FROM stg_posts) + (SELECT count(*) FROM "
        "stg_accounts WHERE _primary) + (SELECT count(*) FROM stg_ads) + "
        "(SELECT count(*) FROM stg_quarantine)"
    ).fetchall()[0][0] + staged_count(con, "stg_compliance")
    if staged != ctx.rows_read:
        raise IoscopeError(
            f"internal error in the {ctx.format} reader: {ctx.rows_read} records read but "
            f"{staged} staged or quarantined in {ctx.path}.",
            hint="Please report this with the file's format; nothing was changed.",
        )
    source = ctx.options.get("source_name") or ctx.path  # '-' for standard input
    defaults = {
        "platform": f"COALESCE(platform, {literal(ctx.platform) if ctx.platform else 'NULL'})",
        "source_file": f"COALESCE(source_file, {literal(source)})",
        "run_id": literal(ctx.run_id),
    }
    _quarantine_invalid(ctx, defaults["platform"])
    quarantine_compliance(ctx)
    has_ads = con.execute("SELECT count(*) FROM stg_ads").fetchall()[0][0] > 0
    if has_ads:
        prepare_ads(ctx)
    q = con.execute("SELECT count(*) FROM stg_quarantine").fetchall()[0][0]
    q_new = _insert_quarantine(ctx, source)
    events = staged_count(con, "stg_compliance")
    valid = (
        con.execute(
            "SELECT (SELECT count(*) FROM stg_posts) + (SELECT count(*) FROM "
            "stg_accounts WHERE _primary) + (SELECT count(*) FROM stg_ads)"
        ).fetchall()[0][0]
        + events
    )
    posts_staged = con.execute("SELECT count(*) FROM stg_posts").fetchall()[0][0]
    ads_staged = (
        con.execute("SELECT count(DISTINCT (platform, ad_id)) FROM stg_ads").fetchall()[0][0]
        if has_ads
        else 0
    )
    ads_rows = con.execute("SELECT count(*) FROM stg_ads").fetchall()[0][0] if has_ads else 0
    posts_new = _insert_posts(con, "stg_posts", "posts", defaults)
    ref_posts_new = _insert_posts(
        con, "stg_ref_posts", "referenced_posts", defaults, also_not_in="posts"
    )
    accounts_new = _merge_accounts(con, "stg_accounts", "stg_posts", "accounts", defaults)
    _merge_attributes(con, defaults)
    media = merge_media(ctx, source, defaults["platform"])
    ref_accounts_new = _merge_accounts(
        con,
        "stg_ref_accounts",
        "stg_ref_posts",
        "referenced_accounts",
        defaults,
        also_not_in="accounts",
    )
    # what is now collected is no longer only referenced
    if con.execute("SELECT count(*) FROM referenced_posts").fetchall()[0][0]:
        con.execute(
            "DELETE FROM referenced_posts r WHERE EXISTS (SELECT 1 FROM stg_posts p WHERE "
            f"{defaults['platform']} = r.platform AND p.post_id = r.post_id)"
        )
    if con.execute("SELECT count(*) FROM referenced_accounts").fetchall()[0][0]:
        con.execute(
            "DELETE FROM referenced_accounts r WHERE EXISTS (SELECT 1 FROM stg_accounts a "
            f"WHERE {defaults['platform']} = r.platform AND a.account_id = r.account_id)"
        )
    ads_new = merge_ads(ctx) if has_ads else 0
    events_new = merge_compliance(ctx, source)
    # a post or ad not inserted was a duplicate: of an earlier record of the file, or of a row
    # already in the workspace
    duplicate = (
        (posts_staged - posts_new)
        + (ads_staged - ads_new)
        + (ads_rows - ads_staged)
        + (events - events_new)
    )
    return FileResult(
        source,
        ctx.format,
        ctx.rows_read,
        valid - duplicate,
        q,
        posts_new,
        accounts_new,
        ref_posts_new,
        ref_accounts_new,
        ads_new,
        rows_duplicate=duplicate,
        quarantine_new=q_new,
        compliance_events_new=events_new,
        post_media_new=media["post_media"],
        account_images_new=media["account_images"],
        dialect=ctx.dialect,
    )


def _insert_quarantine(ctx: ReadContext, source: str) -> int:
    """Write the file's quarantined records, except those a run already quarantined from the
    same content (same sha256, line, field and reason): a re-ingest adds no quarantine rows."""
    con = ctx.con
    sha = ctx.options.get("sha256")
    get_table("quarantine").create(con)  # the sha256 column, for workspaces made before it
    dedupe = (
        (
            "WHERE NOT EXISTS (SELECT 1 FROM quarantine x WHERE x.source_sha256 = ? AND "
            "x.source_line IS NOT DISTINCT FROM s.source_line AND x.field IS NOT DISTINCT FROM "
            "s.field AND x.reason = s.reason)"
        )
        if sha
        else ""
    )
    params = [ctx.run_id, source, ctx.format, RAW_LIMIT, sha] + ([sha] if sha else [])
    return con.execute(
        "INSERT INTO quarantine (run_id, source_file, source_line, format, field, reason, raw, "
        "source_sha256) SELECT ?, ?, source_line, ?, field, reason, left(raw, ?), ? "
        f"FROM stg_quarantine s {dedupe} ORDER BY source_line",
        params,
    ).fetchall()[0][0]


#: The first day of each platform (public launch, or the first public posts); a post dated
#: earlier is quarantined. Other platforms: 1990-01-01.
PLATFORM_START = {
    "twitter": "2006-03-21",
    "facebook": "2004-02-04",
    "instagram": "2010-10-06",
    "telegram": "2013-08-14",
    "bluesky": "2022-11-17",
    "youtube": "2005-04-23",
    "tiktok": "2016-09-01",
    "reddit": "2005-06-23",
    "vk": "2006-10-10",
    "weibo": "2009-08-14",
    "threads": "2023-07-05",
    "mastodon": "2016-03-16",
}
DEFAULT_START = "1990-01-01"
#: the latest plausible time: the ingest's start plus a day
_LATEST = "(CAST(current_timestamp AT TIME ZONE 'UTC' AS TIMESTAMP) + INTERVAL 1 DAY)"


def first_day(platform: str) -> str:
    """SQL: the first plausible date for ``platform`` (an SQL expression)."""
    cases = " ".join(f"WHEN '{p}' THEN DATE '{d}'" for p, d in PLATFORM_START.items())
    return f"(CASE lower({platform}) {cases} ELSE DATE '{DEFAULT_START}' END)"


def plausible_time(col: str, platform: str) -> str:
    """SQL: ``col`` is NULL or lies between the platform's first day and now plus a day."""
    return f"({col} IS NULL OR ({col} >= {first_day(platform)} AND {col} <= {_LATEST}))"


def _quarantine_invalid(ctx: ReadContext, platform: str) -> None:
    """Move invalid primary records to stg_quarantine; drop references without ids."""
    con = ctx.con
    checks = [
        ("_error IS NOT NULL", "_error_field", "_error"),
        (f"{platform} IS NULL", "'platform'", "'no platform (give --platform)'"),
        ("post_id IS NULL OR trim(post_id) = ''", "'post_id'", "'missing post id'"),
        ("account_id IS NULL OR trim(account_id) = ''", "'account_id'", "'missing account id'"),
        ("created_at IS NULL", "'created_at'", "'missing or unparseable time'"),
        (
            f"NOT ({plausible_time('created_at', platform)})",
            "'created_at'",
            f"'implausible time ' || CAST(created_at AS VARCHAR) || ' for ' || {platform} || "
            f"': before the platform existed or after the ingest time plus a day (' || "
            f"CAST({first_day(platform)} AS VARCHAR) || ' to ' || "
            f"CAST(CAST({_LATEST} AS DATE) AS VARCHAR) || ')'",
        ),
        (
            f"kind IS NULL OR kind NOT IN {KINDS}",
            "'kind'",
            "'kind must be one of post, repost, reply, quote'",
        ),
    ]
    case_field = "CASE " + " ".join(f"WHEN {c} THEN {f}" for c, f, _ in checks) + " END"
    case_reason = "CASE " + " ".join(f"WHEN {c} THEN {r}" for c, _, r in checks) + " END"
    bad = " OR ".join(f"({c})" for c, _, _ in checks)
    raw = (
        "COALESCE(_raw, CAST(to_json(struct_pack(post_id, account_id, handle, created_at, kind, "
        "text)) AS VARCHAR))"
    )
    n = con.execute(
        f"INSERT INTO stg_quarantine SELECT source_line, {case_field}, {case_reason}, "
        f"{raw} FROM stg_posts WHERE {bad}"
    ).fetchall()[0][0]
    if n:
        con.execute(f"DELETE FROM stg_posts WHERE {bad}")
    acc_bad = (
        f"_error IS NOT NULL OR {platform} IS NULL OR account_id IS NULL OR trim(account_id) = ''"
    )
    con.execute(
        "INSERT INTO stg_quarantine SELECT source_line, COALESCE(_error_field, CASE WHEN "
        f"{platform} IS NULL THEN 'platform' ELSE 'account_id' END), COALESCE(_error, CASE WHEN "
        f"{platform} IS NULL THEN 'no platform (give --platform)' ELSE 'missing account id' END), "
        "COALESCE(_raw, CAST(to_json(struct_pack(account_id, handle, display_name)) AS VARCHAR)) "
        f"FROM stg_accounts WHERE _primary AND ({acc_bad})"
    )
    con.execute(f"DELETE FROM stg_accounts WHERE {acc_bad}")
    for stg in ("stg_ref_posts", "stg_ref_accounts"):  # references without ids carry nothing
        key = "post_id" if stg == "stg_ref_posts" else "account_id"
        extra = (
            (
                " OR account_id IS NULL OR created_at IS NULL OR NOT "
                f"({plausible_time('created_at', platform)})"
            )
            if stg == "stg_ref_posts"
            else ""
        )
        con.execute(f"DELETE FROM {stg} WHERE {key} IS NULL OR {platform} IS NULL{extra}")


def _entities() -> dict[str, str]:
    """Canonical hashtags, mentions and urls: the source's lists cleaned, else from the text."""

    def clean(col: str, sigils: str) -> str:
        return (
            f"list_filter(list_transform({col}, lambda x: lower(ltrim(trim(x), '{sigils}'))), "
            "lambda x: x <> '')"
        )

    def extract(regex: str, sigils: str) -> str:
        test = " OR ".join(f"contains(text, '{c}')" for c in sigils)
        return (
            f"CASE WHEN {test} THEN list_transform(regexp_extract_all(text, '{regex}'), "
            f"lambda x: lower(ltrim(substr(x, 2), '{sigils}'))) ELSE []::VARCHAR[] END"
        )

    return {
        "hashtags": f"CASE WHEN hashtags IS NULL THEN {extract(HASHTAG_RE, '#＃')} "
        f"ELSE {clean('hashtags', '#＃')} END",
        "mentions": f"CASE WHEN mentions IS NOT NULL THEN {clean('mentions', '@＠')} "
        f"WHEN kind = 'repost' THEN []::VARCHAR[] ELSE {extract(MENTION_RE, '@＠')} END",
        "urls": CLEAN_URLS,
    }


def _insert_posts(
    con, stg: str, table: str, defaults: dict[str, str], *, also_not_in: str | None = None
) -> int:
    """Insert the staged posts not yet in ``table`` (first occurrence in the file wins)."""
    if con.execute(f"SELECT count(*) FROM {stg}").fetchall()[0][0] == 0:
        return 0
    has_urls = build_url_lists(con, stg)
    t = get_table(table)
    exprs = {
        **{c: f's."{c}"' for c in t.column_names},
        **_entities(),
        **{k: v for k, v in defaults.items()},
    }
    # a reader that gives normalized items itself (anonymised ids) keeps them
    lists = (
        "COALESCE(s.urls_normalized, l.n, []::VARCHAR[])"
        if has_urls
        else "COALESCE(s.urls_normalized, []::VARCHAR[])"
    )
    exprs["urls_normalized"] = lists
    exprs["domains"] = (
        "COALESCE(s.domains, l.d, []::VARCHAR[])"
        if has_urls
        else "COALESCE(s.domains, []::VARCHAR[])"
    )
    select = ", ".join(f'{exprs[c]} AS "{c}"' for c in t.column_names)
    join = "LEFT JOIN _url_lists l ON l.raw = s.urls" if has_urls else ""
    plat = defaults["platform"]
    on = f"x.platform = {plat} AND x.post_id = s.post_id"
    where = [
        f"NOT EXISTS (SELECT 1 FROM {tb} x WHERE {on})"
        for tb in (table, also_not_in)
        if tb and con.execute(f"SELECT count(*) FROM {tb}").fetchall()[0][0]
    ]
    if _later_duplicates(con, stg, plat):
        where.append("NOT EXISTS (SELECT 1 FROM _dups d WHERE d.rid = s.rowid)")
    # a plain table scan: rows go in in file order, with no sort and no wide hash table
    n = con.execute(f"""
        INSERT INTO {table} ({", ".join(f'"{c}"' for c in t.column_names)})
        SELECT {select} FROM {stg} s {join}
        {"WHERE " + " AND ".join(where) if where else ""}""").fetchall()[0][0]
    con.execute("DROP TABLE IF EXISTS _url_lists; DROP TABLE IF EXISTS _dups")
    return n


def _later_duplicates(con, stg: str, platform: str) -> int:
    """Temp table ``_dups(rid)``: staged rows whose key an earlier row of the file already has."""
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _dups AS
        SELECT rid FROM (
            SELECT rowid AS rid, row_number() OVER (PARTITION BY {platform}, post_id
                                                    ORDER BY source_line, rowid) AS rn
            FROM {stg} WHERE post_id IN (
                SELECT post_id FROM {stg} GROUP BY {platform}, post_id HAVING count(*) > 1))
        WHERE rn > 1""")
    return con.execute("SELECT count(*) FROM _dups").fetchall()[0][0]


def _merge_accounts(
    con,
    stg: str,
    posts_stg: str,
    table: str,
    defaults: dict[str, str],
    *,
    also_not_in: str | None = None,
) -> int:
    """Merge staged account records and the authors of staged posts into ``table``."""
    plat = defaults["platform"]
    # authors of the staged posts, one row each (latest handle in the file), as non-primary
    # records, for the authors the reader staged no record of (a bare row would tie with it)
    con.execute(f"""INSERT INTO {stg} BY NAME
        SELECT platform, account_id, arg_max(handle, source_line) AS handle,
               arg_max(source_file, source_line) AS source_file, max(source_line) AS source_line,
               false AS _primary
        FROM (SELECT {plat} AS platform, account_id, handle, source_file, source_line
              FROM {posts_stg}) p
        WHERE NOT EXISTS (SELECT 1 FROM (SELECT {plat} AS platform, account_id FROM {stg}) a
                          WHERE a.platform = p.platform AND a.account_id = p.account_id)
        GROUP BY ALL""")
    if con.execute(f"SELECT count(*) FROM {stg}").fetchall()[0][0] == 0:
        return 0
    t = get_table(table)
    cols = t.column_names
    exprs = {**{c: f'"{c}"' for c in cols}, **defaults}
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _acc AS
        SELECT {", ".join(f'{exprs[c]} AS "{c}"' for c in cols)}, _primary FROM {stg}
        QUALIFY row_number() OVER (PARTITION BY {plat}, account_id
                                   ORDER BY _primary DESC, source_line DESC) = 1""")
    on = "x.platform = s.platform AND x.account_id = s.account_id"
    exists = [f"NOT EXISTS (SELECT 1 FROM {tb} x WHERE {on})" for tb in (table, also_not_in) if tb]
    # profile records update existing rows where they bring a different, non-empty value;
    # records derived from posts fill empty columns only
    changed = " OR ".join(
        f'(s."{c}" IS NOT NULL AND s."{c}" IS DISTINCT FROM x."{c}")' for c in _PROFILE
    )
    sets = ", ".join(f'"{c}" = COALESCE(s."{c}", x."{c}")' for c in _PROFILE)
    con.execute(f"""UPDATE {table} x SET {sets}, source_file = s.source_file,
            source_line = s.source_line, run_id = s.run_id
        FROM _acc s WHERE s._primary AND {on} AND ({changed})""")
    fills = " OR ".join(f'(s."{c}" IS NOT NULL AND x."{c}" IS NULL)' for c in _PROFILE)
    sets = ", ".join(f'"{c}" = COALESCE(x."{c}", s."{c}")' for c in _PROFILE)
    con.execute(
        f"UPDATE {table} x SET {sets} FROM _acc s WHERE NOT s._primary AND {on} AND ({fills})"
    )
    n = con.execute(f"""INSERT INTO {table} ({", ".join(f'"{c}"' for c in cols)})
        SELECT {", ".join(f's."{c}"' for c in cols)} FROM _acc s WHERE {" AND ".join(exists)}
        ORDER BY s.source_line""").fetchall()[0][0]
    con.execute("DROP TABLE _acc")
    return n


def _merge_attributes(con, defaults: dict[str, str]) -> None:
    """Insert new account attributes; replace values that changed (the file's last row wins)."""
    if con.execute("SELECT count(*) FROM stg_attributes").fetchall()[0][0] == 0:
        return
    get_table("account_attributes").create(con)  # workspaces made before the table existed
    t = get_table("account_attributes")
    cols = t.column_names
    exprs = {**{c: f'"{c}"' for c in cols}, **defaults}
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _attr AS
        SELECT {", ".join(f'{exprs[c]} AS "{c}"' for c in cols)} FROM stg_attributes
        WHERE account_id IS NOT NULL AND name IS NOT NULL AND value IS NOT NULL
              AND {defaults["platform"]} IS NOT NULL
        QUALIFY row_number() OVER (PARTITION BY {defaults["platform"]}, account_id, name
                                   ORDER BY source_line DESC) = 1""")
    on = "x.platform = s.platform AND x.account_id = s.account_id AND x.name = s.name"
    con.execute(f"""UPDATE account_attributes x SET value = s.value, source_file = s.source_file,
        source_line = s.source_line, run_id = s.run_id FROM _attr s
        WHERE {on} AND x.value IS DISTINCT FROM s.value""")
    con.execute(f"""INSERT INTO account_attributes ({", ".join(f'"{c}"' for c in cols)})
        SELECT {", ".join(f's."{c}"' for c in cols)} FROM _attr s
        WHERE NOT EXISTS (SELECT 1 FROM account_attributes x WHERE {on})""")
    con.execute("DROP TABLE _attr")
