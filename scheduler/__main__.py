"""`python -m scheduler`: the one process that runs the periodic jobs (never started by the web app)."""

from __future__ import annotations

import sys

from scheduler.runner import main

if __name__ == "__main__":
    sys.exit(main())
