"""Running integration tests against both providers' sandboxes.

A module whose endpoints exist on both providers parametrizes its sandbox::

    @pytest.fixture(scope="module", params=PROVIDERS)
    def sandbox(request):
        return start_sandbox(request, provider=request.param, seed=3)

and a test that needs one provider's behaviour asks for it with
:func:`only` (endpoints one provider lacks get their own, unparametrized, tests).
"""

from __future__ import annotations

from typing import Any

import pytest

#: The providers every shared integration test runs against.
PROVIDERS = ("tdameritrade", "schwab")


def name_of(sandbox: Any) -> str:
    """The provider name of a running sandbox (``"tdameritrade"`` or ``"schwab"``)."""
    return str(sandbox.provider.name)


def is_schwab(sandbox: Any) -> bool:
    """Whether ``sandbox`` emulates Schwab."""
    return name_of(sandbox) == "schwab"


def only(sandbox: Any, provider: str, why: str) -> None:
    """Skip the running test unless ``sandbox`` emulates ``provider``; ``why`` says what differs."""
    if name_of(sandbox) != provider:
        pytest.skip(f"{provider} only: {why}")
