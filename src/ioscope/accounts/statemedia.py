"""The state-affiliated media domains the content-diet signal compares links with.

They come from the registry the paid-promotion stage ships (``ioscope.ads.registry``, built from
the Alliance for Securing Democracy's State Media Matrix, MIT): outlets typed state-controlled or
captured, with their websites' registered domains and their country.
"""

from __future__ import annotations

import pyarrow as pa

from ioscope.ads.registry import state_media_domains

__all__ = ["state_media_table", "SOURCE"]

SOURCE = "ASD State Media Matrix (ioscope.ads.registry)"


def state_media_table() -> pa.Table:
    """(domain, country, outlet) for every state-affiliated media domain in the registry."""
    reg = state_media_domains()
    domains = sorted(reg)
    return pa.table({"domain": domains,
                     "country": [reg[d].get("country") for d in domains],
                     "outlet": [reg[d].get("asset") or reg[d].get("media_company")
                                for d in domains]})
