"""Validate, normalize and merge one file's staged records into the canonical tables."""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from ioscope.errors import IoscopeError
from ioscope.ingest.context import RAW_LIMIT, ReadContext
from ioscope.ingest.urls import normalize_url, registered_domain
from ioscope.model.table import get_table

__all__ = ["FileResult", "finalize"]

KINDS = ("post", "repost", "reply", "quote")
# \p{L}: hashtags and mentions in any script
_HASHTAG_RE = r"(?:^|[^\p{L}\p{N}_&/])[#＃]([\p{L}\p{N}_]*[\p{L}_][\p{L}\p{N}_]*)"
_MENTION_RE = r"(?:^|[^\p{L}\p{N}_/])[@＠]([A-Za-z0-9_.]{1,64}[A-Za-z0-9_])"


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

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def finalize(ctx: ReadContext) -> FileResult:
    con = ctx.con
    ctx.flush_quarantine()
    plat = ctx.platform
    for stg in ("stg_posts", "stg_accounts", "stg_ref_posts", "stg_ref_accounts"):
        con.execute(f"UPDATE {stg} SET platform = COALESCE(platform, ?), source_file = "
                    f"COALESCE(source_file, ?), run_id = ?", [plat, ctx.path, ctx.run_id])
    staged = con.execute("SELECT (SELECT count(*) FROM stg_posts) + (SELECT count(*) FROM "
                         "stg_accounts WHERE _primary) + (SELECT count(*) FROM stg_quarantine)"
                         ).fetchall()[0][0]
    if staged != ctx.rows_read:
        raise IoscopeError(
            f"internal error in the {ctx.format} reader: {ctx.rows_read} records read but "
            f"{staged} staged or quarantined in {ctx.path}.",
            hint="Please report this with the file's format; nothing was changed.")
    _quarantine_invalid(ctx)
    for stg in ("stg_posts", "stg_ref_posts"):
        _fill_entities(con, stg)
        _normalize_urls(con, stg)
    q = con.execute("SELECT count(*) FROM stg_quarantine").fetchall()[0][0]
    con.execute("INSERT INTO quarantine SELECT ?, ?, source_line, ?, field, reason, "
                "left(raw, ?) FROM stg_quarantine ORDER BY source_line",
                [ctx.run_id, ctx.path, ctx.format, RAW_LIMIT])
    ingested = con.execute("SELECT (SELECT count(*) FROM stg_posts) + "
                           "(SELECT count(*) FROM stg_accounts WHERE _primary)").fetchall()[0][0]
    posts_new = _merge(con, "stg_posts", "posts", order="source_line")
    # every author of a collected post gets an account row, even from a bare post (only when the
    # reader staged none: a bare row must not compete with a full profile of the same line)
    con.execute("INSERT INTO stg_accounts BY NAME SELECT platform, account_id, handle, source_file, "
                "source_line, run_id, false AS _primary FROM stg_posts p WHERE NOT EXISTS ("
                "SELECT 1 FROM stg_accounts a WHERE a.platform = p.platform "
                "AND a.account_id = p.account_id)")
    accounts_new = _merge(con, "stg_accounts", "accounts",
                          order="_primary DESC, source_line DESC")
    ref_posts_new = _merge(con, "stg_ref_posts", "referenced_posts", order="source_line",
                           also_not_in="posts")
    con.execute("INSERT INTO stg_ref_accounts BY NAME SELECT platform, account_id, handle, "
                "source_file, source_line, run_id, false AS _primary FROM stg_ref_posts p WHERE NOT "
                "EXISTS (SELECT 1 FROM stg_ref_accounts a WHERE a.platform = p.platform "
                "AND a.account_id = p.account_id)")
    ref_accounts_new = _merge(con, "stg_ref_accounts", "referenced_accounts",
                              order="source_line DESC", also_not_in="accounts")
    # what is now collected is no longer only referenced
    con.execute("DELETE FROM referenced_posts r WHERE EXISTS (SELECT 1 FROM posts p WHERE "
                "p.platform = r.platform AND p.post_id = r.post_id)")
    con.execute("DELETE FROM referenced_accounts r WHERE EXISTS (SELECT 1 FROM accounts a WHERE "
                "a.platform = r.platform AND a.account_id = r.account_id)")
    return FileResult(ctx.path, ctx.format, ctx.rows_read, ingested, q, posts_new, accounts_new,
                      ref_posts_new, ref_accounts_new)


