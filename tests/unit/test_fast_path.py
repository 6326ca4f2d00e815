"""The direct path through the adapter's urllib3 pool: taken only for pyTD's own sessions,
with the same answers, the same failures and the same settings as ``HTTPAdapter.send``."""

from __future__ import annotations

import datetime
import gzip
import socket
import threading
import time
import tracemalloc

import pytest
import requests
from requests.adapters import HTTPAdapter

from pyTD import fastpath
from pyTD._fork import fresh_pools
from pyTD.adapter import attempt, current
from pyTD.auth.tls import ensure_certificate, server_context
from pyTD.exceptions import ResponseFormatError, SSLError, TDError, UnknownOutcomeError
from pyTD.sandbox import Sandbox
from pyTD.sandbox.client import sandbox_api
from pyTD.transport import Transport
from tests.support.servers import Canned, RawServer


def _unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _answering(answer: bytes):
    def write(conn: socket.socket) -> None:
        conn.sendall(answer)
    return write


def _counting_send(monkeypatch, adapter) -> list[int]:
    calls: list[int] = []
    original = adapter.send

    def send(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(adapter, "send", send)
    return calls


def test_own_sessions_skip_the_adapters_send_and_other_sessions_do_not(monkeypatch):
    with Canned() as server:
        url = server.url + "/marketdata/quotes"
        own = Transport(server.url, retry_count=0)
        calls = _counting_send(monkeypatch, own.session.get_adapter(url))
        assert own.send("GET", url).content == b"{}"
        assert own.send("POST", url, json={"a": 1}).content == b"{}"
        assert calls == []                        # the pool directly

        plain = HTTPAdapter()                     # an adapter mounted by hand: its own send
        own.session.mount("http://", plain)
        calls = _counting_send(monkeypatch, plain)
        own.send("GET", url)
        assert calls == [1]

        session = requests.Session()              # a session passed in: Session.request
        hooked: list[int] = []
        session.hooks["response"].append(lambda response, **_: hooked.append(1))
        Transport(server.url, session=session, retry_count=0).send("GET", url)
        assert hooked == [1]
    assert len(server.requests) == 4


CRAFTED = (b"HTTP/1.1 201 Made Here\r\nContent-Type: text/plain; charset=ISO-8859-1\r\n"
           b"X-Dup: a\r\nx-dup: b\r\nSet-Cookie: a=1; Path=/\r\nSet-Cookie: b=2; Path=/\r\n"
           b"Content-Length: 5\r\nConnection: close\r\n\r\nh\xe9llo")


def test_the_answer_is_the_response_requests_builds():
    with RawServer(_answering(CRAFTED)) as server:
        url = server.url + "/marketdata/quotes?symbol=AAPL"
        transport = Transport(server.url, retry_count=0)
        fast = transport.send("GET", url)
        session = requests.Session()
        session.trust_env = False
        reference = session.request("GET", url, stream=True, allow_redirects=False)
        reference.content   # noqa: B018  # read, as pyTD reads its answers
    assert type(fast) is requests.Response
    for name in ("status_code", "reason", "encoding", "url", "content", "text"):
        assert getattr(fast, name) == getattr(reference, name), name
    assert list(fast.headers.items()) == list(reference.headers.items())
    assert fast.headers["x-dup"] == "a, b"
    assert fast.headers["SET-COOKIE"] == "a=1; Path=/, b=2; Path=/"
    assert fast.cookies.get_dict() == reference.cookies.get_dict() == {"a": "1", "b": "2"}
    assert fast.request.url == reference.request.url and fast.request.method == "GET"
    assert fast.elapsed == datetime.timedelta(0) and fast.history == []
    assert fast.connection is transport.session.get_adapter(url)
    assert set(vars(fast)) == set(vars(reference))   # nothing Response() sets is missing
    assert list(fast.iter_content(2)) == [b"h\xe9", b"ll", b"o"]


@pytest.mark.parametrize("url", [
    "http://h:1/v1/quotes?symbol=AAPL%2CMSFT", "http://h:1/v1/quotes", "http://h:1",
    "http://h:1?x=1", "http://h:1/p?", "http://h:1/p#frag", "http://h:1/p?q=1#frag",
    "https://u:pw@h/p;x?q=%20", "http://h:1/a//b?c=/d"])
def test_the_target_is_the_path_url_requests_would_send(url):
    prepared = requests.PreparedRequest()
    prepared.url = url
    assert fastpath._path_url(prepared) == prepared.path_url


def test_raw_answers_of_the_api_are_genuine_responses():
    with Sandbox() as sandbox:
        client = sandbox_api(sandbox)
        response = client.request("GET", "/marketdata/quotes", params={"symbol": "AAPL"},
                                  raw=True)
        assert type(response) is requests.Response
        assert response.json()["AAPL"]["symbol"] == "AAPL"
        assert response.headers["content-type"].startswith("application/json")
        assert response.request.headers["Authorization"].startswith("Bearer ")
        client.close()


class _Held:
    """Server answers that never come until the test ends (no sleeps)."""

    def __init__(self) -> None:
        self.done = threading.Event()

    def silent(self, conn: socket.socket) -> None:
        self.done.wait(30)

    def headers_then_nothing(self, conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n")
        self.done.wait(30)


def _through_requests(adapter, request, timeout, headers, *, proxies, verify, cert):
    """What pyTD did before the direct path: ``HTTPAdapter.send``."""
    return adapter.send(request, timeout=timeout, proxies=proxies, verify=verify, cert=cert,
                        stream=True)


def _iter_content(raw, size, limit):
    """What pyTD did before the direct path: ``Response.iter_content``."""
    response = requests.Response()
    response.raw = raw
    return b"".join(response.iter_content(size))


SCENARIOS = {
    "closed without an answer": lambda held: RawServer(lambda conn: None),
    "reset": lambda held: RawServer(lambda conn: conn.setsockopt(
        socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")),
    "read timeout": lambda held: RawServer(held.silent),
    "body read timeout": lambda held: RawServer(held.headers_then_nothing),
    "truncated body": lambda held: RawServer(_answering(
        b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort")),
    "truncated chunked body": lambda held: RawServer(_answering(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab")),
    "bad gzip": lambda held: RawServer(_answering(
        b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 9\r\n\r\nnot gzip!")),
    "bad status line": lambda held: RawServer(_answering(b"SMTP ready\r\n\r\n")),
}


def _failure(transport: Transport, method: str, url: str) -> tuple[type, str]:
    with pytest.raises(TDError) as info:
        transport.send(method, url, json={"price": 1} if method == "POST" else None)
    assert info.value.__context__ is None and info.value.__cause__ is None
    return type(info.value), str(info.value)


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_failures_read_as_through_the_adapters_send(monkeypatch, scenario, method):
    seen, held = [], _Held()
    with SCENARIOS[scenario](held) as server:
        for reference in (False, True):
            transport = Transport(server.url, retry_count=0, timeout=(2, 0.3))
            with monkeypatch.context() as patch:
                if reference:
                    patch.setattr(fastpath, "send", _through_requests)
                    patch.setattr(fastpath, "read_body", _iter_content)
                seen.append(_failure(transport, method, server.url + "/accounts/1/orders"))
        held.done.set()
    assert seen[0] == seen[1]
    assert (seen[0][0] is UnknownOutcomeError) == (method == "POST")


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("where", ["refused", "refusing proxy", "untrusted TLS"])
def test_connection_failures_read_as_through_the_adapters_send(monkeypatch, tmp_path, where,
                                                               method):
    ensure_certificate(str(tmp_path))
    tls = RawServer(_answering(b"HTTP/1.1 200 OK\r\n\r\n"), tls=server_context(str(tmp_path)))
    url = {"refused": f"http://127.0.0.1:{_unused_port()}/v1/accounts/1/orders",
           "refusing proxy": "http://api.pytd.invalid/v1/accounts/1/orders",
           "untrusted TLS": tls.url + "/accounts/1/orders"}[where]
    seen = []
    with tls:
        for reference in (False, True):
            transport = Transport(url, retry_count=0, timeout=(2, 2))
            if where == "refusing proxy":
                transport.session.proxies = {"http": f"http://127.0.0.1:{_unused_port()}"}
            with monkeypatch.context() as patch:
                if reference:
                    patch.setattr(fastpath, "send", _through_requests)
                seen.append(_failure(transport, method, url))
    assert seen[0] == seen[1]
    assert seen[0][0] is not UnknownOutcomeError          # none of these sent anything
    assert (seen[0][0] is SSLError) == (where == "untrusted TLS")


class _ProxyRecorder:
    """An HTTP proxy that records each request's raw bytes and answers ``{"via": name}``."""

    def __init__(self, name: str) -> None:
        self.name, self.seen = name, []
        self.server = RawServer(self._answer)

    def _answer(self, conn: socket.socket) -> None:
        self.seen.append(self.server.heads[-1])
        body = f'{{"via": "{self.name}"}}'.encode()
        conn.sendall(b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s"
                     % (len(body), body))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.port}"


def test_proxies_from_the_environment_are_used_and_changes_followed(monkeypatch):
    first, second = _ProxyRecorder("first"), _ProxyRecorder("second")
    monkeypatch.setenv("HTTP_PROXY", first.url)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    url = "http://api.pytd.invalid/v1/marketdata/quotes?symbol=AAPL"
    headers = {"Authorization": "Bearer T"}
    with first.server, second.server:
        transport = Transport("http://api.pytd.invalid/v1", retry_count=0)
        assert transport.send("GET", url, headers=headers).json() == {"via": "first"}
        transport.session.request("GET", url, headers=headers, timeout=5)
        transport.session.proxies["http"] = second.url
        assert transport.send("GET", url, headers=headers).json() == {"via": "second"}
    fast, reference = first.seen
    assert fast == reference and fast.startswith(b"GET " + url.encode() + b" HTTP/1.1\r\n")
    assert len(second.seen) == 1


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_a_changed_verify_setting_is_followed(tmp_path):
    ensure_certificate(str(tmp_path))
    cert = ensure_certificate(str(tmp_path))[0]
    answer = _answering(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")
    with RawServer(answer, tls=server_context(str(tmp_path))) as server:
        url = server.url + "/marketdata/quotes"
        transport = Transport(server.url, retry_count=0, timeout=(5, 5))
        transport.session.verify = cert
        assert transport.send("GET", url).content == b"{}"
        transport.session.verify = True           # the default bundle: not trusted
        with pytest.raises(SSLError, match="CA bundle"):
            transport.send("GET", url)
        transport.session.verify = False
        assert transport.send("GET", url).content == b"{}"


def test_after_close_the_pool_is_the_one_the_adapter_picks():
    with Canned() as server:
        transport = Transport(server.url, retry_count=0)
        transport.send("GET", server.url + "/x")
        transport.close()
        response = transport.send("GET", server.url + "/x")
        adapter = transport.session.get_adapter(server.url)
        picked = adapter.get_connection_with_tls_context(
            response.request, transport.session.verify, proxies={}, cert=None)
        assert [route.pool for route in adapter.routes.values()] == [picked]
    assert len(server.requests) == 2


def test_routes_are_kept_for_no_more_origins_than_the_pool_manager_keeps():
    with Canned() as server:
        transport = Transport(server.url, retry_count=0)
        adapter = transport.session.get_adapter(server.url)
        for n in range(3 * fastpath.MAX_ROUTES):
            transport.send("GET", f"http://user{n}@127.0.0.1:{server.port}/x")   # n origins
            assert len(adapter.routes) <= fastpath.MAX_ROUTES
    assert len(server.requests) == 3 * fastpath.MAX_ROUTES


def test_fresh_pools_forget_the_inherited_ones():
    with Canned() as server:
        transport = Transport(server.url, retry_count=0)
        url = server.url + "/x"
        transport.send("GET", url)
        adapter = transport.session.get_adapter(url)
        (inherited,) = [route.pool for route in adapter.routes.values()]
        fresh_pools(transport.session)            # what a forked child runs
        transport.send("GET", url)
        (fresh,) = [route.pool for route in adapter.routes.values()]
    assert fresh is not inherited and inherited.num_requests == 1 and fresh.num_requests == 1


def test_a_changed_timeout_is_followed():
    held = _Held()
    with Canned() as fine, RawServer(held.silent) as silent:
        transport = Transport(fine.url, retry_count=0, timeout=(5, 30))
        transport.send("GET", fine.url + "/x")
        transport.timeout = (5, 0.2)
        started = time.monotonic()
        with pytest.raises(TDError, match="timed out waiting for the answer"):
            transport.send("GET", silent.url + "/x")
        assert time.monotonic() - started < 15     # not the first timeout's 30 s
        held.done.set()


def test_an_encoded_body_is_limited_by_its_decoded_size():
    body = gzip.compress(b" " * 4096)             # 4 KiB when decoded, far less on the wire
    answer = (b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n"
              % len(body)) + body
    with RawServer(_answering(answer)) as server:
        url = server.url + "/x"
        assert Transport(server.url, retry_count=0, max_body=4096).send("GET", url).content \
            == b" " * 4096
        with pytest.raises(ResponseFormatError, match="larger than 1024 bytes"):
            Transport(server.url, retry_count=0, max_body=1024).send("GET", url)


def test_an_encoded_body_is_never_decoded_whole_past_max_body():
    decoded = 64 * 1024 * 1024
    body = gzip.compress(bytes(decoded), compresslevel=1)   # about 0.3 MiB on the wire
    answer = (b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n"
              % len(body)) + body
    max_body = 1024 * 1024
    with RawServer(_answering(answer)) as server:
        transport = Transport(server.url, retry_count=0, max_body=max_body)
        tracemalloc.start()
        try:
            with pytest.raises(ResponseFormatError, match="max_body"):
                transport.send("GET", server.url + "/x")
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert peak < 8 * max_body, f"peak {peak / max_body:.1f} x max_body"


@pytest.mark.parametrize("where", ["refused", "refusing proxy", "untrusted TLS"])
def test_the_direct_path_raises_what_the_adapters_send_raises(tmp_path, where):
    ensure_certificate(str(tmp_path))
    tls = RawServer(_answering(b"HTTP/1.1 200 OK\r\n\r\n"), tls=server_context(str(tmp_path)))
    url = {"refused": f"http://127.0.0.1:{_unused_port()}/v1/x",
           "refusing proxy": "http://api.pytd.invalid/v1/x",
           "untrusted TLS": tls.url + "/x"}[where]
    proxies = {"http": f"http://127.0.0.1:{_unused_port()}"} if where == "refusing proxy" else {}
    raised = []
    with tls:
        for direct in (True, False):
            adapter = Transport(url).session.get_adapter(url)
            request = requests.Request("GET", url).prepare()
            timeout = fastpath.urllib3_timeout((2, 2))
            with pytest.raises(requests.RequestException) as info:
                if direct:
                    fastpath.send(adapter, request, timeout, request.headers, proxies=proxies,
                                  verify=True, cert=None)
                else:
                    adapter.send(request, timeout=timeout, proxies=proxies, verify=True,
                                 cert=None, stream=True)
            reason = getattr(info.value.args[0], "reason", None)
            raised.append((type(info.value), type(info.value.args[0]), type(reason),
                           info.value.request is request))
    assert raised[0] == raised[1]


def test_attempts_nest_and_are_restored_after_a_failure():
    with attempt(1.0) as outer:
        with pytest.raises(KeyError), attempt(2.0) as inner:
            assert current() is inner and inner.deadline == 2.0
            raise KeyError
        assert current() is outer
    assert current() is None
