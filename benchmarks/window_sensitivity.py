"""Window sensitivity on CooRTweet's real Russian retweet sample: raw counts vs the calibrated set.

Ingests ``russian_coord_tweets.csv.gz`` (``../shared/data/coortweet-coordination-samples``,
MIT, see its PROVENANCE.md), estimates CooRnet's coordination interval, runs ``ioscope detect
--window-sweep`` over co_repost (the only signal this sample carries) and prints the Markdown of
``docs/window-sensitivity.md`` (``--write`` replaces the file).

    PYTHONPATH=src python benchmarks/window_sensitivity.py [--write]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from ioscope.detect import coornet_interval, list_clusters, window_sweep  # noqa: E402
from ioscope.ingest import ingest  # noqa: E402
from ioscope.workspace import Workspace  # noqa: E402

SAMPLE = (
    Path(os.environ.get("IOSCOPE_SHARED", ROOT.parent / "shared"))
    / "data"
    / "coortweet-coordination-samples"
    / "russian_coord_tweets.csv.gz"
)
WINDOWS = ["10s", "30s", "60s", "5m", "10m", "1439s", "1h", "6h"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sample", default=str(SAMPLE))
    ap.add_argument("--write", action="store_true", help="Write docs/window-sensitivity.md.")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace.open(Path(tmp) / "ru.duckdb")
        ingest(ws, [args.sample])
        n_posts, n_accounts = ws.sql(
            "SELECT count(*), count(DISTINCT account_id) FROM posts"
        ).fetchone()
        raw_csv = coornet_interval(
            ws.con,
            f"""SELECT object_id AS item,
            CAST(timestamp_share AS DOUBLE) AS t FROM read_csv('{args.sample}')""",
        )
        ingested = coornet_interval(
            ws.con,
            "SELECT target_post_id AS item, epoch(created_at) "
            "AS t FROM posts WHERE kind = 'repost'",
        )
        t0 = time.perf_counter()
        rows = window_sweep(ws, WINDOWS, signals="co_repost")
        seconds = time.perf_counter() - t0
        sets = {}
        for w in ("60s", "10m", "1439s"):
            window_sweep(ws, [w], signals="co_repost")
            sets[w] = list_clusters(ws, members=True)
        ws.close()
    lines = [
        "# Window sensitivity on real data",
        "",
        "<!-- Produced by `PYTHONPATH=src python benchmarks/window_sensitivity.py --write`. -->",
        "",
        "CooRTweet's Russian pro-government retweet sample (Kulichkina, Righetti & Waldherr 2024; "
        "MIT; the `russian_coord_tweets` data of the CooRTweet R package): "
        f"{n_posts:,} posts by {n_accounts:,} accounts after ingest, January–August 2021. Only "
        "co-retweets can be computed from it (`--signals co_repost`). No account is labelled, "
        "so this page measures stability, not accuracy.",
        "",
        f"CooRnet's coordination interval (q = 0.1, p = 0.5) is **{raw_csv['seconds']:,.0f} s** "
        f"on the CSV as published (the R package's value) and {ingested['seconds']:,.0f} s after "
        "ingest, which drops the sample's duplicate rows.",
        "",
        "| window | raw co-retweet edges | accounts in a raw edge | significant edges | "
        "flagged accounts | campaign clusters | Jaccard with previous window |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        j = "–" if r["jaccard_previous"] is None else f"{r['jaccard_previous']:.2f}"
        lines.append(
            f"| {r['window']:,.0f} s | {r['raw_edges']:,} | {r['raw_accounts']:,} | "
            f"{r['significant_edges']:,} | {r['flagged']:,} | {r['clusters']:,} | {j} |"
        )
    first, last = rows[0], rows[-1]
    lines += [
        "",
        "Raw edges are every pair of accounts that retweeted at least `min_weight` = 2 of the same "
        "tweets within the window; CooRTweet's own rules (a pair survives if either account meets "
        "`min_participation`) flag 7 accounts at 10 s, 68 at 60 s and 1,323 at 1,439 s (CooRTweet's "
        "`detect_groups` with `min_participation` = 2 on the same sample). From "
        f"{first['window']:,.0f} s to {last['window']:,.0f} s the accounts in a raw edge grow "
        f"{last['raw_accounts'] / max(first['raw_accounts'], 1):,.0f}-fold "
        f"({first['raw_accounts']:,} → {last['raw_accounts']:,}), because the longer the window "
        "the more ordinary retweeting of the same popular tweets counts. The calibrated set "
        f"stays between {min(r['flagged'] for r in rows):,} and "
        f"{max(r['flagged'] for r in rows):,} accounts: the null model expects most of the "
        "extra co-retweets, since it keeps each tweet's retweet times and each account's daily "
        "activity and only shuffles who retweeted.",
        "",
        "Campaign candidates at three windows (`ioscope clusters`):",
        "",
    ]
    for w, clusters in sets.items():
        found = [c for c in clusters if c.get("kind") == "campaign"]
        lines.append(f"- **{w}**:" + ("" if found else " none"))
        lines += [f"  - {c['explanation']}" for c in found]
    lines += ["", f"The sweep of {len(WINDOWS)} windows took {seconds:.1f} s.", ""]
    text = "\n".join(lines)
    print(text)
    if args.write:
        (ROOT / "docs" / "window-sensitivity.md").write_text(text)


if __name__ == "__main__":
    main()
