"""Argument checks shared by the endpoint wrappers; each failure is a ``ValidationError``
whose message says what to pass instead.

>>> check_enum("contract_type", "call", ("CALL", "PUT", "ALL"))
'CALL'
>>> quote_segment("$SPX.X"), quote_segment("/ES")
('%24SPX.X', '%2FES')
>>> normalize_symbols(" AAPL, MSFT ")
['AAPL', 'MSFT']
"""

from __future__ import annotations

import numbers
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta, timezone
from typing import Any, Optional, Union
from urllib.parse import quote

from pyTD.bodies import encode_body
from pyTD.exceptions import ValidationError

#: A point in time: ``datetime`` (naive = UTC), ``date`` (midnight UTC) or epoch milliseconds.
TimeArg = Union[datetime, date, int]
#: A calendar day: ``date``, ``datetime`` (its UTC day) or a ``"yyyy-MM-dd"`` string.
DateArg = Union[date, datetime, str]
#: An account, order, transaction or watchlist id.
Id = Union[str, int]
#: One symbol, a comma-separated string of symbols, or a sequence of symbols.
Symbols = Union[str, Sequence[str]]
#: ``fields=`` of accounts and user principals: one name, a comma list, or a list.
Fields = Union[str, Sequence[str], None]
#: Watchlist items: symbols (equities) or TD ``watchlistItems`` dicts.
Items = Union[str, Sequence[Union[str, Mapping[str, Any]]]]

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_ONE_MS = timedelta(milliseconds=1)
#: Epoch milliseconds below this (1973-03-03) are almost surely epoch seconds.
_MIN_EPOCH_MS = 10**11
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}\Z")


def _show(value: Any) -> str:
    return f"{value!r} ({type(value).__name__})"


def check_enum(name: str, value: Any, allowed: Sequence[Any], *,
               arguments: Optional[Mapping[str, Optional[str]]] = None) -> Any:
    """``value`` in its canonical spelling from ``allowed`` (strings match in any case).

    ``arguments`` (default: ``name`` itself) are the arguments the error names, for
    :attr:`~pyTD.exceptions.TDError.arguments`.

    >>> check_enum("direction", "UP", ("up", "down"))
    'up'
    """
    for candidate in allowed:
        if isinstance(value, str) and isinstance(candidate, str):
            if value.strip().lower() == candidate.lower():
                return candidate
        elif value == candidate and not isinstance(value, bool):
            return candidate
    choices = ", ".join(str(a) for a in allowed)
    if arguments is None:
        arguments = {name: None} if name.isidentifier() else {}
    raise ValidationError(f"{name} must be one of {choices}; got {value!r}.",
                          arguments=arguments)


def check_enum_list(name: str, values: Union[str, Iterable[Any]],
                    allowed: Sequence[Any]) -> list[Any]:
    """Several enumerated values (a list or a comma-separated string), each checked.

    >>> check_enum_list("fields", "positions,orders", ("positions", "orders"))
    ['positions', 'orders']
    """
    choices = ", ".join(str(a) for a in allowed)
    if isinstance(values, str):
        items: list[Any] = values.split(",")
    elif isinstance(values, Iterable) and not isinstance(values, (bytes, Mapping)):
        items = list(values)
    else:
        raise ValidationError(f"{name} must be a string or a list of strings; got "
                              f"{_show(values)}: pass one or more of {choices}.")
    if not items:
        raise ValidationError(f"{name} is empty; pass one or more of {choices}.")
    checked = [check_enum(name, item, allowed) for item in items]
    return list(dict.fromkeys(checked))


def quote_segment(segment: str) -> str:
    """``segment`` percent-encoded for use as one URL path segment (``/`` included)."""
    return quote(segment, safe="")


def normalize_symbols(symbols: Symbols, name: str = "symbols") -> list[str]:
    """Symbols stripped of whitespace, duplicates dropped, order kept; none empty.

    >>> normalize_symbols(["AAPL", " MSFT", "AAPL"])
    ['AAPL', 'MSFT']
    """
    example = "pass a symbol such as 'AAPL' or a list such as ['AAPL', 'MSFT']"
    if isinstance(symbols, str):
        items: list[Any] = symbols.split(",")
    elif isinstance(symbols, Iterable) and not isinstance(symbols, (bytes, Mapping)):
        items = list(symbols)
    else:
        raise ValidationError(f"{name} must be a string or a list of strings; "
                              f"got {_show(symbols)}: {example}.")
    if not items or items == [""]:
        raise ValidationError(f"{name} is empty: {example}.")
    cleaned = []
    for item in items:
        if not isinstance(item, str):
            raise ValidationError(f"{name} must contain strings; got {_show(item)}: {example}.")
        if not item.strip():
            raise ValidationError(f"{name} contains an empty symbol in {symbols!r}: {example}.")
        cleaned.append(item.strip())
    return list(dict.fromkeys(cleaned))


