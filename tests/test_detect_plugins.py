"""Signals are plug-ins: everything a signal knows lives on its ``Signal``, in its one module of
``ioscope.detect.signals``; the pipeline, the significance tests, the explanations and the
engines read the declarations and never name a signal. Adding a signal is one new module.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

import ioscope.detect
from ioscope.detect import detect
from ioscope.detect.engine import ENGINES, unsupported
from ioscope.detect.engine.coaction import ACCOUNTS, ACTIONS, EDGES, PAIRS
from ioscope.detect.engine.runner import resolve_params, run_signals
from ioscope.detect.results import list_clusters
from ioscope.detect.signals import SIGNALS, default_signals, discover
from ioscope.detect.signals.base import Explanation, Signal
from tests.fixtures.detect import date_accounts, load, planted, promote

DETECT = Path(ioscope.detect.__file__).parent
SIGNAL_MODULES = DETECT / "signals"


def _generic_modules() -> list[Path]:
    return sorted(p for p in DETECT.rglob("*.py") if SIGNAL_MODULES not in p.parents)


def _temp_prefixes() -> set[str]:
    """Prefixes of the temporary tables the signal modules make (``_nd_``, ``_cb_``, …), less
    the engine's own (``_det_``)."""
    engine = {
        m.group(1) for t in (ACCOUNTS, ACTIONS, PAIRS, EDGES) for m in [re.match(r"(_[a-z]+_)", t)]
    }
    found = set()
    for path in SIGNAL_MODULES.glob("*.py"):
        found |= set(re.findall(r"[\"'](_[a-z]{2,3}_)[a-z]", path.read_text(encoding="utf-8")))
    return found - engine


# -- (1) generic code never names a signal ------------------------------------------------------


def test_no_module_outside_the_signals_names_a_signal_or_its_temp_tables():
    prefixes = _temp_prefixes()
    # the scan sees the temp tables the signals make (a scan that finds nothing tests nothing)
    assert {"_nd_", "_cb_", "_pa_", "_sy_"} <= prefixes
    words = re.compile(r"\b(" + "|".join(map(re.escape, SIGNALS)) + r")\b")
    tables = re.compile(r"(?<![A-Za-z0-9])(" + "|".join(map(re.escape, prefixes)) + r")[a-z]")
    found = []
    for path in _generic_modules():
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for m in list(words.finditer(line)) + list(tables.finditer(line)):
                found.append(f"{path.relative_to(DETECT)}:{i}: {m.group(0)!r}")
    assert not found, "generic code names a signal:\n" + "\n".join(found)


def test_the_name_scan_catches_a_signal_name():
    """The scan of the test above matches names as words (and only as words)."""
    words = re.compile(r"\b(" + "|".join(map(re.escape, SIGNALS)) + r")\b")
    assert words.search('if signal.name == "co_repost":')
    assert words.search("TIMING = {'synchronized'}")
    assert not words.search("co_reposts_total = 1")


# -- (2) adding a signal is one new module -------------------------------------------------------

TOY = '''
"""co_first_hashtag: two accounts opened posts with the same hashtag within the window."""

from ioscope.detect.engine.sql import epoch_seconds
from ioscope.detect.signals.base import Explanation, Signal


def actions(p, compat):
    return (f"SELECT platform, account_id, 'first:' || lower(hashtags[1]) AS item, "
            f"{epoch_seconds('created_at')} AS t, post_id FROM posts "
            "WHERE kind <> 'repost' AND ARRAY_LENGTH(hashtags) > 0")


SIGNAL = Signal("co_first_hashtag", "Both accounts opened a post with the same hashtag within "
                "the window.", "a test", actions,
                explanation=Explanation("opened posts with", "hashtag", "hashtags"))
'''


@pytest.fixture
def toy(tmp_path, monkeypatch):
    """A package holding one toy signal module, discovered like the bundled ones and added to
    the registry for the test only."""
    pkg = tmp_path / "toy_signals_pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("", encoding="utf-8")
    (pkg / "co_first_hashtag.py").write_text(TOY, encoding="utf-8")
    (pkg / "helpers.py").write_text("X = 1\n", encoding="utf-8")  # a module without a signal
    monkeypatch.syspath_prepend(str(tmp_path))
    found = discover("toy_signals_pkg")
    for s in found:
        monkeypatch.setitem(SIGNALS, s.name, s)
    yield found
    for name in [m for m in sys.modules if m.startswith("toy_signals_pkg")]:
        del sys.modules[name]


