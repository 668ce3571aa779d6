"""The DAP face under VS Code's own test client: tests/dap/client.test.js, run by node's
test runner against this checkout's `vliwdbg --dap`. `.ci/run` installs the client
(`npm ci` in tests/dap); elsewhere the test is skipped until it is installed, but never
in CI, where a missing client is a failure."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

FOLDER = Path(__file__).resolve().parents[3] / "dap"


def _missing() -> str | None:
    if shutil.which("node") is None:
        return "node is not installed"
    if not (FOLDER / "node_modules" / "@vscode" / "debugadapter-testsupport").is_dir():
        return "the DAP test client is not installed: run `npm ci` in tests/dap"
    return None


def test_vscode_debug_client_drives_the_adapter() -> None:
    missing = _missing()
    if missing is not None:
        if os.environ.get("CI"):
            pytest.fail(missing)
        pytest.skip(missing)
    adapter = Path(sys.executable).with_name("vliwdbg")
    assert adapter.exists(), f"no {adapter}: install the project into this venv"
    done = subprocess.run(
        ["node", "--test", "client.test.js"],
        cwd=FOLDER,
        env={**os.environ, "VLIWDBG": str(adapter)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
