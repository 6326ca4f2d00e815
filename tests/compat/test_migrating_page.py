"""Every Python example of docs/migrating.rst runs against the sandbox as the page says."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.compat.original_support import run_snippet

PAGE = Path(__file__).resolve().parents[2] / "docs" / "migrating.rst"


def python_blocks(text: str) -> list[str]:
    """The bodies of the ``.. code-block:: python`` directives of an rst page, dedented."""
    blocks = []
    for match in re.finditer(r"^( *)\.\. code-block:: python\n\n((?:\1 +.*\n|\n)+)", text,
                             re.MULTILINE):
        lines = match.group(2).rstrip("\n").split("\n")
        indent = min(len(line) - len(line.lstrip()) for line in lines if line.strip())
        blocks.append("\n".join(line[indent:] for line in lines))
    return blocks


BLOCKS = python_blocks(PAGE.read_text(encoding="utf-8"))


def test_the_page_has_its_examples():
    assert len(BLOCKS) >= 8


@pytest.mark.parametrize("code", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_example_runs(original_user, code):
    value = run_snippet(code)
    assert value is not False, code
