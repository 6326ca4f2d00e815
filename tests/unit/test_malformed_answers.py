"""Malformed answers become ResponseFormatError, and no message quotes a credential."""

from __future__ import annotations

import json

import pytest

from pyTD.exceptions import ResponseFormatError, ServerError
from pyTD.sandbox import Sandbox
from pyTD.sandbox.client import sandbox_api
from pyTD.transport import Transport, decode_json, raise_for_status
from tests.support.servers import Canned

ACCESS, REFRESH = "ACCESS-abcdefghijklmnop", "REFRESH-qrstuvwxyz012345"

TOKEN_BODIES = {
    "form-encoded": (f"access_token={ACCESS}&refresh_token={REFRESH}&expires_in=1800",
                     "not JSON"),
    "truncated": (f'{{"access_token":"{ACCESS}","refresh_token":"{REFRESH}","expires_in":18',
                  "not JSON"),
    "numeric access_token": ('{"access_token": 12345, "expires_in": 1800}',
                             "access_token is a JSON int, not a string"),
    "expires_in soon": (f'{{"access_token":"{ACCESS}","expires_in":"soon"}}',
                        "expires_in is not a number of seconds"),
    "list refresh_token": (f'{{"access_token":"{ACCESS}","refresh_token":["{REFRESH}"]}}',
                           "refresh_token is a JSON list"),
    "no access_token": (f'{{"refresh_token":"{REFRESH}"}}', "no access_token"),
    "a list": (f'["{ACCESS}"]', "a JSON list, not an object"),
    "nested": ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
}


@pytest.fixture(scope="module")
def sandbox():
    with Sandbox() as running:
        yield running


@pytest.mark.parametrize("kind", sorted(TOKEN_BODIES))
def test_a_malformed_token_answer_says_what_is_wrong_and_quotes_no_token(sandbox, kind):
    body, problem = TOKEN_BODIES[kind]
    with Canned(200, body.encode(), {"Content-Type": "application/json"}) as server:
        a = sandbox_api(sandbox, base_url=server.url)
        with pytest.raises(ResponseFormatError, match=problem) as info:
            a.auth.flow.refresh(a.refresh_token.token)
    error = info.value
    assert "TD_BASE_URL" in str(error)
    shown = [str(error), repr(error), str(error.args), repr(error.content)]
    for text in shown:
        assert ACCESS not in text and REFRESH not in text
        assert ACCESS[:12] not in text and REFRESH[:12] not in text
    assert error.__context__ is None and error.__cause__ is None
    assert error.response.request.body is None


def test_other_bodies_are_quoted_only_after_redaction():
    leaky = (f'<html>{{"access_token": "{ACCESS}", "code": "C0DE-123456789"}} '
             f'Authorization: Bearer {REFRESH}</html>').encode()
    with Canned(200, leaky) as server:
        with pytest.raises(ResponseFormatError, match=r"not JSON.*<html>") as info:
            response = Transport(server.url, retry_count=0).send("GET", server.url + "/x")
            decode_json(response)
    text = str(info.value)
    assert ACCESS not in text and REFRESH not in text and "C0DE-123456789" not in text
    assert text.count("[redacted]") == 3
    kept = info.value.content.decode()                  # the body kept on the error, too
    assert ACCESS not in kept and REFRESH not in kept and kept.startswith("<html>")
    with Canned(503, json.dumps({"detail": f"refresh_token={REFRESH}"}).encode()) as server:
        response = Transport(server.url, retry_count=0).send("GET", server.url + "/x")
        with pytest.raises(ServerError) as info:
            raise_for_status(response)
    assert REFRESH not in str(info.value) and "[redacted]" in str(info.value)


def test_deeply_nested_json_from_a_data_call_is_a_response_format_error(sandbox):
    with Canned(200, b"[" * 100_000 + b"]" * 100_000) as server:
        a = sandbox_api(sandbox, base_url=server.url)
        with pytest.raises(ResponseFormatError, match="nested too deeply") as info:
            a.get_quotes("AAPL")
    assert info.value.__context__ is None


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-32"])
def test_json_in_any_encoding_json_detects_is_decoded(sandbox, encoding):
    body = json.dumps({"AAPL": {"description": "Société Générale"}},
                      ensure_ascii=False).encode(encoding)
    with Canned(200, body) as server:
        a = sandbox_api(sandbox, base_url=server.url)
        assert a.get_quotes("AAPL") == json.loads(body)


def test_a_body_that_is_not_utf8_json_is_a_response_format_error(sandbox):
    with Canned(200, b'{"AAPL": "\xff\xfe broken"}') as server:
        a = sandbox_api(sandbox, base_url=server.url)
        with pytest.raises(ResponseFormatError, match="is not JSON") as info:
            a.get_quotes("AAPL")
    assert info.value.__context__ is None
