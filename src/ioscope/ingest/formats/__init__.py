"""Built-in readers; importing this package registers them."""

from ioscope.ingest.formats import cnt_csv, coortweet, hpsci_ads, promoted_csv  # noqa: F401
