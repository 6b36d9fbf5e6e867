"""The calibrated part of ``ioscope detect``: per-edge and per-account significance, fusion.

After each signal of the co-action engine (:func:`ioscope.detect.engine.runner.run_signals`),
:class:`SignificanceTester` tests the signal's edges against the stratified null with the very
actions they were built from. At the end (:func:`finish_calibrated`) the p-values of every signal
are pooled under Benjamini–Hochberg and written to ``edges`` (expected, p_value, log10_p,
q_value, significant, similarity), accounts are tested (Simes + BH), the significant edges
between significant accounts are fused and clustered (Leiden), and ``clusters`` /
``cluster_members`` get their scores and explanations. :mod:`ioscope.detect.pipeline` runs it.
"""

from __future__ import annotations

import time
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from ioscope.detect.engine.coaction import ACCOUNTS, ACTIONS, EDGES
from ioscope.detect.signals import SIGNALS
from ioscope.detect.signals.base import Null, Signal
from ioscope.detect.significance.clusters import write_clusters
from ioscope.detect.significance.edge_tests import (
    ACCOUNT_TESTS,
    LOG10,
    EdgeTests,
    account_fdr,
    pool_fdr,
    test_edges,
)
from ioscope.detect.significance.fusion import communities, fuse
from ioscope.detect.significance.scales import combined_tests
from ioscope.params import Param

__all__ = ["SIGNIF_PARAMS", "SignificanceTester", "finish_calibrated", "null_of"]

#: Signals without shared content (``Signal.timing``), named in the timing stratum's help.
_TIMING = ", ".join(n for n, s in SIGNALS.items() if s.timing)

SIGNIF_PARAMS = (
    Param(
        "fdr",
        "float",
        0.01,
        "False discovery rate (Benjamini–Hochberg) of the significant "
        "edges, pooled over signals, and of the accounts beyond chance.",
        min=1e-12,
        max=0.5,
    ),
    Param(
        "stratum",
        "duration",
        "1d",
        "Null-model stratum: within each stratum who acts is "
        "shuffled, keeping each account's activity in it (see docs/signals.md).",
        min=60,
    ),
    Param(
        "timing_stratum",
        "duration",
        "1h",
        "Null-model stratum of signals without shared "
        f"content ({_TIMING}): short, so that accounts with the same daily rhythm are not "
        "taken for coordinated.",
        min=60,
    ),
    Param(
        "resolution",
        "float",
        1.0,
        "Leiden modularity resolution (higher: smaller clusters).",
        min=0.001,
        max=1000,
    ),
    Param("min_cluster_size", "int", 2, "Smallest cluster reported (accounts).", min=2),
    Param("seed", "int", 0, "Seed of the Leiden clustering.", min=0),
)


