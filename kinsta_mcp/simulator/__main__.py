"""`python -m kinsta_mcp.simulator [--host H] [--port P]`: run the simulator standalone."""

from __future__ import annotations

import argparse

from .transport import serve


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m kinsta_mcp.simulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--no-rate-limits", action="store_true", help="do not answer 429")
    parser.add_argument("--demo-sites", type=int, default=0, metavar="N", help="this many more sites (agency scale)")
    args = parser.parse_args()
    serve(args.host, args.port, rate_limits=not args.no_rate_limits, extra_sites=args.demo_sites)


if __name__ == "__main__":
    main()
