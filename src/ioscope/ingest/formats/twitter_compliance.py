"""Twitter compliance files (batch compliance jobs, as twarc2 writes them): one JSON object a
line, ``{"id", "action", "created_at", "redacted_at", "reason"}``.

Each line becomes a row of ``compliance_events``: ``id`` is the post (a tweets job) or the account
(a users job), ``action`` what happened (``delete``), ``reason`` why (deleted, protected,
suspended, deactivated, ...), ``redacted_at`` the event time and ``created_at`` the creation time
of the post or account. A compliance file does not say which kind of job it comes from:
``twitter-compliance`` reads post ids, ``twitter-compliance-users`` account ids, and
auto-detection picks the latter when the file name contains "user".
"""

from __future__ import annotations

import os

import orjson

from ioscope.ingest.compliance import stage_compliance_sql
from ioscope.ingest.context import ReadContext
from ioscope.ingest.jsonsql import id_text, not_object_error
from ioscope.ingest.jsonsrc import json_chunks
from ioscope.ingest.registry import register_reader
from ioscope.ingest.sqlfrag import ts
from ioscope.sql import literal

_SHAPE = (
    '\'{"id": "VARCHAR", "action": "VARCHAR", "reason": "VARCHAR", '
    '"created_at": "VARCHAR", "redacted_at": "VARCHAR"}\''
)


def _is_compliance(head: str) -> bool:
    for line in head.splitlines():
        if line.strip():
            try:
                value = orjson.loads(line)
            except orjson.JSONDecodeError:
                return False
            return (
                isinstance(value, dict)
                and {"id", "action"} <= value.keys()
                and "text" not in value
                and "data" not in value
            )
    return False


def _users(path: str) -> bool:
    return "user" in os.path.basename(path).lower()


def _read(ctx: ReadContext, kind: str) -> None:
    platform = literal(ctx.platform or "twitter")
    for chunk in json_chunks(ctx):
        error = f"""COALESCE({not_object_error(what="a compliance record")},
            CASE WHEN id IS NULL THEN 'compliance record without an id' END)"""
        ctx.rows_read += stage_compliance_sql(
            ctx,
            f"""
            SELECT {platform} AS platform, '{kind}' AS object_kind, id AS object_id,
                   CASE WHEN '{kind}' = 'account' THEN id END AS account_id,
                   lower(t.action) AS action, t.reason AS reason,
                   {ts("t.redacted_at")} AS event_at, {ts("t.created_at")} AS object_created_at,
                   _line AS source_line,
                   CASE WHEN {error} IS NOT NULL THEN 'id' END AS _error_field, {error} AS _error,
                   left(json, 10000) AS _raw
            FROM (SELECT _line, json, t, {id_text("t.id", "json_extract(json, '$.id')")} AS id
                  FROM (SELECT _line, json, CASE WHEN json_type(json) = 'OBJECT'
                               THEN json_transform(json, {_SHAPE}) END AS t FROM _json))""",
            chunk,
        )


@register_reader(
    "twitter-compliance",
    summary="Twitter compliance file of a tweets job "
    "(twarc2 compliance output: id, action, reason per line)",
    sniff=lambda p, h: _is_compliance(h) and not _users(p),
    priority=25,
)
def read_tweets_compliance(ctx: ReadContext) -> None:
    _read(ctx, "post")


@register_reader(
    "twitter-compliance-users",
    summary="Twitter compliance file of a users job "
    "(auto-detected when the file name contains 'user')",
    sniff=lambda p, h: _is_compliance(h) and _users(p),
    priority=25,
)
def read_users_compliance(ctx: ReadContext) -> None:
    _read(ctx, "account")
