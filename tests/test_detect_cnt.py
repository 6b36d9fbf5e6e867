"""CNT-compatible mode: coordination-network-toolkit's co_retweet, co_tweet, co_reply and co_link.

The fast tests compare with an independent, brute-force Python statement of CNT 1.5.2's semantics
(header of ../shared/tools/cnt_compare.sh); the slow test runs CNT itself through that script.
"""

from __future__ import annotations

import csv
import itertools
import re
import shutil
import subprocess
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import pytest

from ioscope.detect import detect
from ioscope.detect.engine.sql import recording
from ioscope.ingest import ingest
from tests.fixtures.paths import SHARED
from tests.fixtures.synth_cnt import write_cnt_csv

NETWORKS = {
    "co_repost": "co_retweet",
    "co_text": "co_tweet",
    "co_reply": "co_reply",
    "co_link": "co_link",
}
CNT_SCRIPT = SHARED / "tools" / "cnt_compare.sh"


def cnt_preprocess(text: str) -> str:
    """CNT's message_preprocessor, restated (for the ASCII/Latin text of these tests)."""
    return " ".join(re.sub(r"@.*?(?=(?:\s|$))", "", text.lower()).split())


def cnt_networks(
    path: Path, window: float, min_weight: int
) -> dict[str, set[tuple[str, str, int]]]:
    """Brute force: weight(u1→u2) = distinct messages of u1 with a message of u2 within the window."""
    seen, keyed = set(), {n: defaultdict(list) for n in NETWORKS.values()}
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))[1:]
    for mid, uid, _, repost, reply, message, ts, urls in rows:
        if mid in seen:
            continue
        seen.add(mid)
        t = float(ts)
        if repost:
            keyed["co_retweet"][repost].append((uid, t, mid))
            continue
        keyed["co_tweet"][cnt_preprocess(message)].append((uid, t, mid))
        if reply:
            keyed["co_reply"][reply].append((uid, t, mid))
        for url in set(urls.split(" ")) - {""}:
            keyed["co_link"][url].append((uid, t, mid))
    out = {}
    for net, groups in keyed.items():
        matched = defaultdict(set)
        for acts in groups.values():
            for (u1, t1, m1), (u2, t2, _m2) in itertools.permutations(acts, 2):
                if u1 != u2 and abs(t1 - t2) <= window:
                    matched[(u1, u2)].add(m1)
        out[net] = {(a, b, len(m)) for (a, b), m in matched.items() if len(m) >= min_weight}
    return out


def ioscope_networks(ws) -> dict[str, set[tuple[str, str, int]]]:
    return {
        net: set(
            ws.sql(
                "SELECT account_1, account_2, weight FROM edges WHERE signal = ?", [sig]
            ).fetchall()
        )
        for sig, net in NETWORKS.items()
    }


def test_hand_computed_directed_weights(tmp_path, ws):
    f = tmp_path / "cnt.csv"
    # times are 1,500,000,000 s (2017) plus the offsets the comments below reason with
    f.write_text(
        "message_id,user_id,username,repost_id,reply_id,message,timestamp,urls\n"
        "1,a,a,,,Hello @x World,1500000100,http://u.example/1\n"
        "2,a,a,,,hello world,1500000130,http://u.example/1 http://u.example/2\n"
        "3,b,b,,,HELLO   world @y,1500000160,http://u.example/2\n"
        "4,b,b,9,,rt text,1500000160,\n"
        "5,a,a,9,,rt text,1500000221,\n"
        "6,c,c,9,,rt text,1500000220,\n"
        "7,c,c,,5,reply,1500000300,\n"
        "8,a,a,,5,@c reply,1500000360,\n"
        "9,b,b,,,,1500000500,\n"
        "10,c,c,,,@only,1500000530,\n"
    )
    ingest(ws, [f])
    detect(ws, mode="cnt", window=60, min_weight=1)
    got = ioscope_networks(ws)
    # co_tweet: a's 1 and 2 both match b's 3 (Δt 60 and 30); b's 3 matches a's 1 and 2; the empty
    # text of b (9) matches c's "@only" (empty after normalization), and replies count, as in CNT
    assert got["co_tweet"] == {
        ("a", "b", 2),
        ("b", "a", 1),
        ("b", "c", 1),
        ("c", "b", 1),
        ("a", "c", 1),
        ("c", "a", 1),
    }
    # co_link: url 1 (a only), url 2: a's 2 at 130 and b's 3 at 160
    assert got["co_link"] == {("a", "b", 1), ("b", "a", 1)}
    # co_retweet of 9: b at 160, c at 220 (Δt 60 counts), a at 221 (61 from b does not)
    assert got["co_retweet"] == {("b", "c", 1), ("c", "b", 1), ("a", "c", 1), ("c", "a", 1)}
    assert got["co_reply"] == {("a", "c", 1), ("c", "a", 1)}
    assert got == cnt_networks(f, 60, 1)
    assert ws.sql("SELECT bool_and(directed) FROM edges").fetchone()[0]


