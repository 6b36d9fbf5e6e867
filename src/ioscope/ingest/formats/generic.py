"""Generic tables: ``csv`` and ``parquet`` with a column mapping (``--map canonical=source,…``).

A file is a posts table when ``post_id`` is mapped (or a column has that name), else an accounts
table when ``account_id`` is; each row is one record. Columns that already carry canonical names
need no mapping, so the simulator's ``posts.parquet`` and ``accounts.parquet`` read as they are.
Posts need post_id, account_id and created_at. Values are converted by the canonical column's
type: times from text in any form :func:`ioscope.ingest.sqlfrag.ts` reads, Unix seconds or
milliseconds, or native timestamps (with a zone: converted to UTC); counts from numbers or text;
lists (hashtags, mentions, urls, …) from list columns or from text — a ``[...]`` literal, or items
separated by whitespace, commas, semicolons or '|' (URLs: whitespace, '|', or a comma before the
next ``scheme://``). ``kind`` accepts post/repost/reply/quote and the usual synonyms (retweet,
share, forward, comment, quote_tweet, tweet, original); without a kind column every row is a
post. The platform comes from a platform column or ``--platform``. A ``media`` column (a list, or
text split like the other lists) holds content hashes of the files each post carries: each goes
to ``post_media`` as its id and content hash, so equal values are the same item on any platform.
In an accounts table, a ``profile_image`` column (a URL) goes to ``account_images``.

The CSV reader is the one reader that sniffs its dialect: the delimiter (comma, semicolon, tab or
'|') that splits the first lines into the same number of fields; quotes are ``"``, doubled to
escape. The dialect used is recorded in the run (the file's ``dialect``).
"""

from __future__ import annotations

import duckdb

from ioscope.errors import InputFormatError, MissingColumnError, UsageError
from ioscope.ingest.context import ReadContext
from ioscope.ingest.csvsrc import read_header, sniff_dialect
from ioscope.ingest.media import stage_account_images, stage_media
from ioscope.ingest.registry import header_names, register_reader
from ioscope.ingest.sqlfrag import big, split_list, ts
from ioscope.ingest.sqlfrag import nullif_blank as nb
from ioscope.model.table import get_table
from ioscope.sql import literal
from ioscope.sql import quote_ident as qi

_KINDS = {
    "post": "post",
    "tweet": "post",
    "original": "post",
    "status": "post",
    "repost": "repost",
    "retweet": "repost",
    "share": "repost",
    "forward": "repost",
    "reblog": "repost",
    "reply": "reply",
    "comment": "reply",
    "quote": "quote",
    "quote_tweet": "quote",
    "quoted": "quote",
}
_SKIP = {"source_file", "source_line", "run_id"}  # provenance: ioscope's own


def _canonical_header(head: str) -> bool:
    return {"post_id", "account_id", "created_at"} <= set(header_names(head))


@register_reader(
    "csv",
    summary="any CSV, columns mapped with --map canonical=source,... "
    "(canonical names need no mapping)",
    sniff=lambda p, h: _canonical_header(h),
    priority=90,
)
def read_csv(ctx: ReadContext) -> None:
    dialect = sniff_dialect(ctx.path)  # the one reader that sniffs; the run records the dialect
    header = read_header(ctx.path, dialect)
    target, cols = _plan(ctx, header)
    ctx.load_csv(required=sorted(set(cols.values()), key=header.index), dialect=dialect)
    types = {c: "VARCHAR" for c in cols.values()}
    _stage(ctx, target, cols, types, "src")


@register_reader(
    "parquet",
    summary="any Parquet file, columns mapped with --map (canonical names, "
    "e.g. the simulator's posts.parquet, need none)",
    sniff=lambda p, h: h.startswith("PAR1"),
    priority=90,
)
def read_parquet(ctx: ReadContext) -> None:
    src = f"read_parquet({literal(ctx.path)}, file_row_number = true)"
    try:
        described = ctx.con.execute(f"DESCRIBE SELECT * FROM {src}").fetchall()
    except duckdb.Error as e:
        raise InputFormatError(
            f"cannot be read as Parquet: {str(e).splitlines()[0]}", path=ctx.path
        ) from None
    types = {name: typ for name, typ, *_ in described if name != "file_row_number"}
    target, cols = _plan(ctx, list(types))
    select = ", ".join(qi(c) for c in sorted(set(cols.values()), key=list(types).index))
    ctx.con.execute(
        f"CREATE OR REPLACE TEMP VIEW src AS SELECT {select}, "
        f"CAST(file_row_number AS BIGINT) + 1 AS _line FROM {src}"
    )
    ctx.rows_read += ctx.con.execute("SELECT count(*) FROM src").fetchall()[0][0]
    _stage(ctx, target, cols, types, "src")
    ctx.con.execute("DROP VIEW src")


