"""End-to-end fixtures: where artifacts go, and one headless Chromium per module."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

import pytest

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
#: Without the background-networking switches Chromium keeps calling out to the internet.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def artifacts_dir(*parts: str) -> Path:
    """``$PYTD_ARTIFACTS/<parts>`` (default ``<repo>/artifacts/<parts>``), created if needed."""
    root = Path(os.environ.get("PYTD_ARTIFACTS") or REPO / "artifacts")
    path = root.joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    return path


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    """A headless Chromium for the whole module; each test opens its own context."""
    if not os.access(CHROMIUM, os.X_OK):
        message = f"{CHROMIUM} is not installed (Debian package 'chromium')"
        if in_ci():
            pytest.fail(message + "; browser tests never skip when CI=true.")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
