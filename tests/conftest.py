"""Shared test set-up.

NO_COLOR in the environment changes every rendered screen, so snapshot tests would all
differ on a machine that sets it; the suite runs with colour on. Our kernels' build cache
goes to a folder of the test session's own, never the user's ~/.cache.
"""

import os
import tempfile

os.environ.pop("NO_COLOR", None)
_CACHE_HOME = tempfile.TemporaryDirectory(prefix="vliwdbg-test-cache-")
os.environ["XDG_CACHE_HOME"] = _CACHE_HOME.name