def test_a_new_signal_is_one_new_module(ws, toy):
    assert [s.name for s in toy] == ["co_first_hashtag"]
    assert "co_first_hashtag" in default_signals()
    assert unsupported("spark", ["co_first_hashtag"]) == {}  # the default declaration
    rows, truth = planted(seed=3, events=6)
    load(ws, rows)
    report = detect(ws)  # the default calibrated run, the toy among the signals
    per = {s["signal"]: s for s in report.signals}
    assert per["co_first_hashtag"]["edges"] > 0 and per["co_first_hashtag"]["tested_edges"] > 0
    got = ws.rows(
        "SELECT account_1, account_2, p_value, q_value, significant FROM edges "
        "WHERE signal = 'co_first_hashtag'"
    )
    assert all(r["p_value"] is not None and 0 < r["p_value"] <= 1 for r in got)
    group = {frozenset(g) for g in truth}
    significant = {frozenset((r["account_1"], r["account_2"])) for r in got if r["significant"]}
    assert significant and all(any(pair <= g for g in group) for pair in significant)
    sentences = [
        c["details"]["signals"]["co_first_hashtag"]["sentence"]
        for c in list_clusters(ws)
        if "co_first_hashtag" in c["details"]["signals"]
    ]
    assert sentences and all(
        re.match(r"\d+ accounts opened posts with the same \d+ hashtags", s) for s in sentences
    )
    members = ws.rows("SELECT explanation FROM cluster_members")
    assert any("Opened posts with the same" in m["explanation"] for m in members)


def test_discovery_keeps_the_registry_order():
    """Default signal order shows in outputs: it is the declared ``order``, stable."""
    again = discover("ioscope.detect.signals")
    assert [s.name for s in again] == list(SIGNALS)
    assert list(SIGNALS)[:3] == ["co_repost", "co_link", "co_reply"]
    assert list(SIGNALS)[-1] == "co_domain"
    orders = [s.order for s in SIGNALS.values()]
    assert orders == sorted(orders) and len(set(orders)) == len(orders)


# -- (3) every signal declares what the generic code needs ---------------------------------------


@pytest.mark.parametrize("name", list(SIGNALS))
def test_every_signal_declares_what_the_generic_code_needs(name):
    s = SIGNALS[name]
    assert isinstance(s, Signal) and s.name == name and s.summary and s.paper
    assert (s.actions is None) != (s.pairs is None), "a signal makes actions or its own pairs"
    assert isinstance(s.explanation, Explanation)
    x = s.explanation
    assert x.verb and x.one and x.many
    # a signal with its own test tests accounts, and its sentences name that test
    assert (s.test is not None) == bool(x.account_test)
    assert s.engines and set(s.engines) <= set(ENGINES)
    if set(s.engines) != set(ENGINES):
        assert s.engine_note, f"{name} leaves out an engine without saying why"
    for t in s.shares:
        assert re.fullmatch(r"_[a-z]+_[a-z_]+", t)
    assert set(s.calibrated_defaults) <= {p.name for p in s.params}
    if s.timing:
        assert s.null is not None, "a timing signal says what its null is built from"


def test_declared_shares_exist_when_the_significance_tests_run(ws):
    """The tables a signal shares are there when ``on_signal`` runs (and the engine's own).
    (The Spark engine copies exactly these to the workspace's connection.)"""
    rows, truth = planted(seed=5, events=4)
    load(ws, rows)
    # a creation burst and promoted posts, so that every signal makes its tables
    date_accounts(ws, truth[0])
    promote(ws, [f"orig0_{e}" for e in range(4)], advertiser="g0m0")
    names = list(SIGNALS)
    resolved = resolve_params(names)
    seen = {}

    def check(signal, p):
        present = {
            r[0]
            for r in ws.con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE temporary"
            ).fetchall()
        }
        # the engine's actions are read by the default null and by the signals' own tests
        needed = {ACCOUNTS, EDGES, *signal.shares} | ({ACTIONS} if signal.null is None else set())
        seen[signal.name] = needed - present
        return {}

    with ws.run("detect", {"signals": names}) as run:
        run_signals(ws, run, names, resolved, None, on_signal=check)
    assert set(seen) == set(names)
    assert {n: missing for n, missing in seen.items() if missing} == {}
