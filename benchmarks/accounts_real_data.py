"""IRA accounts against organic controls of the same week, made comparable.

Positives: the IRA accounts of the FiveThirtyEight/Clemson tweets (``fivethirtyeight`` reader)
that posted during the week of the geotagged 2016-election sample; negatives: the accounts of
that sample (``twitter-v1`` reader). The two collections record different things, so before any
signal is computed the workspace is made comparable (see docs/accounts.md, "Real data"):

1. the same time span: IRA tweets are kept only within the control sample's first and last
   tweet;
2. the same kind of posts: original posts only — no reposts (the geotagged sample has none), no
   quotes, no replies (the IRA files do not mark replies, so a post whose text starts with
   '@' counts as a reply in both sources), and English only (the controls were sampled in the
   US);
3. the same entity extraction: URLs, hashtags and mentions are taken from the text in both
   sources (the IRA files have only unexpanded t.co links in the text; the v1 entities list no
   media links);
4. the same depth: each IRA account keeps a random subset of its posts whose size is drawn from
   the controls' posts-per-account distribution (the controls are a sample of ~1.5 tweets per
   account, the IRA files hold everything its accounts wrote);
5. the same fields: only signals both sources can have — :data:`COMPARABLE`.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import numpy as np

from ioscope.ingest import ingest
from ioscope.ingest.finalize import HASHTAG_RE, MENTION_RE
from ioscope.workspace import Workspace

__all__ = [
    "COMPARABLE",
    "ingest_sources",
    "harmonize",
    "drop_accounts_without_posts",
    "write_labels",
]

#: Signals both sources can have after harmonization (profile fields the IRA files lack —
#: creation date, bio, location, account language, client, display name — are left out, and so
#: are the kinds of post the control sample cannot contain).
COMPARABLE = (
    "handle_digits",
    "handle_template",
    "follower_ratio",
    "lifetime_posts",
    "link_share",
    "mention_share",
    "hashtags_per_post",
    "hashtag_diversity",
)

IRA = "fivethirtyeight-ira-tweets-by-author"
V1 = "twitter-v1-geotagged-election-2016"


def _week_csv(data: Path, lo, hi, out: Path, categories: list[str] | None) -> int:
    """The IRA tweets between lo and hi, by-author layout, into one CSV for the reader."""
    import duckdb

    files = sorted((data / IRA).glob("tweets_*.csv.gz"))
    if categories:
        files = [f for f in files if f.name[len("tweets_") : -len(".csv.gz")] in categories]
    con = duckdb.connect()
    lst = "[" + ", ".join("'" + str(f).replace("'", "''") + "'" for f in files) + "]"
    con.execute(
        f"""COPY (SELECT * FROM read_csv({lst}, all_varchar = true, header = true)
                        WHERE TRY_CAST(publish_date AS TIMESTAMP) BETWEEN ? AND ?)
                    TO '{out}' (HEADER, DELIMITER ',')""",
        [lo, hi],
    )
    n = con.execute(f"SELECT count(*) FROM read_csv('{out}', all_varchar = true)").fetchall()[0][0]
    con.close()
    return n


def ingest_sources(
    ws: Workspace,
    data: Path,
    tmp: Path,
    *,
    states: list[str] | None = None,
    categories: list[str] | None = None,
) -> dict[str, Any]:
    """Both sources into ``ws``: the control sample, then the IRA tweets of its time span."""
    data = Path(data)
    v1 = sorted((data / V1 / "election").glob("*_election.json.gz"))
    if states:
        v1 = [f for f in v1 if f.name.split("_")[0] in states]
    ingest(ws, v1)
    lo, hi = ws.sql("SELECT min(created_at), max(created_at) FROM posts").fetchall()[0]
    week = Path(tmp) / "ira_week.csv"
    n_ira = _week_csv(data, lo, hi, week, categories)
    ingest(ws, [week, data / IRA / "authors.csv"], format="fivethirtyeight")
    return {
        "span": [str(lo), str(hi)],
        "ira_tweets_in_span": n_ira,
        "control_files": len(v1),
        "week_file": str(week),
    }


def harmonize(ws: Workspace, week_file: str, seed: int) -> dict[str, Any]:
    """Make the two sources comparable (steps 2-4 of the module docstring) and drop accounts
    left without posts."""
    info = _harmonize(ws, Path(week_file), seed)
    info["accounts"] = drop_accounts_without_posts(ws)
    return info


def drop_accounts_without_posts(ws: Workspace) -> dict[str, int]:
    ws.sql(
        "DELETE FROM accounts a WHERE NOT EXISTS (SELECT 1 FROM posts p WHERE "
        "p.platform = a.platform AND p.account_id = a.account_id)"
    )
    return {
        ("ira" if ira else "control"): n
        for ira, n in ws.sql(
            "SELECT source_file NOT LIKE '%election%' AS ira, count(*) FROM accounts GROUP BY 1"
        ).fetchall()
    }


def _harmonize(ws: Workspace, week: Path, seed: int) -> dict[str, Any]:
    ira = f"source_file = '{week}'"
    ws.sql("""DELETE FROM posts WHERE kind <> 'post' OR ltrim(text) LIKE '@%'
              OR COALESCE(lower(language), '') NOT IN ('en', 'english')""")
    ws.sql(f"""UPDATE posts SET
        urls = regexp_extract_all(text, 'https?://[^\\s]+'),
        hashtags = list_transform(regexp_extract_all(text, '{HASHTAG_RE}'),
                                  lambda x: lower(ltrim(substr(x, 2), '#＃'))),
        mentions = list_transform(regexp_extract_all(text, '{MENTION_RE}'),
                                  lambda x: lower(ltrim(substr(x, 2), '@＠'))),
        urls_normalized = NULL, domains = NULL""")
    control = np.array(
        [
            r[0]
            for r in ws.sql(
                f"SELECT count(*) FROM posts WHERE NOT {ira} GROUP BY account_id"
            ).fetchall()
        ]
    )
    accounts = ws.sql(
        f"SELECT account_id, count(*) FROM posts WHERE {ira} GROUP BY 1 ORDER BY 1"
    ).fetchall()
    rng = np.random.default_rng(seed)
    keep = np.minimum(rng.choice(control, size=len(accounts)), [n for _, n in accounts])
    ws.con.execute("CREATE OR REPLACE TEMP TABLE _keep (account_id VARCHAR, k BIGINT)")
    ws.con.executemany(
        "INSERT INTO _keep VALUES (?, ?)", [[a, int(k)] for (a, _), k in zip(accounts, keep)]
    )
    ws.sql(f"""DELETE FROM posts WHERE {ira} AND post_id IN (
        SELECT post_id FROM (
            SELECT p.post_id, k.k, row_number() OVER (
                PARTITION BY p.account_id ORDER BY hash(p.post_id || '{int(seed)}')) AS r
            FROM posts p JOIN _keep k USING (account_id) WHERE p.{ira}) WHERE r > k)""")
    return {
        "control_posts_per_account": float(control.mean()),
        "ira_posts_per_account_after": float(keep.mean()),
    }


def write_labels(ws: Workspace, data: Path, path: Path) -> dict[str, int]:
    """account_id,label,persona: IRA accounts (persona = Linvill & Warren's account_category)
    and controls (persona empty) of the workspace."""
    persona = {}
    with open(Path(data) / IRA / "authors.csv", newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            persona[r["author_id"].lower()] = r["account_category"]
    rows = ws.sql("SELECT account_id, source_file FROM accounts ORDER BY account_id").fetchall()
    counts = {"positives": 0, "negatives": 0}
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["account_id", "label", "persona"])
        for acc, src in rows:
            pos = acc in persona and "election" not in (src or "")
            w.writerow([acc, 1 if pos else 0, persona.get(acc, "") if pos else ""])
            counts["positives" if pos else "negatives"] += 1
    return counts
