"""Code written for pyTD 0.0.x: its exception imports, constructors and handlers still work."""

from __future__ import annotations

import pytest
import requests

import pyTD
from pyTD.utils.exceptions import (
    AuthorizationError,
    ClientError,
    ConfigurationError,
    ConnectionError,
    ForbiddenAccess,
    Redirection,
    ResourceNotFound,
    ServerError,
    SSLError,
    TDQueryError,
    ValidationError,
)


def failed_response(status, body, url="https://api.tdameritrade.com/v1/marketdata/quotes"):
    response = requests.Response()
    response.status_code = status
    response._content = body
    response.url = url
    response.request = requests.Request("GET", url).prepare()
    return response


def test_raising_and_catching_like_0_0_x():
    response = failed_response(404, b'{"error":"Not Found"}')
    try:
        raise TDQueryError(response=response, content=response.content,
                           message="Symbol not found")
    except TDQueryError as e:
        assert e.response is response
        assert e.content == b'{"error":"Not Found"}'
        assert e.message == "Symbol not found"
        assert "Symbol not found" in str(e)


def test_catching_query_errors_by_their_old_base():
    for cls in (ClientError, ServerError, ResourceNotFound, ValidationError, ForbiddenAccess,
                ConnectionError, Redirection):
        with pytest.raises(TDQueryError):
            raise cls(message="failed")


def test_ssl_errors_are_caught_as_authorization_errors():
    try:
        raise SSLError("Unable to create a certificate")
    except AuthorizationError as e:
        assert e.msg == "Unable to create a certificate"


def test_msg_and_message_on_old_errors():
    e = AuthorizationError("Please authorize")
    assert e.msg == "Please authorize" and str(e) == "Please authorize"
    c = ConfigurationError("Set TD_CONFIG_DIR")
    assert c.message == c.msg == "Set TD_CONFIG_DIR"


def test_connection_errors_are_also_builtin_connection_errors():
    import builtins

    try:
        raise ConnectionError(message="could not reach the API")
    except builtins.ConnectionError as e:
        assert isinstance(e, TDQueryError)
        assert str(e) == "could not reach the API"


def test_invalid_api_key_raises_authorization_error():
    from pyTD.transport import raise_for_status

    with pytest.raises(AuthorizationError, match="Invalid ApiKey"):
        raise_for_status(failed_response(500, b'{"error":"Invalid ApiKey"}'))


def test_package_constants():
    assert pyTD.BASE_URL == "https://api.tdameritrade.com/v1"
    assert pyTD.BASE_AUTH_URL == "https://auth.tdameritrade.com/auth"
    assert pyTD.CONFIG_DIR == pyTD.DEFAULT_CONFIG_DIR == pyTD.DEFAULT_SSL_DIR
