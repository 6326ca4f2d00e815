"""Request bodies as JSON, encoded by pyTD before anything is sent.

One encoder for every body (orders, preferences, watchlists): numpy scalars
and arrays, ``Decimal`` (written exactly, digit for digit), ``datetime``
(UTC, TD's ``2021-01-01T12:01:00+0000``; a naive one is taken as UTC) and
``date`` (``2021-01-01``) are accepted besides what ``json`` takes. A
non-finite number or an unknown type is a :class:`~pyTD.exceptions.ValidationError`
naming where it is, raised before sending::

    >>> encode_body({"price": Decimal("1.10"), "quantity": 3}, "POST /orders")
    b'{"price": 1.10, "quantity": 3}'
    >>> encode_body({"price": float("nan")}, "POST /orders")
    Traceback (most recent call last):
    pyTD.exceptions.ValidationError: POST /orders: the body's price is nan; ...
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any

from pyTD.exceptions import ValidationError

_NOT_SENT = "Nothing was sent: fix the value and send it again."


def encode_body(body: Any, what: str) -> bytes:
    """``body`` as the JSON bytes to send; ``what`` (e.g. ``POST /v1/...``) names the request."""
    parts: list[str] = []
    _encode(body, "", parts, what)
    return "".join(parts).encode("ascii")


def _where(path: str) -> str:
    return f"the body's {path.lstrip('.')}" if path else "the body"


def _encode(value: Any, path: str, out: list[str], what: str) -> None:
    if value is None or isinstance(value, (bool, str)):
        out.append(json.dumps(value))
    elif isinstance(value, int):
        out.append(int.__repr__(value))
    elif isinstance(value, (float, Decimal)):
        finite = value.is_finite() if isinstance(value, Decimal) else math.isfinite(value)
        if not finite:
            raise ValidationError(f"{what}: {_where(path)} is {value}; TD takes finite numbers "
                                  f"only. {_NOT_SENT}")
        out.append(float.__repr__(value) if isinstance(value, float) else str(value))
    elif isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
        out.append(f'"{aware.astimezone(timezone.utc):%Y-%m-%dT%H:%M:%S+0000}"')
    elif isinstance(value, date):
        out.append(f'"{value.isoformat()}"')
    elif isinstance(value, Mapping):
        _encode_mapping(value, path, out, what)
    elif isinstance(value, (list, tuple)):
        out.append("[")
        for index, item in enumerate(value):
            out.append(", " if index else "")
            _encode(item, f"{path}[{index}]", out, what)
        out.append("]")
    elif type(value).__module__ == "numpy" and hasattr(value, "tolist"):
        _encode(value.tolist(), path, out, what)   # numpy scalars and arrays, as Python values
    else:
        raise ValidationError(f"{what}: {_where(path)} is a {type(value).__name__}, which pyTD "
                              "cannot send as JSON: use numbers, strings, dates, lists and "
                              f"dicts. {_NOT_SENT}")


def _encode_mapping(value: Mapping, path: str, out: list[str], what: str) -> None:
    out.append("{")
    for index, (key, item) in enumerate(value.items()):
        if isinstance(key, bool) or not isinstance(key, (str, int)):
            raise ValidationError(f"{what}: {_where(path)} has a {type(key).__name__} key; "
                                  f"JSON keys are strings. {_NOT_SENT}")
        out.append(f"{', ' if index else ''}{json.dumps(str(key))}: ")
        _encode(item, f"{path}.{key}", out, what)
    out.append("}")
