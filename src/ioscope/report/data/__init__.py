"""The facts the report and the web UI show, one module per topic, each query traced.

Every function takes a :class:`~ioscope.report.trace.Tracer` and returns a plain dict (JSON-able
apart from :class:`~ioscope.report.trace.Query` objects, which the renderers turn into references).
When the tables a function needs are absent it returns ``status = "not_run"`` with the command to
run; when they exist but hold nothing it returns ``status = "empty"``. Nothing here writes.
"""

from __future__ import annotations

from typing import Any

__all__ = ["section", "not_run", "empty", "STAGE_COMMANDS"]

#: What to run to produce each stage's tables (``{ws}`` is the workspace path).
STAGE_COMMANDS = {
    "detect": "ioscope detect {ws}",
    "accounts": "ioscope accounts {ws} score",
    "ads_ingest": "ioscope ingest {ws} ADS_FILE",
    "ads": "ioscope ads {ws}",
    "ingest": "ioscope ingest {ws} FILE",
}


def section(id: str, title: str, **data: Any) -> dict[str, Any]:
    return {"id": id, "title": title, "status": "ok", "message": None, **data}


def not_run(id: str, title: str, ws_path: str, stage: str, what: str) -> dict[str, Any]:
    cmd = STAGE_COMMANDS[stage].format(ws=ws_path)
    return {
        "id": id,
        "title": title,
        "status": "not_run",
        "message": f"{what} not run yet: run `{cmd}`.",
        "command": cmd,
    }


def empty(id: str, title: str, message: str, **data: Any) -> dict[str, Any]:
    return {"id": id, "title": title, "status": "empty", "message": message, **data}
