"""Fixtures shared by every test directory."""

from __future__ import annotations

from typing import Iterator

import pytest

from pyTD.cache.conformance import FakeClock
from pyTD.sandbox import Sandbox


@pytest.fixture
def clock() -> FakeClock:
    """A :class:`FakeClock` at the start of a wall-clock minute."""
    return FakeClock(1_800_000_000.0)


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    """A running sandbox on a free port, stopped after the test."""
    with Sandbox() as sb:
        yield sb
