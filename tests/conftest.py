"""Fixtures shared by every test directory.

Every test runs in one known environment (:func:`isolated_environment`): no
``TD_*`` variable from outside, ``HOME`` and the XDG directories (hence the
default config dir) in a fresh temporary directory, and the ``pyTD`` logger's
level as it was. Sandboxes come from one factory (:func:`make_sandbox`).
"""

from __future__ import annotations

import logging
import os
from typing import Callable, Iterator

import pytest

from pyTD.cache.conformance import FakeClock
from pyTD.sandbox import Sandbox
from tests.support.sandboxes import start_sandbox


def _drop_td_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("TD_"):
            monkeypatch.delenv(name)


@pytest.fixture(autouse=True, scope="session")
def no_outside_settings() -> Iterator[None]:
    """No ``TD_*`` variable of the outer environment, for fixtures of every scope."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        _drop_td_settings(monkeypatch)
        yield


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path_factory: pytest.TempPathFactory,
                         monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No ``TD_*`` settings; ``HOME``/XDG dirs in a temporary directory; logging as found."""
    _drop_td_settings(monkeypatch)
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    for variable, folder in (("XDG_CONFIG_HOME", ".config"), ("XDG_DATA_HOME", ".local/share"),
                             ("XDG_CACHE_HOME", ".cache"), ("XDG_STATE_HOME", ".local/state")):
        monkeypatch.setenv(variable, str(home / folder))
    logger = logging.getLogger("pyTD")
    level = logger.level
    yield
    logger.setLevel(level)


@pytest.fixture
def clock() -> FakeClock:
    """A :class:`FakeClock` at the start of a wall-clock minute."""
    return FakeClock(1_800_000_000.0)


@pytest.fixture
def make_sandbox(request: pytest.FixtureRequest) -> Callable[..., Sandbox]:
    """``make_sandbox(**options)``: a started :class:`Sandbox`, stopped after the test.

    Fixtures of a wider scope call :func:`tests.support.sandboxes.start_sandbox`.
    """
    return lambda **options: start_sandbox(request, **options)


@pytest.fixture
def sandbox(make_sandbox: Callable[..., Sandbox]) -> Sandbox:
    """A running sandbox with the default options."""
    return make_sandbox()
