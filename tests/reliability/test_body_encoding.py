"""Bodies with numpy, Decimal and datetime values reach the sandbox exactly; NaN never leaves.

Orders are placed through the public wrappers against the sandbox; what its
order book holds is compared with what was meant. Bodies with a non-finite
number (or a value JSON cannot carry) must fail with ``ValidationError``
before sending: the sandbox must see no request for them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import numpy as np
import pytest

from pyTD.accounts.orders import place_order
from pyTD.accounts.user import update_preferences
from pyTD.exceptions import UnknownOutcomeError, ValidationError
from pyTD.sandbox import Sandbox
from pyTD.sandbox.accounts import ACCOUNT_IDS
from pyTD.sandbox.accounts.orderbook import order_book
from pyTD.sandbox.client import sandbox_api
from pyTD.transport import Transport
from tests.support.servers import Canned

ACCOUNT = ACCOUNT_IDS[0]
EASTERN = timezone(timedelta(hours=-5))

#: name -> (price, quantity, release time) as given, and what the sandbox must hold.
GOOD: dict[str, tuple[Any, Any, Any, dict[str, Any]]] = {
    "python": (12.5, 3, date(2030, 1, 2), {"price": 12.5, "quantity": 3,
                                           "releaseTime": "2030-01-02"}),
    "numpy": (np.float64(12.25), np.int64(4), datetime(2030, 1, 2, 9, 30, tzinfo=EASTERN),
              {"price": 12.25, "quantity": 4, "releaseTime": "2030-01-02T14:30:00+0000"}),
    "numpy 32-bit": (np.float32(0.5), np.int32(5), datetime(2030, 1, 2, 14, 30),
                     {"price": 0.5, "quantity": 5, "releaseTime": "2030-01-02T14:30:00+0000"}),
    "decimal": (Decimal("101.37"), Decimal("6"), date(2030, 1, 3),
                {"price": 101.37, "quantity": 6, "releaseTime": "2030-01-03"}),
}
BAD = {"nan": float("nan"), "inf": float("inf"), "numpy nan": np.float64("nan"),
       "decimal nan": Decimal("NaN"), "decimal -inf": Decimal("-Infinity"),
       "a set": {1.5}}


def order(price: Any, quantity: Any, release: Any) -> dict[str, Any]:
    return {"orderType": "LIMIT", "session": "NORMAL", "duration": "DAY", "price": price,
            "orderStrategyType": "SINGLE", "releaseTime": release,
            "orderLegCollection": [{"instruction": "BUY", "quantity": quantity,
                                    "instrument": {"symbol": "AAPL", "assetType": "EQUITY"}}]}


@dataclass
class BodyRun:
    placed: int = 0
    exact: int = 0
    refused: dict[str, str] = field(default_factory=dict)   # kind -> exception type
    posts_for_refused: int = 0
    book: int = 0


def run_bodies() -> BodyRun:
    """Place every GOOD order and try every BAD one, against one sandbox."""
    run = BodyRun()
    path = f"POST /v1/accounts/{ACCOUNT}/orders"
    with Sandbox() as sandbox:
        a = sandbox_api(sandbox)
        for price, quantity, release, held in GOOD.values():
            order_id = place_order(ACCOUNT, order(price, quantity, release), api=a)
            run.placed += 1
            stored = order_book(sandbox).get(ACCOUNT, str(order_id))
            got = {"price": stored["price"], "releaseTime": stored["releaseTime"],
                   "quantity": stored["orderLegCollection"][0]["quantity"]}
            run.exact += got == held
        before = sandbox.stats()["calls"].get(path, 0)
        for kind, value in BAD.items():
            try:
                place_order(ACCOUNT, order(value, 1, date(2030, 1, 2)), api=a)
            except (ValidationError, UnknownOutcomeError) as exc:
                run.refused[kind] = type(exc).__name__
        run.posts_for_refused = sandbox.stats()["calls"].get(path, 0) - before
        run.book = len(order_book(sandbox).orders(ACCOUNT))
    return run


def test_bodies_reach_the_sandbox_exactly_and_non_finite_ones_are_never_sent(figure):
    run = run_bodies()
    assert run.placed == run.exact == len(GOOD)
    assert run.refused == dict.fromkeys(BAD, "ValidationError")
    assert run.posts_for_refused == 0
    assert run.book == len(GOOD)
    figure("body encoding", f"{run.exact} / {len(GOOD)} orders stored exactly, "
                            f"{len(run.refused)} bad bodies refused, {run.posts_for_refused} "
                            "of them sent")


@pytest.mark.parametrize("kind", sorted(BAD))
def test_a_bad_value_is_a_validation_error_naming_where_it_is(kind):
    with Sandbox() as sandbox:
        a = sandbox_api(sandbox)
        # An order's own checks (pyTD.orders.check_order) name the field first.
        with pytest.raises(ValidationError, match=r"order: price (is .*nothing was sent|must be "
                                                  r"a number)"):
            place_order(ACCOUNT, order(BAD[kind], 1, date(2030, 1, 2)), api=a)
        with pytest.raises(ValidationError, match=r"order leg 1: quantity must be a positive "
                                                  r"whole number"):
            place_order(ACCOUNT, order(1.0, BAD[kind], date(2030, 1, 2)), api=a)
        with pytest.raises(ValidationError, match="expressWidth"):
            update_preferences(ACCOUNT, {"expressWidth": BAD[kind]}, api=a)
        assert not any(call.startswith(("POST", "PUT")) for call in sandbox.stats()["calls"])


def test_decimals_are_written_digit_for_digit_and_bytes_match_json():
    body = {"price": Decimal("0.1000000000000000055511151231257827"), "n": np.int64(2**62),
            "when": datetime(2030, 1, 2, 3, 4, 5, 678000, tzinfo=timezone.utc),
            "flag": np.bool_(True), "list": np.array([1, 2]), "text": "é\"x"}
    with Canned(201, b"", {"Location": "/v1/accounts/1/orders/7"}) as server:
        Transport(server.url, retry_count=0).send("POST", server.url + "/x", json=body)
        sent = server.requests[0]
    assert sent[3] == (b'{"price": 0.1000000000000000055511151231257827, "n": 4611686018427387904, '
                       b'"when": "2030-01-02T03:04:05+0000", "flag": true, "list": [1, 2], '
                       b'"text": "\\u00e9\\"x"}')
    assert sent[2]["Content-Type"] == "application/json"
    plain = {"orderType": "MARKET", "price": 1.5, "legs": [{"q": 1}], "none": None}
    with Canned(201, b"") as server:
        Transport(server.url, retry_count=0).send("POST", server.url + "/x", json=plain)
        assert server.requests[0][3] == json.dumps(plain).encode()   # as requests encodes it
