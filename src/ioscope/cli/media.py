"""``ioscope media WS hash DIR``: perceptual hashes of the user's media files."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape

from ioscope.cli.common import emit_json, handle_errors, out
from ioscope.cli.params import declared_options, given
from ioscope.errors import UsageError
from ioscope.ingest.media_hash import MEDIA_HASH_PARAMS, hash_media

ACTIONS = ("hash",)


def register(app: typer.Typer) -> None:
    app.command("media")(media_cmd)


@declared_options(MEDIA_HASH_PARAMS, after="directory")
@handle_errors()
def media_cmd(
    workspace: Path = typer.Argument(..., help="Workspace file (after `ioscope ingest`)."),
    action: str = typer.Argument(..., help="What to do: hash (the only action)."),
    directory: Path = typer.Argument(
        ...,
        help="Folder holding the media files (searched "
        "recursively; .jpg .jpeg .png .gif .webp .bmp .tif).",
    ),
    json: bool = typer.Option(False, "--json", help="Print the counts as JSON."),
    **declared: object,
) -> None:
    """Hash the images you hold and make near-identical ones one item for co_media.

    Matches each file to the posts' media (by export path, by the file name a URL ends with, or
    by a name equal to the media id or content hash) and to the profile pictures; nothing is
    fetched from the network.

    Example: ioscope media case.duckdb hash ./telegram_export
    """
    if action not in ACTIONS:
        raise UsageError(
            f"The 'action' argument of media must be one of {', '.join(ACTIONS)}. "
            f"Got {action!r} instead."
        )
    from ioscope.workspace import Workspace

    with Workspace.open(workspace) as ws:
        result = hash_media(ws, directory, **given(MEDIA_HASH_PARAMS, declared))
    if json:
        emit_json(result)
        return
    out.print(
        f"Hashed {result['hashed']:,} of {result['files']:,} image files "
        f"({result['unreadable']:,} unreadable); matched {result['post_media_hashed']:,} "
        f"post media and {result['account_images_hashed']:,} profile pictures; "
        f"{result['distinct_hashes']:,} distinct hashes in {result['groups']:,} "
        f"near-identical groups. Run {escape(result['run_id'])}."
    )
    for u in result["unreadable_files"][:10]:
        out.print(f"  unreadable: {escape(u['file'])}: {escape(u['reason'])}")