class SignificanceTester:
    """Called by the co-action engine after each signal, while its temp tables exist."""

    KEYS = "_sig_keys"

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        *,
        stratum: float,
        timing_stratum: float,
        scaled: frozenset[str] = frozenset(),
    ):
        self.con = con
        self.stratum = stratum
        self.timing_stratum = timing_stratum
        self.scaled = scaled  # signals tested at several scales (one call per scale)
        self._combined: dict[str, tuple[EdgeTests, np.ndarray]] = {}
        self.tests: list[EdgeTests] = []
        self.offset = 0
        con.execute(f"""CREATE OR REPLACE TEMP TABLE {self.KEYS} (k BIGINT, signal VARCHAR,
            platform_1 VARCHAR, account_1 VARCHAR, platform_2 VARCHAR, account_2 VARCHAR,
            scale DOUBLE)""")

    def __call__(self, signal: Signal, p: dict[str, Any]) -> dict[str, Any]:
        t0 = time.perf_counter()
        n_accounts = self.con.execute(
            f"SELECT coalesce(max(aid), 0) + 1 FROM {ACCOUNTS}"
        ).fetchone()[0]
        if signal.test is not None:
            tests = signal.test(self.con, p, stratum=self.stratum, n_accounts=int(n_accounts))
        else:
            tests = self._test(signal, p, int(n_accounts))
        if signal.name in self.scaled:
            tests.scale = float(p["window"])
        if len(tests):
            keys = pa.table(
                {
                    "k": np.arange(self.offset, self.offset + len(tests)),
                    "a1": tests.a1,
                    "a2": tests.a2,
                }
            )
            self.con.register("_sig_keys_arrow", keys)
            try:
                self.con.execute(
                    f"""INSERT INTO {self.KEYS}
                    SELECT x.k, ?, c1.platform, c1.account_id, c2.platform, c2.account_id, ?
                    FROM _sig_keys_arrow x JOIN {ACCOUNTS} c1 ON c1.aid = x.a1
                    JOIN {ACCOUNTS} c2 ON c2.aid = x.a2""",
                    [signal.name, tests.scale],
                )
            finally:
                self.con.unregister("_sig_keys_arrow")
        self.tests.append(tests)
        self.offset += len(tests)
        return {
            "tested_edges": len(tests),
            "masked_accounts": tests.masked,
            "null_seconds": round(time.perf_counter() - t0, 3),
        }

    def _test(self, signal: Signal, p: dict[str, Any], n_accounts: int):
        """The standard test: each edge's weight against the signal's stratified null (the
        timing stratum for signals without shared content)."""
        null = null_of(self.con, signal, p)
        try:
            return test_edges(
                self.con,
                signal.name,
                actions=null.actions,
                edges=EDGES,
                window=null.window,
                stratum=self.timing_stratum if signal.timing else self.stratum,
                min_weight=int(p["min_weight"]),
                n_accounts=n_accounts,
                pairs=_pairs_table(self.con),
                items=null.items,
            )
        finally:
            for t in null.temps:
                self.con.execute(f"DROP TABLE IF EXISTS temp.main.{t}")

    def strongest(self, signal: Signal) -> pa.Table:
        """After every scale of a multi-scale signal: each account pair's strongest scale (a1,
        a2, scale), whose combined p-value :meth:`finish` uses."""
        combined, _ = self._combine(signal.name)
        return pa.table(
            {
                "a1": combined.a1.astype(np.int64),
                "a2": combined.a2.astype(np.int64),
                "scale": np.asarray(combined.scales, dtype=np.float64),
            }
        )

    def _combine(self, name: str) -> tuple[EdgeTests, np.ndarray]:
        """A multi-scale signal's tests combined over its scales, and the keys of the rows kept
        (:func:`ioscope.detect.significance.scales.combined_tests`)."""
        if name not in self._combined:
            starts = np.cumsum([0] + [len(t) for t in self.tests])
            idx = [i for i, t in enumerate(self.tests) if t.signal == name and t.scale is not None]
            self._combined[name] = combined_tests(
                [self.tests[i] for i in idx], [np.arange(starts[i], starts[i + 1]) for i in idx]
            )
        return self._combined[name]

    def _pooled(self) -> tuple[list[EdgeTests], list[np.ndarray]]:
        """One EdgeTests per signal (multi-scale signals combined) and the keys of its rows."""
        starts = np.cumsum([0] + [len(t) for t in self.tests])
        out: list[EdgeTests] = []
        keys: list[np.ndarray] = []
        for i, t in enumerate(self.tests):
            if t.scale is None:
                out.append(t)
                keys.append(np.arange(starts[i], starts[i + 1]))
            elif not any(o.signal == t.signal for o in out):
                combined, k = self._combine(t.signal)
                out.append(combined)
                keys.append(k)
        return out, keys

    def finish(self, fdr: float) -> dict[str, Any]:
        """Combine the scales, pool the p-values, write the significance columns of ``edges``;
        per-signal counts."""
        tests, keys = self._pooled()
        pool_fdr(tests)
        per_signal = {
            t.signal: {"tested": len(t), "significant": int((t.q_value <= fdr).sum())}
            for t in tests
        }
        total = sum(len(t) for t in tests)
        if total:
            cat = lambda f: np.concatenate([f(t) for t in tests])  # noqa: E731
            log_p = cat(lambda t: t.log_p)
            q = cat(lambda t: t.q_value)
            vals = pa.table(
                {
                    "k": np.concatenate(keys),
                    "expected": cat(lambda t: t.expected),
                    "observed_expected": cat(lambda t: t.observed_expected),
                    "p_value": cat(lambda t: t.p_value),
                    "log10_p": log_p / LOG10,
                    "q_value": q,
                    "significant": q <= fdr,
                    "similarity": cat(lambda t: t.similarity),
                }
            )
            self.con.register("_sig_vals", vals)
            try:  # the tested rows first (a multi-scale signal has a key per scale tested)
                self.con.execute(f"""CREATE OR REPLACE TEMP TABLE _sig_tested AS
                    SELECT * FROM {self.KEYS} JOIN _sig_vals USING (k)""")
            finally:
                self.con.unregister("_sig_vals")
            self.con.execute("""UPDATE edges SET expected = s.expected,
                    observed_expected = s.observed_expected,
                    p_value = s.p_value, log10_p = s.log10_p, q_value = s.q_value,
                    significant = s.significant, similarity = s.similarity
                FROM _sig_tested s
                WHERE edges.signal = s.signal AND edges.platform_1 = s.platform_1
                  AND edges.account_1 = s.account_1 AND edges.platform_2 = s.platform_2
                  AND edges.account_2 = s.account_2""")
        self.con.execute(f"DROP TABLE IF EXISTS temp.main.{self.KEYS}")
        self.con.execute("DROP TABLE IF EXISTS temp.main._sig_tested")
        return {
            "fdr": fdr,
            "tested_edges": total,
            "significant_edges": int(sum(v["significant"] for v in per_signal.values())),
            "per_signal": per_signal,
        }


