"""Library errors in the terms of the ``pytd`` command: its options, not Python's arguments.

A pyTD error names the arguments it is about in
:attr:`~pyTD.exceptions.TDError.arguments`; :data:`OPTIONS` says which option
of ``pytd`` sets each of them, and :func:`in_cli_terms` rewrites the message
with those options and the values as typed::

    start_date (1796083200000) is after end_date (1793491200000); ...
    --start 2026-12-01 is after --end 2026-11-01; ...

The library's own messages (``str(error)``) keep the Python names.
"""

from __future__ import annotations

import argparse
import re
from datetime import date
from typing import Any, NamedTuple, Optional

from pyTD.exceptions import TDError


class Option(NamedTuple):
    """How ``pytd`` spells an argument: the flag, where argparse keeps its value
    (``None``: a flag without a value), and the placeholder for a value not given."""

    flag: str
    dest: Optional[str] = None
    metavar: str = "VALUE"


#: Python argument (or setting) -> the ``pytd`` option that sets it.
OPTIONS: dict[str, Option] = {
    "consumer_key": Option("--consumer-key", "consumer_key", "KEY"),
    "callback_url": Option("--callback-url", "callback_url", "URL"),
    "store_tokens": Option("--no-store"),
    "period_type": Option("--period-type", "period_type", "TYPE"),
    "period": Option("--period", "period", "N"),
    "frequency_type": Option("--frequency-type", "frequency_type", "TYPE"),
    "frequency": Option("--frequency", "frequency", "N"),
    "start_date": Option("--start", "start", "DATE"),
    "end_date": Option("--end", "end", "DATE"),
    "contract_type": Option("--contract-type", "contract_type", "TYPE"),
    "markets": Option("MARKET"),   # positional: named as in the usage line
    "type": Option("--type", "type", "TYPE"),
    "status": Option("--status", "status", "STATUS"),
    "direction": Option("--direction", "direction", "up|down"),
    "change": Option("--change", "change", "value|percent"),
    "projection": Option("--projection", "projection", "HOW"),
}

#: Added to an error about a setting: where a newcomer without one can start.
HINTS = {
    "consumer_key": "New to pyTD? `pytd demo` runs the whole flow against the bundled "
                    "sandbox with no account, and `pytd sandbox` starts a sandbox to point "
                    "pytd at (see `pytd sandbox --help`).",
}


def _typed(value: Any) -> Optional[str]:
    """An option's parsed value as the user would type it again."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, date):  # dates and datetimes
        return value.isoformat()
    return str(value)


def in_cli_terms(error: TDError, args: argparse.Namespace) -> str:
    """``error``'s message with its arguments spelled as ``pytd`` options (see :data:`OPTIONS`)
    and, for a missing setting, where to start (:data:`HINTS`).

    >>> from pyTD.exceptions import ValidationError
    >>> in_cli_terms(ValidationError("period must be one of 1, 2; got 7.",
    ...                              arguments={"period": None}), argparse.Namespace())
    '--period must be one of 1, 2; got 7.'
    """
    text = str(error)
    known = {name: shown for name, shown in error.arguments.items() if name in OPTIONS}
    if known:
        alternatives = []
        for name in sorted(known, key=len, reverse=True):
            shown = known[name]
            value = "" if shown is None else (
                rf"(?:=(?P<{name}_eq>{re.escape(shown)})| \((?P<{name}_paren>"
                rf"{re.escape(shown)})\)| (?P<{name}_space>{re.escape(shown)}))?")
            alternatives.append(rf"(?P<{name}>{re.escape(name)}){value}")
        pattern = re.compile(r"(?<![\w-])(?:" + "|".join(alternatives) + r")(?![\w-])")

        def option(match: re.Match) -> str:
            name = next(n for n in known if match.group(n) is not None)
            spec = OPTIONS[name]
            if match.group(0) == name or spec.dest is None:
                return spec.flag
            shown = known[name] or ""
            typed = _typed(getattr(args, spec.dest, None))
            fallback = spec.metavar if shown == "..." else shown.strip("'\"")
            return f"{spec.flag} {typed or fallback}"

        text = pattern.sub(option, text)
    hints = [HINTS[name] for name in error.arguments if name in HINTS]
    return " ".join([text, *hints])