@pytest.mark.parametrize("window,min_weight", [(60, 2), (10, 1)])
def test_same_edges_as_cnt_semantics_on_synthetic_data(tmp_path, ws, window, min_weight):
    synth = write_cnt_csv(tmp_path / "s.csv", posts=3000, seed=5, accounts=60, days=0.5)
    ingest(ws, [synth.path])
    detect(ws, mode="cnt", window=window, min_weight=min_weight)
    got, want = ioscope_networks(ws), cnt_networks(synth.path, window, min_weight)
    for net in want:
        assert got[net] == want[net], net
    assert sum(len(v) for v in want.values()) > 100


EDGE_COLUMNS = "signal, account_1, account_2, weight, shared_items, co_actions, first_at, last_at"
EVIDENCE_COLUMNS = "signal, account_1, account_2, item, post_1, post_2, dt_seconds"


def _results(ws) -> tuple[list[tuple], list[tuple]]:
    return tuple(
        sorted(ws.sql(f"SELECT {cols} FROM {table}").fetchall())
        for cols, table in ((EDGE_COLUMNS, "edges"), (EVIDENCE_COLUMNS, "edge_evidence"))
    )


@pytest.mark.parametrize("min_weight", [1, 3])
def test_grouped_candidates_as_sorted_ones(tmp_path, ws, monkeypatch, min_weight):
    """The engine-neutral path (GROUP BY and a semi-join: what Spark runs, and DuckDB when the
    arrays would not fit the memory budget) and DuckDB's (the pairs swept and their keys sorted
    in numpy) give the same edges, shared items, co-actions, times and evidence."""
    from ioscope.detect.engine import cnt

    synth = write_cnt_csv(tmp_path / "s.csv", posts=3000, seed=6, accounts=50, days=0.5)
    ingest(ws, [synth.path])
    first = detect(ws, mode="cnt", window=60, min_weight=min_weight, max_evidence=2).to_dict()
    edges, evidence = _results(ws)
    # no memory for the arrays: the pairs are counted in SQL, as on another engine
    monkeypatch.setattr(cnt, "ARRAY_SHARE", 0.0)
    with recording() as log:
        again = detect(ws, mode="cnt", window=60, min_weight=min_weight, max_evidence=2).to_dict()
    assert sum("GROUP BY k HAVING" in s for s in log) == 4
    assert _results(ws) == (edges, evidence)
    assert len(edges) > 50 and len(evidence) > 50
    assert [(s["pairs"], s["candidate_account_pairs"]) for s in first["signals"]] == [
        (s["pairs"], s["candidate_account_pairs"]) for s in again["signals"]
    ]
    by_net = {
        net: {(a, b, w) for sig, a, b, w, *_rest in edges if sig == signal}
        for signal, net in NETWORKS.items()
    }
    assert by_net == cnt_networks(synth.path, 60, min_weight)


