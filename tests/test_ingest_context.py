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
    n = 20_000
    ctx.stage_sql(
        "stg_posts",
        "SELECT 'p' || i AS post_id, 'u' || (i % 5000) AS account_id, "
        "'h' AS handle, TIMESTAMP '2020-01-01' AS created_at, 'post' AS kind, "
        f"i AS source_line FROM range({n}) t(i)",
    )
    ctx.stage_sql(
        "stg_accounts",
        "SELECT 'u' || (i % 5000) AS account_id, 'h' AS handle, "
        f"'Name' AS display_name, false AS _primary, i AS source_line FROM range({n}) t(i)",
    )
    ctx.rows_read = n
    finalize(ctx)
    assert ws.con.execute("SELECT count(display_name) FROM accounts").fetchall()[0][0] == 5000
    ws.con.rollback()
