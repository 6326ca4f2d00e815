"""The ``pytd`` command line (also ``python -m pyTD``).

    $ pytd auth login            # once: authorize in the browser, tokens are cached
    $ pytd quote AAPL MSFT       # then use them
    $ pytd --json history AAPL --period-type month --frequency-type daily

:func:`main` parses the arguments (:mod:`pyTD.cli.parser`), runs the command
(:mod:`pyTD.cli.commands`, tables from :mod:`pyTD.cli.format`, the demo in
:mod:`pyTD.cli.demo`) and turns library errors into one-line messages and the
exit codes below.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Optional, Sequence

from pyTD.exceptions import AuthorizationError, TDError, ValidationError

#: The command did what was asked.
EXIT_OK = 0
#: It failed; the message on standard error says what to do.
EXIT_ERROR = 1
#: Bad usage, including arguments the library rejects before any request.
EXIT_USAGE = 2
#: Interrupted by Ctrl+C (SIGINT).
EXIT_INTERRUPTED = 130

LOGIN_HINT = "Run `pytd auth login` to authorize."

def _fail(message: str, code: int) -> int:
    print(f"pytd: error: {message}", file=sys.stderr)
    return code


def _run(args: argparse.Namespace) -> int:
    """Run the parsed command; library errors become a message and an exit code."""
    try:
        code: int = args.func(args)
        sys.stdout.flush()  # a closed pipe shows up here, inside the handlers below
        return code
    except ValidationError as exc:
        return _fail(str(exc), EXIT_USAGE)
    except AuthorizationError as exc:
        message = str(exc)
        if "pytd auth login" not in message:
            message = f"{message} {LOGIN_HINT}".strip()
        return _fail(message, EXIT_ERROR)
    except TDError as exc:
        return _fail(str(exc), EXIT_ERROR)
    except KeyboardInterrupt:
        print("pytd: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (``pytd history AAPL | head``): stop quietly.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return EXIT_ERROR


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run ``pytd`` with ``argv`` (default ``sys.argv[1:]``); returns the exit code.

    Bad usage exits with :data:`EXIT_USAGE` (``SystemExit``, as argparse does);
    ``--help`` and ``--version`` exit with 0.

    >>> main(["quote", "AAPL", "--json"])         # doctest: +SKIP
    0
    """
    from pyTD.cli.parser import parse_args

    return _run(parse_args(argv))