def _pairs_table(con: duckdb.DuckDBPyConnection) -> str | None:
    """The signal's co-action pairs (a1, a2, t1, t2), when the engine left them."""
    found = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE temporary AND table_name = '_det_pairs'"
    ).fetchone()[0]
    return "(SELECT a1, a2, t1, t2 FROM _det_pairs)" if found else None


def null_of(con: duckdb.DuckDBPyConnection, signal: Signal, p: dict[str, Any]) -> Null:
    """What the signal's null is built from: its own ``null`` hook, or the engine's actions
    (aid, item, t) at the signal's window (none for signals whose items encode time)."""
    if signal.null is not None:
        return signal.null(con, p)
    cols = {r[0] for r in con.execute(f"DESCRIBE {ACTIONS}").fetchall()}
    return Null(
        f"(SELECT aid, {'iid' if 'iid' in cols else 'item'} AS item, t FROM {ACTIONS})",
        window=float(p["window"]) if signal.windowed else None,
    )


def finish_calibrated(
    con: duckdb.DuckDBPyConnection, tester: SignificanceTester, sp: dict[str, Any], run_id: str
) -> tuple[dict[str, Any], int]:
    """After every signal: FDR, fusion, clusters. Returns (significance summary, clusters)."""
    summary = tester.finish(sp["fdr"])
    summary.update(account_fdr(con, "edges", sp["fdr"]))
    # the fused network: significant edges between accounts that are significant themselves
    significant = f"""(SELECT e.signal, e.platform_1, e.account_1, e.platform_2, e.account_2,
        e.log10_p, e.weight, e.expected, e.co_actions, e.first_at, e.last_at, e.scale_seconds
        FROM edges e
        JOIN {ACCOUNT_TESTS} f1 ON f1.platform = e.platform_1 AND f1.account_id = e.account_1
        JOIN {ACCOUNT_TESTS} f2 ON f2.platform = e.platform_2 AND f2.account_id = e.account_2
        WHERE e.significant AND f1.flagged AND f2.flagged)"""
    summary["fused_pairs"] = fuse(con, significant)
    kept = communities(
        con, resolution=sp["resolution"], min_size=sp["min_cluster_size"], seed=sp["seed"]
    )
    counts = (
        write_clusters(
            con,
            significant_edges=significant,
            evidence="edge_evidence",
            run_id=run_id,
            account_tests=ACCOUNT_TESTS,
        )
        if kept
        else {"clusters": 0, "cluster_members": 0, "mirror_clusters": 0}
    )
    summary.update(counts)
    for t in (
        "_fus_pairs",
        "_fus_members",
        "_fus_nodes",
        "_cl_edges",
        "_cl_pairs",
        "_cl_ev",
        "_cl_ends",
        "_cl_accounts",
        ACCOUNT_TESTS,
    ):
        con.execute(f"DROP TABLE IF EXISTS temp.main.{t}")
    return summary, counts["clusters"]
