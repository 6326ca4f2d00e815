"""A deadline on every answer and a bound on its size, against real misbehaving servers.

A server that trickles one byte at a time never trips the per-``recv`` read
timeout; one that sends forever would grow memory without bound. Both must
end in a typed error, for data calls and for the token endpoint, in about
the configured deadline and with memory bounded by ``max_body``.
"""

from __future__ import annotations

import socket
import time
import tracemalloc
from dataclasses import dataclass
from typing import Callable

import pytest

from pyTD.exceptions import ResponseFormatError, TDError, TransportError, UnknownOutcomeError
from pyTD.sandbox import Sandbox
from pyTD.sandbox.client import sandbox_api
from pyTD.transport import Transport
from tests.support.servers import RawServer

DEADLINE = 1.0
#: The trickling server gives up after this long: without a deadline a call ends no sooner.
TRICKLE_FOR = 12.0
MAX_BODY = 4 * 1024 * 1024
READ_TIMEOUT = 5.0      # per recv: never reached by a byte every 20 ms


def trickler(start: bytes, pause: float = 0.02) -> Callable[[socket.socket], None]:
    """Send ``start`` and then one byte of filler every ``pause`` s, for ``TRICKLE_FOR`` s."""
    def answer(conn: socket.socket) -> None:
        conn.sendall(start)
        ends = time.monotonic() + TRICKLE_FOR
        while time.monotonic() < ends:
            conn.sendall(b"x")
            time.sleep(pause)
    return answer


TRICKLES = {
    "status line": trickler(b""),
    "headers": trickler(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Pad: "),
    "body": trickler(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 100000\r\n\r\n"),
}


def endless(conn: socket.socket) -> None:
    """An answer without a length whose body never ends (until the client hangs up)."""
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n")
    block = b"[" * 65536
    while True:
        conn.sendall(block)


@dataclass
class Outcome:
    error: TDError
    seconds: float
    peak_bytes: int = 0


def call(url: str, method: str = "GET", *, path: str = "/marketdata/quotes",
         **transport: float) -> Outcome:
    """Send one request through a pyTD transport and return the error it ended in."""
    options = {"timeout": (5.0, READ_TIMEOUT), "retry_count": 3, "deadline": DEADLINE,
               **transport}
    sender = Transport(url, **options)  # type: ignore[arg-type]
    started = time.monotonic()
    try:
        sender.send(method, url + path, json={"price": 1} if method != "GET" else None)
    except TDError as exc:
        return Outcome(exc, time.monotonic() - started)
    finally:
        sender.close()
    raise AssertionError(f"{method} {path} succeeded")


def trickled(part: str, method: str = "GET") -> Outcome:
    """A call against a server that trickles ``part`` of its answer."""
    with RawServer(TRICKLES[part]) as server:
        return call(server.url, method)


def endless_body(max_body: int = MAX_BODY) -> Outcome:
    """A call against an endless body, with the peak of Python memory allocated meanwhile."""
    with RawServer(endless) as server:
        tracemalloc.start()
        try:
            outcome = call(server.url, max_body=max_body, deadline=60.0)
            outcome.peak_bytes = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    return outcome


@pytest.mark.parametrize("part", sorted(TRICKLES))
def test_a_trickling_answer_ends_at_the_deadline(part, figure):
    outcome = trickled(part)
    assert isinstance(outcome.error, TransportError)
    assert not isinstance(outcome.error, UnknownOutcomeError)
    assert f"{DEADLINE:g} s deadline" in str(outcome.error) and "TD_DEADLINE" in str(outcome.error)
    # Not retried (a trickle does not get better), and ends well before the server gives up.
    assert DEADLINE <= outcome.seconds < TRICKLE_FOR - 2, outcome.seconds
    figure(f"trickled {part}", f"error after {outcome.seconds:.2f} s, deadline {DEADLINE:g} s")


def test_a_trickling_answer_to_an_order_is_an_unknown_outcome():
    outcome = trickled("headers", "POST")
    assert isinstance(outcome.error, UnknownOutcomeError)
    assert "deadline" in str(outcome.error) and "get_orders" in str(outcome.error)
    assert outcome.seconds < TRICKLE_FOR - 2


def test_an_endless_body_stops_at_max_body_with_bounded_memory(figure):
    outcome = endless_body()
    assert isinstance(outcome.error, ResponseFormatError)
    assert f"larger than {MAX_BODY} bytes" in str(outcome.error)
    assert "TD_MAX_BODY" in str(outcome.error)
    assert outcome.peak_bytes < 4 * MAX_BODY, outcome.peak_bytes
    figure("endless body", f"{type(outcome.error).__name__} after {outcome.seconds:.2f} s, "
                           f"peak {outcome.peak_bytes / MAX_BODY:.1f} x max_body "
                           f"({MAX_BODY // 2**20} MiB)")


def test_a_declared_length_over_the_limit_is_refused_before_reading():
    def huge(conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 999999999999\r\n\r\n")
        time.sleep(TRICKLE_FOR)

    with RawServer(huge) as server:
        outcome = call(server.url, max_body=1024)
    assert isinstance(outcome.error, ResponseFormatError) and outcome.seconds < TRICKLE_FOR - 2


@pytest.mark.parametrize("answer", [TRICKLES["body"], endless], ids=["trickle", "endless"])
def test_the_token_endpoint_has_the_same_limits(answer):
    with Sandbox() as sandbox, RawServer(answer) as server:
        a = sandbox_api(sandbox, base_url=server.url, deadline=DEADLINE, max_body=MAX_BODY,
                        timeout=(5.0, READ_TIMEOUT))
        started = time.monotonic()
        with pytest.raises(TDError, match=r"deadline|max_body") as info:
            a.auth.flow.refresh(a.refresh_token.token)
        assert time.monotonic() - started < TRICKLE_FOR - 2
    assert isinstance(info.value, (UnknownOutcomeError, ResponseFormatError))
    assert server.heads and server.heads[0].startswith(b"POST /v1/oauth2/token")