def _plan(ctx: ReadContext, header: list[str]) -> tuple[str, dict[str, str]]:
    """(target table, canonical column -> source column) from the mapping and the header."""
    mapping = dict(ctx.options.get("mapping") or {})
    by_lower = {h.lower(): h for h in header}
    posts, accounts = get_table("posts").column_names, get_table("accounts").column_names
    known = set(posts) | set(accounts) | {"media", "profile_image"}
    for canon, source in mapping.items():
        if canon not in known or canon in _SKIP:
            raise UsageError(
                f"--map: {canon!r} is not a canonical column. Posts have "
                f"{', '.join(c for c in posts if c not in _SKIP)}; accounts have "
                f"{', '.join(c for c in accounts if c not in _SKIP)}."
            )
        if source.lower() not in by_lower:
            raise MissingColumnError(
                f"{ctx.path}: --map {canon}={source}: the file has no column {source!r} "
                f"(columns: {', '.join(header[:20])}).",
                hint="Check the column names in --map.",
            )
    target = "posts" if ("post_id" in mapping or "post_id" in by_lower) else "accounts"
    if target == "accounts" and "account_id" not in mapping and "account_id" not in by_lower:
        raise MissingColumnError(
            f"{ctx.path}: the {ctx.format} format needs a post_id column (a posts table) or an "
            f"account_id column (an accounts table); map one with --map post_id=COLUMN.",
            hint="Columns with canonical names need no mapping; see `ioscope ingest --help`.",
        )
    names = posts + ["media"] if target == "posts" else accounts + ["profile_image"]
    cols = {c: by_lower[mapping[c].lower()] for c in names if c in mapping}
    cols.update(
        {c: by_lower[c] for c in names if c not in cols and c in by_lower and c not in _SKIP}
    )
    need = ["post_id", "account_id", "created_at"] if target == "posts" else ["account_id"]
    for c in need:
        if c not in cols:
            raise MissingColumnError(
                f"{ctx.path}: a {target} table needs {c!r}; map it with --map {c}=COLUMN."
            )
    if "platform" not in cols and not ctx.platform:
        raise UsageError(
            f"{ctx.path}: the file has no platform column; say which platform "
            "it is from with --platform (e.g. --platform twitter)."
        )
    return target, cols


def _convert(canon: str, typ: str, source: str, src_type: str) -> str:
    """SQL converting one source column to the canonical column's type."""
    col = qi(source)
    text = src_type.upper() in ("VARCHAR", "TEXT", "STRING")
    if typ == "TIMESTAMP":
        if "TIME ZONE" in src_type.upper():
            return f"CAST(timezone('UTC', {col}) AS TIMESTAMP)"
        if src_type.upper().startswith(("TIMESTAMP", "DATE")):
            return f"CAST({col} AS TIMESTAMP)"
        return ts(f"CAST({col} AS VARCHAR)")
    if typ == "BIGINT":
        return big(col) if text else f"TRY_CAST({col} AS BIGINT)"
    if typ == "BOOLEAN":
        return (
            f"CASE WHEN lower(trim({col})) IN ('true', 't', '1', 'yes', 'y') THEN true "
            f"WHEN lower(trim({col})) IN ('false', 'f', '0', 'no', 'n') THEN false END"
            if text
            else f"TRY_CAST({col} AS BOOLEAN)"
        )
    if typ == "VARCHAR[]":
        if src_type.endswith("[]"):
            return f"list_transform({col}, lambda x: CAST(x AS VARCHAR))"
        return split_list(f"CAST({col} AS VARCHAR)", urls=canon == "urls")
    if canon == "kind":
        cases = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in _KINDS.items())
        return f"COALESCE(CASE lower(trim({col})) {cases} END, lower(trim({col})))"
    return nb(f"CAST({col} AS VARCHAR)")


def _stage(
    ctx: ReadContext, target: str, cols: dict[str, str], types: dict[str, str], src: str
) -> None:
    table = get_table(target)
    ctypes = {c.name: c.type for c in table.columns} | {
        "media": "VARCHAR[]",
        "profile_image": "VARCHAR",
    }
    exprs = {c: _convert(c, ctypes[c], s, types[s]) for c, s in cols.items()}
    media, picture = exprs.pop("media", None), exprs.pop("profile_image", None)
    if "platform" not in exprs:
        exprs["platform"] = literal(ctx.platform)
    elif ctx.platform:
        exprs["platform"] = f"COALESCE({exprs['platform']}, {literal(ctx.platform)})"
    select = ", ".join(f"{e} AS {qi(c)}" for c, e in exprs.items())
    if target == "accounts":
        ctx.stage_sql(
            "stg_accounts", f"SELECT {select}, _line AS source_line, true AS _primary FROM {src}"
        )
        if picture:
            stage_account_images(
                ctx,
                f"""SELECT * FROM (
                SELECT {exprs["platform"]} AS platform, {exprs["account_id"]} AS account_id,
                       'avatar' AS kind, {picture} AS url, _line AS source_line FROM {src})
                WHERE url IS NOT NULL""",
            )
        return
    if "kind" not in exprs:
        exprs["kind"] = "'post'"
        select += ", 'post' AS kind"
    t_src, t_expr = cols["created_at"], exprs["created_at"]
    bad_time = f"({t_expr}) IS NULL AND {nb(f'CAST({qi(t_src)} AS VARCHAR)')} IS NOT NULL"
    ctx.stage_sql(
        "stg_posts",
        f"""
        SELECT {select}, _line AS source_line,
               CASE WHEN {bad_time} THEN {literal(t_src)} END AS _error_field,
               CASE WHEN {bad_time} THEN 'unparseable time ''' || CAST({qi(t_src)} AS VARCHAR)
                    || '''' END AS _error
        FROM {src}""",
    )
    if media:
        stage_media(
            ctx,
            f"""SELECT *, media_id AS content_hash FROM (
            SELECT {exprs["platform"]} AS platform, {exprs["post_id"]} AS post_id,
                   unnest(list_distinct({media})) AS media_id, _line AS source_line FROM {src})
            WHERE NULLIF(trim(media_id), '') IS NOT NULL""",
        )
