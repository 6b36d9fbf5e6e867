"""similar_handle: accounts on two platforms whose handles are the same or similar, tested against
the chance that a random account of the other platform is at least as similar."""

from __future__ import annotations

import itertools
import json
import shutil

import numpy as np
import pytest

from ioscope.accounts import compute_signals
from ioscope.accounts.handles import handle_matches

TWITTER = ["PatriotKavoWarrior12", "truthvoice_of_liberty", "john1", "john_22", "john1987", "news24", "news_1",
           "news365", "kavofan", "ab1"]
BLUESKY = ["patriot_kavo_warrior.bsky.social", "truthvoiceofliberty_usa.bsky.social", "john.bsky.social", "john42",
           "john7", "news.bsky.social", "news99", "news_07", "truthfan", "ab"]


def _filler(rng: np.random.Generator, n: int) -> list[str]:
    """Unrelated accounts: three or four syllables of a small set and digits, so that names
    also coincide by chance on one platform (the null's reference)."""
    syl = np.array(["ka", "vo", "te", "li", "mo", "ra", "su", "ne", "di", "po"])
    return ["".join(rng.choice(syl, rng.integers(3, 5))) + str(rng.integers(0, 100))
            for _ in range(n)]


def _load(ws, twitter: list[str], bluesky: list[str]) -> None:
    rows = [("twitter", f"t{i}", h) for i, h in enumerate(twitter)]
    rows += [("bluesky", f"b{i}", h) for i, h in enumerate(bluesky)]
    import pyarrow as pa

    ws.con.register("_fixture_accounts", pa.Table.from_pylist(
        [dict(zip(("platform", "account_id", "handle"), r)) for r in rows]))
    ws.con.execute("INSERT INTO accounts (platform, account_id, handle) "
                   "SELECT platform, account_id, handle FROM _fixture_accounts")
    ws.con.unregister("_fixture_accounts")


@pytest.fixture
def case(ws):
    rng = np.random.default_rng(7)
    _load(ws, TWITTER + _filler(rng, 400), BLUESKY + _filler(rng, 400))
    compute_signals(ws, families=["handles"])
    return ws


def _matches(ws) -> dict[str, list[dict]]:
    out = {}
    for acc, handle, value, detail in ws.sql(
            "SELECT account_id, json_extract_string(detail, '$.handle'), value, detail "
            "FROM account_signals WHERE signal = 'similar_handle'").fetchall():
        d = json.loads(detail)
        assert value == len(d["matches"])
        if d["matches"]:
            out[handle] = d["matches"]
    return out


def test_personas_match_and_common_names_do_not(case):
    got = _matches(case)
    pairs = {(h, m["handle"]) for h, ms in got.items() for m in ms}
    assert pairs == {("PatriotKavoWarrior12", "patriot_kavo_warrior.bsky.social"),
                     ("patriot_kavo_warrior.bsky.social", "PatriotKavoWarrior12"),
                     ("truthvoice_of_liberty", "truthvoiceofliberty_usa.bsky.social"),
                     ("truthvoiceofliberty_usa.bsky.social", "truthvoice_of_liberty")}, pairs
    (m,) = got["PatriotKavoWarrior12"]
    assert m["similarity"] == 1.0 and not m["identical"]  # same stem, digits dropped
    assert m["p"] < 1e-9 and m["q"] <= 0.05
    (m,) = got["truthvoice_of_liberty"]
    # stems 'truthvoiceofliberty' and 'truthvoiceoflibertyusa': 18 shared of 23 padded trigrams
    assert m["similarity"] == pytest.approx(18 / 23, abs=1e-4)


def test_common_name_is_tested_but_not_significant(case):
    """'john1' meets three bluesky johns: tested, but names that short coincide all the time."""
    d = json.loads(case.sql("SELECT detail FROM account_signals WHERE account_id = 't2' "
                            "AND signal = 'similar_handle'").fetchone()[0])
    assert d["stem"] == "john" and d["matches"] == [] and d["tested"] >= 3
    (q,) = case.sql("SELECT min(value) FROM account_signals WHERE signal = 'similar_handle' "
                    "AND json_extract_string(detail, '$.stem') IN ('john', 'news')").fetchone()
    assert q == 0


def test_short_stems_and_one_platform(ws):
    _load(ws, ["ab1", "abc"], [])
    report = compute_signals(ws, families=["handles"])
    assert report.skipped == {"handles": "accounts with handles on one platform only"}


