"""The sandbox's routing layer and order book over real sockets: mounted routes, the API
root, BadRequest answered by the dispatcher, and the OrderBook model behind the order routes."""

from __future__ import annotations

import json
import re

import pytest
import requests

from pyTD.provider import TD_AMERITRADE
from pyTD.sandbox import Sandbox
from pyTD.sandbox.accounts import ACCOUNT_IDS, state
from pyTD.sandbox.accounts.orderbook import order_book
from pyTD.sandbox.routing import PUBLIC, BadRequest, Router, int_arg, json_response

CASH, MARGIN = ACCOUNT_IDS
ORDER = {"orderType": "LIMIT", "price": 10, "session": "NORMAL", "duration": "DAY",
         "orderStrategyType": "SINGLE",
         "orderLegCollection": [{"instruction": "BUY", "quantity": 3,
                                 "instrument": {"symbol": "AAPL", "assetType": "EQUITY"}}]}


def get(url: str, **kwargs) -> requests.Response:
    return requests.get(url, timeout=5, **kwargs)


def test_mounted_routers_share_the_route_list_and_add_their_prefix():
    root = Router()
    api = root.mount("/v9")
    deeper = api.mount("/x.y")
    api.add("GET", r"/items/(?P<item>\d+)", lambda sb, req, item: json_response(item), PUBLIC)
    deeper.add("POST", r"/z", lambda sb, req: json_response(1), PUBLIC)
    root.add("GET", r"/auth", lambda sb, req: json_response(2), PUBLIC)
    assert root.routes is api.routes is deeper.routes and len(root.routes) == 3
    route, params, known = root.match("GET", "/v9/items/42")
    assert route is root.routes[0] and params == {"item": "42"} and known
    assert root.match("POST", "/v9/x.y/z")[0] is root.routes[1]
    assert root.match("POST", "/v9/xAy/z") == (None, {}, False)  # the prefix is literal
    assert root.match("GET", "/items/42") == (None, {}, False)
    assert root.match("DELETE", "/v9/items/42") == (None, {}, True)


def test_the_rest_api_lives_under_the_providers_root_path(sandbox):
    assert sandbox.base_url == sandbox.url + TD_AMERITRADE.root_path
    assert sandbox.token_url == sandbox.url + TD_AMERITRADE.root_path + TD_AMERITRADE.token_path
    assert sandbox.api_path("/marketdata/") == TD_AMERITRADE.root_path + "/marketdata/"
    assert sandbox.api_path() == TD_AMERITRADE.root_path + "/"
    token = sandbox.issue_tokens()["access_token"]
    auth = {"Authorization": "Bearer " + token}
    assert get(sandbox.base_url + "/marketdata/AAPL/quotes", headers=auth).ok
    assert get(sandbox.url + "/marketdata/AAPL/quotes", headers=auth).status_code == 404
    sandbox.set_faults(sandbox.api_path("/marketdata/"), error_5xx=1.0)
    assert get(sandbox.base_url + "/marketdata/AAPL/quotes", headers=auth).status_code >= 500
    assert get(sandbox.base_url + "/accounts", headers=auth).ok


def test_a_bad_request_from_any_handler_is_answered_with_its_status(sandbox):
    def strict(sb, req):
        return json_response({"n": int_arg(req, "n", minimum=1)})

    def missing(sb, req):
        raise BadRequest("Nothing here", 404)

    sandbox.router.add("GET", r"/v1/test/strict", strict, PUBLIC)
    sandbox.router.add("GET", r"/v1/test/missing", missing, PUBLIC)
    assert get(sandbox.url + "/v1/test/strict", params={"n": "2"}).json() == {"n": 2}
    bad = get(sandbox.url + "/v1/test/strict", params={"n": "0"})
    assert bad.status_code == 400 and bad.headers["Content-Type"] == "application/json"
    assert bad.text == ('\n          {\n        "error":"Invalid n \'0\': must be at least 1"'
                        '\n      \t   }')
    gone = get(sandbox.url + "/v1/test/missing")
    assert gone.status_code == 404 and json.loads(gone.text) == {"error": "Nothing here"}
    assert sandbox.stats()["status"] == {200: 1, 400: 1, 404: 1}


def test_the_order_book_is_what_the_order_routes_serve(sandbox):
    book = order_book(sandbox)
    placed = book.place(CASH, ORDER)
    assert placed["status"] in ("WORKING", "QUEUED") and placed["accountId"] == int(CASH)
    assert state(sandbox).orders[placed["orderId"]] == placed
    placed["status"] = "changed"  # a copy: the book is not changed through it
    assert book.get(CASH, str(placed["orderId"]))["status"] != "changed"

    auth = {"Authorization": "Bearer " + sandbox.issue_tokens()["access_token"]}
    orders_url = f"{sandbox.base_url}/accounts/{CASH}/orders"
    response = requests.post(orders_url, json={**ORDER, "price": 11}, headers=auth, timeout=5)
    assert response.status_code == 201
    second = int(re.fullmatch(re.escape(orders_url) + r"/(\d+)",
                              response.headers["Location"]).group(1))
    served = get(orders_url, headers=auth).json()
    assert served == book.orders(CASH) and [o["orderId"] for o in served] == sorted(
        [placed["orderId"], second], reverse=True)
    assert book.orders(MARGIN) == [] and len(book.orders()) == 2

    new = book.replace(CASH, str(second), {**ORDER, "price": 12})
    assert book.get(CASH, str(second))["status"] == "REPLACED"
    assert book.orders(CASH, statuses=["REPLACED"])[0]["orderId"] == second
    book.cancel(CASH, str(new["orderId"]))
    with pytest.raises(BadRequest, match="is CANCELED and cannot be changed") as closed:
        book.cancel(CASH, str(new["orderId"]))
    assert closed.value.status == 400
    for account, order_id in ((CASH, "12"), (MARGIN, str(placed["orderId"])), ("1", "1")):
        with pytest.raises(BadRequest) as unknown:
            book.get(account, order_id)
        assert unknown.value.status == 404
    assert sandbox.stats()["orders"] == {"placed": 1}  # the routes count, the book does not


def test_saved_orders_in_the_order_book(sandbox):
    book = order_book(sandbox)
    saved = book.save(MARGIN, ORDER)
    number = str(saved["savedOrderId"])
    assert "orderId" not in saved and book.saved(MARGIN) == [saved] and book.saved(CASH) == []
    assert book.replace_saved(MARGIN, number, {**ORDER, "price": 9})["price"] == 9.0
    assert book.get_saved(MARGIN, number)["savedOrderId"] == saved["savedOrderId"]
    book.delete_saved(MARGIN, number)
    with pytest.raises(BadRequest, match=f"Saved order {number} not found"):
        book.get_saved(MARGIN, number)


def test_two_sandboxes_have_separate_books():
    with Sandbox() as one, Sandbox() as other:
        order_book(one).place(CASH, ORDER)
        assert len(order_book(one).orders()) == 1 and order_book(other).orders() == []