def _quarantine_invalid(ctx: ReadContext) -> None:
    con = ctx.con
    checks = [
        ("_error IS NOT NULL", "_error_field", "_error"),
        ("platform IS NULL", "'platform'", "'no platform (give --platform)'"),
        ("post_id IS NULL OR trim(post_id) = ''", "'post_id'", "'missing post id'"),
        ("account_id IS NULL OR trim(account_id) = ''", "'account_id'", "'missing account id'"),
        ("created_at IS NULL", "'created_at'", "'missing or unparseable time'"),
        (f"kind IS NULL OR kind NOT IN {KINDS}", "'kind'", "'kind must be one of post, repost, reply, quote'"),
    ]
    case_field = "CASE " + " ".join(f"WHEN {c} THEN {f}" for c, f, _ in checks) + " END"
    case_reason = "CASE " + " ".join(f"WHEN {c} THEN {r}" for c, _, r in checks) + " END"
    bad = " OR ".join(f"({c})" for c, _, _ in checks)
    raw = ("COALESCE(_raw, CAST(to_json(struct_pack(post_id, account_id, handle, created_at, kind, "
           "text)) AS VARCHAR))")
    con.execute(f"INSERT INTO stg_quarantine SELECT source_line, {case_field}, {case_reason}, "
                f"{raw} FROM stg_posts WHERE {bad}")
    con.execute(f"DELETE FROM stg_posts WHERE {bad}")
    acc_bad = ("_error IS NOT NULL OR platform IS NULL OR account_id IS NULL OR "
               "trim(account_id) = ''")
    con.execute(
        "INSERT INTO stg_quarantine SELECT source_line, COALESCE(_error_field, CASE WHEN "
        "platform IS NULL THEN 'platform' ELSE 'account_id' END), COALESCE(_error, CASE WHEN "
        "platform IS NULL THEN 'no platform (give --platform)' ELSE 'missing account id' END), "
        "COALESCE(_raw, CAST(to_json(struct_pack(account_id, handle, display_name)) AS VARCHAR)) "
        f"FROM stg_accounts WHERE _primary AND ({acc_bad})")
    con.execute(f"DELETE FROM stg_accounts WHERE {acc_bad}")
    for stg in ("stg_ref_posts", "stg_ref_accounts"):  # references without ids carry nothing
        key = "post_id" if stg == "stg_ref_posts" else "account_id"
        extra = " OR account_id IS NULL OR created_at IS NULL" if stg == "stg_ref_posts" else ""
        con.execute(f"DELETE FROM {stg} WHERE {key} IS NULL OR platform IS NULL{extra}")


def _fill_entities(con, stg: str) -> None:
    """Hashtags and mentions from the text where the source gave none; lower-cased, no sigils."""
    con.execute(f"""UPDATE {stg} SET
        hashtags = CASE WHEN hashtags IS NULL THEN regexp_extract_all(COALESCE(text, ''), '{_HASHTAG_RE}', 1)
                        ELSE hashtags END,
        mentions = CASE WHEN mentions IS NULL AND kind <> 'repost'
                        THEN regexp_extract_all(COALESCE(text, ''), '{_MENTION_RE}', 1)
                        WHEN mentions IS NULL THEN []::VARCHAR[] ELSE mentions END,
        urls = COALESCE(urls, []::VARCHAR[])""")
    con.execute(f"""UPDATE {stg} SET
        hashtags = list_filter(list_transform(hashtags, lambda h: lower(ltrim(trim(h), '#＃'))), lambda h: h <> ''),
        mentions = list_filter(list_transform(mentions, lambda m: lower(ltrim(trim(m), '@＠'))), lambda m: m <> ''),
        urls = list_filter(list_transform(urls, lambda u: trim(u)), lambda u: u <> '')""")


def _normalize_urls(con, stg: str) -> None:
    distinct = con.execute(
        f"SELECT DISTINCT u FROM (SELECT unnest(urls) AS u FROM {stg}) WHERE u IS NOT NULL"
    ).fetchall()
    if not distinct:
        con.execute(f"UPDATE {stg} SET urls_normalized = [], domains = []")
        return
    urls = [r[0] for r in distinct]
    norm = [normalize_url(u) for u in urls]
    mapping = pa.table({"u": urls, "n": norm,
                        "d": [registered_domain(n) if n else None for n in norm]})
    con.register("_url_map", mapping)
    try:
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE _url_lists AS
            SELECT x.rid, list(m.n ORDER BY x.i) AS n, list(m.d ORDER BY x.i) AS d
            FROM (SELECT rowid AS rid, unnest(urls) AS u, unnest(generate_series(1, len(urls))) AS i
                  FROM {stg}) x JOIN _url_map m ON m.u = x.u
            GROUP BY x.rid""")
    finally:
        con.unregister("_url_map")
    con.execute(f"UPDATE {stg} SET urls_normalized = l.n, domains = l.d FROM _url_lists l "
                f"WHERE {stg}.rowid = l.rid")
    con.execute(f"UPDATE {stg} SET urls_normalized = [], domains = [] WHERE len(urls) = 0")
    con.execute("DROP TABLE _url_lists")


def _merge(con, stg: str, table: str, *, order: str, also_not_in: str | None = None) -> int:
    t = get_table(table)
    keys = t.primary_key
    cols = ", ".join(f'"{c}"' for c in t.column_names)
    on = " AND ".join(f"x.{k} = s.{k}" for k in keys)
    extra = f"AND NOT EXISTS (SELECT 1 FROM {also_not_in} x WHERE {on})" if also_not_in else ""
    before = con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
    con.execute(f"""
        INSERT INTO {table} ({cols})
        SELECT {cols} FROM (
            SELECT *, row_number() OVER (PARTITION BY {', '.join(keys)} ORDER BY {order}) AS _rn
            FROM {stg}) s
        WHERE _rn = 1 AND NOT EXISTS (SELECT 1 FROM {table} x WHERE {on}) {extra}""")
    return con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0] - before
