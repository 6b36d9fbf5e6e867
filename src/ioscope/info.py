"""What a workspace holds: ``ioscope info``."""

from __future__ import annotations

import json
from typing import Any

from ioscope.jsonenc import iso_time
from ioscope.model import all_tables
from ioscope.workspace import Workspace

__all__ = ["workspace_info"]


def workspace_info(ws: Workspace, *, runs: int = 5) -> dict[str, Any]:
    """Schema version, row counts per table, platforms, time range, quarantine and the last runs."""
    meta = ws.metadata()
    names = [
        r[0]
        for r in ws.sql(
            "SELECT table_name FROM duckdb_tables() WHERE NOT temporary "
            "AND schema_name = 'main' ORDER BY table_name"
        ).fetchall()
    ]
    known = [t.name for t in all_tables() if t.name in names]
    tables = {n: ws.count(n) for n in known + [n for n in names if n not in known]}
    platforms = {
        p: n
        for p, n in ws.sql(
            "SELECT platform, count(*) FROM posts GROUP BY platform ORDER BY 2 DESC, 1"
        ).fetchall()
    }
    lo, hi = ws.sql("SELECT min(created_at), max(created_at) FROM posts").fetchone()
    last = []
    for r in ws.last_runs(runs):
        last.append(
            {
                "run_id": r["run_id"],
                "command": r["command"],
                "parameters": json.loads(r["parameters"] or "{}"),
                "started_at": r["started_at"],
                "finished_at": r["finished_at"],
                "ioscope_version": r["ioscope_version"],
            }
        )
    return {
        "path": ws.path,
        "schema_version": int(meta.get("schema_version", 0)),
        "ioscope_version": meta.get("ioscope_version"),
        "created_at": meta.get("created_at"),
        "tables": tables,
        "platforms": platforms,
        "time_range": {"start": iso_time(lo) if lo else None, "end": iso_time(hi) if hi else None},
        "quarantine": tables.get("quarantine", 0),
        "quarantine_reasons": {
            r: n
            for r, n in ws.sql(
                "SELECT regexp_replace(reason, '[:(].*', ''), count(*) FROM quarantine "
                "GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 10"
            ).fetchall()
        },
        "last_runs": last,
        "sources": _sources(ws),
        "compliance_events": _compliance(ws),
    }


def _sources(ws: Workspace) -> list[dict[str, Any]]:
    """Per input file of every ingest: format and counts (read = ingested + duplicate +
    quarantined), and the files an ingest skipped."""
    out = []
    for run_id, counts in ws.sql(
        "SELECT run_id, row_counts FROM runs WHERE command = 'ingest' ORDER BY started_at, run_id"
    ).fetchall():
        counts = json.loads(counts or "{}")
        for f in counts.get("files", []):
            out.append(
                {
                    "run_id": run_id,
                    "path": f["path"],
                    "format": f["format"],
                    **{
                        k: f.get(k, 0)
                        for k in (
                            "rows_read",
                            "rows_ingested",
                            "rows_duplicate",
                            "rows_quarantined",
                        )
                    },
                }
            )
        for s in counts.get("skipped", []):
            out.append(
                {"run_id": run_id, "path": s["path"], "format": None, "skipped": s["reason"]}
            )
    return out


def _compliance(ws: Workspace) -> dict[str, Any]:
    """Compliance events per object kind and action, and the posts they delete."""
    if not ws.has_table("compliance_events"):
        return {"events": 0, "by_action": [], "deleted_posts_held": 0}
    by_action = ws.rows(
        "SELECT object_kind, action, count(*) AS events, min(event_at) AS first, "
        "max(event_at) AS last FROM compliance_events GROUP BY ALL "
        "ORDER BY events DESC, object_kind, action"
    )
    held = ws.sql(
        "SELECT count(*) FROM posts p WHERE EXISTS (SELECT 1 FROM compliance_events e "
        "WHERE e.object_kind = 'post' AND e.action = 'delete' AND "
        "e.platform = p.platform AND e.object_id = p.post_id)"
    ).fetchone()[0]
    return {
        "events": sum(r["events"] for r in by_action),
        "by_action": by_action,
        "deleted_posts_held": held,
    }
