"""Reliability tests: each records its headline figures, shown together after the run.

    def test_something(figure):
        figure("fault mix", "1000 GETs, 495 retries, 11.8 s")

``python -m pytest tests/reliability`` then ends with a "reliability figures"
section; ``bench/reliability_report.py`` prints the same measurements as a table.
"""

from __future__ import annotations

from typing import Callable

import pytest

_FIGURES = pytest.StashKey[list]()


@pytest.fixture
def figure(request: pytest.FixtureRequest) -> Callable[[str, str], None]:
    """``figure(name, text)``: one line for the summary at the end of the run."""
    figures = request.config.stash.setdefault(_FIGURES, [])

    def record(name: str, text: str) -> None:
        figures.append(f"{name}: {text}")

    return record


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    figures = config.stash.get(_FIGURES, [])
    if figures:
        terminalreporter.section("reliability figures")
        for line in figures:
            terminalreporter.write_line(line)
