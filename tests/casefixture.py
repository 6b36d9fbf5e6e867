"""A small, seeded workspace with every stage's tables filled, for report and web tests.

The stage tables are created with the columns of the contracts in TEAM.md (and the ads schema),
so that the report can be tested before (and independently of) the stages that write them.
With ``hostile=True`` the posts, handles, ad creatives and items carry script tags, event
handlers, ``javascript:`` links and SQL fragments; rendering must leave them inert.
"""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta
from pathlib import Path

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

STAGE_DDL = """
CREATE TABLE edges (signal VARCHAR, account_1 VARCHAR, account_2 VARCHAR, weight DOUBLE,
  shared_items BIGINT, first_at TIMESTAMP, last_at TIMESTAMP, p_value DOUBLE, q_value DOUBLE,
  significant BOOLEAN, run_id VARCHAR);
CREATE TABLE edge_evidence (signal VARCHAR, account_1 VARCHAR, account_2 VARCHAR, item VARCHAR,
  post_1 VARCHAR, post_2 VARCHAR, dt_seconds DOUBLE, run_id VARCHAR);
CREATE TABLE clusters (cluster_id INTEGER, rank INTEGER, size INTEGER, score DOUBLE,
  signals VARCHAR[], first_at TIMESTAMP, last_at TIMESTAMP, run_id VARCHAR);
CREATE TABLE cluster_members (cluster_id INTEGER, platform VARCHAR, account_id VARCHAR,
  strength DOUBLE, run_id VARCHAR);
CREATE TABLE account_signals (platform VARCHAR, account_id VARCHAR, signal VARCHAR, value DOUBLE,
  score DOUBLE, detail JSON, run_id VARCHAR);
CREATE TABLE account_scores (platform VARCHAR, account_id VARCHAR, score DOUBLE,
  top_signals JSON, model_id VARCHAR, run_id VARCHAR);
CREATE TABLE ads (platform VARCHAR, ad_id VARCHAR, advertiser_id VARCHAR, advertiser_name VARCHAR,
  advertiser_handle VARCHAR, payer VARCHAR, post_id VARCHAR, creative_text VARCHAR,
  landing_url VARCHAR, landing_url_normalized VARCHAR, landing_domain VARCHAR,
  start_at TIMESTAMP, end_at TIMESTAMP, spend_lower DOUBLE, spend_upper DOUBLE, spend_raw VARCHAR,
  currency VARCHAR, impressions_lower DOUBLE, impressions_upper DOUBLE, impressions_raw VARCHAR,
  clicks BIGINT, spend_usd_lower DOUBLE, spend_usd_upper DOUBLE, fx_rate DOUBLE, fx_date DATE,
  notes VARCHAR[], source_file VARCHAR, source_line BIGINT, run_id VARCHAR);
CREATE TABLE ad_country_targeting (platform VARCHAR, ad_id VARCHAR, country VARCHAR,
  status VARCHAR, rule VARCHAR, evidence VARCHAR, run_id VARCHAR);
"""

T0 = datetime(2016, 9, 1)


