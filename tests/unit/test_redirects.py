"""Redirects are never followed: a 3xx is a typed error that names where it pointed."""

from __future__ import annotations

import pytest
import requests

from pyTD.accounts.orders import cancel_order, place_order
from pyTD.exceptions import Redirection, TDQueryError, UnknownOutcomeError
from pyTD.market.quotes import get_quotes
from pyTD.sandbox import Sandbox
from pyTD.sandbox.client import sandbox_api
from pyTD.transport import Transport
from tests.support.servers import Canned, Redirector

ORDER = {"orderType": "MARKET", "session": "NORMAL", "duration": "DAY",
         "orderStrategyType": "SINGLE", "orderLegCollection": [
             {"instruction": "BUY", "quantity": 1,
              "instrument": {"symbol": "AAPL", "assetType": "EQUITY"}}]}


@pytest.fixture(scope="module")
def sandbox():
    with Sandbox() as running:
        yield running


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
@pytest.mark.parametrize("own_session", [False, True])
def test_a_redirect_on_a_read_or_a_cancel_is_a_redirection_naming_the_location(
        sandbox, status, own_session):
    with Redirector(status, "http://127.0.0.1:{port}/v2/moved?token=SECRET") as server:
        options = {"session": requests.Session()} if own_session else {}
        a = sandbox_api(sandbox, base_url=server.url, **options)
        with pytest.raises(Redirection) as info:
            get_quotes("AAPL", api=a)
        text = str(info.value)
        assert f"HTTP {status}" in text and f"127.0.0.1:{server.port}/v2/moved" in text
        assert "TD_BASE_URL" in text and "SECRET" not in text
        assert isinstance(info.value, TDQueryError) and info.value.status_code == status
        with pytest.raises(Redirection) as info:
            cancel_order("123456789", "1", api=a)
        assert not isinstance(info.value, UnknownOutcomeError)   # the server did answer
        assert "not retried" in str(info.value)
        assert [r[0] for r in server.requests] == ["GET", "DELETE"]   # each sent once


def test_http_redirected_to_https_says_to_use_https():
    with Redirector(301, "https://127.0.0.1:{port}/v1/marketdata/quotes") as server:
        with pytest.raises(Redirection, match=rf"use https://127\.0\.0\.1:{server.port}/v1 as "
                                              r"TD_BASE_URL"):
            Transport(server.url, retry_count=0).send("GET", server.url + "/marketdata/quotes")


@pytest.mark.parametrize("own_session", [False, True])
def test_a_307_on_a_post_sends_nothing_to_the_other_host(sandbox, own_session):
    with Canned() as other, \
            Redirector(307, f"http://127.0.0.1:{other.port}/steal") as server:
        options = {"session": requests.Session()} if own_session else {}
        a = sandbox_api(sandbox, base_url=server.url, **options)
        with pytest.raises(Redirection, match=f"127.0.0.1:{other.port}/steal"):
            place_order("123456789", ORDER, api=a)
        with pytest.raises(Redirection):
            a.auth.flow.refresh(a.refresh_token.token)      # the token form, too
        assert [r[0] for r in server.requests] == ["POST", "POST"]
        assert other.requests == []
