"""Built-in readers; importing this package registers them."""

from ioscope.ingest.formats import cnt_csv, coortweet, telegram, twitter_v1, twitter_v2  # noqa: F401
