"""Compliance events: deletions, withholdings, suspensions and geo scrubbing, kept, not quarantined.

Readers stage events in ``stg_compliance`` (one row per notice, with its line); the finalizer
merges them into ``compliance_events`` with :func:`merge_compliance`. A Twitter v1.1 stream
interleaves notices with tweets (``{"delete": {"status": {...}, "timestamp_ms": ...}}``,
``scrub_geo``, ``status_withheld``, ``user_withheld`` and the account notices ``user_delete``,
``user_suspend``, ``user_protect``, ...): :func:`stage_stream_notices` takes them out of a chunk
before the tweets are read.
"""

from __future__ import annotations

from ioscope.ingest.context import ReadContext
from ioscope.ingest.lazy import lazy
from ioscope.ingest.sqlfrag import ts
from ioscope.model.table import get_table
from ioscope.sql import literal

pa = lazy("pyarrow")
pc = lazy("pyarrow.compute")

__all__ = [
    "stage_stream_notices",
    "stage_compliance_sql",
    "merge_compliance",
    "staged_count",
    "NOTICE_KEYS",
]

#: v1.1 stream notices about a post or an account, by their single key
NOTICE_KEYS = (
    "delete",
    "scrub_geo",
    "status_withheld",
    "user_withheld",
    "user_delete",
    "user_undelete",
    "user_suspend",
    "user_unsuspend",
    "user_protect",
    "user_unprotect",
    "user_deactivate",
)
_ACTIONS = {
    "delete": "delete",
    "status_withheld": "withhold",
    "user_withheld": "withhold",
    "scrub_geo": "scrub_geo",
}
_BOOKKEEPING = '"_error_field" VARCHAR, "_error" VARCHAR, "_raw" VARCHAR'


def _ensure(ctx: ReadContext, table: str, canonical: str) -> None:
    cols = ", ".join(f'"{c.name}" {c.type}' for c in get_table(canonical).columns)
    ctx.con.execute(f"CREATE TEMP TABLE IF NOT EXISTS {table} ({cols}, {_BOOKKEEPING})")


def staged_count(con, table: str) -> int:
    """Rows of a staging table this module makes (0 when the reader made none)."""
    if not con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE temporary AND table_name = ?", [table]
    ).fetchall()[0][0]:
        return 0
    return con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]


def stage_compliance_sql(ctx: ReadContext, select_sql: str, chunk: pa.Table | None = None) -> int:
    """Stage the rows of ``select_sql`` (compliance_events columns by name) as events;
    ``chunk``, when given, is visible to the query as ``_json``."""
    _ensure(ctx, "stg_compliance", "compliance_events")
    _json = chunk  # noqa: F841  (read by DuckDB as a local variable of this frame)
    return ctx.con.execute(f"INSERT INTO stg_compliance BY NAME {select_sql}").fetchall()[0][0]


