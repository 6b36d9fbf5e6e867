"""A small, seeded workspace with every stage's tables filled, for report and web tests.

Stage tables are created from their registered declarations when the stage is on this branch
(so the fixture follows schema changes) and otherwise with the contract's columns; rows are
inserted by column name. With ``hostile=True`` posts, handles, ad creatives and items carry
script tags, event handlers, ``javascript:`` links and SQL fragments: rendering must leave them
inert.
"""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta
from pathlib import Path

import pyarrow as pa

from ioscope.model.table import _REGISTRY
from ioscope.workspace import Workspace

HOSTILE = [
    "<script>window.__pwned = 1; document.title = 'pwned'</script>",
    '<img src=x onerror="window.__pwned = 1">',
    '"><svg onload="window.__pwned=1">',
    "javascript:window.__pwned=1",
    "'; DROP TABLE posts; --",
    "Robert'); DELETE FROM accounts WHERE ('1'='1",
    "{{ 7*7 }} {% raw %} ${7*7} | *bold* [link](javascript:alert(1)) ```",
    "</textarea></style></title><script>window.__pwned=1</script>",
]

#: Columns of stage tables not (yet) registered on this branch: the contracts of TEAM.md.
FALLBACK = {
    "edges": "signal VARCHAR, platform_1 VARCHAR, account_1 VARCHAR, platform_2 VARCHAR, "
             "account_2 VARCHAR, weight DOUBLE, shared_items BIGINT, first_at TIMESTAMP, "
             "last_at TIMESTAMP, p_value DOUBLE, q_value DOUBLE, significant BOOLEAN, run_id VARCHAR",
    "edge_evidence": "signal VARCHAR, platform_1 VARCHAR, account_1 VARCHAR, platform_2 VARCHAR, "
                     "account_2 VARCHAR, item VARCHAR, post_1 VARCHAR, post_2 VARCHAR, "
                     "dt_seconds DOUBLE, run_id VARCHAR",
    "clusters": "cluster_id INTEGER, rank INTEGER, size INTEGER, score DOUBLE, signals VARCHAR[], "
                "first_at TIMESTAMP, last_at TIMESTAMP, explanation VARCHAR, run_id VARCHAR",
    "cluster_members": "cluster_id INTEGER, platform VARCHAR, account_id VARCHAR, "
                       "strength DOUBLE, explanation VARCHAR, run_id VARCHAR",
    "account_signals": "platform VARCHAR, account_id VARCHAR, signal VARCHAR, value DOUBLE, "
                       "score DOUBLE, detail JSON, run_id VARCHAR",
    "account_scores": "platform VARCHAR, account_id VARCHAR, score DOUBLE, top_signals JSON, "
                      "model_id VARCHAR, run_id VARCHAR",
    "ads": "platform VARCHAR, ad_id VARCHAR, advertiser_id VARCHAR, advertiser_name VARCHAR, "
           "advertiser_handle VARCHAR, post_id VARCHAR, creative_text VARCHAR, landing_url VARCHAR, "
           "landing_domain VARCHAR, start_at TIMESTAMP, end_at TIMESTAMP, spend_lower DOUBLE, "
           "spend_upper DOUBLE, spend_raw VARCHAR, currency VARCHAR, impressions_lower DOUBLE, "
           "impressions_upper DOUBLE, impressions_raw VARCHAR, clicks BIGINT, "
           "spend_usd_lower DOUBLE, spend_usd_upper DOUBLE, run_id VARCHAR",
    "ad_country_targeting": "platform VARCHAR, ad_id VARCHAR, country VARCHAR, status VARCHAR, "
                            "rule VARCHAR, evidence VARCHAR, run_id VARCHAR",
}

T0 = datetime(2016, 9, 1)


def _create(ws: Workspace, name: str) -> None:
    import ioscope.model.stages  # noqa: F401

    if name in _REGISTRY:
        ws.ensure(name)
    else:
        ws.con.execute(f'CREATE TABLE "{name}" ({FALLBACK[name]})')


