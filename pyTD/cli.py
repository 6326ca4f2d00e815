"""The ``pytd`` command line (also ``python -m pyTD``).

Exit codes: 0 success, 1 error (the message says what to do), 2 bad usage.
"""

from __future__ import annotations

import argparse
import sys
from typing import Optional, Sequence

from pyTD.exceptions import TDError


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``pytd``."""
    parser = argparse.ArgumentParser(
        prog="pytd", description="TD Ameritrade API client and local sandbox.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    demo = commands.add_parser("demo", help="run the whole authorization flow against the "
                                            "bundled sandbox and print quotes")
    demo.add_argument("--config-dir", help="where to store the demo tokens (default: a new "
                                           "temporary directory)")
    demo.set_defaults(func=_demo)

    sandbox = commands.add_parser("sandbox", help="run the local TD Ameritrade emulator")
    sandbox.add_argument("args", nargs=argparse.REMAINDER,
                         help="options of python -m pyTD.sandbox (--port, --auto-approve, ...)")
    sandbox.set_defaults(func=_sandbox)
    return parser


def _demo(args: argparse.Namespace) -> int:
    from pyTD.demo import run_demo

    return run_demo(config_dir=args.config_dir)


def _sandbox(args: argparse.Namespace) -> int:
    from pyTD.sandbox.standalone import main as sandbox_main

    return sandbox_main(args.args)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run ``pytd`` with ``argv`` (default ``sys.argv[1:]``); returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except TDError as exc:
        print(f"pytd: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
