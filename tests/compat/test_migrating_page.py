"""Every Python example of docs/migrating.rst runs against the sandbox as the page says."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.snippets import python_blocks, run_snippet

PAGE = Path(__file__).resolve().parents[2] / "docs" / "migrating.rst"


BLOCKS = python_blocks(PAGE.read_text(encoding="utf-8"))


def test_the_page_has_its_examples():
    assert len(BLOCKS) >= 8


@pytest.mark.parametrize("code", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_example_runs(original_user, code):
    value = run_snippet(code)
    assert value is not False, code
