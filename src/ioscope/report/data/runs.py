"""A stage's status comes from its recorded runs, never from the existence of its tables.

Every command that changes the workspace records one row in ``runs`` in the same transaction as
its results, and a failed command is rolled back, so a row in ``runs`` is the only proof that a
stage ran to the end. A stage's tables count for the report and the web UI only when a completed
run of the command that writes them is recorded; tables present without one (left by an
interrupted run of an older ioscope, or made by hand) are ignored and named as such.

The rules, per section (docs/report.md repeats them for readers):

- **not run**: no completed run of the stage's command is recorded;
- **ran and found nothing**: the latest completed run is recorded and its tables hold no result;
- **ran and found N**: the latest completed run is recorded and its tables hold N results.
"""

from __future__ import annotations

import json
from typing import Any

from ioscope.model import all_tables
from ioscope.report.data import not_run

__all__ = [
    "STAGE_COMMANDS_RUN",
    "DETECT_TABLES",
    "producing_commands",
    "orphan_tables",
    "detect_not_run",
]

#: The ``runs.command`` values whose completed run produces each stage's tables
#: (``Table.stage``); core tables (posts, accounts, ...) are written by ingest.
STAGE_COMMANDS_RUN: dict[str, tuple[str, ...]] = {
    "detect": ("detect",),
    "signif": ("detect",),
    "accounts": ("accounts signals", "accounts score", "accounts train"),
    "ads": ("ingest",),
}

#: Tables whose status is not a stage's result (always present, or the run log itself).
_ALWAYS = {"runs", "metadata", "quarantine"}

#: Per-table refinements of :data:`STAGE_COMMANDS_RUN`.
_TABLE_COMMANDS = {
    "account_signals": ("accounts signals",),
    "account_scores": ("accounts score",),
    "models": ("accounts train", "accounts score"),
}


def producing_commands(table: str) -> tuple[str, ...] | None:
    """The commands whose recorded run vouches for ``table``; None when no run is needed."""
    import ioscope.model.stages  # noqa: F401  (every stage's declarations)

    if table in _ALWAYS:
        return None
    if table in _TABLE_COMMANDS:
        return _TABLE_COMMANDS[table]
    stage = next((t.stage for t in all_tables() if t.name == table), "core")
    return None if stage == "core" else STAGE_COMMANDS_RUN.get(stage)


def orphan_tables(tr: Any, stage_tables: tuple[str, ...]) -> list[str]:
    """Those of ``stage_tables`` present in the workspace but not vouched for by a recorded run."""
    return [t for t in stage_tables if tr.ws.has_table(t) and not tr.has(t)]


#: The tables a detect run writes.
DETECT_TABLES = ("edges", "edge_evidence", "clusters", "cluster_members")


def detect_not_run(tr: Any, id: str, title: str) -> dict[str, Any] | None:
    """The "not run" section when no completed detect run vouches for the clusters (naming any
    tables left without one); the same for a raw or CNT-compatible run, which makes no
    clusters; None when the clusters can be read."""
    run = tr.last_run("detect")
    if run is not None and tr.has("clusters") and tr.has("cluster_members"):
        params = _json(run.get("parameters"))
        if params.get("mode") == "calibrated" or "mode" not in params:
            return None
        kind = f"CNT-compatible ({params['compat']})" if params.get("compat") else "raw"
        out = not_run(id, title, tr.ws.path, "detect", "Coordination detection")
        out["message"] = (
            f"The latest detect run ({run['run_id']}) was {kind}: it builds the co-action edges "
            "without significance tests, so it makes no cluster. Run "
            f"`{out['command']}` (calibrated, the default) for campaign candidates."
        )
        out["run_id"] = run["run_id"]
        return out
    out = not_run(id, title, tr.ws.path, "detect", "Coordination detection")
    ignored = orphan_tables(tr, DETECT_TABLES)
    if ignored:
        out["message"] += (
            f" No completed detect run is recorded, so the table{'s' if len(ignored) > 1 else ''} "
            f"{', '.join(ignored)} (left by an interrupted or failed run) "
            f"{'are' if len(ignored) > 1 else 'is'} ignored."
        )
        out["ignored_tables"] = ignored
    return out


def _json(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    try:
        out = json.loads(value) if value else {}
    except (TypeError, ValueError):
        return {}
    return out if isinstance(out, dict) else {}
