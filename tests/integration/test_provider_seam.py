"""A second provider is an addition: a made-up one runs through the unchanged client.

The fake provider below has other paths, a confidential client (HTTP Basic
with an app secret, no key suffix) and its own error format; a stub server
speaks it. Nothing outside ``pyTD/provider*`` knows about it.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from pyTD.api import api
from pyTD.auth.tokens import AccessToken, RefreshToken
from pyTD.cache import MemCache
from pyTD.exceptions import NotSupportedError, ResourceNotFound
from pyTD.provider import HTTP_BASIC, Provider


def _problem(data):
    return data.get("problem") if isinstance(data, dict) else None


def fake_provider(base_url: str) -> Provider:
    return Provider(
        name="fakebroker", title="Fake Broker", base_url=base_url,
        auth_url=base_url + "/login", token_path="/auth/v2/token",
        key_suffix="", access_token_lifetime=600, refresh_token_lifetime=3600,
        paths={"quote": "/md/v9/quote/{symbol}", "quotes": "/md/v9/quotes"},
        client_auth=HTTP_BASIC, renewable_refresh=False, parse_error=_problem,
    )


class Stub(BaseHTTPRequestHandler):
    seen: list[dict] = []

    def _answer(self, status: int, body: dict) -> None:
        raw = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def do_POST(self):
        form = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
        Stub.seen.append({"method": "POST", "path": self.path, "form": form,
                          "authorization": self.headers.get("Authorization")})
        expected = "Basic " + base64.b64encode(b"APPKEY:APPSECRET").decode()
        if self.path != "/auth/v2/token" or self.headers.get("Authorization") != expected:
            return self._answer(401, {"problem": "bad client"})
        self._answer(200, {"access_token": "NEW-ACCESS", "token_type": "Bearer",
                           "expires_in": 600})

    def do_GET(self):
        url = urlsplit(self.path)
        Stub.seen.append({"method": "GET", "path": url.path,
                          "authorization": self.headers.get("Authorization")})
        if self.headers.get("Authorization") != "Bearer NEW-ACCESS":
            return self._answer(401, {"problem": "token expired"})
        if url.path == "/md/v9/quote/AAPL":
            return self._answer(200, {"AAPL": {"symbol": "AAPL", "lastPrice": 101.5}})
        self._answer(404, {"problem": f"no such symbol at {url.path}"})

    def log_message(self, *args):
        pass


@pytest.fixture()
def stub():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Stub)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    Stub.seen = []
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def _client(base_url: str) -> api:
    now = time.time()
    cache = MemCache()
    cache.update(refresh_token=RefreshToken(token="REFRESH", access_time=now, expires_in=3600),
                 access_token=AccessToken(token="OLD", access_time=now - 700, expires_in=600))
    return api(provider=fake_provider(base_url), consumer_key="APPKEY", app_secret="APPSECRET",
               callback_url="https://127.0.0.1:8182", cache=cache, retry_count=0)


def test_a_quote_and_a_refresh_go_through_another_provider(stub):
    client = _client(stub)
    assert client.get_quotes("AAPL") == {"AAPL": {"symbol": "AAPL", "lastPrice": 101.5}}
    token_call, quote_call = Stub.seen
    assert token_call["path"] == "/auth/v2/token"
    assert token_call["authorization"] == "Basic " + base64.b64encode(b"APPKEY:APPSECRET").decode()
    assert token_call["form"] == {"grant_type": ["refresh_token"], "refresh_token": ["REFRESH"]}
    assert quote_call == {"method": "GET", "path": "/md/v9/quote/AAPL",
                          "authorization": "Bearer NEW-ACCESS"}
    assert client.access_token.token == "NEW-ACCESS"
    assert client.refresh_token.token == "REFRESH"   # kept: the answer carried none


def test_errors_read_with_the_providers_parser(stub):
    client = _client(stub)
    with pytest.raises(ResourceNotFound, match="no such symbol at /md/v9/quote/NOPE"):
        client.get_quotes("NOPE")


def test_an_endpoint_the_provider_lacks_fails_before_sending(stub):
    client = _client(stub)
    with pytest.raises(NotSupportedError, match="Fake Broker has no movers endpoint"):
        client.get_movers("$DJI")
    assert Stub.seen == []
