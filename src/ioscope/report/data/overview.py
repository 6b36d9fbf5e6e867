"""What was analysed (sources, platforms, time range, counts, quarantine) and how (every run)."""

from __future__ import annotations

import json
from typing import Any

from ioscope.model import all_tables
from ioscope.report.data import empty, section
from ioscope.report.trace import Tracer

__all__ = ["analysed", "method", "table_counts"]

_INPUTS = '[{"path": "VARCHAR", "sha256": "VARCHAR", "size": "BIGINT"}]'
_FILES = (
    '[{"path": "VARCHAR", "format": "VARCHAR", "rows_read": "BIGINT", '
    '"rows_ingested": "BIGINT", "rows_duplicate": "BIGINT", "rows_quarantined": "BIGINT"}]'
)
_COMPANIONS = '[{"path": "VARCHAR", "of": "VARCHAR", "format": "VARCHAR"}]'


def table_counts(tr: Tracer) -> tuple[list[dict[str, Any]], Any]:
    """Rows in every registered table present in the workspace."""
    import ioscope.model.stages  # noqa: F401  (every stage's declarations)

    names = [t.name for t in all_tables() if tr.ws.has_table(t.name)]  # as stored
    sql = "\nUNION ALL ".join(
        f"SELECT '{n}' AS table_name, count(*) AS row_count FROM \"{n}\"" for n in names
    )
    return tr.rows("Rows per table", sql)


def analysed(tr: Tracer) -> dict[str, Any]:
    """Sources, platforms, time range, row counts and quarantined records."""
    title = "What was analysed"
    counts, q_counts = table_counts(tr)
    n_posts = next((r["row_count"] for r in counts if r["table_name"] == "posts"), 0)
    platforms, q_platforms = tr.rows(
        "Posts per platform and time range",
        """
        SELECT platform, count(*) AS posts, min(created_at) AS first_post, max(created_at) AS last_post
        FROM posts GROUP BY platform ORDER BY posts DESC, platform""",
    )
    accounts, q_accounts = tr.rows(
        "Accounts per platform",
        """
        SELECT platform, count(*) AS accounts, count(created_at) AS with_creation_date
        FROM accounts GROUP BY platform ORDER BY accounts DESC, platform""",
    )
    kinds, q_kinds = tr.rows(
        "Posts per kind",
        """
        SELECT kind, count(*) AS posts FROM posts GROUP BY kind ORDER BY posts DESC, kind""",
    )
    span, q_span = tr.one(
        "Time range of all posts",
        """
        SELECT min(created_at) AS first_post, max(created_at) AS last_post FROM posts""",
    )
    sources, q_sources = tr.rows(
        "Input files of every ingest, with their sha256",
        f"""
        WITH inputs AS (
          SELECT run_id, finished_at, unnest(from_json(inputs, '{_INPUTS}'), recursive := true)
          FROM runs WHERE command = 'ingest'),
        files AS (
          SELECT run_id, unnest(from_json(row_counts -> 'files', '{_FILES}'), recursive := true)
          FROM runs WHERE command = 'ingest'),
        companions AS (
          SELECT run_id, unnest(from_json(row_counts -> 'companions', '{_COMPANIONS}'),
                                recursive := true)
          FROM runs WHERE command = 'ingest')
        SELECT i.path,
               coalesce(f.format, c.format || ', read with '
                                  || regexp_extract(c."of", '[^/\\\\]+$')) AS format,
               i.sha256, i.size AS bytes, f.rows_read, f.rows_ingested,
               f.rows_duplicate, f.rows_quarantined, i.run_id,
               i.finished_at
        FROM inputs i LEFT JOIN files f ON f.run_id = i.run_id AND f.path = i.path
        LEFT JOIN companions c ON c.run_id = i.run_id AND c.path = i.path
        ORDER BY i.finished_at, i.path""",
    )
    quarantine, q_quarantine = tr.rows(
        "Quarantined records per file and reason",
        """
        SELECT source_file, format, regexp_replace(reason, '[:(].*', '') AS reason, count(*) AS records
        FROM quarantine GROUP BY ALL ORDER BY records DESC, source_file, reason LIMIT 50""",
    )
    data = dict(
        counts=counts,
        q_counts=q_counts,
        platforms=platforms,
        q_platforms=q_platforms,
        accounts=accounts,
        q_accounts=q_accounts,
        kinds=kinds,
        q_kinds=q_kinds,
        span=span,
        q_span=q_span,
        sources=sources,
        q_sources=q_sources,
        quarantine=quarantine,
        q_quarantine=q_quarantine,
        n_posts=n_posts,
        n_quarantined=sum(r["records"] for r in quarantine),
    )
    if not n_posts:
        return empty(
            "analysed",
            title,
            f"The workspace holds no posts yet: run `ioscope ingest {tr.ws.path} FILE`.",
            **data,
        )
    return section("analysed", title, **data)


def method(tr: Tracer) -> dict[str, Any]:
    """Every run that changed the workspace: command, parameters, version and input hashes."""
    runs, q_runs = tr.rows(
        "Every command that changed the workspace",
        """
        SELECT run_id, command, ioscope_version, started_at, finished_at, parameters, inputs,
               row_counts
        FROM runs ORDER BY started_at, run_id""",
    )
    meta, q_meta = tr.rows("Workspace metadata", "SELECT key, value FROM metadata ORDER BY key")
    for r in runs:
        r["parameters"] = _loads(r["parameters"], {})
        r["inputs"] = _loads(r["inputs"], [])
        r["row_counts"] = _loads(r["row_counts"], {})
    versions = sorted({r["ioscope_version"] for r in runs if r["ioscope_version"]})
    return section(
        "method",
        "Method, parameters and provenance",
        runs=runs,
        q_runs=q_runs,
        metadata={r["key"]: r["value"] for r in meta},
        q_meta=q_meta,
        versions=versions,
        commands=sorted({r["command"] for r in runs}),
    )


def _loads(value: Any, default: Any) -> Any:
    if value is None:
        return default
    if isinstance(value, (dict, list)):
        return value
    try:
        return json.loads(value)
    except (TypeError, ValueError):
        return default
