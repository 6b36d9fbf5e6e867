"""JSON ingest at scale: memory stays bounded whatever the file size (slow; run with -m slow)."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

ROOT = Path(__file__).resolve().parents[1]
LIMIT_MB = 2048

pytestmark = pytest.mark.slow


def _ingest_in_child(ws: Path, files: list[Path]) -> tuple[dict, int]:
    """Ingest in a fresh process; its report and its peak resident memory in MB."""
    code = (
        "import json, sys; from ioscope.workspace import Workspace; "
        "from ioscope.ingest import ingest; ws = Workspace.open(sys.argv[1]); "
        "print(json.dumps(ingest(ws, sys.argv[2:]).totals))"
    )
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    out = subprocess.run(
        [sys.executable, "-c", code, str(ws), *map(str, files)],
        check=True,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(ROOT / "src")},
    )
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    assert peak >= before
    return json.loads(out.stdout.strip().splitlines()[-1]), peak // 1024


def test_v1_lines_of_a_million_tweets_in_bounded_memory(tmp_path):
    from tests.fixtures.samples.twitter_v1 import lines_fixture

    base = [orjson.loads(x) for x in lines_fixture()[:5]]
    f = tmp_path / "big.jsonl"
    n = 0
    with open(f, "wb") as out:
        for k in range(200_000):
            for t in base:
                n += 1
                out.write(orjson.dumps({**t, "id_str": f"{t['id_str']}{k:07d}"}) + b"\n")
    totals, peak_mb = _ingest_in_child(tmp_path / "ws.duckdb", [f])
    assert totals["rows_read"] == totals["rows_ingested"] == n == 1_000_000
    assert peak_mb < LIMIT_MB, f"peak {peak_mb} MB"


def test_telegram_export_of_300k_messages_in_bounded_memory(tmp_path):
    f = tmp_path / "result.json"
    msgs = (
        {
            "id": i,
            "type": "message",
            "date_unixtime": str(1709294400 + i),
            "from": "C",
            "from_id": "channel7",
            "text": f"message {i} https://ex.am/{i % 1000}",
        }
        for i in range(1, 300_001)
    )
    with open(f, "w") as out:
        out.write('{\n "name": "C",\n "type": "public_channel",\n "id": 7,\n "messages": [')
        for i, m in enumerate(msgs):
            body = json.dumps(m, indent=1).replace("\n", "\n  ")
            out.write(("," if i else "") + "\n  " + body)
        out.write("\n ]\n}\n")
    totals, peak_mb = _ingest_in_child(tmp_path / "ws.duckdb", [f])
    assert totals["rows_read"] == totals["rows_ingested"] == 300_000
    assert peak_mb < LIMIT_MB, f"peak {peak_mb} MB"
