"""Significance of co-action: the null model, per-edge and per-account tests, false-discovery
control, fusion of signals, clusters and their explanations."""
