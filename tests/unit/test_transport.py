"""The HTTP layer: proxies from the environment, lenient JSON, the status table, retries."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from pyTD.exceptions import (
    AuthorizationError,
    ClientError,
    ForbiddenAccess,
    NotAcceptableError,
    RateLimitError,
    ResourceNotFound,
    ServerError,
    TDError,
    TransportError,
    UnknownOutcomeError,
    UnsupportedMediaTypeError,
    ValidationError,
)
from pyTD.sandbox import Sandbox
from pyTD.sandbox.client import sandbox_api
from pyTD.transport import build_session, decode_json, raise_for_status


def fake_response(status: int, body: bytes, method: str = "GET") -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = body
    response.url = "https://api.example/v1/marketdata/quotes"
    response.request = requests.Request(method, response.url).prepare()
    return response


class RecordingProxy(BaseHTTPRequestHandler):
    seen: list[str] = []

    def do_GET(self):
        RecordingProxy.seen.append(self.path)
        body = b'{"PROXIED": {"symbol": "PROXIED"}}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_proxies_from_the_environment_still_work(monkeypatch):
    proxy = ThreadingHTTPServer(("127.0.0.1", 0), RecordingProxy)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    try:
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy.server_port}")
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        session = build_session("http://api.pytd.invalid/v1")
        assert session.trust_env is False      # resolved once, not on every call
        response = session.get("http://api.pytd.invalid/v1/marketdata/quotes", timeout=5)
        assert response.json() == {"PROXIED": {"symbol": "PROXIED"}}
        assert RecordingProxy.seen[-1] == "http://api.pytd.invalid/v1/marketdata/quotes"
    finally:
        proxy.shutdown()
        proxy.server_close()


def test_padded_json_bodies_are_parsed_leniently():
    body = b'\n          {\n        "error":"x"\n      \t   }'
    assert decode_json(fake_response(200, body)) == {"error": "x"}
    assert decode_json(fake_response(200, b"  \n ")) is None


def test_non_json_body_shows_its_start():
    with pytest.raises(TDError, match=r"not JSON.*<html>") as info:
        decode_json(fake_response(200, b"<html><body>gateway</body></html>"))
    assert "TD_BASE_URL" in str(info.value)


@pytest.mark.parametrize("status,cls", [
    (400, ValidationError), (401, AuthorizationError), (403, ForbiddenAccess),
    (404, ResourceNotFound), (406, NotAcceptableError), (415, UnsupportedMediaTypeError),
    (429, RateLimitError), (500, ServerError), (503, ServerError), (418, ClientError),
])
def test_status_table(status, cls):
    body = json.dumps({"error": "server says no"}).encode()
    with pytest.raises(cls, match="server says no") as info:
        raise_for_status(fake_response(status, b"\n  " + body + b"\n"))
    assert info.value.status_code == status
    assert "/v1/marketdata/quotes" in str(info.value)


def test_gets_are_retried_and_posts_never_are():
    with Sandbox(seed=3) as sandbox:
        a = sandbox_api(sandbox, retry_count=5, pause=0.01)
        sandbox.set_faults("/v1/marketdata/", error_5xx=0.5, seed=3)
        for _ in range(20):
            assert a.request("GET", "/marketdata/quotes", params={"symbol": "AAPL"})
        assert sandbox.stats()["faults"], "the faults were injected"
        sandbox.clear_faults()
        sandbox.set_faults("/v1/accounts/", methods=["POST"], drop=1.0)
        order = {"orderType": "MARKET", "session": "NORMAL", "duration": "DAY",
                 "orderStrategyType": "SINGLE", "orderLegCollection": [
                     {"instruction": "BUY", "quantity": 1,
                      "instrument": {"symbol": "AAPL", "assetType": "EQUITY"}}]}
        with pytest.raises(UnknownOutcomeError, match="get_orders"):
            a.request("POST", "/accounts/123456789/orders", json=order)
        calls = sandbox.stats()["calls"]
        assert calls["POST /v1/accounts/123456789/orders"] == 1


def test_unreachable_host_is_a_transport_error():
    with Sandbox() as sandbox:
        a = sandbox_api(sandbox, retry_count=1, pause=0.01)
    # The sandbox is gone: nothing listens on its port any more.
    with pytest.raises(TransportError, match="TD_BASE_URL") as info:
        a.request("GET", "/marketdata/quotes", params={"symbol": "AAPL"})
    assert not isinstance(info.value, UnknownOutcomeError)
    with pytest.raises(TransportError) as info:
        a.request("POST", "/accounts/1/orders", json={})
    assert not isinstance(info.value, UnknownOutcomeError)   # never sent: safe to say so


def test_errors_keep_no_credentials_in_their_response():
    from pyTD.transport import redacted

    with Sandbox() as sandbox:
        a = sandbox_api(sandbox)
        bearer = a.auth.headers()["Authorization"]
        with pytest.raises(ResourceNotFound) as info:
            a.request("GET", "/accounts/000000000")
        assert info.value.response.request.headers["Authorization"] == "[redacted]"
        assert bearer != "[redacted]" and a.auth.headers()["Authorization"] == bearer
        refresh = a.refresh_token.token
        sandbox.revoke(refresh)
        with pytest.raises(AuthorizationError) as info:
            a.auth.flow.refresh(refresh)
        assert info.value.response.request.body is None
    form = fake_response(400, b"{}", method="POST")
    form.request.headers["Content-Type"] = "application/x-www-form-urlencoded"
    form.request.body = "refresh_token=secret"
    assert redacted(form).request.body is None


def test_malformed_body_is_a_response_format_error():
    from pyTD.exceptions import ResponseFormatError

    with pytest.raises(ResponseFormatError):
        decode_json(fake_response(200, b'{"AAPL": {"symbol": "AA'))


def test_a_429_waits_for_the_next_quota_minute_instead_of_burning_retries():
    import time as _time

    # The sandbox's clock runs in real time, 1.5 s before the end of a minute.
    now = _time.time()
    offset = (60 - now % 60) - 1.5
    with Sandbox(rate_limit=20, clock=lambda: _time.time() + offset) as sandbox:
        a = sandbox_api(sandbox, retry_count=3, pause=0.05)
        started = _time.monotonic()
        for i in range(30):
            assert a.request("GET", "/marketdata/quotes", params={"symbol": f"Q{i}"})
        elapsed = _time.monotonic() - started
        stats = sandbox.stats()
    assert stats["status"].get(429) == 1, stats["status"]   # one wait, no wasted attempts
    assert 0.5 < elapsed < 5


def test_the_quota_wait_is_capped_and_retry_after_wins():
    from pyTD.transport import QuotaRetry

    retry = QuotaRetry(total=3, backoff_max=2.0, backoff_jitter=0.0)

    class Answer:
        def __init__(self, status, headers):
            self.status, self.headers = status, headers

    date = "Mon, 30 Nov 2026 06:00:45 GMT"
    assert retry.get_retry_after(Answer(429, {"Date": date})) == 2.0          # 15 s, capped
    assert QuotaRetry(backoff_max=60).get_retry_after(Answer(429, {"Date": date})) == 15
    assert retry.get_retry_after(Answer(429, {"Date": date, "Retry-After": "1"})) == 1
    assert retry.get_retry_after(Answer(503, {"Date": date})) is None          # plain backoff
    assert retry.get_retry_after(Answer(429, {})) is None
    assert retry.get_retry_after(Answer(429, {"Date": "garbage"})) is None


class Recorder:
    """A server that records the raw bytes of every request and answers ``{}``."""

    def __init__(self):
        import socketserver

        self.requests: list[bytes] = []
        recorder = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                while True:
                    head = b""
                    while not head.endswith(b"\r\n\r\n"):
                        chunk = self.rfile.readline()
                        if not chunk:
                            return
                        head += chunk
                    length = 0
                    for line in head.split(b"\r\n"):
                        if line.lower().startswith(b"content-length:"):
                            length = int(line.split(b":")[1])
                    recorder.requests.append(head + self.rfile.read(length))
                    self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                     b"Content-Length: 2\r\n\r\n{}")

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


CALLS = [
    ("GET", "/marketdata/quotes", {"params": {"symbol": "AAPL,/ES", "x": "a b"},
                                   "headers": {"Authorization": "Bearer T"}}),
    ("GET", "/marketdata/%24SPX.X/quotes", {"headers": {"Authorization": "Bearer T"}}),
    ("POST", "/accounts/1/orders", {"json": {"orderType": "MARKET", "price": 1.5},
                                    "headers": {"Authorization": "Bearer T"}}),
    ("PUT", "/accounts/1/orders/2", {"json": {"orderType": "LIMIT"}}),
    ("DELETE", "/accounts/1/orders/2", {"headers": {"Authorization": "Bearer T"}}),
    ("PATCH", "/accounts/1/watchlists/3", {"json": {"name": "x"}}),
    ("POST", "/oauth2/token", {"data": {"grant_type": "refresh_token", "refresh_token": "R"},
                               "auth": ("KEY", "SECRET")}),
]


@pytest.mark.parametrize("method, path, options", CALLS, ids=[f"{c[0]} {c[1]}" for c in CALLS])
def test_the_fast_path_puts_the_same_bytes_on_the_wire_as_session_request(method, path,
                                                                           options):
    from pyTD.transport import Transport

    recorder = Recorder()
    try:
        transport = Transport(recorder.url, retry_count=0)
        assert transport.owns_session
        url = recorder.url + path
        transport.send(method, url, **options)
        transport.send(method, url, **options)          # the memoized second call too
        transport.session.request(method, url, timeout=5, **options)
    finally:
        recorder.close()
    fast, memoized, reference = recorder.requests
    assert fast == reference and memoized == reference
    assert reference.startswith(f"{method} /v1{path}".encode())


def _silent_server(close: bool):
    """A server that accepts and reads, then closes (``close``) or never answers."""
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    held = []

    def serve():
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            conn.recv(65536)
            if close:
                conn.close()
            else:
                held.append(conn)

    threading.Thread(target=serve, daemon=True).start()
    return listener, f"http://127.0.0.1:{listener.getsockname()[1]}/v1"


def _unused_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_refused_connection_is_never_an_unknown_outcome(method):
    from pyTD.transport import Transport

    url = f"http://127.0.0.1:{_unused_port()}/v1/accounts/1/orders?apikey=SECRET"
    with pytest.raises(TransportError, match=r"\(connection refused\)") as info:
        Transport(url, retry_count=0).send(method, url, json={} if method == "POST" else None)
    assert not isinstance(info.value, UnknownOutcomeError)
    assert "SECRET" not in str(info.value) and info.value.__cause__ is None


def test_an_unknown_host_says_so():
    from pyTD.transport import Transport

    url = "http://pytd-no-such-host.invalid/v1/marketdata/quotes"
    with pytest.raises(TransportError, match="host name could not be resolved") as info:
        Transport(url, retry_count=0, timeout=(5, 5)).send("POST", url, json={})
    assert not isinstance(info.value, UnknownOutcomeError)


@pytest.mark.parametrize("close, reason", [(False, "timed out waiting for the answer"),
                                           (True, "closed without an answer|was reset")])
def test_a_sent_request_without_an_answer(close, reason):
    from pyTD.transport import Transport

    listener, base = _silent_server(close)
    try:
        transport = Transport(base, retry_count=0, timeout=(2, 0.3))
        with pytest.raises(TransportError, match=reason) as info:
            transport.send("GET", base + "/marketdata/quotes")
        assert not isinstance(info.value, UnknownOutcomeError)
        with pytest.raises(UnknownOutcomeError, match=reason) as info:
            transport.send("POST", base + "/accounts/1/orders", json={"price": 1})
        assert "may or may not have been applied" in str(info.value)
    finally:
        listener.close()


def test_classification_reads_the_exception_chain_not_its_text():
    import urllib3

    from pyTD.transport import classify

    refused = ConnectionRefusedError(111, "refused")
    wrapped = urllib3.exceptions.NewConnectionError(None, "no connection")  # type: ignore
    wrapped.__cause__ = refused
    error = requests.exceptions.ConnectionError(
        urllib3.exceptions.MaxRetryError(None, "/x", reason=wrapped))  # type: ignore
    assert classify(error) == ("connection refused", False)
    reset = requests.exceptions.ConnectionError("NewConnectionError in the text only")
    assert classify(reset)[1] is True          # the words in a message change nothing


@pytest.mark.parametrize("body", [
    b'{"error":"Invalid ApiKey"}', b"Invalid ApiKey", b'\n {"error" : "invalid apikey"} ',
])
def test_a_500_invalid_apikey_is_an_authorization_error(body):
    with pytest.raises(AuthorizationError, match=r"(?i)invalid apikey") as info:
        raise_for_status(fake_response(500, body))
    assert not isinstance(info.value, ServerError)
    assert info.value.status_code == 500
    assert "TD_CONSUMER_KEY" in str(info.value)
    assert "/v1/marketdata/quotes" in str(info.value)


def test_a_500_invalid_apikey_keeps_the_callers_hint():
    with pytest.raises(AuthorizationError, match=r"Invalid ApiKey\. Re-run login\.$"):
        raise_for_status(fake_response(500, b'{"error":"Invalid ApiKey"}'), "Re-run login.")


@pytest.mark.parametrize("status", [502, 503])
def test_other_5xx_saying_invalid_apikey_stay_server_errors(status):
    with pytest.raises(ServerError, match="Invalid ApiKey"):
        raise_for_status(fake_response(status, b'{"error":"Invalid ApiKey"}'))


def test_a_plain_500_stays_a_server_error():
    with pytest.raises(ServerError, match="An unexpected error has occurred") as info:
        raise_for_status(fake_response(500, b'{"error":"An unexpected error has occurred."}'))
    assert not isinstance(info.value, AuthorizationError)
    assert info.value.content == b'{"error":"An unexpected error has occurred."}'
