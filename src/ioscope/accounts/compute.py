"""Compute account signals into ``account_signals``: every family, one atomic run."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from ioscope.accounts._sql import register_arrow
from ioscope.accounts.registry import SIGNAL_SCHEMA, NotApplicable, all_params, get_families
from ioscope.errors import NotFoundError
from ioscope.model.accounts import ACCOUNT_SIGNALS
from ioscope.params import validate_params
from ioscope.workspace import Workspace

#: Progress records (one per family), shown by the CLI on a terminal.
_log = logging.getLogger("ioscope.accounts")

__all__ = ["compute_signals", "ensure_signals", "SignalReport", "signal_table_sql"]

#: Commands whose output the signals read: signals computed before their latest run are stale.
INPUT_COMMANDS = ("ingest", "detect")

OWNER = "accounts signals"


@dataclass
class SignalReport:
    run_id: str
    accounts: int
    signals: dict[str, dict[str, Any]] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    parameters: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "accounts": self.accounts,
            "signals": self.signals,
            "skipped": self.skipped,
            "parameters": self.parameters,
        }


def compute_signals(
    ws: Workspace, *, families: Iterable[str] | None = None, params: dict[str, Any] | None = None
) -> SignalReport:
    """Compute the signals of ``families`` (all by default) for every account in ``ws``.

    Rows of the recomputed signals are replaced; other signals are kept. Each row carries the raw
    value, a robust z-score among this workspace's accounts (signed by the signal's direction)
    and its evidence as JSON. Families the data cannot support are skipped with a reason.
    """
    fams = get_families(list(families) if families else None)
    values = validate_params(all_params(fams), params, OWNER)
    if not ws.has_table("accounts") or ws.count("accounts") == 0:
        raise NotFoundError(
            f"{ws.path} has no accounts.",
            hint="Ingest posts or account files first: ioscope ingest WS FILE...",
        )
    ws.ensure(ACCOUNT_SIGNALS)
    run_params = {"families": [f.name for f in fams], **values}
    with ws.run("accounts signals", run_params) as run:
        con = ws.con
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _sig (platform VARCHAR, account_id VARCHAR, "
            "signal VARCHAR, value DOUBLE, detail VARCHAR)"
        )
        skipped: dict[str, str] = {}
        done: list[str] = []
        for fam in fams:
            kwargs = {p.name: values[p.name] for p in fam.params}
            t0 = time.perf_counter()
            _log.info("accounts: %s signals …", fam.name, extra={"step_start": True})
            try:
                rows = fam.func(con, **kwargs)
            except NotApplicable as e:
                skipped[fam.name] = str(e)
                continue
            _append(con, rows)
            done += fam.signal_names
            _log.info(
                "%-22s %10s signals %8.1f s",
                fam.name,
                len(fam.signal_names),
                time.perf_counter() - t0,
            )
        if done:
            con.execute("DELETE FROM account_signals WHERE signal IN (SELECT unnest(?))", [done])
            con.execute(_insert_sql(), [run.run_id])
        summary = {
            s: {"accounts": n, "median": med, "family": _family_of(s)}
            for s, n, med in con.execute(
                "SELECT signal, count(*), median(value) FROM _sig GROUP BY signal ORDER BY signal"
            ).fetchall()
        }
        n_acc = con.execute("SELECT count(DISTINCT (platform, account_id)) FROM _sig").fetchall()[
            0
        ][0]
        run.row_counts = {
            "account_signals": sum(v["accounts"] for v in summary.values()),
            "skipped": skipped,
        }
        _drop_temp(con)
    return SignalReport(run.run_id, n_acc, summary, skipped, run_params)


def _family_of(signal: str) -> str | None:
    from ioscope.accounts.registry import FAMILIES

    for f in FAMILIES.values():
        if signal in f.signal_names:
            return f.name
    return None


def _append(con, rows: pa.Table) -> None:
    rows = rows.cast(SIGNAL_SCHEMA)
    register_arrow(con, "_sig_arrow", rows)
    try:
        con.execute("INSERT INTO _sig SELECT * FROM _sig_arrow")
    finally:
        con.unregister("_sig_arrow")


def signal_table_sql() -> str:
    """VALUES list of (signal, family, direction) for every registered signal."""
    from ioscope.accounts.registry import FAMILIES

    rows = [
        f"('{s.name}', '{f.name}', {int(s.direction)})"
        for f in FAMILIES.values()
        for s in f.signals
    ]
    return "(VALUES " + ", ".join(rows) + ") AS d(signal, family, direction)"


def _insert_sql() -> str:
    # Robust z: (v - median) / (1.4826 MAD); when the MAD is 0 (most accounts share one value),
    # the mean absolute deviation scaled to σ for a normal (× 1.2533) instead; else 0.
    return f"""
        INSERT INTO account_signals (platform, account_id, signal, family, value, score, detail,
                                     run_id)
        WITH med AS (SELECT signal, median(value) AS med FROM _sig GROUP BY signal),
        dev AS (SELECT s.signal, m.med, median(abs(s.value - m.med)) AS mad,
                       avg(abs(s.value - m.med)) AS meanad
                FROM _sig s JOIN med m USING (signal) GROUP BY s.signal, m.med),
        z AS (SELECT s.*, d.family, d.direction,
                     CASE WHEN v.mad > 0 THEN (s.value - v.med) / (1.4826 * v.mad)
                          WHEN v.meanad > 0 THEN (s.value - v.med) / (1.2533 * v.meanad)
                          ELSE 0 END AS z
              FROM _sig s JOIN dev v USING (signal) JOIN {signal_table_sql()} USING (signal))
        SELECT platform, account_id, signal, family, round(value, 9),
               round(CASE WHEN direction = 0 THEN abs(z) ELSE direction * z END, 6),
               CAST(detail AS JSON), ?
        FROM z ORDER BY platform, account_id, signal"""


def _drop_temp(con) -> None:
    for (name,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE temporary").fetchall():
        if name.startswith("_"):
            con.execute(f'DROP TABLE IF EXISTS temp.main."{name}"')


def ensure_signals(ws: Workspace) -> bool:
    """Compute the signals when the workspace has none, or when ingest or detect ran after the
    last signals run (then with the parameters the earlier runs used). True when it computed."""
    import json

    if not ws.has_table("account_signals") or ws.count("account_signals") == 0:
        compute_signals(ws)
        return True
    runs = ws.rows("SELECT command, parameters, started_at FROM runs ORDER BY started_at, run_id")
    last_signals = max((r["started_at"] for r in runs if r["command"] == OWNER), default=None)
    newer = [
        r
        for r in runs
        if r["command"] in INPUT_COMMANDS
        and (last_signals is None or r["started_at"] > last_signals)
    ]
    if not newer:
        return False
    known = {p.name for p in all_params()}
    params: dict[str, Any] = {}
    for r in runs:
        if r["command"] == OWNER:
            params.update(
                {k: v for k, v in json.loads(r["parameters"] or "{}").items() if k in known}
            )
    compute_signals(ws, params=params)
    return True
