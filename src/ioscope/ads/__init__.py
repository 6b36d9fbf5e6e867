"""Paid promotion: the ads audit, currency conversion, targeting rules, state-media registry.

>>> from ioscope.ads import audit  # audit(ws, split="2016-11-08")
"""

from ioscope.ads.audit import AUDIT_PARAMS, audit, run_audit

__all__ = ["audit", "run_audit", "AUDIT_PARAMS"]