def _insert(ws: Workspace, table: str, rows: list[dict]) -> None:
    if not rows:
        return
    have = {r[0] for r in ws.con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE table_name = ?", [table]).fetchall()}
    cols = [c for c in rows[0] if c in have]  # columns a stage has not (yet) declared are left out
    batch = pa.Table.from_pylist([{c: r[c] for c in cols} for r in rows])  # noqa: F841 (DuckDB)
    ws.con.execute(f'INSERT INTO "{table}" BY NAME SELECT * FROM batch')


def build_case_workspace(path: str | Path, *, hostile: bool = False, stages: bool = True,
                         seed: int = 3) -> Path:
    """Write the fixture workspace at ``path`` and return the path."""
    rng = random.Random(seed)
    path = Path(path)
    ws = Workspace.open(path)

    def text(i: int) -> str:
        if hostile and i % 3 == 0:
            return HOSTILE[i % len(HOSTILE)] + f" post {i}"
        return f"ordinary words about the news number {i}"

    campaigns = {1: [f"c1_{k}" for k in range(8)], 2: [f"c2_{k}" for k in range(6)],
                 3: [f"c3_{k}" for k in range(5)]}
    members = [a for ms in campaigns.values() for a in ms]
    organic = [f"o{k}" for k in range(60)]
    accounts = []
    for k, a in enumerate(members + organic):
        created = (datetime(2016, 3, 2) + timedelta(hours=rng.randint(0, 72))) \
            if a.startswith("c1") else datetime(2009, 1, 1) + timedelta(days=rng.randint(0, 2500))
        handle = a if not (hostile and k % 4 == 0) else HOSTILE[k % len(HOSTILE)][:40] + str(k)
        accounts.append({"platform": "twitter", "account_id": a, "handle": handle,
                         "display_name": f"Name {k}", "created_at": created,
                         "followers": rng.randint(0, 5000)})
    _insert(ws, "accounts", accounts)
    posts, evidence, edges = [], [], []
    pid = 0
    for a in organic:
        for _ in range(rng.randint(3, 12)):
            pid += 1
            posts.append({"platform": "twitter", "post_id": f"p{pid}", "account_id": a,
                          "created_at": T0 + timedelta(seconds=rng.randint(0, 60 * 86400)),
                          "kind": "post", "text": text(pid),
                          "urls": ["javascript:alert(1)"] if hostile and pid % 5 == 0 else []})
    for cid, ms in campaigns.items():
        for target in range(6):
            t = T0 + timedelta(days=5 * cid + target, hours=3)
            item = HOSTILE[target % len(HOSTILE)] if hostile else f"tweet{cid}_{target}"
            ids = {}
            for j, a in enumerate(ms):
                pid += 1
                ids[a] = (f"p{pid}", t + timedelta(seconds=7 * j))
                posts.append({"platform": "twitter", "post_id": f"p{pid}", "account_id": a,
                              "created_at": ids[a][1], "kind": "repost", "text": text(pid),
                              "urls": []})
            for i1, a1 in enumerate(ms):
                for a2 in ms[i1 + 1:]:
                    evidence.append({
                        "signal": "co_repost", "platform_1": "twitter", "account_1": a1,
                        "platform_2": "twitter", "account_2": a2, "item": item,
                        "post_1": ids[a1][0], "post_2": ids[a2][0],
                        "dt_seconds": (ids[a2][1] - ids[a1][1]).total_seconds(),
                        "run_id": "r-detect"})
        for i1, a1 in enumerate(ms):
            for a2 in ms[i1 + 1:]:
                edges.append(_edge("co_repost", a1, a2, 6, 10 ** -rng.uniform(6, 12), True))
    for _ in range(40):
        a1, a2 = sorted(rng.sample(organic, 2))
        edges.append(_edge("co_link", a1, a2, 1, rng.uniform(0.1, 1), False))
    _insert(ws, "posts", posts)
    ws.con.execute("INSERT INTO runs VALUES ('r-ingest', 'ingest', ?, ?, '{}', '0.1.0', ?, ?, 'ok')",
                   [json.dumps({"format": None}), json.dumps([{
                       "path": "case.csv", "sha256": "sha256:" + "ab" * 32, "size": 1234}]), T0, T0])
    if stages:
        for name in FALLBACK:
            _create(ws, name)
        _insert(ws, "edges", edges)
        _insert(ws, "edge_evidence", evidence)
        for cid, ms in campaigns.items():
            _insert(ws, "clusters", [{
                "cluster_id": cid, "rank": cid, "size": len(ms), "score": 10.0 - cid,
                "signals": ["co_repost", HOSTILE[0]] if hostile else ["co_repost"],
                "first_at": T0, "last_at": T0 + timedelta(days=20),
                "explanation": (HOSTILE[1] if hostile else "") + f"{len(ms)} accounts reposted "
                               "the same 6 posts, a median of 7 s apart.", "run_id": "r-detect"}])
            _insert(ws, "cluster_members", [{
                "cluster_id": cid, "platform": "twitter", "account_id": a,
                "strength": float(len(ms)), "explanation": "reposted the same posts",
                "run_id": "r-detect"} for a in ms])
        _insert(ws, "account_scores", [{
            "platform": "twitter", "account_id": a,
            "score": 0.9 if a in members else rng.uniform(0, 0.4),
            "top_signals": json.dumps([{"signal": "creation_burst", "contribution": 0.5}]),
            "model_id": "m1", "run_id": "r-acc"} for a in members + organic])
        _insert(ws, "account_signals", [{
            "platform": "twitter", "account_id": a, "signal": "creation_burst", "value": 1.0,
            "score": 0.8, "detail": "{}", "run_id": "r-acc"} for a in members])
        _insert(ws, "ads", [_ad(k, rng, hostile, text) for k in range(30)])
        _insert(ws, "ad_country_targeting", [{
            "platform": "facebook", "ad_id": f"ad{k}", "country": c, "status": st, "rule": "rule",
            "evidence": HOSTILE[1] if hostile else "United States", "run_id": "r-ads"}
            for k in range(30)
            for c, st in (("US", "definite" if k % 2 else "potential"), ("RU", "excluded"))])
        ws.con.execute("INSERT INTO runs VALUES ('r-detect', 'detect', ?, '[]', '{}', '0.1.0', ?, "
                       "?, 'ok')", [json.dumps({"window": 60, "note": HOSTILE[0] if hostile
                                                else ""}), T0, T0])
        ws.con.execute("INSERT INTO runs VALUES ('r-acc', 'accounts score', '{}', '[]', '{}', "
                       "'0.1.0', ?, ?, 'ok')", [T0, T0])
    ws.close()
    return path


def _edge(signal: str, a1: str, a2: str, weight: int, p: float, significant: bool) -> dict:
    return {"signal": signal, "platform_1": "twitter", "account_1": a1, "platform_2": "twitter",
            "account_2": a2, "weight": weight, "shared_items": weight, "first_at": T0,
            "last_at": T0 + timedelta(days=20), "p_value": p,
            "q_value": min(1.0, p * 100), "significant": significant, "run_id": "r-detect"}


def _ad(k: int, rng: random.Random, hostile: bool, text) -> dict:
    adv = k % 3
    spend = round(rng.uniform(0, 5000), 2)
    start = T0 + timedelta(days=10 * k)
    return {
        "platform": "facebook", "ad_id": f"ad{k}", "advertiser_id": f"adv{adv}",
        "advertiser_name": HOSTILE[k % len(HOSTILE)] if hostile and adv == 0 else f"Advertiser {adv}",
        "creative_text": text(k * 3) if hostile else f"Buy this {k}",
        "landing_url": "javascript:window.__pwned=1" if hostile else f"https://ex{adv}.com/{k}",
        "landing_domain": f"ex{adv}.com", "start_at": start, "spend_lower": spend * 60,
        "spend_upper": spend * 60, "spend_raw": f"{spend * 60:.2f}", "currency": "RUB",
        "impressions_lower": 1000.0 * k, "impressions_upper": 1000.0 * k,
        "impressions_raw": str(1000 * k), "clicks": k * 7, "spend_usd_lower": spend,
        "spend_usd_upper": spend, "run_id": "r-ads"}