def _brute_force(ws, t: float, min_stem: int):
    """Every pair of accounts (on one platform or two), similarity and the log-probability of
    their common beginning under the trigram model, computed in Python."""
    import math
    import re
    from collections import Counter

    def stem(h):
        n = re.sub(r"[^0-9a-z]", "", h.strip().lstrip("@").split(".")[0].lower())
        return re.sub(r"[0-9]+$", "", n)

    def grams(s):
        p = "^" + s + "$"
        return {p[i:i + 3] for i in range(len(p) - 2)}

    acc = [(p, a, stem(h)) for p, a, h in ws.sql("SELECT platform, account_id, handle "
                                                  "FROM accounts").fetchall()]
    acc = [x for x in acc if len(x[2]) >= min_stem]
    c3, c2 = Counter(), Counter()
    for _, _, s in acc:
        p = "^^" + s + "$"
        for i in range(len(s) + 1):
            c3[p[i:i + 2], p[i + 2]] += 1
            c2[p[i:i + 2]] += 1
    v = len({ch for _, ch in c3})

    def lp(s, k):
        p = "^^" + s + "$"
        return sum(math.log((c3[p[i:i + 2], p[i + 2]] + 1) / (c2[p[i:i + 2]] + v))
                   for i in range(k))

    out = {}
    for (p1, a1, s1), (p2, a2, s2) in itertools.combinations(acc, 2):
        g1, g2 = grams(s1), grams(s2)
        j = len(g1 & g2) / len(g1 | g2)
        if j < t:
            continue
        x, y = s1 + "$", s2 + "$"
        k = next((i for i in range(min(len(x), len(y))) if x[i] != y[i]), min(len(x), len(y)))
        key = tuple(sorted([(p1, a1), (p2, a2)]))
        out[key] = (round(j, 9), round(lp(s1, k), 6))
    return out


@pytest.mark.parametrize("t", [0.3, 0.5, 0.8])
def test_blocking_equals_brute_force(ws, t):
    """Prefix filtering finds exactly the pairs of similarity ≥ t that comparing every pair
    finds, with the same similarity and log-probability of the common beginning."""
    rng = np.random.default_rng(3)
    words = ["kavo", "teli", "john", "news", "voice", "truth", "mary", "gar"]

    def handles(n):
        return ["".join(rng.choice(words, 2)) + rng.choice(["", "_", "1", "22"]) for _ in range(n)]

    _load(ws, TWITTER + handles(40), BLUESKY + handles(40))
    handle_matches(ws.con, min_similarity=t, min_stem=3, block_cap=10_000)
    got = {}
    for p1, a1, p2, a2, j, lp in ws.sql("""
            SELECT a1.platform, a1.account_id, a2.platform, a2.account_id, x.similarity, x.lp
            FROM _hm_pair x
            JOIN _hm_acc a1 ON a1.platform = x.platform_1 AND a1.stem = x.stem_1
            JOIN _hm_acc a2 ON a2.platform = x.platform_2 AND a2.stem = x.stem_2
            WHERE x.stem_1 <> x.stem_2 OR x.platform_1 <> x.platform_2
               OR a1.account_id < a2.account_id""").fetchall():
        got[tuple(sorted([(p1, a1), (p2, a2)]))] = (round(j, 9), round(lp, 6))
    want = _brute_force(ws, t, 3)
    assert len(want) > 20 and any(k[0][0] != k[1][0] for k in want)
    assert got == want


