"""CooRTweet's real Russian retweet sample: CooRnet's interval and a calibrated set that does not
explode with the window the way raw counts do."""

from __future__ import annotations

from ioscope.detect import coornet_interval, window_sweep
from ioscope.ingest import ingest


def test_coornet_interval_and_window_stability_on_the_russian_sample(ws, shared_data):
    path = shared_data / "coortweet-coordination-samples" / "russian_coord_tweets.csv.gz"
    est = coornet_interval(
        ws.con,
        f"SELECT object_id AS item, CAST(timestamp_share AS DOUBLE) AS t FROM read_csv('{path}')",
    )
    assert est["seconds"] == 1439.0  # the value of CooRnet's R implementation
    ingest(ws, [path])
    short, long_ = window_sweep(ws, ["60s", "1439s"], signals="co_repost")
    assert long_["raw_accounts"] > 20 * short["raw_accounts"]
    assert long_["flagged"] <= 20 and long_["flagged"] < long_["raw_accounts"] / 50