def build_case_workspace(path: str | Path, *, hostile: bool = False, stages: bool = True,
                         seed: int = 3) -> Path:
    """Write the fixture workspace at ``path`` and return the path."""
    rng = random.Random(seed)
    path = Path(path)
    ws = Workspace.open(path)
    con = ws.con

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
        burst = a.startswith("c1")
        created = (datetime(2016, 3, 2) + timedelta(hours=rng.randint(0, 72))) if burst else \
            datetime(2009, 1, 1) + timedelta(days=rng.randint(0, 2500))
        handle = a if not (hostile and k % 4 == 0) else HOSTILE[k % len(HOSTILE)][:40] + str(k)
        accounts.append(("twitter", a, handle, f"Name {k}", created, rng.randint(0, 5000)))
    con.executemany("INSERT INTO accounts (platform, account_id, handle, display_name, created_at, "
                    "followers) VALUES (?, ?, ?, ?, ?, ?)", accounts)
    posts, evidence, edges = [], [], []
    pid = 0
    for a in organic:
        for _ in range(rng.randint(3, 12)):
            pid += 1
            t = T0 + timedelta(seconds=rng.randint(0, 60 * 86400))
            posts.append(("twitter", f"p{pid}", a, t, "post", text(pid),
                          ["javascript:alert(1)"] if hostile and pid % 5 == 0 else []))
    for cid, ms in campaigns.items():
        for target in range(6):
            t = T0 + timedelta(days=5 * cid + target, hours=3)
            item = (HOSTILE[target % len(HOSTILE)] if hostile else f"tweet{cid}_{target}")
            ids = {}
            for j, a in enumerate(ms):
                pid += 1
                ids[a] = (f"p{pid}", t + timedelta(seconds=7 * j))
                posts.append(("twitter", f"p{pid}", a, ids[a][1], "repost", text(pid), []))
            for i1, a1 in enumerate(ms):
                for a2 in ms[i1 + 1:]:
                    evidence.append(("co_repost", a1, a2, item, ids[a1][0], ids[a2][0],
                                     (ids[a2][1] - ids[a1][1]).total_seconds(), "r-detect"))
        for i1, a1 in enumerate(ms):
            for a2 in ms[i1 + 1:]:
                edges.append(("co_repost", a1, a2, 6.0, 6, T0, T0 + timedelta(days=20),
                              10 ** -rng.uniform(6, 12), 10 ** -rng.uniform(4, 9), True, "r-detect"))
    for _ in range(40):
        a1, a2 = sorted(rng.sample(organic, 2))
        edges.append(("co_link", a1, a2, 1.0, 1, T0, T0, rng.uniform(0.1, 1), 1.0, False,
                      "r-detect"))
    con.executemany("INSERT INTO posts (platform, post_id, account_id, created_at, kind, text, "
                    "urls) VALUES (?, ?, ?, ?, ?, ?, ?)", posts)
    con.execute("INSERT INTO runs VALUES ('r-ingest', 'ingest', ?, ?, '{}', '0.1.0', ?, ?, 'ok')",
                [json.dumps({"format": None}), json.dumps([{"path": "case.csv", "sha256":
                 "sha256:" + "ab" * 32, "size": 1234}]), T0, T0])
    if stages:
        for stmt in STAGE_DDL.split(";"):
            if stmt.strip():
                con.execute(stmt)
        con.executemany("INSERT INTO edges VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", edges)
        con.executemany("INSERT INTO edge_evidence VALUES (?, ?, ?, ?, ?, ?, ?, ?)", evidence)
        for cid, ms in campaigns.items():
            sig = ["co_repost", HOSTILE[0]] if hostile else ["co_repost"]
            con.execute("INSERT INTO clusters VALUES (?, ?, ?, ?, ?, ?, ?, 'r-detect')",
                        [cid, cid, len(ms), 10.0 - cid, sig, T0, T0 + timedelta(days=20)])
            con.executemany("INSERT INTO cluster_members VALUES (?, 'twitter', ?, ?, 'r-detect')",
                            [(cid, a, float(len(ms))) for a in ms])
        con.executemany("INSERT INTO account_scores VALUES ('twitter', ?, ?, ?, 'm1', 'r-acc')",
                        [(a, 0.9 if a in members else rng.uniform(0, 0.4),
                          json.dumps(["creation_burst"])) for a in members + organic])
        con.executemany("INSERT INTO account_signals VALUES ('twitter', ?, 'creation_burst', ?, ?, "
                        "'{}', 'r-acc')", [(a, 1.0, 0.8) for a in members])
        ads = []
        for k in range(30):
            adv = k % 3
            name = (HOSTILE[k % len(HOSTILE)] if hostile and adv == 0 else f"Advertiser {adv}")
            spend = round(rng.uniform(0, 5000), 2)
            ads.append(("facebook", f"ad{k}", f"adv{adv}", name, None, None, None,
                        text(k * 3) if hostile else f"Buy this {k}",
                        "javascript:window.__pwned=1" if hostile else f"https://ex{adv}.com/{k}",
                        None, f"ex{adv}.com", T0 + timedelta(days=10 * k), None, spend * 60,
                        spend * 60, f"{spend * 60:.2f}", "RUB", 1000.0 * k, 1000.0 * k, str(1000 * k),
                        k * 7, spend, spend, 1 / 60, (T0 + timedelta(days=10 * k)).date(), [],
                        "ads.csv", k + 2, "r-ads"))
        con.executemany("INSERT INTO ads VALUES (" + ", ".join(["?"] * 29) + ")", ads)
        con.executemany("INSERT INTO ad_country_targeting VALUES ('facebook', ?, ?, ?, 'rule', "
                        "?, 'r-audit')",
                        [(f"ad{k}", c, st, HOSTILE[1] if hostile else "United States")
                         for k in range(30)
                         for c, st in (("US", "definite" if k % 2 else "potential"),
                                       ("RU", "excluded"))])
        con.execute("INSERT INTO runs VALUES ('r-detect', 'detect', ?, '[]', '{}', '0.1.0', ?, ?, "
                    "'ok')", [json.dumps({"window": 60, "note": HOSTILE[0] if hostile else ""}),
                              T0, T0])
    ws.close()
    return path
