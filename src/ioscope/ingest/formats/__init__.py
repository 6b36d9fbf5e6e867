"""Built-in readers; importing this package registers them."""

from ioscope.ingest.formats import (  # noqa: F401
    bluesky,
    cnt_csv,
    coortweet,
    fivethirtyeight,
    generic,
    google_political_ads,
    hpsci_ads,
    io_archive,
    meta_ad_library,
    promoted_csv,
    telegram,
    twitter_compliance,
    twitter_v1,
    twitter_v2,
)
