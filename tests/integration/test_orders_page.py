"""docs/orders.rst's examples, run in order in one namespace, as a reader would."""

from __future__ import annotations

from pathlib import Path

from tests.support.snippets import python_blocks, run_snippet

PAGE = Path(__file__).resolve().parents[2] / "docs" / "orders.rst"


def test_the_orders_page_runs_against_the_sandbox():
    blocks = python_blocks(PAGE.read_text(encoding="utf-8"))
    assert len(blocks) >= 9
    namespace: dict = {"__name__": "__example__"}
    values = []
    try:
        for code in blocks:
            values.append(run_snippet(code, namespace))
    finally:
        if "sandbox" in namespace:
            namespace["sandbox"].stop()
    by_text = dict(zip(blocks, values))
    assert next(v for c, v in by_text.items() if c.startswith("from pyTD import orders"))[
        "price"] == "120.10"
    assert "orderType LIMIT needs price: set_price" in next(
        v for c, v in by_text.items() if "except ValidationError" in c)
    assert next(v for c, v in by_text.items() if "cancel_order" in c) == "CANCELED"
    assert next(v for c, v in by_text.items() if "orders.bracket" in c) == "OCO"
    assert namespace["spread"].build()["complexOrderStrategyType"] == "VERTICAL"
