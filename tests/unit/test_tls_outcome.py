"""A TLS failure is classified by whether the request was sent, not by the exception's type."""

from __future__ import annotations

import os
import socket

import pytest

from pyTD.auth.tls import ensure_certificate, server_context
from pyTD.exceptions import SSLError, TransportError, UnknownOutcomeError
from pyTD.transport import Transport
from tests.support.servers import RawServer


def garbage_after_the_request(conn: socket.socket) -> None:
    """Read the request over TLS, then answer with bytes that are not a TLS record."""
    os.write(conn.fileno(), b"HTTP/1.1 200 OK\r\n\r\nthis is not TLS" * 4)


@pytest.fixture
def tls_server(tmp_path):
    ensure_certificate(str(tmp_path))
    with RawServer(garbage_after_the_request, tls=server_context(str(tmp_path))) as server:
        yield server, ensure_certificate(str(tmp_path))[0]


def test_a_tls_failure_after_an_order_was_sent_is_an_unknown_outcome(tls_server):
    server, cert = tls_server
    transport = Transport(server.url, retry_count=0, timeout=(5, 10))
    transport.session.verify = cert
    with pytest.raises(UnknownOutcomeError, match=r"TLS connection failed after the request "
                                                  r"was sent.*get_orders") as info:
        transport.send("POST", server.url + "/accounts/1/orders", json={"price": 1})
    assert not isinstance(info.value, SSLError)
    assert len(server.heads) == 1 and server.heads[0].startswith(b"POST /v1/accounts/1/orders")
    with pytest.raises(TransportError, match="TLS connection failed") as info:
        transport.send("GET", server.url + "/marketdata/quotes")
    assert not isinstance(info.value, UnknownOutcomeError)


def test_a_refused_handshake_is_still_an_ssl_error_saying_check_the_ca_bundle(tls_server):
    server, _cert = tls_server                  # not trusted: the handshake fails
    transport = Transport(server.url, retry_count=0, timeout=(5, 10))
    with pytest.raises(SSLError, match="REQUESTS_CA_BUNDLE") as info:
        transport.send("POST", server.url + "/accounts/1/orders", json={"price": 1})
    assert not isinstance(info.value, UnknownOutcomeError)
    assert server.heads == []                   # nothing was sent
