"""The sandbox server over real sockets: routing, credentials, rate limit, faults, stats, speed."""

from __future__ import annotations

import json
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time

import pytest
import requests

from pyTD.sandbox import DEMO_CALLBACK_URL, DEMO_CONSUMER_KEY, Sandbox
from pyTD.sandbox.routing import BEARER, BEARER_OR_APIKEY, PUBLIC, json_response

TD_401 = "The access token being passed has expired or is invalid."
CHALLENGE = 'Bearer realm="null",error="invalid_token",error_description="keymanagement.service.'
EXPIRED = CHALLENGE + 'access_token_expired: Access Token expired"'
INVALID = CHALLENGE + 'invalid_access_token: Invalid Access Token"'
RATE_LIMITED = ("Individual App's transactions per seconds restriction reached. "
                "Please contact us with further questions")


def add_echo_routes(sandbox: Sandbox) -> list[str]:
    """Throwaway routes that echo what the handler saw; returns the calls they served."""
    served: list[str] = []

    def echo(sb, req, item=None):
        served.append(f"{req.method} {req.path}")
        return json_response({"item": item, "consumer_key": req.consumer_key,
                              "delayed": req.delayed, "seed": sb.seed})

    def boom(sb, req):
        raise RuntimeError("handler bug")

    sandbox.router.add("GET", r"/v1/test/open", echo, PUBLIC)
    sandbox.router.add("POST", r"/v1/test/open", echo, PUBLIC)
    sandbox.router.add("GET", r"/v1/test/bearer/(?P<item>[^/]+)", echo, BEARER)
    sandbox.router.add("GET", r"/v1/test/either", echo, BEARER_OR_APIKEY)
    sandbox.router.add("GET", r"/v1/test/boom", boom, PUBLIC)
    return served


def td_message(response: requests.Response) -> str:
    return json.loads(response.text)["error"]


def get(url: str, **kwargs) -> requests.Response:
    return requests.get(url, timeout=5, **kwargs)


# -- lifecycle and routing -------------------------------------------------------------------

def test_lifecycle_urls_restart_and_close():
    sb = Sandbox()
    with pytest.raises(RuntimeError, match="no port yet: call start"):
        print(sb.url)
    with sb:
        port = sb.port
        assert sb.url == f"http://127.0.0.1:{port}"
        assert (sb.base_url, sb.auth_url) == (sb.url + "/v1", sb.url + "/auth")
        assert sb.token_url == sb.url + "/v1/oauth2/token"
        tokens = sb.issue_tokens()
    with pytest.raises(requests.ConnectionError):
        get(sb.url + "/v1/test")
    with sb:  # same port, same state
        assert sb.port == port
        assert get(sb.base_url + "/marketdata/AAPL/quotes",
                   headers={"Authorization": "Bearer " + tokens["access_token"]}).ok


def test_stop_ends_kept_alive_connections_at_once(sandbox):
    with requests.Session() as session:
        assert get(sandbox.auth_url).status_code == 400
        assert session.get(sandbox.auth_url, timeout=5).status_code == 400  # left open
        started = time.perf_counter()
        sandbox.stop()
        assert time.perf_counter() - started < 1.0


def test_unknown_path_404_wrong_method_405_and_head(sandbox):
    add_echo_routes(sandbox)
    response = get(sandbox.base_url + "/no/such/thing?x=1")
    assert response.status_code == 404
    assert td_message(response) == "No such resource in the sandbox: /v1/no/such/thing"
    response = requests.delete(sandbox.base_url + "/test/open", timeout=5)
    assert response.status_code == 405
    assert td_message(response) == "The method DELETE is not allowed on /v1/test/open"
    full = get(sandbox.base_url + "/test/open")
    head = requests.head(sandbox.base_url + "/test/open", timeout=5)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["Content-Length"] == full.headers["Content-Length"] != "0"


def test_path_params_are_decoded_once(sandbox):
    add_echo_routes(sandbox)
    token = sandbox.issue_tokens()["access_token"]
    response = get(sandbox.base_url + "/test/bearer/A%2FB%2520C",
                   headers={"Authorization": "Bearer " + token})
    assert response.json()["item"] == "A/B%20C"


def test_handler_exception_is_a_500_and_the_server_lives_on(sandbox, caplog):
    add_echo_routes(sandbox)
    response = get(sandbox.base_url + "/test/boom")
    assert response.status_code == 500
    assert td_message(response) == "An unexpected error has occurred."
    assert "handler bug" in caplog.text
    assert get(sandbox.base_url + "/test/open").status_code == 200


def raw_exchange(sandbox: Sandbox, payload: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", sandbox.port), timeout=5) as conn:
        conn.sendall(payload)
        chunks = []
        while True:
            chunk = conn.recv(65536)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)


