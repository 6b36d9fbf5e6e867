"""Bluesky posts and accounts as tables (Parquet or CSV), as collectors flatten them.

A table with an ``uri`` (or ``post_uri``) column of AT URIs and a time column (``created_at``,
``createdAt``, ``timestamp`` or ``indexed_at``) is a post collection. The author is
``author_did``, else the DID inside the URI; the handle ``author_handle``, ``author`` or
``handle``. Optional columns: ``text``, ``lang``/``langs``, ``is_reply``, ``is_repost`` (with the
reposting ``account``), ``like_count``, ``repost_count``, ``reply_count``, ``quote_count``,
``hashtags``, ``mentions`` (handles; DIDs are ignored and handles are taken from the text),
``links`` and ``external_uri``. A table of ``did`` and ``handle`` (followers, follows, network
nodes) gives collected accounts. Other tables (edges, likes, counts, hashed samples) are refused.
"""

from __future__ import annotations

import duckdb
import orjson

from ioscope.errors import InputFormatError, SchemaError
from ioscope.ingest.context import ReadContext
from ioscope.ingest.csvsrc import RFC4180, read_header
from ioscope.ingest.jsonsrc import read_head_bytes
from ioscope.ingest.sqlfrag import big, ts
from ioscope.sql import literal, quote_ident

__all__ = ["is_table", "sniff_table", "read_table"]

_URI = ("uri", "post_uri")
_TIME = ("created_at", "createdat", "timestamp", "indexed_at")


def is_table(path: str) -> bool:
    """Parquet, or a text file whose first line is not JSON."""
    head = read_head_bytes(path, 65536)
    if head.startswith(b"PAR1"):
        return True
    body = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if body[:1] in (b"{", b"[", b""):
        return False
    try:
        orjson.loads(body.split(b"\n", 1)[0])
        return False
    except orjson.JSONDecodeError:
        return True


def _describe(path: str) -> dict[str, str]:
    """Lower-case column name -> (name, DuckDB type), without loading the file (a CSV header is
    parsed with the fixed dialect: every column is text)."""
    if not read_head_bytes(path, 4).startswith(b"PAR1"):
        return {h.lower(): (h, "VARCHAR") for h in read_header(path, RFC4180)}
    con = duckdb.connect()
    try:
        rel = f"read_parquet({literal(path)})"
        return {
            r[0].lower(): (r[0], r[1])
            for r in con.execute(f"DESCRIBE SELECT * FROM {rel}").fetchall()
        }
    finally:
        con.close()


def sniff_table(path: str, head: str) -> bool:
    if not read_head_bytes(path, 4).startswith(b"PAR1"):
        lines = head.lstrip("\ufeff").split("\n")
        names = {c.strip().strip('"').lower() for c in lines[0].split(",")}
        body = "\n".join(lines[1:4])
        if names & set(_URI):
            return "at://did:" in body
        return {"did", "handle"} <= names and "did:" in body
    try:
        cols = _describe(path)
    except duckdb.Error:
        return False
    return bool(set(cols) & set(_URI)) or {"did", "handle"} <= set(cols)


def read_table(ctx: ReadContext, platform: str) -> None:
    try:
        cols = _describe(ctx.path)
    except duckdb.Error as e:
        raise InputFormatError(
            f"cannot be read as Parquet or CSV: {str(e).splitlines()[0]}", path=ctx.path
        ) from None
    uri = next((c for c in _URI if c in cols), None)
    if uri is None and not {"did", "handle"} <= set(cols):
        raise SchemaError(
            f"{ctx.path} is not a Bluesky post or account table: it has no uri/post_uri column "
            f"and no did and handle columns (columns: {', '.join(n for n, _ in cols.values())}).",
            hint="Tables of edges, likes or counts are not posts; give the posts themselves.",
        )
    if uri and not any(t in cols for t in _TIME):
        raise SchemaError(
            f"{ctx.path} has post URIs but no time column ({', '.join(_TIME)}): "
            "posts cannot be placed in time.",
            hint="Join it to the posts it describes, or ingest the posts file.",
        )
    _load(ctx, cols)
    if uri:
        ctx.stage_sql("stg_posts", _posts_select(cols, uri), [platform])
    else:
        ctx.stage_sql("stg_accounts", _accounts_select(cols), [platform])


def _load(ctx: ReadContext, cols: dict) -> None:
    if read_head_bytes(ctx.path, 4).startswith(b"PAR1"):
        ctx.con.execute(
            f"CREATE OR REPLACE TEMP TABLE src AS SELECT *, file_row_number + 1 AS _line "
            f"FROM read_parquet({literal(ctx.path)}, file_row_number = true)"
        )
        ctx.rows_read += ctx.con.execute("SELECT count(*) FROM src").fetchall()[0][0]
    else:
        names = [n for n, _ in cols.values()]
        ctx.load_csv(required=names[:1], optional=names[1:])


def _col(cols: dict, *names: str) -> tuple[str, str] | None:
    for n in names:
        if n in cols:
            return quote_ident(cols[n][0]), cols[n][1]
    return None


def _text(cols: dict, *names: str) -> str:
    c = _col(cols, *names)
    return f"NULLIF(trim(CAST({c[0]} AS VARCHAR)), '')" if c else "NULL"


