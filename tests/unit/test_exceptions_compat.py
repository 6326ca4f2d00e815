"""pyTD 0.0.x's exception names, relations and fields, kept beside the new hierarchy."""

from __future__ import annotations

import builtins
import dataclasses
import json
import subprocess
import sys

import pytest
import requests

from pyTD import exceptions as ex


def response(status: int = 500, body: bytes = b'{"error":"boom"}', *, method: str = "GET",
             url: str = "https://api.example/v1/marketdata/quotes",
             data: object = None) -> requests.Response:
    r = requests.Response()
    r.status_code = status
    r._content = body
    r.url = url
    r.request = requests.Request(method, url, data=data).prepare()
    return r


def test_utils_exceptions_reexports_every_name():
    from pyTD.utils import exceptions as old

    assert old.__all__ == ex.__all__
    for name in ex.__all__:
        assert getattr(old, name) is getattr(ex, name), name


def test_exceptions_all_lists_every_public_name():
    public = {n for n, v in vars(ex).items() if not n.startswith("_")
              and getattr(v, "__module__", None) == "pyTD.exceptions"}
    assert public | {"ConnectionError", "STATUS_ERRORS", "TOKEN_PATH"} == set(ex.__all__)
    assert len(ex.__all__) == len(set(ex.__all__))


def _loaded_after(statement: str) -> set[str]:
    code = f"import json, sys; {statement}; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=60).stdout
    return set(json.loads(out)) - {"json", "json.decoder", "json.encoder", "json.scanner"}


def test_importing_pytd_utils_is_cheap():
    base = _loaded_after("import pyTD")
    assert _loaded_after("import pyTD.utils") - base == {"pyTD.utils"}
    assert _loaded_after("import pyTD.utils.exceptions") - base == {
        "pyTD.exceptions", "pyTD.utils", "pyTD.utils.exceptions"}


def test_ssl_error_is_an_authorization_error():
    err = ex.SSLError("bad certificate")
    assert isinstance(err, ex.AuthorizationError) and isinstance(err, ex.TDError)
    assert not isinstance(err, ex.TDQueryError)


@pytest.mark.parametrize("cls", [c for c in vars(ex).values()
                                 if isinstance(c, type) and issubclass(c, ex.TDError)])
def test_every_error_has_msg(cls):
    err = cls("what went wrong")
    assert err.msg == err.message == str(err) == "what went wrong"


def test_tdquery_error_takes_the_old_keywords():
    r = response(503, b'{"error":"down"}')
    err = ex.TDQueryError(response=r, content=b"explicit", message="failed")
    assert (err.response, err.content, err.message, err.msg) == (r, b"explicit", "failed",
                                                                  "failed")
    assert err.status_code == 503 and str(err) == "failed"


def test_tdquery_error_content_defaults_to_the_response_body():
    r = response(503, b'{"error":"down"}')
    err = ex.ServerError("failed", status_code=503, response=r)
    assert err.content == b'{"error":"down"}'
    assert ex.TDQueryError("no response").content is None
    assert ex.TDQueryError(content="text only").content == "text only"


def test_tdquery_error_without_message():
    err = ex.TDQueryError(response=response(502))
    assert str(err) == err.msg == "The request failed with HTTP 502."
    assert ex.TDQueryError().message == ""


@pytest.mark.parametrize("kwargs", [
    {"url": "https://api.example/v1/oauth2/token"},
    {"url": "https://api.example/v1/oauth2/token/"},
    {"method": "POST", "url": "https://api.example/v1/other",
     "data": {"grant_type": "refresh_token", "refresh_token": "SECRET"}},
])
def test_token_responses_never_keep_their_body(kwargs):
    r = response(500, b'{"access_token":"SECRET","refresh_token":"SECRET"}', **kwargs)
    assert ex.is_token_request(r)
    err = ex.ServerError("Token request failed", status_code=500, response=r)
    assert err.content is None
    assert ex.TDQueryError(response=r, content=b"SECRET body").content is None
    assert "SECRET" not in str(err)


def test_a_token_request_whose_body_was_redacted_is_still_recognized():
    from pyTD.transport import redacted

    r = redacted(response(500, b'{"refresh_token":"SECRET"}', method="POST",
                          url="https://api.example/v1/other",
                          data={"grant_type": "authorization_code", "code": "SECRET"}))
    assert r.request.body is None
    assert ex.ServerError("x", response=r).content is None


def test_a_registered_providers_token_path_counts(monkeypatch):
    from pyTD import provider

    other = dataclasses.replace(provider.TD_AMERITRADE, name="other",
                                token_path="/v1/oauth/token")
    monkeypatch.setitem(provider._PROVIDERS, "other", other)
    r = response(500, b"{}", url="https://api.example/v1/oauth/token")
    assert ex.is_token_request(r)
    assert ex.ServerError("x", response=r).content is None


def test_an_api_response_is_not_a_token_request():
    assert not ex.is_token_request(response())
    assert not ex.is_token_request(object())


def test_redirection_is_a_query_error():
    assert issubclass(ex.Redirection, ex.TDQueryError)
    assert not issubclass(ex.Redirection, (ex.ClientError, ex.ServerError))
    err = ex.Redirection("moved", status_code=302)
    assert (err.status_code, err.msg) == (302, "moved")


def test_connection_error_is_the_transport_error():
    assert ex.ConnectionError is ex.TransportError
    assert issubclass(ex.TransportError, builtins.ConnectionError)
    assert issubclass(ex.UnknownOutcomeError, builtins.ConnectionError)
    err = ex.TransportError("could not connect to api.example", status_code=None)
    assert str(err) == err.msg == "could not connect to api.example"
    assert err.errno is None and err.strerror is None
    with pytest.raises(builtins.ConnectionError, match="could not connect"):
        raise err
    with pytest.raises(ex.TDQueryError, match="could not connect"):
        raise err


def test_other_errors_are_not_oserrors():
    for cls in (ex.TDError, ex.TDQueryError, ex.ServerError, ex.AuthorizationError,
                ex.SSLError, ex.CacheError):
        assert not issubclass(cls, OSError), cls


def test_the_builtin_connection_error_is_untouched():
    assert builtins.ConnectionError is not ex.ConnectionError
    assert ConnectionError is builtins.ConnectionError
