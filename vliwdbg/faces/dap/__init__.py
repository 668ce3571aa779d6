"""`vliwdbg --dap`: the Debug Adapter Protocol face, for VS Code, Neovim, Emacs and any
editor that speaks it. protocol.py frames the messages; server.py maps the requests onto
a Session and a Console; the other modules answer one family of requests each."""

from __future__ import annotations

import os
import sys


def run_adapter() -> int:
    """Serve one client on stdin/stdout. Our stdout is the protocol's alone: anything else
    that writes to it (a stray print, a library's warning) goes to stderr instead."""
    from vliwdbg.faces.dap.protocol import Connection
    from vliwdbg.faces.dap.server import Adapter

    sys.stdout.flush()
    out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    sys.stdout = sys.stderr
    return Adapter(Connection(sys.stdin.buffer, out)).serve()