def test_garbage_gets_an_error_and_the_server_lives_on(sandbox):
    assert b"Bad request syntax" in raw_exchange(sandbox, b"\x00\xffGARBAGE\r\n\r\n")
    answer = raw_exchange(sandbox, b"GET /v1/x HTTP/1.1\r\nContent-Length: -3\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 400 ") and b"Invalid Content-Length." in answer
    answer = raw_exchange(sandbox, b"POST /v1/x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 411 ") and b"chunked bodies are not accepted" in answer
    assert raw_exchange(sandbox, b"BREW /v1/x HTTP/1.1\r\n\r\n").startswith(b"HTTP/1.1 501 ")
    assert get(sandbox.auth_url).status_code == 400


def test_requests_are_quiet(sandbox, capfd):
    add_echo_routes(sandbox)
    for _ in range(3):
        get(sandbox.base_url + "/test/open")
    get(sandbox.base_url + "/nothing")
    raw_exchange(sandbox, b"NONSENSE\r\n\r\n")
    assert capfd.readouterr().err == ""


# -- credentials -----------------------------------------------------------------------------

def assert_401(response: requests.Response, challenge: str) -> None:
    assert response.status_code == 401
    assert td_message(response) == TD_401
    assert response.headers["WWW-Authenticate"] == challenge


def test_bearer_routes_need_a_valid_access_token(sandbox):
    add_echo_routes(sandbox)
    url = sandbox.base_url + "/test/bearer/x"
    tokens = sandbox.issue_tokens()
    assert_401(get(url), INVALID)
    assert_401(get(url, headers={"Authorization": "Bearer nope"}), INVALID)
    assert_401(get(url, params={"apikey": DEMO_CONSUMER_KEY}), INVALID)
    ok = get(url, headers={"Authorization": "Bearer " + tokens["access_token"]}).json()
    assert ok["consumer_key"] == DEMO_CONSUMER_KEY and ok["delayed"] is False
    sandbox.expire_access_tokens()
    assert_401(get(url, headers={"Authorization": "Bearer " + tokens["access_token"]}), EXPIRED)


def test_quotes_401_and_access_token_expiry_by_the_clock(clock):
    with Sandbox(clock=clock, access_token_lifetime=100) as sb:
        url = sb.base_url + "/marketdata/AAPL/quotes"
        auth = {"Authorization": "Bearer " + sb.issue_tokens()["access_token"]}
        assert_401(get(url), INVALID)
        clock.advance(99)
        assert get(url, headers=auth).status_code == 200
        clock.advance(1)
        assert_401(get(url, headers=auth), EXPIRED)


def test_apikey_means_delayed(sandbox):
    add_echo_routes(sandbox)
    for apikey in (DEMO_CONSUMER_KEY, DEMO_CONSUMER_KEY + "@AMER.OAUTHAP"):
        seen = get(sandbox.base_url + "/test/either", params={"apikey": apikey}).json()
        assert seen["consumer_key"] == DEMO_CONSUMER_KEY and seen["delayed"] is True
        quotes = get(sandbox.base_url + "/marketdata/AAPL/quotes", params={"apikey": apikey})
        assert quotes.json()["AAPL"]["delayed"] is True
    assert_401(get(sandbox.base_url + "/test/either", params={"apikey": "UNKNOWN"}), INVALID)
    token = sandbox.issue_tokens()["access_token"]
    quotes = get(sandbox.base_url + "/marketdata/AAPL/quotes",
                 headers={"Authorization": "Bearer " + token})
    assert quotes.json()["AAPL"]["delayed"] is False


# -- rate limit ------------------------------------------------------------------------------

def test_rate_limit_per_app_per_wall_clock_minute(clock):
    with Sandbox(clock=clock, rate_limit=3) as sb:
        sb.register_app("SECONDAPP", DEMO_CALLBACK_URL)
        add_echo_routes(sb)
        url = sb.base_url + "/test/either"
        token = sb.issue_tokens()["access_token"]
        statuses = [get(url, params={"apikey": DEMO_CONSUMER_KEY}).status_code,
                    get(url, headers={"Authorization": "Bearer " + token}).status_code,
                    get(url, params={"apikey": DEMO_CONSUMER_KEY}).status_code]
        assert statuses == [200, 200, 200]
        limited = get(url, params={"apikey": DEMO_CONSUMER_KEY})
        assert limited.status_code == 429 and td_message(limited) == RATE_LIMITED
        assert "Retry-After" not in limited.headers
        assert get(url, params={"apikey": "SECONDAPP"}).status_code == 200
        refresh = requests.post(sb.token_url, timeout=5, data={
            "grant_type": "refresh_token", "refresh_token": "x", "client_id": DEMO_CONSUMER_KEY})
        assert refresh.status_code == 429
        assert get(sb.auth_url).status_code == 400  # not a /v1 path: never limited
        clock.advance(59)
        assert get(url, params={"apikey": DEMO_CONSUMER_KEY}).status_code == 429
        clock.advance(1)
        assert get(url, params={"apikey": DEMO_CONSUMER_KEY}).status_code == 200
        assert sb.stats()["status"] == {200: 5, 429: 3, 400: 1}


