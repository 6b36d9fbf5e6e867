"""Imports every stage's table declarations, so that the registry (and the docs) see them all.

Each stage declares its tables in its own module under ``ioscope.model`` and adds one import here.
"""

from ioscope.model import (
    accounts,  # noqa: F401
    ads,  # noqa: F401
    compliance,  # noqa: F401
    core,  # noqa: F401
    detect,  # noqa: F401
    media,  # noqa: F401
    signif,  # noqa: F401
)
