"""What the numbers do not show: general limits, plus those this workspace makes concrete."""

from __future__ import annotations

from typing import Any

from ioscope.report.data import section
from ioscope.report.trace import Tracer

__all__ = ["limitations", "GENERAL"]

GENERAL = (
    "Clusters are candidates for coordination, not proof of a state sponsor. Attribution needs "
    "evidence from outside the data: platform disclosures, infrastructure, payments, insiders.",
    "Coordination is not the same as inauthenticity: fan communities, activist groups, newsrooms "
    "and their automated feeds act together in the open. Read the evidence posts before drawing "
    "conclusions.",
    "Only what was collected is analysed. Deleted posts, suspended accounts, private groups and "
    "whatever the collection query missed are invisible; sampling can hide or break a campaign.",
    "Significance is relative to the null model and its assumptions (see the method section); "
    "a p-value says how unusual the co-activity is under that model, not how likely the accounts "
    "are to be a campaign.",
    "The time window and the hot-item policy decide which co-actions count; other choices give "
    "other edges (compare them with `ioscope detect --window-sweep`).",
    "Account creation dates, follower counts and profile fields are as the sources report them at "
    "collection time; handles can change.",
    "Ad spend and impressions are often reported as ranges; totals are given as lower and upper "
    "bounds. Conversion to USD uses the ECB reference rate of each ad's start date.",
)


def limitations(tr: Tracer, sections: dict[str, Any]) -> dict[str, Any]:
    """The general limits and the facts of this workspace that qualify its numbers."""
    specific: list[str] = []
    a = sections.get("analysed", {})
    if a.get("n_quarantined"):
        specific.append(
            f"{a['n_quarantined']:,} input records could not be ingested and are "
            "not in any number here (see the quarantine table in 'What was analysed')."
        )
    stages = [
        (s["title"], s["message"])
        for s in sections.values()
        if isinstance(s, dict) and s.get("status") == "not_run"
    ]
    for title, message in stages:
        specific.append(f"{title}: {message}")
    c = sections.get("creation", {})
    span = c.get("span") or {}
    if span.get("accounts") and span.get("dated", 0) < span["accounts"]:
        missing = span["accounts"] - span["dated"]
        specific.append(
            f"{missing:,} of {span['accounts']:,} accounts have no creation date in "
            "the sources; the creation histogram leaves them out."
        )
    return section("limitations", "Limitations", general=list(GENERAL), specific=specific)
