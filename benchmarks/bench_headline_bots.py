"""News-feed bots as a hard negative: the calibration preset with and without them.

The calibration preset (no campaigns, every hard negative) with ``headline_bots`` 0 and 0.5:
accounts flagged by the multi-scale detect (``--scales 1m,10m,1h``) and by the default 60 s window, and how many of the
news-feed bots (which post their outlet's headlines as their own posts) are among them. With no
campaign at all every flagged account is a false positive; the share flagged should stay at or
below the false discovery rate (0.01).

    PYTHONPATH=src python benchmarks/bench_headline_bots.py [--posts 30000] [--seed 11] \\
        [--record benchmarks/results/headline_bots_calibration.txt]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from record import add_record_arguments, header, record_section, start_recording  # noqa: E402

from ioscope.detect import detect  # noqa: E402
from ioscope.evaluate import evaluate  # noqa: E402
from ioscope.ingest import ingest  # noqa: E402
from ioscope.simulate import simulate  # noqa: E402
from ioscope.workspace import Workspace  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--posts", type=int, default=30_000)
    ap.add_argument("--seed", type=int, default=11)
    add_record_arguments(ap)
    args = ap.parse_args()
    if args.record_only:
        record_section(Path(args.record_only))
        return
    start_recording(args.record)
    if args.record:
        print(header("bench_headline_bots.py", sys.argv[1:]), flush=True)
    with tempfile.TemporaryDirectory() as d:
        for share in (0.0, 0.5):
            s = simulate(
                Path(d) / f"s{share}",
                posts=args.posts,
                seed=args.seed,
                preset="calibration",
                headline_bots=share,
            )
            doc = json.loads(Path(s["paths"]["campaigns"]).read_text())
            bots = {b["account_id"] for b in doc["hard_negatives"]["news_bots"] if b["headlines"]}
            with Workspace.open(Path(d) / f"w{share}.duckdb") as ws:
                ingest(ws, [s["paths"]["posts"], s["paths"]["accounts"]])
                accounts = ws.sql("SELECT count(DISTINCT account_id) FROM posts").fetchone()[0]
                for window in (None, "60s"):
                    detect(
                        ws, **({"scales": "1m,10m,1h"} if window is None else {"window": window})
                    )
                    flagged = evaluate(ws, s["paths"]["truth"])["accounts"]["flagged"]
                    members = {
                        r[0] for r in ws.sql("SELECT account_id FROM cluster_members").fetchall()
                    }
                    print(
                        f"headline_bots={share} {'1m,10m,1h' if window is None else window}: "
                        f"flagged {flagged} of {accounts:,} accounts ({flagged / accounts:.4f});"
                        f" news-feed bots flagged {len(members & bots)} of {len(bots)}",
                        flush=True,
                    )
    if args.record:
        sys.stdout.flush()
        record_section(Path(args.record))


if __name__ == "__main__":
    main()