@pytest.mark.parametrize("window", [None, 60.0, 0.5])
def test_sweep_finds_every_pair_within_the_window(window):
    """The numpy sweep against a double loop: random items, accounts and fractional times with
    ties, one account acting several times on an item."""
    from ioscope.detect.engine.cnt import _run_ends, _sweep

    rng = np.random.default_rng(11)
    n = 2500
    iid = rng.integers(0, 40, n)
    t = 1.5e9 + np.round(rng.uniform(0, 600, n), 1)
    t[1:200:2] = t[0:199:2]  # equal times
    aid = rng.integers(0, 30, n)
    order = np.lexsort((t, iid))
    iid, t, aid = iid[order], t[order], aid[order]
    rx, ry = _sweep(_run_ends(iid, t, window), t, aid, window)
    got = set(zip(rx.tolist(), ry.tolist()))
    want = {
        (i, j)
        for i in range(n)
        for j in range(i + 1, n)
        if iid[i] == iid[j] and aid[i] != aid[j] and (window is None or t[j] - t[i] <= window)
    }
    assert got == want and len(got) == len(rx)
    assert len(want) > (100 if window == 0.5 else 1000)


def test_keys_met_often_enough():
    """The sorted selection of candidate keys and the membership filter, against Python."""

    from ioscope.detect.engine.cnt import _member, _often

    rng = np.random.default_rng(3)
    keys = rng.integers(0, 2**34, 5000)
    keys = np.concatenate([keys, keys[:700], keys[:90], rng.integers(0, 50, 3000)])
    for mw in (1, 2, 3, 4):
        want = sorted(k for k, n in Counter(keys.tolist()).items() if n >= mw)
        got = _often(keys, mw)
        assert got.tolist() == want
        assert _member(keys, got).tolist() == [k in set(want) for k in keys.tolist()]
    assert _often(keys[:1], 2).tolist() == [] and not _member(keys, _often(keys[:0], 1)).any()


@pytest.mark.slow
def test_identical_edge_sets_with_cnt_itself(tmp_path, ws):
    if not CNT_SCRIPT.exists() or shutil.which("bash") is None:
        pytest.skip(f"{CNT_SCRIPT} not present")
    synth = write_cnt_csv(tmp_path / "s.csv", posts=20_000, seed=9)
    out = tmp_path / "cnt"
    try:
        subprocess.run(
            ["bash", str(CNT_SCRIPT), str(synth.path), str(out), "60", "2"],
            check=True,
            capture_output=True,
            timeout=1200,
        )
    except subprocess.CalledProcessError as e:
        pytest.skip(f"CNT could not run here: {e.stderr[-300:]!r}")
    ingest(ws, [synth.path])
    detect(ws, mode="cnt", window=60, min_weight=2)
    got = ioscope_networks(ws)
    for net in NETWORKS.values():
        with open(out / f"{net}.csv", newline="") as f:
            want = {(a, b, int(w)) for a, b, w in list(csv.reader(f))[1:]}
        assert got[net] == want, net


@pytest.mark.parametrize("big", [False, True])
def test_weights_from_arrays_as_in_sql(big):
    """The account pairs' counts computed from the kept pairs' arrays equal the SQL aggregation
    (distinct posts on each side, distinct items, pairs, first and last times), also for ids
    too large to pack beside the pair's rank (the lexsort branch)."""
    import duckdb
    import pyarrow as pa

    from ioscope.detect.engine import cnt
    from ioscope.detect.engine.coaction import KEPT_PAIRS
    from ioscope.detect.engine.sql import Sql

    rng = np.random.default_rng(5)
    n = 4000
    a1 = rng.integers(1, 40, n)
    a2 = a1 + rng.integers(1, 5, n)
    offset = 2**40 if big else 0
    kept = pa.table(
        {
            "a1": a1,
            "a2": a2,
            "iid": rng.integers(1, 30, n) + offset,
            "p1": rng.integers(1, 200, n) + offset,
            "p2": rng.integers(1, 200, n) + offset,
            "t1": rng.uniform(0, 1000, n).round(3),
            "t2": rng.uniform(0, 1000, n).round(3),
            "score": pa.nulls(n, pa.float64()),
        }
    )
    sql = Sql(duckdb.connect())
    sql.con.register("k_arrow", kept)
    sql.temp(KEPT_PAIRS, "SELECT * FROM k_arrow")
    rows = f"SELECT * FROM {cnt.WEIGHTS} ORDER BY a1, a2"
    cnt._weights_sql(sql)
    want = sql.rows(rows)
    cnt._weights_arrays(sql, kept)
    assert sql.rows(rows) == want
    assert len(want) > 100 and any(r[2] < r[5] for r in want)  # some n1 below the pairs
