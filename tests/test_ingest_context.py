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


def test_staged_profile_wins_over_bare_author_row(ws, tmp_path):
    """The finalizer's bare author row (from the post) used to tie with the reader's full profile."""
    from ioscope.ingest.finalize import finalize

    ws.con.begin()
    ctx = ReadContext(ws.con, str(tmp_path / "x"), "test", "run", options={"platform": "twitter"})
    for line in range(1, 41):
        ctx.stage_sql("stg_posts", f"SELECT 'p{line}' AS post_id, 'u{line}' AS account_id, "
                      f"'h{line}' AS handle, TIMESTAMP '2020-01-01' AS created_at, 'post' AS kind, "
                      f"{line} AS source_line")
        ctx.stage_sql("stg_accounts", f"SELECT 'u{line}' AS account_id, 'h{line}' AS handle, "
                      f"'Name {line}' AS display_name, false AS _primary, {line} AS source_line")
    ctx.rows_read = 40
    finalize(ctx)
    assert ws.con.execute("SELECT count(display_name) FROM accounts").fetchall()[0][0] == 40
    ws.con.rollback()