def test_cluster_lists_members_handles_matched_elsewhere(ws, tmp_path):
    """A planted group with two personas on both platforms (members g0m4 and g0m5 on bluesky
    under variants of g0m0's and g0m1's handles) and one member whose persona also runs a
    bluesky account outside the group: the cluster lists the three, with p and q recomputed
    from the signal's evidence; the reports show them."""
    from detect_helpers import load, planted

    from ioscope.detect import detect
    from ioscope.report import build_report, collect

    rows, _ = planted(seed=3, groups=1, size=6, events=8, noise=20, noise_posts=300)
    names = {"g0m0": ("twitter", "PatriotKavoWarrior12"),
             "g0m4": ("bluesky", "patriot_kavo_warrior.bsky.social"),
             "g0m1": ("twitter", "truthvoice_of_liberty"),
             "g0m5": ("bluesky", "truthvoiceofliberty_usa.bsky.social"),
             "g0m2": ("twitter", "Wyszogrodzka_Reports")}
    for r in rows:
        if r["account_id"] in names:
            r["platform"], r["handle"] = names[r["account_id"]]
    load(ws, rows)
    rng = np.random.default_rng(7)
    _load(ws, _filler(rng, 400) + ["wyszogrodzkareports"], _filler(rng, 400))
    ws.con.execute("UPDATE accounts SET platform = 'bluesky' WHERE account_id = 't400'")
    detect(ws)
    compute_signals(ws, families=["handles"])
    details = collect(ws, format="json")["sections"]["campaigns"]["details"]
    (d,) = [d for d in details if len(d.get("platforms", [])) == 2]
    got = {(r["handle"], r["other_handle"]): (r["other_in_cluster"], r["identical"])
           for r in d["similar_handles"]}
    # a pair of two members is listed once, from the first platform in name order
    assert got == {("patriot_kavo_warrior.bsky.social", "PatriotKavoWarrior12"): (True, False),
                   ("truthvoiceofliberty_usa.bsky.social", "truthvoice_of_liberty"): (True, False),
                   ("Wyszogrodzka_Reports", "wyszogrodzkareports"): (False, True)}
    for r in d["similar_handles"]:
        (detail,) = ws.sql("SELECT detail FROM account_signals WHERE signal = 'similar_handle' "
                           "AND json_extract_string(detail, '$.handle') = ?",
                           [r["handle"]]).fetchone()
        (m,) = [m for m in json.loads(detail)["matches"] if m["handle"] == r["other_handle"]]
        assert (m["p"], m["q"]) == (r["p_value"], r["q_value"]) and m["q"] <= 0.05
    html = build_report(ws, tmp_path / "r.html")
    md = build_report(ws, tmp_path / "r.md", format="md")
    assert "Same or similar handles on other platforms" in html
    assert "#### Same or similar handles on other platforms" in md
    from ioscope.web import create_app, get

    ws.close()
    page = get(create_app(tmp_path / "case.duckdb"), f"/clusters/{d['cluster_id']}")
    assert page.status == 200 and "Same or similar handles on other platforms" in page.text
    assert "wyszogrodzkareports" in page.text


def _bh(ps: list[float], m: int) -> list[float]:
    """Benjamini-Hochberg q of ``ps`` in a family of ``m`` tests (the others with p = 1)."""
    import bisect

    ranked = sorted(ps)
    order = sorted(range(len(ps)), key=lambda i: ps[i])
    q, best = [1.0] * len(ps), 1.0
    for i in reversed(order):
        rank = bisect.bisect_right(ranked, ps[i])  # ties share the highest rank
        best = min(best, ps[i] * m / rank)
        q[i] = min(1.0, best)
    return q


