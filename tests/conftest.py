"""Shared test set-up.

NO_COLOR in the environment changes every rendered screen, so snapshot tests would all
differ on a machine that sets it; the suite runs with colour on.
"""

import os

os.environ.pop("NO_COLOR", None)
