"""The state-affiliated media registry: content, reproducibility from its source, dated policies."""

from __future__ import annotations

import importlib.util
from datetime import date
from pathlib import Path

from ioscope.reference.policies import policies_in_force
from ioscope.reference.statemedia import match_advertiser, registry, state_media_domains

ROOT = Path(__file__).resolve().parents[1]


def test_registry_content():
    domains = state_media_domains()
    assert {"rt.com", "sputniknews.com", "ria.ru"} <= set(domains)
    assert domains["rt.com"]["country"] == "RU" and domains["rt.com"]["typology"] == "SC"
    assert "npr.org" not in domains  # independent public media (IP) are not state-controlled
    assert "youtube.com" not in domains  # platform hosts are never outlet domains
    assert {r["typology"] for r in registry()} == {"SC", "CaPu", "CaPr"}
    assert all(r["country"] for r in registry())


def test_registry_rebuilds_from_source(shared_data, tmp_path):
    src = shared_data / "asd-state-media-profiles" / "State_Media_Matrix.csv"
    spec = importlib.util.spec_from_file_location(
        "build", ROOT / "scripts" / "build_state_media.py"
    )
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    out = tmp_path / "state_media.csv"
    mod.main(str(src), str(out))
    shipped = ROOT / "src" / "ioscope" / "data" / "state_media.csv"
    assert out.read_bytes() == shipped.read_bytes()


def test_match_and_policies_by_date():
    rt = match_advertiser(platform="twitter", handle="@RT")
    assert rt["matched_on"] == "handle" and rt["asset"] == "RT International"
    ids = lambda d: [p.policy_id for p in policies_in_force("twitter", d, rt)]  # noqa: E731
    assert ids(date(2017, 10, 25)) == []
    assert ids(date(2017, 10, 26)) == ["twitter-2017-rt-sputnik"]
    assert ids(date(2019, 9, 1)) == ["twitter-2017-rt-sputnik", "twitter-2019-state-media"]
    cgtn = match_advertiser(platform="twitter", landing_domain="cgtn.com")
    assert cgtn and cgtn["country"] == "CN"
    assert [p.policy_id for p in policies_in_force("twitter", date(2018, 1, 1), cgtn)] == []
    assert [p.policy_id for p in policies_in_force("instagram", date(2022, 3, 1), rt)] == [
        "meta-2020-state-media-labels",
        "meta-2022-russian-state-media",
    ]
    assert match_advertiser(platform="twitter", handle="someone_else", name="Someone") is None