def test_twin_in_a_cluster_is_a_pivot_within_clusters_only(ws, tmp_path):
    """A planted group of 7 members on twitter and 3 on bluesky among 2,400 other accounts (a
    tenth of them named john… or news…): the persona 'KavoTeliMo' on both platforms is far from
    significant among the 1,207 × 1,203 pairs of accounts on two platforms, but is among the 21
    pairs of members on two platforms; 'john1' and 'john.bsky.social' stay below significance in
    both families. q is recomputed from the pair p-values and the cluster membership."""
    from detect_helpers import load, planted

    from ioscope.detect import detect
    from ioscope.report import build_report, collect

    rows, _ = planted(seed=3, groups=1, size=10, events=8, noise=20, noise_posts=300)
    names = {"g0m0": ("twitter", '"><KavoTeliMo'),  # hostile, stem 'kavotelimo'
             "g0m7": ("bluesky", "kavo_teli_mo.bsky.social"),
             "g0m1": ("twitter", "john1"), "g0m8": ("bluesky", "john.bsky.social"),
             "g0m2": ("twitter", "ravosune"), "g0m3": ("twitter", "ditepo_li"),
             "g0m4": ("twitter", "monera"), "g0m5": ("twitter", "sulikavo"),
             "g0m6": ("twitter", "poditera"), "g0m9": ("bluesky", "nemosuvo.bsky.social")}
    for r in rows:
        if r["account_id"] in names:
            r["platform"], r["handle"] = names[r["account_id"]]
    load(ws, rows)
    rng = np.random.default_rng(7)

    def common():
        return [w + str(rng.integers(0, 1000)) for w in ("john", "news") for _ in range(100)]

    _load(ws, _filler(rng, 1000) + common(), _filler(rng, 1000) + common())
    detect(ws)
    members = ws.sql("SELECT cluster_id, platform, account_id FROM cluster_members").fetchall()
    assert {(p, a) for _, p, a in members} == {(p, a) for a, (p, _) in names.items()}
    compute_signals(ws, families=["handles"])
    detail = {a: json.loads(d) for a, d in ws.sql(
        "SELECT account_id, detail FROM account_signals WHERE signal = 'similar_handle'").fetchall()}
    assert detail["g0m0"]["matches"] == [] and detail["g0m1"]["matches"] == []
    (m,) = detail["g0m0"]["cluster_matches"]
    assert (m["account_id"], m["handle"], m["identical"]) == ("g0m7", names["g0m7"][1], True)
    assert m["q"] <= 0.05 and detail["g0m0"]["cluster_family"] == 7 * 3
    assert detail["g0m7"]["cluster_matches"][0]["account_id"] == "g0m0"
    assert detail["g0m1"]["cluster_matches"] == [] and detail["g0m8"]["cluster_matches"] == []

    # the same p in both families; q recomputed over each family from the pair p-values
    handle_matches(ws.con, min_similarity=0.5, min_stem=3, block_cap=2000)
    p = {(a1, a2): pv for a1, a2, pv in ws.sql("""
        SELECT a1.account_id, a2.account_id, t.p FROM _hm_test t
        JOIN _hm_acc a1 ON a1.platform = t.platform_1 AND a1.stem = t.stem_1
        JOIN _hm_acc a2 ON a2.platform = t.platform_2 AND a2.stem = t.stem_2""").fetchall()}
    n = dict(ws.sql("SELECT platform, count(*) FROM _hm_acc GROUP BY ALL").fetchall())
    family = [(a, b) for _, pa_, a in members for _, pb, b in members
              if (pa_, pb) == ("bluesky", "twitter")]
    assert len(family) == 21
    pf = [p.get(k, 1.0) for k in family]
    q_within = dict(zip(family, _bh(pf, len(family))))
    assert m["p"] == pytest.approx(p[("g0m7", "g0m0")], rel=1e-12)
    assert m["q"] == pytest.approx(q_within[("g0m7", "g0m0")], rel=1e-9)
    assert q_within[("g0m8", "g0m1")] > 0.05 and p[("g0m8", "g0m1")] < 1  # tested, common name
    q_all = dict(zip(p, _bh(list(p.values()), n["twitter"] * n["bluesky"])))
    assert q_all[("g0m7", "g0m0")] > 0.05  # 1.2 million tests: no longer significant

    d = next(d for d in collect(ws, format="json")["sections"]["campaigns"]["details"]
             if d["cluster_id"] == members[0][0])
    (row,) = d["cluster_handles"]
    assert (row["handle"], row["other_handle"]) == (names["g0m7"][1], names["g0m0"][1])
    assert (row["p_value"], row["q_cluster"], row["family"]) == (m["p"], m["q"], 21)
    html = build_report(ws, tmp_path / "r.html")
    md = build_report(ws, tmp_path / "r.md", format="md")
    assert "q (within clusters)" in html and "Benjamini-Hochberg over the 21 pairs" in html
    assert "#### Handle pivots within the cluster" in md and "over the 21 pairs" in md
    assert "&gt;&lt;KavoTeliMo" in html and "><KavoTeliMo" not in html
    assert "><KavoTeliMo" not in md
    from ioscope.web import create_app, get

    ws.close()
    shutil.copy(tmp_path / "case.duckdb", tmp_path / "stale.duckdb")
    page = get(create_app(tmp_path / "case.duckdb"), f"/clusters/{d['cluster_id']}")
    assert page.status == 200 and "q (within clusters)" in page.text
    assert "&gt;&lt;KavoTeliMo" in page.text and "><KavoTeliMo" not in page.text
    from ioscope.workspace import Workspace

    with Workspace.open(tmp_path / "stale.duckdb") as again:  # new clusters: stale pivots hidden
        detect(again)
        details = collect(again, format="json")["sections"]["campaigns"]["details"]
        assert details and not [d for d in details if d.get("cluster_handles")]
        (kept,) = again.sql("SELECT detail FROM account_signals WHERE account_id = 'g0m0' "
                            "AND signal = 'similar_handle'").fetchone()
        assert json.loads(kept)["cluster_matches"]  # still there, for the earlier clusters
