"""The built docs read well in a real browser: no code block is cut off at 1280 px.

Every page of the narrative docs and the CLI reference is opened in headless
Chromium at a 1280 x 900 viewport; a code block whose content is wider than
the block (``scrollWidth > clientWidth``) hides its end behind a scroll bar,
which is how the first example on the index page once stopped at
``callback_url="http://localh``. The index, authentication and CLI pages are
also screenshotted into the artifacts directory for a look by eye.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import artifacts_dir, in_ci
from tests.support.docs import build_docs

VIEWPORT = {"width": 1280, "height": 900}
SCREENSHOTS = ("index", "authentication", "cli")
#: The code blocks of a page that are wider than their box: (first line too long, widths).
OVERFLOWING = """() => Array.from(document.querySelectorAll("div.highlight pre"))
    .filter(pre => pre.scrollWidth > pre.clientWidth + 1)
    .map(pre => [pre.textContent.split("\\n").reduce((a, b) => b.length > a.length ? b : a, ""),
                 pre.scrollWidth, pre.clientWidth])"""


@pytest.fixture(scope="module")
def html() -> Path:
    build = build_docs()
    if build.returncode != 0:
        if in_ci():
            pytest.fail("the docs did not build:\n" + build.output)
        pytest.skip("the docs did not build (see tests/unit/test_docs.py)")
    return build.html


def pages(html: Path) -> list[Path]:
    """The narrative pages and the CLI reference (API reference pages render docstrings)."""
    return sorted([*html.glob("*.html"), html / "reference" / "cli.html"])


@pytest.mark.timeout(330)  # may build the docs (its own limit: 300 s)
def test_no_code_block_is_cut_off_at_1280_px(chromium, html):
    context = chromium.new_context(viewport=VIEWPORT)
    page = context.new_page()
    shots = artifacts_dir("docs")
    too_wide: dict[str, list] = {}
    checked = blocks = 0
    try:
        for path in pages(html):
            if path.stem in ("genindex", "search", "py-modindex"):
                continue
            page.goto(path.as_uri())
            checked += 1
            blocks += page.locator("div.highlight pre").count()
            found = page.evaluate(OVERFLOWING)
            if found:
                too_wide[str(path.relative_to(html))] = found
            if path.stem in SCREENSHOTS and path.parent == html:
                page.screenshot(path=str(shots / f"{path.stem}.png"), full_page=False)
    finally:
        context.close()
    assert checked >= 15 and blocks >= 100, (checked, blocks)
    assert not too_wide, "code lines wider than their block at 1280 px (shorten or wrap them):\n" \
        + "\n".join(f"{page}: {line!r} ({wide} > {box} px)"
                    for page, found in too_wide.items() for line, wide, box in found)
    for name in SCREENSHOTS:
        assert (shots / f"{name}.png").stat().st_size > 10_000
