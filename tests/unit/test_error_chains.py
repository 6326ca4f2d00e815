"""Errors keep no credential anywhere reachable: not in __context__, __cause__ or any request."""

from __future__ import annotations

import socket

import pytest
import requests

from pyTD.exceptions import TDError, TransportError
from pyTD.orders import equity_buy_market
from pyTD.sandbox import Sandbox
from pyTD.sandbox.client import sandbox_api
from tests.support.leaks import chain, exposed_text, leaked
from tests.support.servers import RawServer


def close_at_once(conn: socket.socket) -> None:
    conn.shutdown(socket.SHUT_RDWR)


@pytest.mark.parametrize("own_session", [False, True])
def test_a_failed_data_call_and_token_request_chain_no_credentials(own_session):
    options = {"session": requests.Session()} if own_session else {}
    with Sandbox() as sandbox, RawServer(close_at_once) as server:
        a = sandbox_api(sandbox, base_url=server.url, retry_count=0, **options)
        bearer, refresh = a.access_token.token, a.refresh_token.token
        errors = []
        for action in (lambda: a.get_quotes("AAPL"),
                       lambda: a.place_order("123456789", equity_buy_market("AAPL", 1)),
                       lambda: a.auth.flow.refresh(refresh)):
            with pytest.raises(TransportError) as info:
                action()
            errors.append(info.value)
    for error in errors:
        assert [type(e) for e in chain(error)] == [type(error)]   # nothing chained
        text = exposed_text(error)
        assert not leaked(bearer, text) and not leaked(refresh, text)


def test_a_caller_handling_an_exception_gets_it_as_context_but_not_the_request():
    with Sandbox() as sandbox, RawServer(close_at_once) as server:
        a = sandbox_api(sandbox, base_url=server.url, retry_count=0)
        try:
            raise KeyError("the caller's own")
        except KeyError:
            with pytest.raises(TDError) as info:
                a.get_quotes("AAPL")
    assert [type(e) for e in chain(info.value)] == [TransportError, KeyError]
    assert not leaked(a.access_token.token, exposed_text(info.value))
