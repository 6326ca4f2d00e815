"""Small helpers shared by the endpoint tests."""

from __future__ import annotations

from typing import Any


def calls(sandbox: Any) -> dict[str, int]:
    """``{"GET /v1/...": n}``: the REST calls the sandbox served (token requests left out)."""
    return {k: v for k, v in sandbox.stats()["calls"].items() if "/oauth2/" not in k}


def sent(sandbox, *requests):
    """What ``calls(sandbox)`` shows after ``requests``: endpoint names, or ``(name, segments)``,
    in the sandbox's provider's paths (Schwab's price history has one path for every symbol)."""
    expected: dict[str, int] = {}
    for request in requests:
        name, segments = (request, {}) if isinstance(request, str) else request
        key = "GET " + sandbox.api_path(sandbox.provider.path(name, **segments))
        expected[key] = expected.get(key, 0) + 1
    return expected
