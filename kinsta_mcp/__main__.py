"""`python -m kinsta_mcp`: the same as the `kinsta-mcp` command."""

from __future__ import annotations

import sys

from kinsta_mcp.cli import main

if __name__ == "__main__":
    sys.exit(main())
