"""CooRTweet's view of a raw network (``export network --raw --min-participation N
--weight-percentile P``) against a small case computed by hand."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from ioscope.cli.main import app
from ioscope.workspace import Workspace
from tests.fixtures.detect import load, post

runner = CliRunner()

#: (item reposted, account, seconds): pairs within 60 s, per item
#: x1: a-b a-c b-c | x2: a-b | x3: a-b a-d b-d | x4: c-d | x5: c-d | x6: a-b
REPOSTS = [
    ("x1", "a", 0),
    ("x1", "b", 10),
    ("x1", "c", 20),
    ("x2", "a", 1000),
    ("x2", "b", 1005),
    ("x3", "a", 2000),
    ("x3", "b", 2010),
    ("x3", "d", 2015),
    ("x4", "c", 3000),
    ("x4", "d", 3005),
    ("x5", "c", 4000),
    ("x5", "d", 4010),
    ("x6", "a", 5000),
    ("x6", "b", 5005),
]
#: By hand: co-actions (pairs of posts) a-b 4, c-d 2, a-c b-c a-d b-d 1;
#: posts behind co_repost edges: a 4, b 4, c 3, d 3.
ALL = {("a", "b"), ("c", "d"), ("a", "c"), ("b", "c"), ("a", "d"), ("b", "d")}


@pytest.fixture(scope="module")
def ws_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("coortweet") / "case.duckdb"
    with Workspace.open(path) as ws:
        load(
            ws,
            [
                post(f"p{i}", acc, t, "repost", target=item)
                for i, (item, acc, t) in enumerate(REPOSTS)
            ],
        )
    r = runner.invoke(
        app,
        [
            "detect",
            str(path),
            "--raw",
            "--signals",
            "co_repost",
            "--window",
            "60s",
            "--min-weight",
            "1",
            "--max-evidence",
            "0",
        ],
    )
    assert r.exit_code == 0, r.output
    return path


def _pairs(ws_path, tmp_path, *options):
    out = tmp_path / "net.csv"
    r = runner.invoke(
        app, ["export", str(ws_path), "network", "--raw", "-o", str(out), "--json", *options]
    )
    assert r.exit_code == 0, r.output
    lines = out.read_text().splitlines()[1:]
    pairs = {tuple(sorted(x.split(",")[i].split(":")[1] for i in (0, 1))) for x in lines}
    return pairs, json.loads(r.stdout)


def test_hand_computed_co_actions(ws_path):
    with Workspace.open(ws_path, read_only=True) as ws:
        got = {
            (r[0], r[1]): r[2]
            for r in ws.sql("SELECT account_1, account_2, co_actions FROM edges").fetchall()
        }
    assert got == {
        ("a", "b"): 4,
        ("c", "d"): 2,
        ("a", "c"): 1,
        ("b", "c"): 1,
        ("a", "d"): 1,
        ("b", "d"): 1,
    }


@pytest.mark.parametrize(
    "options,want",
    [
        ((), ALL),
        (("--min-participation", "3"), ALL),  # a 4, b 4, c 3, d 3
        (("--min-participation", "4"), {("a", "b")}),  # only a and b take part 4 times
        (("--min-participation", "5"), set()),
        (("--weight-percentile", "0.5"), {("a", "b"), ("c", "d")}),  # median of 1,1,1,1,2,4 is 1
        (("--weight-percentile", "0.8"), {("a", "b")}),  # 0.8 → 1 + 0.8·5 = 5th: 2
        (("--weight-percentile", "0"), {("a", "b"), ("c", "d")}),  # above the minimum, 1
        (("--weight-percentile", "1"), set()),  # nothing is above the maximum
        (("--min-participation", "4", "--weight-percentile", "0.5"), set()),  # one edge: t = 4
    ],
)
def test_coortweet_view(ws_path, tmp_path, options, want):
    got, res = _pairs(ws_path, tmp_path, *options)
    assert got == want
    assert res["edges"] == len(want)


def test_options_only_for_the_network(ws_path, tmp_path):
    r = runner.invoke(
        app,
        [
            "export",
            str(ws_path),
            "clusters",
            "-o",
            str(tmp_path / "c.csv"),
            "--min-participation",
            "2",
        ],
    )
    assert r.exit_code != 0
    r = runner.invoke(
        app,
        [
            "export",
            str(ws_path),
            "network",
            "--raw",
            "-o",
            str(tmp_path / "n.csv"),
            "--weight-percentile",
            "1.5",
        ],
    )
    assert r.exit_code == 2
