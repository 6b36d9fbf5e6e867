"""ReadContext and finalizer details that readers rely on."""

from __future__ import annotations

from ioscope.ingest.context import ReadContext


def test_stage_arrow_after_stage_sql(ws, tmp_path):
    """A count read with fetchone() used to leave the connection busy, so register() failed."""
    ws.con.begin()
    ctx = ReadContext(ws.con, str(tmp_path / "x"), "test", "run")
    ctx.stage_sql("stg_posts", "SELECT 'p1' AS post_id")
    assert ctx.stage_arrow("stg_posts", [{"post_id": "p2"}]) == 1
    assert ws.con.execute("SELECT count(*) FROM stg_posts").fetchall()[0][0] == 2
    ws.con.rollback()
