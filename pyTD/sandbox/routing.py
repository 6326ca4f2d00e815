"""Requests, responses and routes of the sandbox, shared by its OAuth and REST halves.

A module of endpoints exposes ``register(router)``; each handler receives the
sandbox (typed as :class:`SandboxLike`, what a handler may use of a
:class:`~pyTD.sandbox.server.Sandbox`), the :class:`SandboxRequest` and the
named groups of its path pattern, and returns a :class:`SandboxResponse`.
Query parameters are read with the parsers below; they raise
:class:`BadRequest`, which the dispatcher answers with TD's error body.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Protocol, TypeVar, overload
from urllib.parse import parse_qs

from pyTD.sandbox.data.universe import Universe

T = TypeVar("T")
#: TD's body for a request body that does not validate.
VALIDATION_ERROR = "A validation error occurred while processing the request."
#: Who may call a route: no credentials, a Bearer token, or a Bearer token or ``apikey``.
PUBLIC, BEARER, BEARER_OR_APIKEY = "public", "bearer", "bearer_or_apikey"


@dataclass
class SandboxRequest:
    """One parsed HTTP request."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes = b""
    #: The consumer key (bare, no suffix) that the Bearer token or apikey belongs to.
    consumer_key: Optional[str] = None
    #: True when the request was authenticated with ``apikey`` only (delayed data).
    delayed: bool = False

    def arg(self, name: str, default: Optional[str] = None) -> Optional[str]:
        """The first value of a query parameter."""
        values = self.query.get(name)
        return values[0] if values else default

    def form(self) -> dict[str, str]:
        """The body as ``application/x-www-form-urlencoded`` (first value of each field)."""
        parsed = parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True)
        return {key: values[0] for key, values in parsed.items()}

    def json(self) -> Any:
        """The body as JSON; raises ``ValueError`` when it is not."""
        return json.loads(self.body.decode("utf-8"))


@dataclass
class SandboxResponse:
    """Status, headers and a body (bytes, or anything JSON-serializable)."""

    status: int = 200
    body: Any = b""
    headers: dict[str, str] = field(default_factory=dict)

    def encode(self) -> bytes:
        """The body as bytes (JSON-encoded unless it is bytes or text)."""
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode("utf-8")
        self.headers.setdefault("Content-Type", "application/json")
        return json.dumps(self.body, separators=(",", ":")).encode("utf-8")


class SandboxLike(Protocol):
    """What a handler may use of the sandbox it is called with.

    :class:`~pyTD.sandbox.server.Sandbox` is one; handlers are typed against
    this protocol, so they do not depend on the server module.
    """

    @property
    def seed(self) -> int:
        """The seed of the synthetic data."""

    @property
    def url(self) -> str:
        """The root URL, ``http://127.0.0.1:PORT``."""

    @property
    def universe(self) -> Universe:
        """The symbols that exist in this sandbox."""

    @property
    def lock(self) -> threading.RLock:
        """The sandbox's lock: hold it while reading or changing shared state."""

    def clock(self) -> float:
        """The sandbox's time, in seconds since the epoch."""

    def count(self, group: str, key: Any, n: int = 1) -> None:
        """Add ``n`` to the counter ``stats()[group][key]``."""

    def store(self, name: str, factory: Callable[[], T]) -> T:
        """The state object ``name`` of this sandbox, made by ``factory()`` on first use."""


def json_response(obj: Any, status: int = 200, **headers: str) -> SandboxResponse:
    """A JSON response."""
    return SandboxResponse(status, obj, {"Content-Type": "application/json", **headers})


def td_error(status: int, message: str, **headers: str) -> SandboxResponse:
    """An error as TD served it: ``{"error": ...}`` wrapped in stray whitespace."""
    body = '\n          {\n        "error":' + json.dumps(message) + "\n      \t   }"
    return SandboxResponse(status, body.encode("utf-8"),
                           {"Content-Type": "application/json", **headers})


# -- parsing requests ------------------------------------------------------------------------

class BadRequest(Exception):
    """Raised by a handler (or what it calls) to answer ``status`` with an error body.

    The dispatcher catches it and answers :func:`td_error` ``(status, message)``.
    """

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message, self.status = message, status


def required(req: SandboxRequest, name: str) -> str:
    """A query parameter that must be present and non-empty."""
    value = req.arg(name)
    if not value:
        raise BadRequest(f"{name} is required")
    return value


@overload
def enum_arg(req: SandboxRequest, name: str, allowed: tuple, default: str,
             fold: bool = False) -> str: ...


@overload
def enum_arg(req: SandboxRequest, name: str, allowed: tuple, default: None = None,
             fold: bool = False) -> Optional[str]: ...


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


def json_body(req: SandboxRequest, invalid: str = VALIDATION_ERROR) -> Any:
    """The JSON body: 415 unless the Content-Type is JSON, 400 (``invalid``) if unparsable."""
    content_type = req.headers.get("Content-Type", "") or ""
    if content_type.split(";")[0].strip().lower() != "application/json":
        raise BadRequest("Unsupported Media Type: send application/json", 415)
    try:
        return req.json()
    except (ValueError, UnicodeDecodeError):
        raise BadRequest(invalid) from None


def int_id(text: str, what: str) -> int:
    """A numeric path identifier; anything else is not found."""
    if not re.fullmatch(r"\d{1,18}", text):
        raise BadRequest(f"{what} {text} not found", 404)
    return int(text)


def td_time(epoch: float) -> str:
    """``2021-01-01T12:01:00+0000``."""
    return time.strftime("%Y-%m-%dT%H:%M:%S+0000", time.gmtime(epoch))


Handler = Callable[..., SandboxResponse]


@dataclass
class Route:
    method: str
    pattern: re.Pattern
    handler: Handler
    access: str


class Router:
    """Method + path-regex routing; patterns are anchored and use named groups.

    Patterns follow the router's ``prefix`` (literal text, ``""`` for the root):
    :meth:`mount` gives a router that adds routes under a prefix to the same
    route list, so one provider's REST routes are written relative to its API
    root::

        api = router.mount(TD_AMERITRADE.root_path)
        api.add("GET", r"/marketdata/quotes", get_quotes)   # under the API root
    """

    def __init__(self, prefix: str = "", routes: Optional[list[Route]] = None) -> None:
        self.prefix = prefix
        #: Every route, in the order they are tried (shared with mounted routers).
        self.routes: list[Route] = [] if routes is None else routes

    def mount(self, prefix: str) -> Router:
        """A router adding routes under ``self.prefix + prefix`` to this router's routes."""
        return Router(self.prefix + prefix, self.routes)

    def add(self, method: str, pattern: str, handler: Handler, access: str = BEARER) -> None:
        """Route ``method`` requests whose path is ``prefix`` + a full match of ``pattern``."""
        self.routes.append(Route(method.upper(), re.compile(re.escape(self.prefix) + pattern
                                                            + r"\Z"), handler, access))

    def match(self, method: str, path: str) -> tuple[Optional[Route], dict[str, str], bool]:
        """``(route, path_params, path_known)``; ``path_known`` tells 405 from 404."""
        path_known = False
        for route in self.routes:
            m = route.pattern.match(path)
            if m:
                path_known = True
                if route.method == method.upper():
                    return route, m.groupdict(), True
        return None, {}, path_known