def _time(cols: dict, *names: str) -> str:
    c = _col(cols, *names)
    if c is None:
        return "NULL"
    name, typ = c
    if typ.startswith("TIMESTAMP WITH TIME ZONE") or typ.startswith("TIMESTAMPTZ"):
        return f"CAST(timezone('UTC', {name}) AS TIMESTAMP)"
    if typ.startswith("TIMESTAMP") or typ == "DATE":
        return f"CAST({name} AS TIMESTAMP)"
    return ts(f"CAST({name} AS VARCHAR)")


def _list(cols: dict, name: str) -> str | None:
    c = _col(cols, name)
    if c is None:
        return None
    return c[0] if c[1].endswith("[]") else f"[NULLIF(trim(CAST({c[0]} AS VARCHAR)), '')]"


def _flag(cols: dict, name: str) -> str:
    c = _col(cols, name)
    return f"COALESCE(TRY_CAST({c[0]} AS BOOLEAN), false)" if c else "false"


def _posts_select(cols: dict, uri: str) -> str:
    from ioscope.ingest.formats.bluesky import HANDLE_RE

    post_uri = _text(cols, uri)
    did = f"NULLIF(regexp_extract({post_uri}, '^at://([^/]+)/', 1), '')"
    author = _text(cols, "author")
    handle = (
        f"COALESCE({_text(cols, 'author_handle')}, CASE WHEN {author} NOT LIKE 'did:%' "
        f"THEN {author} END, {_text(cols, 'handle')})"
    )
    langs = _col(cols, "lang", "langs")
    language = (
        "NULL"
        if langs is None
        else (f"{langs[0]}[1]" if langs[1].endswith("[]") else _text(cols, "lang", "langs"))
    )
    mentions = _list(cols, "mentions")
    text = _text(cols, "text")
    from_text = f"regexp_extract_all(COALESCE({text}, ''), {literal(HANDLE_RE)}, 1)"
    mention_expr = (
        (
            f"CASE WHEN list_bool_or(list_transform({mentions}, lambda m_: m_ LIKE 'did:%')) "
            f"THEN {from_text} ELSE {mentions} END"
        )
        if mentions
        else from_text
    )
    urls = [u for u in (_list(cols, "links"), _list(cols, "external_uri")) if u]
    url_expr = (
        "list_filter(list_concat(" + ", ".join(urls) + "), lambda u_: u_ IS NOT NULL)"
        if urls
        else "NULL"
    )
    repost, reply = _flag(cols, "is_repost"), _flag(cols, "is_reply")
    reposter = f"lower({_text(cols, 'account')})"
    counts = {
        k: (big(f"CAST({c[0]} AS VARCHAR)") if (c := _col(cols, k)) else "NULL")
        for k in ("like_count", "repost_count", "reply_count", "quote_count")
    }
    return f"""
        SELECT ? AS platform, _line AS source_line,
            CASE WHEN {repost} THEN 'repost:' || {reposter} || ':' || {post_uri} ELSE {post_uri} END
                AS post_id,
            CASE WHEN {repost} THEN {reposter} ELSE COALESCE({_text(cols, "author_did")}, {did}) END
                AS account_id,
            CASE WHEN {repost} THEN {reposter} ELSE {handle} END AS handle,
            {_time(cols, *_TIME)} AS created_at,
            CASE WHEN {repost} THEN 'repost' WHEN {reply} THEN 'reply' ELSE 'post' END AS kind,
            CASE WHEN {repost} THEN {post_uri} END AS target_post_id,
            CASE WHEN {repost} THEN {did} END AS target_account_id,
            CASE WHEN {repost} THEN {handle} END AS target_handle,
            {text} AS text, {language} AS language,
            {_list(cols, "hashtags") or "NULL"} AS hashtags,
            CASE WHEN {repost} THEN []::VARCHAR[] ELSE {mention_expr} END AS mentions,
            {url_expr} AS urls,
            {counts["like_count"]} AS like_count, {counts["repost_count"]} AS repost_count,
            {counts["reply_count"]} AS reply_count, {counts["quote_count"]} AS quote_count,
            CASE WHEN post_id IS NULL OR account_id IS NULL OR created_at IS NULL
                 THEN concat_ws(',', {post_uri}, {handle}, CAST({_time(cols, *_TIME)} AS VARCHAR))
            END AS _raw
        FROM src"""


def _accounts_select(cols: dict) -> str:
    counts = {
        k: (big(f"CAST({c[0]} AS VARCHAR)") if (c := _col(cols, *names)) else "NULL")
        for k, names in (
            ("followers", ("followers_count", "followers")),
            ("following", ("follows_count", "following_count", "following")),
            ("post_count", ("posts_count", "post_count")),
        )
    }
    return f"""
        SELECT ? AS platform, _line AS source_line, true AS _primary,
            {_text(cols, "did")} AS account_id, {_text(cols, "handle")} AS handle,
            {_text(cols, "display_name", "displayname")} AS display_name,
            {_text(cols, "description")} AS description, {_time(cols, "created_at", "createdat")}
                AS created_at,
            {counts["followers"]} AS followers, {counts["following"]} AS following,
            {counts["post_count"]} AS post_count,
            CASE WHEN account_id IS NULL THEN concat_ws(',', {_text(cols, "did")},
                                                        {_text(cols, "handle")}) END AS _raw
        FROM src"""
