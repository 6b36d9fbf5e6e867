"""Network pictures that a reader can read: labels never overprint, the legend names every
cluster drawn, a complete cluster is drawn with all its edges, the cluster-level picture shows
every cluster; and long evidence posts are collapsed behind "show more"."""

from __future__ import annotations

import json
from html.parser import HTMLParser

from ioscope.report import build_report
from ioscope.report.pictures import _label_box, _overlaps, cluster_picture, network_picture
from ioscope.workspace import Workspace
from tests.fixtures.case import build_case_workspace


def _small_clusters(n_clusters: int, size: int) -> tuple[list[dict], list[dict]]:
    """``n_clusters`` complete clusters (density 1.0) of ``size`` accounts each."""
    nodes, edges = [], []
    for c in range(1, n_clusters + 1):
        ids = [f"a{c}_{k}" for k in range(size)]
        for a in ids:
            nodes.append(
                {
                    "platform": "telegram",
                    "account_id": a,
                    "cluster_id": 100 + c,
                    "position": c,
                    "strength": float(size - 1),
                    "handle": f"handle_{a}",
                }
            )
        edges += [
            {
                "platform_1": "telegram",
                "account_1": a,
                "platform_2": "telegram",
                "account_2": b,
                "weight": 3,
            }
            for i, a in enumerate(ids)
            for b in ids[i + 1 :]
        ]
    return nodes, edges


def _boxes(items, size):
    return [_label_box(i["lx"], i["ly"], i["label"], size) for i in items if i["label"]]


def _no_overlap(boxes) -> bool:
    return not any(_overlaps(a, b, pad=0) for i, a in enumerate(boxes) for b in boxes[i + 1 :])


def test_labels_of_many_small_clusters_never_overprint():
    nodes, edges = _small_clusters(40, 2)
    pic = network_picture(nodes, edges)
    boxes = _boxes(pic["groups"], 11) + _boxes(pic["nodes"], 10)
    assert boxes and _no_overlap(boxes)
    assert all(
        0 <= b[0] and b[2] <= pic["width"] and 0 <= b[1] and b[3] <= pic["height"] for b in boxes
    )
    assert sum(1 for g in pic["groups"] if g["label"]) >= 10  # room is used, not given up


def test_legend_names_every_cluster_drawn():
    nodes, edges = _small_clusters(12, 3)
    pic = network_picture(nodes, edges)
    assert [item["name"] for item in pic["legend"]] == [f"cluster {100 + c}" for c in range(1, 13)]
    assert all(item["fill"].startswith("#") for item in pic["legend"])
    # the 9th cluster is coloured like its legend key, not grey
    ninth = {n["fill"] for n, src in zip(pic["nodes"], nodes) if src["position"] == 9}
    assert ninth == {pic["legend"][8]["fill"]}


def test_a_complete_cluster_is_drawn_with_all_its_edges():
    for size in (2, 3, 5):
        nodes, edges = _small_clusters(1, size)
        pic = network_picture(nodes, edges)
        assert len(pic["edges"]) == size * (size - 1) // 2
        ends = {(e["x1"], e["y1"]) for e in pic["edges"]} | {
            (e["x2"], e["y2"]) for e in pic["edges"]
        }
        assert {(n["x"], n["y"]) for n in pic["nodes"]} <= ends  # no isolated node


def test_cluster_picture_shows_every_cluster_and_its_links():
    nodes = [
        {
            "cluster_id": c,
            "position": c,
            "rank": c,
            "kind": "mirror" if c > 50 else "campaign",
            "accounts": 2 if c > 3 else 100,
            "flagged": 2,
            "inner_edges": 1,
            "signals": ["co_repost"],
        }
        for c in range(1, 61)
    ]
    links = [
        {"cluster_1": 1, "cluster_2": 2, "edges": 40},
        {"cluster_1": 2, "cluster_2": 3, "edges": 3},
    ]
    outside = [{"cluster_id": 5, "edges": 7, "accounts": 4}]
    pic = cluster_picture(nodes, links, outside)
    assert len(pic["nodes"]) == 61 and len(pic["edges"]) == 3
    assert [n["cluster_id"] for n in pic["nodes"][:60]] == list(range(1, 61))
    assert {item["name"] for item in pic["legend"]} == {
        "campaign clusters (50)",
        "mirror clusters (10)",
        "accounts outside any cluster (4)",
    }
    assert _no_overlap(_boxes(pic["nodes"], 12))
    assert pic["labelled"] == sum(1 for n in pic["nodes"] if n["label"]) >= 20
    big, small = pic["nodes"][0], pic["nodes"][10]
    assert big["r"] > small["r"]  # area follows accounts
    assert all(n["title"] for n in pic["nodes"])  # unlabelled ones are named in the tooltip


class _Texts(HTMLParser):
    """Texts of evidence posts: whether each sits in a collapsed <details>."""

    def __init__(self):
        super().__init__()
        self.stack: list[tuple[str, str]] = []
        self.quotes: list[tuple[bool, bool]] = []  # (in collapsed details, in summary)

    def handle_starttag(self, tag, attrs):
        if tag in ("meta", "link", "br", "img", "input", "hr"):
            return
        self.stack.append((tag, dict(attrs).get("class") or ""))
        if tag == "blockquote" and ("div", "post") in self.stack:
            tags = [t for t, _ in self.stack]
            self.quotes.append(("details" in tags, "summary" in tags))

    def handle_startendtag(self, tag, attrs):
        pass

    def handle_endtag(self, tag):
        while self.stack and self.stack.pop()[0] != tag:
            pass


def test_long_evidence_posts_are_collapsed(tmp_path):
    path = build_case_workspace(tmp_path / "long.duckdb")
    long_text = "\n".join(f"line {k} of a very long channel post " * 3 for k in range(60))
    with Workspace.open(path) as ws:
        ws.sql("UPDATE posts SET text = ? WHERE kind = 'repost'", [long_text])
    with Workspace.open(path, read_only=True) as ws:
        html = build_report(ws, top=3, evidence=6)
        doc = json.loads(build_report(ws, format="json", top=3, evidence=6))
    shown = sum(len(d["evidence"]) for d in doc["sections"]["campaigns"]["details"])
    assert shown > 0
    p = _Texts()
    p.feed(html)
    # each long text: a clipped preview in the summary and the full text in the collapsed part
    assert html.count('<details class="post-text">') == 2 * shown
    assert html.count("show more (") == 2 * shown
    assert len(p.quotes) == 4 * shown  # two posts per pair, a preview and the full text each
    assert all(in_details for in_details, _ in p.quotes)
