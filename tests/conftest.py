"""Fixtures shared by every test directory."""

from __future__ import annotations

import threading
import time
from typing import Iterator, Optional

import pytest

from pyTD.sandbox import Sandbox


class FakeClock:
    """A clock moved by hand (``advance``); starts at the real time so dates look sane."""

    def __init__(self, start: Optional[float] = None) -> None:
        self.now = time.time() if start is None else start
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self.now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    """A :class:`FakeClock` at the start of a wall-clock minute."""
    return FakeClock(start=1_800_000_000.0)


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    """A running sandbox on a free port, stopped after the test."""
    with Sandbox() as sb:
        yield sb
