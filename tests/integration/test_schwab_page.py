"""docs/schwab.rst's examples, run in order in one namespace against the Schwab-mode sandbox.

Blocks whose first line is a ``# needs ...`` comment need a real Schwab app;
they are compiled, not run.
"""

from __future__ import annotations

from pathlib import Path

from tests.support.snippets import python_blocks, run_snippet

PAGE = Path(__file__).resolve().parents[2] / "docs" / "schwab.rst"


def runnable(code: str) -> bool:
    return not code.lstrip().startswith("# needs")


def test_the_schwab_page_runs_against_the_schwab_sandbox():
    blocks = python_blocks(PAGE.read_text(encoding="utf-8"))
    assert len(blocks) >= 6
    namespace: dict = {"__name__": "__example__"}
    values = {}
    try:
        for code in blocks:
            compile(code, "<example>", "exec")
            if runnable(code):
                values[code] = run_snippet(code, namespace)
    finally:
        if "sandbox" in namespace:
            namespace["sandbox"].stop()
    assert namespace["a"].settings.provider.name == "schwab"
    assert next(v for c, v in values.items() if "get_accounts" in c).isdigit()
    assert next(v for c, v in values.items() if "OptionSymbol" in c) == "AAPL_051724C190"
    assert next(v for c, v in values.items() if "place_order" in c) is True
    assert sum(not runnable(c) for c in blocks) == 1
