"""Every figure in a cluster's or a member's explanation is recomputed here, in plain Python from
the rows of edges, edge_evidence, posts and accounts, and must match the sentence exactly; the
query stored with the cluster (details.figures_sql) must give the same figures. On the simulator
(co-reposts, copy-paste texts, creation bursts) and on the bundled real sample (CooRTweet's
Russian retweets)."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from ioscope.detect import detect
from ioscope.detect.results import flagged_accounts, list_clusters
from ioscope.detect.signals import SIGNALS
from ioscope.detect.significance.explain import cluster_sentence, member_sentence
from ioscope.detect.significance.figures import member_figures_sql
from ioscope.ingest import ingest
from ioscope.simulate import simulate
from ioscope.workspace import Workspace

SAMPLE = (
    Path(__file__).resolve().parents[1]
    / "src"
    / "ioscope"
    / "data"
    / "samples"
    / "russian_coord_tweets.csv.gz"
)


def _rows(ws, sql):
    return ws.rows(sql)


def _strongest(es):
    """The scale most of the edges are strongest at (the shorter on a tie), and how many are."""
    counts = Counter(e["scale_seconds"] for e in es if e["scale_seconds"] is not None)
    if not counts:
        return {"scale_seconds": None, "scale_edges": 0}
    scale, n = min(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return {"scale_seconds": scale, "scale_edges": n}


def _independent(ws):
    """Figures per (cluster, signal) and per (cluster, member, signal), from the raw rows."""
    members = defaultdict(set)
    for r in _rows(ws, "SELECT cluster_id, platform, account_id FROM cluster_members"):
        members[r["cluster_id"]].add((r["platform"], r["account_id"]))
    for c in list_clusters(ws):
        for m in (c["details"] or {}).get("members", []):
            members[c["cluster_id"]].add((m["platform"], m["account_id"]))
    where = {}
    for cid, accs in members.items():
        for a in accs:
            where[a] = cid
    edges = defaultdict(list)  # (cluster, signal) -> edges
    for e in _rows(ws, "SELECT * FROM edges WHERE significant"):
        a, b = (e["platform_1"], e["account_1"]), (e["platform_2"], e["account_2"])
        if a in where and where.get(b) == where[a]:
            edges[(where[a], e["signal"])].append(e)
    evidence = defaultdict(list)
    for v in _rows(ws, "SELECT * FROM edge_evidence"):
        evidence[
            (v["signal"], v["platform_1"], v["account_1"], v["platform_2"], v["account_2"])
        ].append(v)
    text = {
        (p["platform"], p["post_id"]): p["text"]
        for p in _rows(ws, "SELECT platform, post_id, text FROM posts")
    }
    created = {
        (a["platform"], a["account_id"]): a["created_at"]
        for a in _rows(ws, "SELECT platform, account_id, created_at FROM accounts")
    }
    clusters, per_member = {}, {}
    for (cid, sig), es in edges.items():
        rows = []
        for e in es:
            key = (sig, e["platform_1"], e["account_1"], e["platform_2"], e["account_2"])
            rows += evidence[key]
        accounts = {(e["platform_1"], e["account_1"]) for e in es} | {
            (e["platform_2"], e["account_2"]) for e in es
        }
        posts = {(v["platform_1"], v["post_1"]) for v in rows} | {
            (v["platform_2"], v["post_2"]) for v in rows
        }
        dated = [created[a] for a in accounts if created.get(a) is not None]
        cut = sum(
            len(evidence[(sig, e["platform_1"], e["account_1"], e["platform_2"], e["account_2"])])
            < e["co_actions"]
            for e in es
        )
        clusters[(cid, sig)] = {
            "accounts": len(accounts),
            "items": len({v["item"] for v in rows}),
            "posts": len(posts),
            "texts": len({text[p] for p in posts if text.get(p) is not None}),
            "median_dt_seconds": (
                statistics.median(abs(v["dt_seconds"]) for v in rows) if rows else None
            ),
            "median_log10_p": statistics.median(e["log10_p"] for e in es),
            "median_observed_expected": statistics.median(e["weight"] / e["expected"] for e in es),
            "first_created": min(dated, default=None),
            "last_created": max(dated, default=None),
            "truncated_edges": cut,
            "edges": len(es),
            **_strongest(es),
        }
        for acc in accounts:
            mine = [
                e
                for e in es
                if acc in ((e["platform_1"], e["account_1"]), (e["platform_2"], e["account_2"]))
            ]
            side = [
                (v, 1 if (v["platform_1"], v["account_1"]) == acc else 2)
                for e in mine
                for v in evidence[
                    (sig, e["platform_1"], e["account_1"], e["platform_2"], e["account_2"])
                ]
            ]
            own_posts = {(v[f"platform_{s}"], v[f"post_{s}"]) for v, s in side}
            best = min(mine, key=lambda e: (e["log10_p"], -e["weight"] / e["expected"]))
            per_member[(cid, acc, sig)] = {
                "partners": len(mine),
                "items": len({v["item"] for v, _ in side}),
                "posts": len(own_posts),
                "texts": len({text[p] for p in own_posts if text.get(p) is not None}),
                "median_dt_seconds": (
                    statistics.median(abs(v["dt_seconds"]) for v, _ in side) if side else None
                ),
                "best_log10_p": best["log10_p"],
                "best_observed_expected": best["weight"] / best["expected"],
                "created_at": created.get(acc),
                "truncated_edges": sum(
                    len(
                        evidence[
                            (sig, e["platform_1"], e["account_1"], e["platform_2"], e["account_2"])
                        ]
                    )
                    < e["co_actions"]
                    for e in mine
                ),
                **_strongest(mine),
            }
    return clusters, per_member


def _check(ws):
    """Assert every sentence against the independent figures; returns the signals seen."""
    clusters, per_member = _independent(ws)
    seen = set()
    listed = list_clusters(ws)
    assert listed and clusters
    for c in listed:
        details = c["details"]["signals"]
        assert set(details) == {s for (cid, s) in clusters if cid == c["cluster_id"]}
        for sig, d in details.items():
            f = clusters[(c["cluster_id"], sig)]
            expected = cluster_sentence(sig, f)
            assert d["sentence"] == expected, (c["cluster_id"], sig)
            assert expected in c["explanation"]
            assert (d["accounts"], d["items"], d["posts"], d["texts"]) == (
                f["accounts"],
                f["items"],
                f["posts"],
                f["texts"],
            )
            account_test = SIGNALS[sig].explanation.account_test
            if account_test:
                assert "pair p" not in expected and account_test in expected
            seen.add(sig)
        # the stored query recomputes the same figures on the workspace
        stored = {r["signal"]: r for r in ws.rows(c["details"]["figures_sql"])}
        assert set(stored) == set(details)
        for sig, r in stored.items():
            assert cluster_sentence(sig, r) == details[sig]["sentence"]
    for m in flagged_accounts(ws):
        key = (m["platform"], m["account_id"])
        expected = " ".join(
            member_sentence(s, per_member[(m["cluster_id"], key, s)]) for s in m["signals"]
        )
        assert m["explanation"] == expected, key
    one = flagged_accounts(ws)[0]
    rows = ws.rows(
        member_figures_sql(
            cluster_id=one["cluster_id"], platform=one["platform"], account_id=one["account_id"]
        )
    )
    assert " ".join(member_sentence(r["signal"], r) for r in rows) == one["explanation"]
    return seen


def test_every_figure_of_the_simulated_explanations_is_recomputed(tmp_path):
    s = simulate(
        tmp_path / "sim",
        posts=30_000,
        seed=4,
        campaigns=3,
        campaign_share=0.1,
        strategies="co_repost,copypasta,creation_burst",
    )
    with Workspace.open(tmp_path / "w.duckdb") as ws:
        ingest(ws, [s["paths"]["posts"], s["paths"]["accounts"]])
        detect(ws)
        seen = _check(ws)
        # near-identical copies: "texts" counts distinct texts of the posts, not the items
        # (pairs of text ids), which outnumber them
        assert {"co_repost", "near_duplicate_text", "creation_burst"} <= seen

        # the default run has one window: no sentence names a scale; a multi-scale run's
        # co-action sentences name the strongest one, and their figures are recomputed too
        def reposts():
            return [
                c["details"]["signals"]["co_repost"]["sentence"]
                for c in list_clusters(ws)
                if "co_repost" in c["details"]["signals"]
            ]

        assert reposts() and not any(", strongest at " in r for r in reposts())
        detect(ws, scales="1m,10m,1h")
        assert "co_repost" in _check(ws)
        assert reposts() and all(", strongest at " in r for r in reposts())
        nd = [
            c["details"]["signals"]["near_duplicate_text"]
            for c in list_clusters(ws)
            if "near_duplicate_text" in c["details"]["signals"]
        ]
        assert all(d["texts"] <= d["posts"] for d in nd)
        assert all("distinct texts" in d["sentence"] for d in nd)
        burst = [
            c["details"]["signals"]["creation_burst"]["sentence"]
            for c in list_clusters(ws)
            if "creation_burst" in c["details"]["signals"]
        ]
        assert all("creation dates spanning" in b or "created on" in b for b in burst)
        assert all("first uses of a shared item were a median of" in b for b in burst)


@pytest.mark.skipif(not SAMPLE.exists(), reason="bundled sample missing")
def test_every_figure_of_the_real_sample_explanations_is_recomputed(tmp_path):
    with Workspace.open(tmp_path / "w.duckdb") as ws:
        ingest(ws, [SAMPLE])
        detect(ws)
        assert "co_repost" in _check(ws)
