"""The one way tests start a sandbox: started now, stopped when the requesting scope ends."""

from __future__ import annotations

from typing import Any

import pytest

from pyTD.sandbox import Sandbox


def start_sandbox(request: pytest.FixtureRequest, **options: Any) -> Sandbox:
    """A started :class:`Sandbox` with ``options``, stopped when ``request``'s scope ends.

    Use it from a fixture of any scope::

        @pytest.fixture(scope="module")
        def sandbox(request):
            return start_sandbox(request, seed=3)
    """
    sandbox = Sandbox(**options)
    sandbox.start()
    request.addfinalizer(sandbox.stop)
    return sandbox
