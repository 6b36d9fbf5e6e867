"""Imports every stage's table declarations, so that the registry (and the docs) see them all.

Each stage declares its tables in its own module under ``ioscope.model`` and adds one import here.
"""

# The order is the flow, and so the order of docs/schema.md: not the alphabet.
# isort: off
from ioscope.model import core  # noqa: F401
from ioscope.model import compliance  # noqa: F401
from ioscope.model import media  # noqa: F401
from ioscope.model import detect  # noqa: F401
from ioscope.model import ads  # noqa: F401
from ioscope.model import signif  # noqa: F401
from ioscope.model import accounts  # noqa: F401
# isort: on
