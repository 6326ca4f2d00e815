"""Requests, responses and routes of the sandbox, shared by its OAuth and REST halves.

A module of endpoints exposes ``register(router)``; each handler receives the
:class:`~pyTD.sandbox.server.Sandbox`, the :class:`SandboxRequest` and the
named groups of its path pattern, and returns a :class:`SandboxResponse`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Optional
from urllib.parse import parse_qs

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


def json_response(obj: Any, status: int = 200, **headers: str) -> SandboxResponse:
    """A JSON response."""
    return SandboxResponse(status, obj, {"Content-Type": "application/json", **headers})


def td_error(status: int, message: str, **headers: str) -> SandboxResponse:
    """An error as TD served it: ``{"error": ...}`` wrapped in stray whitespace."""
    body = '\n          {\n        "error":' + json.dumps(message) + "\n      \t   }"
    return SandboxResponse(status, body.encode("utf-8"),
                           {"Content-Type": "application/json", **headers})


Handler = Callable[..., SandboxResponse]


@dataclass
class Route:
    method: str
    pattern: re.Pattern
    handler: Handler
    access: str


class Router:
    """Method + path-regex routing; patterns are anchored and use named groups."""

    def __init__(self) -> None:
        self.routes: list[Route] = []

    def add(self, method: str, pattern: str, handler: Handler, access: str = BEARER) -> None:
        """Route ``method`` requests whose path fully matches ``pattern`` to ``handler``."""
        self.routes.append(Route(method.upper(), re.compile(pattern + r"\Z"), handler, access))

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
