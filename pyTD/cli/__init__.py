"""The ``pytd`` command line (also ``python -m pyTD``).

    $ pytd auth login            # once: authorize in the browser, tokens are cached
    $ pytd quote AAPL MSFT       # then use them
    $ pytd --json history AAPL --period-type month --frequency-type daily
    $ pytd -v quote AAPL         # also show each request, its status and timing

:func:`main` parses the arguments (:mod:`pyTD.cli.parser`), runs the command
(:mod:`pyTD.cli.commands`, tables from :mod:`pyTD.cli.format`, the demo in
:mod:`pyTD.cli.demo`) and turns library errors into one-line messages in the
command's terms (:mod:`pyTD.cli.errors`) and the exit codes below.

While it runs, what pyTD logs reaches standard error as ``pytd: warning: ...``
(warnings and errors by default; ``-v``/``--verbose``, ``--log-level LEVEL`` or
``TD_LOG_LEVEL`` for more, including urllib3's connections and retries).
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import re
import sys
import warnings
from typing import Iterator, Optional, Sequence

from pyTD.exceptions import AuthorizationError, TDError, ValidationError

#: The command did what was asked.
EXIT_OK = 0
#: It failed; the message on standard error says what to do.
EXIT_ERROR = 1
#: Bad usage, including arguments the library rejects before any request.
EXIT_USAGE = 2
#: ``pytd auth status --check``: the server could not be reached (or failed with a 5xx).
EXIT_UNREACHABLE = 3
#: Interrupted by Ctrl+C (SIGINT).
EXIT_INTERRUPTED = 130

LOGIN_HINT = "Run `pytd auth login` to authorize."

#: Loggers shown on standard error: pyTD's always; urllib3's (connections, retries)
#: only when a level is asked for.
LIBRARY_LOGGER, TRANSPORT_LOGGER = "pyTD", "urllib3"

#: What ``pytd`` shows when no level is asked for.
DEFAULT_LEVEL = "WARNING"
#: Values of ``TD_LOG_LEVEL`` that set the level of what ``pytd`` shows (any case).
_ENV_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")

# Credentials in a query string or a header, should any log line carry one.
_SECRETS = re.compile(r"(?i)(\b[a-z_]*(?:token|secret|password|code|state)=)[^&\s'\"]+"
                      r"|(\b(?:bearer|basic)\s+)[\w.~+/=-]+")


def _redact(text: str) -> str:
    return _SECRETS.sub(lambda m: (m.group(1) or m.group(2)) + "***", text)


class _StderrFormatter(logging.Formatter):
    """``pytd: warning: message``; below WARNING the logger's name too."""

    def format(self, record: logging.LogRecord) -> str:
        source = f"{record.name}: " if record.levelno < logging.WARNING else ""
        text = f"pytd: {record.levelname.lower()}: {source}{_redact(record.getMessage())}"
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        return text


def requested_level(explicit: Optional[str]) -> Optional[str]:
    """The level asked for: ``-v``/``--log-level``, else ``TD_LOG_LEVEL``, else ``None``.

    An invalid ``TD_LOG_LEVEL`` is left to the ``api``, which names it in its error.

    >>> requested_level("DEBUG")
    'DEBUG'
    """
    if explicit:
        return explicit
    value = os.environ.get("TD_LOG_LEVEL", "").strip().upper()
    return value if value in _ENV_LEVELS else None


@contextlib.contextmanager
def log_to_stderr(level: Optional[str] = None) -> Iterator[logging.Handler]:
    """Show pyTD's log records on standard error until the block ends.

    The ``pyTD`` logger is set to ``level`` (default :data:`DEFAULT_LEVEL`,
    whatever it was set to before); a ``level`` asked for also shows the
    ``urllib3`` logger (connections, retries) at that level. Levels and
    handlers are restored afterwards. Python warnings issued by pyTD are not
    printed a second time: pyTD logs each of them.

    >>> with log_to_stderr("DEBUG"):                # doctest: +SKIP
    ...     get_quotes("AAPL")
    """
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_StderrFormatter())
    names = (LIBRARY_LOGGER, TRANSPORT_LOGGER) if level else (LIBRARY_LOGGER,)
    loggers = [logging.getLogger(name) for name in names]
    saved = [(logger, logger.level) for logger in loggers]
    for logger in loggers:
        logger.setLevel(level or DEFAULT_LEVEL)
        logger.addHandler(handler)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=UserWarning, module=r"pyTD\.")
            yield handler
    finally:
        for logger, previous in saved:
            logger.removeHandler(handler)
            logger.setLevel(previous)
        handler.close()


def _fail(message: str, code: int) -> int:
    print(f"pytd: error: {message}", file=sys.stderr)
    return code


def _run(args: argparse.Namespace) -> int:
    """Run the parsed command; library errors become a message and an exit code."""
    from pyTD.cli.errors import in_cli_terms

    try:
        code: int = args.func(args)
        sys.stdout.flush()  # a closed pipe shows up here, inside the handlers below
        return code
    except ValidationError as exc:
        return _fail(in_cli_terms(exc, args), EXIT_USAGE)
    except AuthorizationError as exc:
        message = in_cli_terms(exc, args)
        if "pytd auth login" not in message:
            message = f"{message} {LOGIN_HINT}".strip()
        return _fail(message, EXIT_ERROR)
    except TDError as exc:
        return _fail(in_cli_terms(exc, args), EXIT_ERROR)
    except KeyboardInterrupt:
        print("pytd: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except EOFError:
        # Ctrl-D (or a closed standard input) at a question: no answer, nothing done.
        print("\npytd: no answer (standard input ended): nothing was done", file=sys.stderr)
        return EXIT_ERROR
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

    args = parse_args(argv)
    with log_to_stderr(requested_level(args.log_level)):
        return _run(args)
