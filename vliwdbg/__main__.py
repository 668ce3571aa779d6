"""`python -m vliwdbg`: the same as the `vliwdbg` command."""

import sys

from vliwdbg.faces.cli import main

sys.exit(main())
