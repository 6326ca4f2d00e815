"""Query-parameter parsing with TD-style errors, shared by the sandbox's REST handlers."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Callable, Optional

from pyTD.sandbox.routing import SandboxRequest, SandboxResponse, td_error


class BadRequest(Exception):
    """Raised by a handler to answer ``status`` with a TD error body."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message, self.status = message, status


def answers_errors(handler: Callable[..., SandboxResponse]) -> Callable[..., SandboxResponse]:
    """Turn a :class:`BadRequest` raised by ``handler`` into a TD error response."""

    @functools.wraps(handler)
    def wrapper(*args, **kwargs) -> SandboxResponse:
        try:
            return handler(*args, **kwargs)
        except BadRequest as exc:
            return td_error(exc.status, exc.message)

    return wrapper


def required(req: SandboxRequest, name: str) -> str:
    """A query parameter that must be present and non-empty."""
    value = req.arg(name)
    if not value:
        raise BadRequest(f"{name} is required")
    return value


def enum_arg(req: SandboxRequest, name: str, allowed: tuple, default: Optional[str] = None,
             fold: bool = False) -> Optional[str]:
    """A parameter limited to ``allowed`` (``fold``: compared upper-case)."""
    value = req.arg(name)
    if value is None or value == "":
        return default
    if fold:
        value = value.upper()
    if value not in allowed:
        raise BadRequest(f"Invalid {name} '{value}': allowed values are {', '.join(allowed)}")
    return value


def number_arg(req: SandboxRequest, name: str) -> Optional[float]:
    """An optional number."""
    value = req.arg(name)
    if value is None or value == "":
        return None
    try:
        return float(value)
    except ValueError:
        raise BadRequest(f"Invalid {name} '{value}': a number is required") from None


def int_arg(req: SandboxRequest, name: str, minimum: Optional[int] = None) -> Optional[int]:
    """An optional integer, at least ``minimum``."""
    value = req.arg(name)
    if value is None or value == "":
        return None
    try:
        number = int(value)
    except ValueError:
        raise BadRequest(f"Invalid {name} '{value}': an integer is required") from None
    if minimum is not None and number < minimum:
        raise BadRequest(f"Invalid {name} '{value}': must be at least {minimum}")
    return number


def bool_arg(req: SandboxRequest, name: str, default: bool) -> bool:
    """``true``/``false`` in any case."""
    value = req.arg(name)
    if value is None or value == "":
        return default
    if value.lower() not in ("true", "false"):
        raise BadRequest(f"Invalid {name} '{value}': allowed values are TRUE, FALSE")
    return value.lower() == "true"


def parse_date(text: str, name: str) -> dt.date:
    """``yyyy-MM-dd``, optionally followed by a time (``yyyy-MM-dd'T'HH:mm:ssz``)."""
    try:
        if len(text) > 10 and text[10] != "T":
            raise ValueError(text)
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        raise BadRequest(f"Invalid {name} '{text}': expected yyyy-MM-dd") from None


def date_arg(req: SandboxRequest, name: str) -> Optional[dt.date]:
    """An optional ``yyyy-MM-dd`` date."""
    value = req.arg(name)
    return parse_date(value, name) if value else None