def stage_stream_notices(ctx: ReadContext, chunk: pa.Table) -> pa.Table:
    """Stage the stream notices of a chunk ``(_line, json)`` as events (each counts as a record
    read); return the chunk without them. Notices without an id are quarantined."""
    keys = ", ".join(literal(k) for k in NOTICE_KEYS)
    _json = chunk  # noqa: F841  (read by DuckDB as a local variable)
    # a notice is a short object with one key; the length test spares parsing every tweet
    lines = ctx.con.execute(f"""SELECT _line FROM _json WHERE strlen(json) < 2048
        AND json_type(json) = 'OBJECT' AND len(json_keys(json)) = 1
        AND json_keys(json)[1] IN ({keys})""").fetchall()
    if not lines:
        return chunk
    found = pa.array([r[0] for r in lines], pa.int64())
    notices = chunk.filter(pc.is_in(chunk["_line"], value_set=found))
    platform = literal(ctx.platform or "twitter")

    def get(*paths: str) -> str:
        return (
            "COALESCE(" + ", ".join(f"json_extract_string(json, p || '{x}')" for x in paths) + ")"
        )

    sql = f"""
        WITH n AS (SELECT _line, json, json_keys(json)[1] AS k,
                          '$."' || json_keys(json)[1] || '"' AS p FROM _json),
        e AS (SELECT *, CASE WHEN k IN ('delete', 'status_withheld') THEN 'post'
                             ELSE 'account' END AS object_kind,
                 {get(".status.id_str", ".status.id", ".id_str", ".id", ".user_id_str", ".user_id")}
                   AS object_id,
                 {get(".status.user_id_str", ".status.user_id", ".user_id_str", ".user_id")}
                   AS owner
              FROM n)
        SELECT {platform} AS platform, object_kind, object_id,
               CASE WHEN object_kind = 'account' THEN COALESCE(owner, object_id) ELSE owner END
                 AS account_id,
               CASE k {" ".join(f"WHEN '{a}' THEN '{b}'" for a, b in _ACTIONS.items())}
                      ELSE substr(k, 6) END AS action,
               CAST(json_extract(json, p || '.withheld_in_countries') AS VARCHAR[]) AS countries,
               {get(".up_to_status_id_str", ".up_to_status_id")} AS up_to_post_id,
               COALESCE({ts(get(".timestamp_ms"))}, {ts("json_extract_string(json, '$.timestamp_ms')")})
                 AS event_at,
               _line AS source_line,
               CASE WHEN object_id IS NULL THEN 'object_id' END AS _error_field,
               CASE WHEN object_id IS NULL THEN 'compliance notice ' || k || ' without an id' END
                 AS _error, left(json, 10000) AS _raw
        FROM e"""
    stage_compliance_sql(ctx, f"SELECT * FROM ({sql})", notices)
    ctx.rows_read += notices.num_rows
    return chunk.filter(pc.invert(pc.is_in(chunk["_line"], value_set=found)))


_KEY = ("platform", "object_kind", "object_id", "action", "reason", "event_at")


def merge_compliance(ctx: ReadContext, source: str) -> int:
    """Quarantine invalid staged events, insert the new ones; returns how many were new.

    An event is new unless one with the same platform, object, action, reason and time is
    already in the workspace or earlier in the file (a re-ingest adds nothing)."""
    con = ctx.con
    if not staged_count(con, "stg_compliance"):
        return 0
    plat = f"COALESCE(platform, {literal(ctx.platform) if ctx.platform else 'NULL'})"
    con.execute(f"UPDATE stg_compliance SET platform = {plat}")
    con.execute("""UPDATE stg_compliance SET _error_field = 'platform',
        _error = 'no platform (give --platform)' WHERE _error IS NULL AND platform IS NULL""")
    table = get_table("compliance_events")
    table.create(con)
    cols = table.column_names
    exprs = {
        **{c: f's."{c}"' for c in cols},
        "source_file": literal(source),
        "run_id": literal(ctx.run_id),
    }
    same = " AND ".join(f"x.{c} IS NOT DISTINCT FROM s.{c}" for c in _KEY)
    n = con.execute(f"""INSERT INTO compliance_events ({", ".join(cols)})
        SELECT {", ".join(exprs[c] for c in cols)} FROM (
            SELECT *, row_number() OVER (PARTITION BY {", ".join(_KEY)} ORDER BY source_line)
                   AS _rn FROM stg_compliance WHERE _error IS NULL) s
        WHERE _rn = 1 AND NOT EXISTS (SELECT 1 FROM compliance_events x WHERE {same})
        ORDER BY source_line""").fetchall()[0][0]
    return n


def quarantine_compliance(ctx: ReadContext) -> None:
    """Move staged events with an error to stg_quarantine (before the quarantine is written)."""
    if not staged_count(ctx.con, "stg_compliance"):
        return
    ctx.con.execute(
        "INSERT INTO stg_quarantine SELECT source_line, _error_field, _error, _raw "
        "FROM stg_compliance WHERE _error IS NOT NULL"
    )
    ctx.con.execute("DELETE FROM stg_compliance WHERE _error IS NOT NULL")
