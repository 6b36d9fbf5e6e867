"""Platform policies on ads from state-affiliated media, dated, so an ad is judged by the rules
in force on its start date (never by today's).

Each policy names its source announcement. ``scope`` says whom it covers: ``rt_sputnik`` (outlets
of RT and Rossiya Segodnya/Sputnik), ``state_media`` (every state-controlled outlet) or
``state_media_ru`` (Russian state-controlled outlets).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime

__all__ = ["Policy", "POLICIES", "policies_in_force", "platform_family"]


@dataclass(frozen=True)
class Policy:
    policy_id: str
    platform: str  # twitter | meta
    effective: date
    scope: str  # rt_sputnik | state_media | state_media_ru
    action: str  # ban | label
    summary: str
    source: str

    def to_dict(self) -> dict:
        d = asdict(self)
        d["effective"] = self.effective.isoformat()
        return d


POLICIES: tuple[Policy, ...] = (
    Policy(
        "twitter-2017-rt-sputnik",
        "twitter",
        date(2017, 10, 26),
        "rt_sputnik",
        "ban",
        "Twitter stops accepting advertising from all accounts owned by RT and Sputnik.",
        "Twitter, 'Announcement: RT and Sputnik Advertising', 26 October 2017",
    ),
    Policy(
        "twitter-2019-state-media",
        "twitter",
        date(2019, 8, 19),
        "state_media",
        "ban",
        "Twitter stops accepting advertising from state-controlled news media entities.",
        "Twitter, 'Updating our advertising policies on state media', 19 August 2019",
    ),
    Policy(
        "meta-2020-state-media-labels",
        "meta",
        date(2020, 6, 4),
        "state_media",
        "label",
        "Facebook labels Pages of state-controlled media (and, later in 2020, their ads).",
        "Facebook Newsroom, 'Labeling State-Controlled Media On Facebook', 4 June 2020",
    ),
    Policy(
        "meta-2022-russian-state-media",
        "meta",
        date(2022, 2, 25),
        "state_media_ru",
        "ban",
        "Meta prohibits Russian state media from running ads anywhere in the world.",
        "Meta security policy statement, 25 February 2022",
    ),
)

_FAMILY = {
    "twitter": "twitter",
    "x": "twitter",
    "facebook": "meta",
    "instagram": "meta",
    "meta": "meta",
    "messenger": "meta",
    "audience_network": "meta",
}
#: Twitter's 2017 ban named RT and Sputnik; Sputnik is a brand of Rossiya Segodnya, so that
#: company's outlets (RIA Novosti included) count, as do RT's (legal name TV-Novosti).
_RT_SPUTNIK_COMPANIES = {"rt", "tv-novosti", "rossiya segodnya"}


def platform_family(platform: str | None) -> str | None:
    return _FAMILY.get((platform or "").lower())


def _covers(policy: Policy, outlet: dict) -> bool:
    if policy.scope == "state_media":
        return True
    if outlet.get("country") != "RU":
        return False
    if policy.scope == "state_media_ru":
        return True
    company = outlet.get("media_company", "").strip().casefold()
    asset = outlet.get("asset", "").strip().casefold()
    return company in _RT_SPUTNIK_COMPANIES or asset == "rt" or asset.startswith(("rt ", "sputnik"))


def policies_in_force(
    platform: str | None, when: date | datetime | None, outlet: dict | None
) -> list[Policy]:
    """The policies of ``platform``'s family in force on ``when`` that cover ``outlet`` (a
    registry entry with country, media_company, asset); [] when nothing applies or is known."""
    fam = platform_family(platform)
    if fam is None or when is None or not outlet:
        return []
    day = when.date() if isinstance(when, datetime) else when
    return [p for p in POLICIES if p.platform == fam and p.effective <= day and _covers(p, outlet)]
