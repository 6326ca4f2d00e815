"""Small helpers shared by the endpoint tests."""

from __future__ import annotations

from typing import Any


def calls(sandbox: Any) -> dict[str, int]:
    """``{"GET /v1/...": n}``: the REST calls the sandbox served (token requests left out)."""
    return {k: v for k, v in sandbox.stats()["calls"].items() if "/oauth2/" not in k}
