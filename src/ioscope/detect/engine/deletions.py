"""``detect --honor-deletions``: the posts detection reads, without those deleted at the source.

While the context is open, a temporary view named ``posts`` shadows the workspace table (DuckDB
resolves a name in ``temp`` first, as :meth:`ioscope.workspace.Workspace.run`'s twins do), so
every signal reads the filtered posts without knowing it. A post is left out when
``compliance_events`` holds a ``delete`` of it (object_kind 'post'), or of its account
(object_kind 'account').
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from ioscope.sql import quote_ident
from ioscope.workspace import Workspace

__all__ = ["posts_seen", "DELETED_POST"]

#: SQL condition on a posts row ``p``: a compliance event deleted the post or its account
DELETED_POST = """EXISTS (SELECT 1 FROM compliance_events e WHERE e.action = 'delete'
    AND e.platform = p.platform AND ((e.object_kind = 'post' AND e.object_id = p.post_id)
      OR (e.object_kind = 'account' AND e.object_id = p.account_id)))"""


@contextmanager
def posts_seen(ws: Workspace, *, honor_deletions: bool) -> Iterator[dict[str, int]]:
    """Yield ``{"posts": n, "left_out_deleted": k}``; with ``honor_deletions``, ``posts`` is the
    filtered view until the context ends."""
    total = ws.count("posts")
    if not honor_deletions or not ws.has_table("compliance_events"):
        yield {"posts": total, "left_out_deleted": 0}
        return
    db = quote_ident(ws.con.execute("SELECT current_database()").fetchone()[0])
    ws.con.execute(
        f"CREATE OR REPLACE TEMP VIEW posts AS SELECT * FROM {db}.main.posts p "
        f"WHERE NOT {DELETED_POST}"
    )
    try:
        kept = ws.con.execute("SELECT count(*) FROM posts").fetchone()[0]
        yield {"posts": kept, "left_out_deleted": total - kept}
    finally:
        ws.con.execute("DROP VIEW IF EXISTS temp.main.posts")