def check_text(name: str, value: Any, example: str = "AAPL") -> str:
    """``value`` stripped, if it is a non-empty string (one symbol, pattern, CUSIP or name).

    >>> check_text("symbol", " AAPL ")
    'AAPL'
    """
    if isinstance(value, str) and value.strip():
        return value.strip()
    raise ValidationError(f"{name} must be a non-empty string such as {example!r}; "
                          f"got {_show(value)}.")


def check_id(name: str, value: Any) -> str:
    """An account, order, transaction or watchlist id (non-empty string or int) as a string."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool) and int(value) >= 0:
        return str(int(value))
    if isinstance(value, str) and value.strip():
        return value.strip()
    raise ValidationError(f"{name} must be a non-empty string or a non-negative int, "
                          f"such as '123456789'; got {_show(value)}.")


def check_int(name: str, value: Any, minimum: int = 1) -> int:
    """``value`` if it is an int of at least ``minimum``."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool) and \
            int(value) >= minimum:
        return int(value)
    raise ValidationError(f"{name} must be a whole number of at least {minimum}; "
                          f"got {_show(value)}.")


def check_number(name: str, value: Any) -> float:
    """``value`` if it is a real number (bool refused)."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return float(value)
    raise ValidationError(f"{name} must be a number such as 25 or 0.5; got {_show(value)}.")


def bool_param(name: str, value: Any, *, upper: bool = False) -> str:
    """A bool as TD spells it in a query: ``true``/``false`` (``TRUE``/``FALSE`` if ``upper``)."""
    if not isinstance(value, bool):
        raise ValidationError(f"{name} must be True or False; got {_show(value)}.")
    text = "true" if value else "false"
    return text.upper() if upper else text


def to_epoch_ms(name: str, value: TimeArg) -> int:
    """Epoch milliseconds for a ``datetime`` (naive = UTC), a ``date`` or an int.

    >>> to_epoch_ms("start_date", date(2020, 1, 2))
    1577923200000
    """
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
        if aware < _EPOCH:
            raise ValidationError(f"{name} must not be before 1970-01-01 UTC (epoch 0); "
                                  f"got {value.isoformat()}.")
        return (aware - _EPOCH) // _ONE_MS
    if isinstance(value, date):
        return to_epoch_ms(name, datetime(value.year, value.month, value.day))
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        if 0 <= value < _MIN_EPOCH_MS:
            raise ValidationError(f"{name}={value} looks like epoch seconds; pass epoch "
                                  f"milliseconds ({value * 1000}), a datetime or a date.")
        if value < 0:
            raise ValidationError(f"{name} must not be negative; got {value}.")
        return int(value)
    raise ValidationError(f"{name} must be a datetime (naive = UTC), a date or epoch "
                          f"milliseconds (int); got {_show(value)}.")


def to_date(name: str, value: DateArg) -> date:
    """The calendar day of a ``date``, a ``datetime`` (in UTC) or a ``"yyyy-MM-dd"`` string."""
    if isinstance(value, datetime):
        try:
            return value.astimezone(timezone.utc).date() if value.tzinfo else value.date()
        except OverflowError:
            raise ValidationError(f"{name}={value.isoformat()} has no calendar day in UTC "
                                  "(it lies beyond year 1 or 9999 there); pass a datetime "
                                  "whose UTC time falls within years 1 to 9999.") from None
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _ISO_DAY.match(value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValidationError(f"{name} must be a date, a datetime or a 'yyyy-MM-dd' string "
                          f"such as '2024-01-31'; got {_show(value)}.")


def date_param(name: str, value: DateArg) -> str:
    """``value`` as TD's ``yyyy-MM-dd`` query value."""
    return to_date(name, value).isoformat()


def check_order(start_name: str, start: Any, end_name: str, end: Any) -> None:
    """Refuse a range whose start comes after its end (either may be ``None``)."""
    if start is not None and end is not None and start > end:
        raise ValidationError(f"{start_name} ({start}) is after {end_name} ({end}); "
                              f"pass a {start_name} on or before {end_name}.",
                              arguments={start_name: str(start), end_name: str(end)})


def check_mapping(name: str, value: Any) -> Mapping[str, Any]:
    """``value`` if it is a non-empty JSON object (``dict``) that pyTD can encode.

    What :func:`pyTD.bodies.encode_body` refuses (non-finite numbers, unknown
    types) is a ``ValidationError`` naming where it is, before anything is sent.
    """
    if isinstance(value, Mapping) and value:
        encode_body(value, name)
        return value
    raise ValidationError(f"{name} must be a non-empty dict (the JSON object to send); "
                          f"got {_show(value)}.")
