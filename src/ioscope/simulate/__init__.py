"""Synthetic social-media activity with planted influence campaigns and their ground truth.

``simulate(outdir, posts=..., seed=...)`` writes a collection in one of ioscope's input formats,
``truth.csv`` (every account, with its campaign and strategy if any), ``campaigns.json`` (every
campaign and every hard negative) and ``ads.csv`` (promoted-csv). See docs/simulator.md.
"""

from ioscope.simulate.params import FORMATS, PRESETS, SIMULATE_PARAMS, STRATEGIES
from ioscope.simulate.run import simulate

__all__ = ["simulate", "SIMULATE_PARAMS", "STRATEGIES", "FORMATS", "PRESETS"]
