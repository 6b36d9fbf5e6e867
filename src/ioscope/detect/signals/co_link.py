"""co_link: two accounts shared the same normalized URL within the window.

Coordinated link sharing (Giglietto et al., "It takes a village to manipulate the media:
coordinated link sharing behavior during 2018 and 2019 Italian elections", Information,
Communication & Society 2020 — CooRnet; Graham et al., coordination-network-toolkit's
co_link). URLs of reposts are not counted (the repost is co_repost's trace). The item is the
normalized URL (lower-case scheme and host, tracking parameters and fragments removed at ingest).

``co_domain`` is the registered-domain variant (``bbc.co.uk``), off by default: it links
accounts that promote the same outlet, a much weaker trace.
"""

from __future__ import annotations

from typing import Any

from ioscope.detect.engine.sql import unnest_actions
from ioscope.detect.signals.base import Explanation, Signal

__all__ = ["SIGNAL", "DOMAIN_SIGNAL", "SIGNALS", "actions", "domain_actions"]


def _unnest(column: str) -> str:
    return unnest_actions(column, "kind <> 'repost'")


def actions(p: dict[str, Any], compat: str | None) -> str:
    """(platform, account_id, item, t, post_id) per distinct URL of every non-repost post.

    In CNT-compatible mode the URL is the string as given (CNT does not normalize).
    """
    return _unnest("urls" if compat == "cnt" else "urls_normalized")


def domain_actions(p: dict[str, Any], compat: str | None) -> str:
    """(platform, account_id, item, t, post_id) per distinct registered domain of a post."""
    return _unnest("domains")


SIGNAL = Signal(
    "co_link",
    "Both accounts shared the same normalized URL within the window.",
    "Giglietto et al. 2020 (CooRnet); Graham et al., coordination-network-toolkit (co_link)",
    actions,
    compat=("cnt",),
    order=20,
    explanation=Explanation("shared", "link", "links"),
)
DOMAIN_SIGNAL = Signal(
    "co_domain",
    "Both accounts linked to the same registered domain within the window "
    "(co_link's domain variant; off by default).",
    "Giglietto et al. 2020 (CooRnet, domain-level variant)",
    domain_actions,
    default=False,
    order=130,
    explanation=Explanation("shared links to", "domain", "domains"),
)
SIGNALS = (SIGNAL, DOMAIN_SIGNAL)
