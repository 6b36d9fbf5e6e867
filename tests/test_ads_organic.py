"""The organic link (advertisers in clusters, promoted posts reposted by cluster members), the
empty-workspace path, and escaping of hostile names."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from ioscope.ads import audit
from ioscope.ads.disclosure import disclosure_markdown, md_escape
from ioscope.cli.main import app
from ioscope.ingest import ingest

POSTS = """message_id,user_id,username,repost_id,reply_id,message,timestamp,urls
p1,adv1,adv_one,,,Buy this,1600000000,
r1,m1,member1,p1,,Buy this,1600000100,
r2,m2,member2,p1,,Buy this,1600000200,
r3,x1,outsider,p1,,Buy this,1600000300,
p2,adv2,adv_two,,,Other,1600000000,
r4,m1,member1,p2,,Other,1600000400,
"""
ADS = """ad_id,advertiser_id,advertiser_name,post_id,start_date,end_date,spend,currency,impressions,clicks,targeting
a1,adv1,"Adv [One](javascript:alert(1))",p1,2020-09-13,2020-09-14,10,USD,100,1,location:US
a2,adv2,Adv Two,p2,2020-09-13,2020-09-14,20,USD,200,2,location:GB
a3,adv1,"Adv [One](javascript:alert(1))",p1,2020-09-15,2020-09-16,5,USD,0,0,location:US
"""


def _setup(tmp_path, ws):
    (tmp_path / "posts.csv").write_text(POSTS)
    (tmp_path / "ads.csv").write_text(ADS)
    ingest(ws, [tmp_path / "posts.csv", tmp_path / "ads.csv"])


def test_organic_link(tmp_path, ws):
    _setup(tmp_path, ws)
    assert audit(ws)["organic"]["available"] is False
    ws.sql(
        "CREATE TABLE cluster_members (cluster_id VARCHAR, platform VARCHAR, account_id VARCHAR)"
    )
    ws.sql(
        "INSERT INTO cluster_members VALUES ('c1', 'twitter', 'adv1'), ('c1', 'twitter', 'm1'), "
        "('c1', 'twitter', 'm2')"
    )
    org = audit(ws)["organic"]
    assert [
        (r["advertiser_id"], r["clusters"], r["ads"]) for r in org["advertisers_in_clusters"]
    ] == [("adv1", ["c1"], 2)]
    amp = {
        (r["post_id"], r["reposts_by_cluster_members"], r["cluster_accounts"])
        for r in org["amplified_promoted_posts"]
    }
    assert amp == {("p1", 2, 2), ("p2", 1, 1)}  # the outsider's repost does not count


def test_hostile_names_escaped(tmp_path, ws):
    _setup(tmp_path, ws)
    assert md_escape("[x](javascript:y)") == "\\[x\\]\\(javascript:y\\)"
    assert md_escape("<b>") == "&lt;b&gt;"
    r = audit(ws)
    adv1 = next(a for a in r["advertisers"] if a["advertiser_id"] == "adv1")
    adv1["state_affiliation"] = {
        "asset": "<img src=x>",
        "country_name": "X",
        "matched_on": "name",
        "country": "RU",
    }
    text = disclosure_markdown(r)
    assert "<img" not in text and "&lt;img src=x&gt;" in text
    assert "](javascript" not in text and "Adv \\[One\\]" in text


def test_cli_on_workspace_without_ads(tmp_path, ws_path):
    (tmp_path / "posts.csv").write_text(POSTS)
    runner = CliRunner()
    assert runner.invoke(app, ["ingest", str(ws_path), str(tmp_path / "posts.csv")]).exit_code == 0
    res = runner.invoke(app, ["ads", str(ws_path), "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["available"] is False and data["totals"]["ads"] == 0 and data["advertisers"] == []
    res = runner.invoke(app, ["ads", str(ws_path)])
    assert res.exit_code == 0 and "No ads in this workspace" in res.stdout
    res = runner.invoke(app, ["ads", str(tmp_path / "missing.duckdb"), "--json"])
    assert res.exit_code == 1 and json.loads(res.stdout)["error"]["code"] == "not_found"