# -- faults ----------------------------------------------------------------------------------

def statuses(sandbox: Sandbox, n: int, path: str = "/test/open") -> list[int]:
    with requests.Session() as session:
        return [session.get(sandbox.base_url + path, timeout=5).status_code for _ in range(n)]


def test_5xx_faults_are_seeded_and_skip_the_handler():
    runs = []
    for _ in range(2):
        with Sandbox(seed=11) as sb:
            served = add_echo_routes(sb)
            sb.set_faults(error_5xx=0.5)
            runs.append(statuses(sb, 30))
            assert len(served) == runs[-1].count(200)
            assert sb.stats()["faults"]["error_5xx"] == 30 - len(served)
            response = get(sb.base_url + "/test/open")
            while response.status_code == 200:
                response = get(sb.base_url + "/test/open")
            assert td_message(response) in ("An unexpected error has occurred.", "Bad Gateway",
                                            "The service is temporarily unavailable. "
                                            "Please try again later.")
    assert runs[0] == runs[1]
    assert {200, 500, 502, 503} <= set(runs[0])
    with Sandbox(seed=12) as other:
        add_echo_routes(other)
        other.set_faults(error_5xx=0.5)
        assert statuses(other, 30) != runs[0]


def test_429_fault(sandbox):
    served = add_echo_routes(sandbox)
    sandbox.set_faults("/v1/test/", rate_429=1.0)
    response = get(sandbox.base_url + "/test/open")
    assert response.status_code == 429 and td_message(response) == RATE_LIMITED
    assert "Retry-After" not in response.headers
    assert served == [] and sandbox.stats()["faults"]["rate_429"] == 1


def test_drop_fault_closes_without_an_answer(sandbox):
    served = add_echo_routes(sandbox)
    sandbox.set_faults(drop=1.0)
    with pytest.raises(requests.ConnectionError, match="Remote end closed connection"):
        get(sandbox.base_url + "/test/open")
    assert served == []
    stats = sandbox.stats()
    assert stats["faults"]["drop"] == 1 and stats["status"] == {}


def test_drop_after_the_handler_ran(sandbox):
    served = add_echo_routes(sandbox)
    sandbox.set_faults(methods=["post"], drop=1.0, apply_after=True)
    with pytest.raises(requests.ConnectionError, match="Remote end closed connection"):
        requests.post(sandbox.base_url + "/test/open", timeout=5)
    assert served == ["POST /v1/test/open"]
    assert get(sandbox.base_url + "/test/open").status_code == 200  # GET not affected


def test_slow_fault_then_a_normal_answer(sandbox):
    served = add_echo_routes(sandbox)
    sandbox.set_faults(slow=1.0, slow_seconds=0.3)
    with pytest.raises(requests.ReadTimeout):
        requests.get(sandbox.base_url + "/test/open", timeout=0.1)
    started = time.perf_counter()
    response = get(sandbox.base_url + "/test/open")
    assert time.perf_counter() - started >= 0.3
    assert response.status_code == 200 and response.json()["seed"] == 0
    assert sandbox.stats()["faults"]["slow"] == 2
    assert len(served) >= 1


def test_malformed_fault_truncates_json(sandbox):
    served = add_echo_routes(sandbox)
    sandbox.set_faults(malformed=1.0)
    response = get(sandbox.base_url + "/test/open")
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/json"
    with pytest.raises(ValueError):
        response.json()
    assert served == []
    sandbox.set_faults(malformed=1.0, apply_after=True)
    response = get(sandbox.base_url + "/test/open")
    whole = json.dumps({"item": None, "consumer_key": None, "delayed": False, "seed": 0},
                       separators=(",", ":"))
    assert response.status_code == 200 and whole.startswith(response.text)
    assert 0 < len(response.text) < len(whole)
    assert served == ["GET /v1/test/open"]


def test_longest_prefix_and_methods_decide_and_clear_faults_ends_them(sandbox):
    add_echo_routes(sandbox)
    sandbox.set_faults("/v1/", error_5xx=1.0)
    sandbox.set_faults("/v1/test/", methods=["POST"], rate_429=1.0)
    assert statuses(sandbox, 2)[0] >= 500  # GET: only the /v1/ rule applies
    assert requests.post(sandbox.base_url + "/test/open", timeout=5).status_code == 429
    sandbox.set_faults("/v1/test/open")  # a longer prefix without faults
    assert statuses(sandbox, 3) == [200, 200, 200]
    sandbox.clear_faults()
    assert statuses(sandbox, 3, "/test/boom") == [500, 500, 500]
    assert requests.post(sandbox.base_url + "/test/open", timeout=5).status_code == 200


