"""Account endpoints of the sandbox (Bearer only)."""

from __future__ import annotations

from pyTD.sandbox.routing import Router

#: The synthetic accounts every sandbox has.
ACCOUNT_IDS = ("123456789", "987654321")


def register(router: Router) -> None:
    """Add every account route to ``router``."""
