"""Build the HPSCI excerpt bundled for the demo: src/ioscope/data/samples/hpsci/.

Every 11th ad of the parsed HPSCI release (by id order) up to 300 ads, with their rows of
ad_targets.csv and the targets they use, in the release's own file layout so that the hpsci-ads
reader reads it unchanged.

    python scripts/build_hpsci_sample.py [PATH/TO/hpsci-ira-facebook-ads]
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT.parent.parent / "shared" / "data" / "hpsci-ira-facebook-ads"
OUT = ROOT / "src" / "ioscope" / "data" / "samples" / "hpsci"
EVERY, LIMIT = 11, 300


def _read(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def _write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def main(src: str | None = None) -> None:
    folder = Path(src) if src else DEFAULT
    OUT.mkdir(parents=True, exist_ok=True)
    header, ads = _read(folder / "ads.csv")
    ads.sort(key=lambda r: int(r[0]))
    keep = ads[::EVERY][:LIMIT]
    ids = {r[0] for r in keep}
    th, links = _read(folder / "ad_targets.csv")
    links = [r for r in links if r[0] in ids]
    used = {r[1] for r in links}
    gh, targets = _read(folder / "targets.csv")
    _write(OUT / "ads.csv", header, keep)
    _write(OUT / "ad_targets.csv", th, links)
    _write(OUT / "targets.csv", gh, [r for r in targets if r[0] in used])
    print(f"{len(keep)} ads, {len(links)} targeting rows, {len(used)} targets -> {OUT}")


if __name__ == "__main__":
    main(*sys.argv[1:])