def test_fault_settings_are_checked(sandbox):
    with pytest.raises(ValueError, match=r"add up to 1\.2, more than 1"):
        sandbox.set_faults(error_5xx=0.7, drop=0.5)
    with pytest.raises(ValueError, match="between 0 and 1"):
        sandbox.set_faults(slow=-0.1)
    with pytest.raises(ValueError, match="slow_seconds must be >= 0, got -1"):
        sandbox.set_faults(slow=0.1, slow_seconds=-1)


# -- stats and state -------------------------------------------------------------------------

def test_stats_count_requests_calls_statuses_and_custom_groups(sandbox):
    add_echo_routes(sandbox)
    get(sandbox.base_url + "/test/open?x=1")
    requests.post(sandbox.base_url + "/test/open", timeout=5)
    get(sandbox.base_url + "/test/bearer/x")
    get(sandbox.auth_url)
    sandbox.count("orders", "placed")
    sandbox.count("orders", "placed", 2)
    stats = sandbox.stats()
    assert stats["requests"] == {"/v1/test/open": 2, "/v1/test/bearer/x": 1, "/auth": 1}
    assert stats["calls"] == {"GET /v1/test/open": 1, "POST /v1/test/open": 1,
                              "GET /v1/test/bearer/x": 1, "GET /auth": 1}
    assert stats["status"] == {200: 2, 401: 1, 400: 1}
    assert stats["orders"] == {"placed": 3}
    stats["orders"]["placed"] = 99
    assert sandbox.stats()["orders"]["placed"] == 3  # a copy
    sandbox.reset_stats()
    assert sandbox.stats() == {
        "grants": {"authorization_code": 0, "refresh_token": 0, "refresh_token_offline": 0},
        "requests": {}, "calls": {}, "status": {},
        "faults": {"error_5xx": 0, "rate_429": 0, "drop": 0, "slow": 0, "malformed": 0}}


def test_store_makes_one_object_per_sandbox(sandbox):
    made = []
    first = sandbox.store("book", lambda: made.append(1) or {"orders": []})
    assert sandbox.store("book", dict) is first and made == [1]
    with Sandbox() as other:
        assert other.store("book", dict) == {}


def test_concurrent_clients(sandbox):
    add_echo_routes(sandbox)
    results: list[int] = []

    def client() -> None:
        results.extend(statuses(sandbox, 20))

    threads = [threading.Thread(target=client) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [200] * 160
    assert sandbox.stats()["requests"]["/v1/test/open"] == 160


# -- speed and the standalone program --------------------------------------------------------

def test_keep_alive_requests_do_not_stall(sandbox):
    """A Nagle/delayed-ACK stall costs ~40 ms on every request; a healthy one is well under 1 ms.

    The first quartile, not the median: a busy machine slows some requests, a stall all."""
    add_echo_routes(sandbox)
    url = sandbox.base_url + "/test/open"
    with requests.Session() as session:
        session.get(url, timeout=5)
        timings = []
        for _ in range(200):
            started = time.perf_counter()
            session.get(url, timeout=5)
            timings.append(time.perf_counter() - started)
    assert statistics.quantiles(timings, n=4)[0] < 0.02


def test_python_m_pytd_sandbox_serves_until_sigterm():
    command = [sys.executable, "-m", "pyTD.sandbox", "--port", "0", "--auto-approve"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True) as proc:
        try:
            lines = []
            while not lines or not lines[-1].startswith("export TD_CALLBACK_URL="):
                line = proc.stdout.readline()
                assert line, f"exited early: {proc.stderr.read()}"
                lines.append(line.rstrip("\n"))
            exports = dict(line[len("export "):].split("=", 1) for line in lines
                           if line.startswith("export "))
            base_url = exports["TD_BASE_URL"]
            assert exports["TD_AUTH_URL"] == base_url[:-len("/v1")] + "/auth"
            assert exports["TD_CONSUMER_KEY"] == DEMO_CONSUMER_KEY
            assert exports["TD_CALLBACK_URL"] == DEMO_CALLBACK_URL
            assert f"  Base URL:      {base_url}" in lines
            quotes = get(base_url + "/marketdata/MSFT/quotes", params={"apikey": DEMO_CONSUMER_KEY})
            assert quotes.json()["MSFT"]["delayed"] is True
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=10) == 0
            assert proc.stdout.read().endswith("\nServing until Ctrl+C or SIGTERM.\n"
                                               "pyTD sandbox stopped.\n")
            assert proc.stderr.read() == ""
        finally:
            proc.kill()
