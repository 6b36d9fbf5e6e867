"""Compliance events: deletions, withholdings, suspensions and geo scrubbing."""

from __future__ import annotations

from ioscope.model.core import PROVENANCE
from ioscope.model.table import Column as C
from ioscope.model.table import Table, register

COMPLIANCE_EVENTS = Table(
    "compliance_events",
    "Deletions, withholdings, suspensions and geo scrubbing that a source "
    "reported about a post or an account: the notices of a Twitter v1.1 stream (`delete`, "
    "`scrub_geo`, `status_withheld`, `user_withheld`, ...) and the rows of Twitter compliance "
    "files (tweets or users). The posts stay in `posts`; `detect --honor-deletions` leaves out "
    "the deleted ones.",
    (
        C("platform", "VARCHAR", "Platform (posts.platform).", nullable=False),
        C(
            "object_kind",
            "VARCHAR",
            "What the event is about: 'post' or 'account'.",
            nullable=False,
        ),
        C(
            "object_id",
            "VARCHAR",
            "The post id (posts.post_id) or account id (accounts.account_id).",
            nullable=False,
        ),
        C(
            "account_id",
            "VARCHAR",
            "The account the post belongs to (the account itself for "
            "account events), when the source says it.",
        ),
        C(
            "action",
            "VARCHAR",
            "What happened: delete, withhold, scrub_geo, suspend, protect, "
            "deactivate, or the source's word for another action.",
            nullable=False,
        ),
        C(
            "reason",
            "VARCHAR",
            "The source's reason, when it gives one (compliance files: "
            "deleted, protected, suspended, deactivated, ...).",
        ),
        C("countries", "VARCHAR[]", "Countries a withholding applies to (ISO codes as given)."),
        C(
            "up_to_post_id",
            "VARCHAR",
            "scrub_geo: geo data is removed from the account's posts up to this post id.",
        ),
        C(
            "event_at",
            "TIMESTAMP",
            "When the event happened (stream notice time, or the "
            "compliance file's redacted_at), UTC; NULL when the source does not say.",
        ),
        C(
            "object_created_at",
            "TIMESTAMP",
            "Creation time of the post or account, when the source "
            "gives it (the compliance file's created_at).",
        ),
    )
    + PROVENANCE,
)

register(COMPLIANCE_EVENTS)
