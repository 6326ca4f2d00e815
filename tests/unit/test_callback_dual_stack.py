"""A ``localhost`` callback listens on both loopback families, so nobody can take ::1.

Browsers that resolve ``localhost`` to ::1 first would otherwise deliver the
code to whoever listens on [::1]:port. Real sockets play the other local user.
"""

from __future__ import annotations

import errno
import logging
import socket
import threading

import pytest
import requests

import pyTD.auth.server as server_module
from pyTD.api import api
from pyTD.auth.server import CallbackServer
from pyTD.exceptions import AuthorizationError


def _ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
        return True
    except OSError:
        return False


needs_ipv6 = pytest.mark.skipif(not _ipv6_loopback(), reason="no IPv6 loopback here")


def free_dual_port() -> int:
    """A port free on both 127.0.0.1 and ::1 right now."""
    for _ in range(50):
        with socket.socket() as v4, socket.socket(socket.AF_INET6) as v6:
            v4.bind(("127.0.0.1", 0))
            port = v4.getsockname()[1]
            try:
                v6.bind(("::1", port))
            except OSError:
                continue
            return port
    raise AssertionError("no port free on both loopback families")


@pytest.fixture
def quiet_warning(monkeypatch):
    """The once-per-process localhost warning, armed again for this test."""
    monkeypatch.setattr(server_module, "_localhost_warned", threading.Lock(), raising=False)


def _get(url: str) -> requests.Response:
    with requests.Session() as session:
        session.trust_env = False
        return session.get(url, timeout=10)


@needs_ipv6
def test_localhost_listens_on_both_families_and_ipv6_reaches_pyTD(quiet_warning):
    port = free_dual_port()
    with CallbackServer(f"http://localhost:{port}/cb", expected_state="s") as server:
        assert sorted(server.addresses) == [("127.0.0.1", port), ("::1", port)]
        pages: list[requests.Response] = []
        visit = threading.Thread(target=lambda: pages.append(
            _get(f"http://[::1]:{port}/cb?code=c6&state=s")))
        visit.start()
        assert server.wait(10) == "code=c6&state=s"
        server.finish(True, "done")
        visit.join(10)
    assert pages[0].status_code == 200 and "Authorization complete" in pages[0].text


@needs_ipv6
def test_localhost_port_0_takes_the_same_port_on_both_families(quiet_warning):
    with CallbackServer("http://localhost:0/cb") as server:
        (_, v4), (_, v6) = sorted(server.addresses)
        assert v4 == v6 == server.port
        assert _get(f"http://127.0.0.1:{v4}/favicon.ico").status_code == 404
        assert _get(f"http://[::1]:{v6}/favicon.ico").status_code == 404


@needs_ipv6
def test_a_listener_on_ipv6_loopback_stops_authorize_before_the_browser_opens(quiet_warning):
    port = free_dual_port()
    opened: list[str] = []
    with socket.socket(socket.AF_INET6) as attacker:
        attacker.bind(("::1", port))
        attacker.listen()
        client = api(consumer_key="KEY", callback_url=f"http://localhost:{port}",
                     store_tokens=False)
        with pytest.raises(AuthorizationError) as caught:
            client.authorize(open_browser=opened.append, timeout=1)
    assert opened == []
    message = str(caught.value)
    assert f"[::1]:{port}" in message and "holds that port" in message
    assert "http://127.0.0.1:" in message and "callback_url" in message
    # Nothing was left listening on the IPv4 side.
    with socket.socket() as again:
        again.bind(("127.0.0.1", port))


def test_a_listener_on_ipv4_loopback_is_refused_for_localhost_too(quiet_warning):
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        with pytest.raises(AuthorizationError, match=rf"127\.0\.0\.1:{port}.*free port"):
            CallbackServer(f"http://localhost:{port}/cb")


def test_a_literal_address_listens_on_that_address_only(quiet_warning, caplog):
    with caplog.at_level(logging.WARNING, logger="pyTD"):
        with CallbackServer("http://127.0.0.1:0/cb") as server:
            assert server.addresses == [("127.0.0.1", server.port)]
    assert not caplog.records


def test_localhost_is_warned_about_once_per_process(quiet_warning, caplog):
    with caplog.at_level(logging.WARNING, logger="pyTD"):
        for _ in range(3):
            with CallbackServer("http://localhost:0/cb"):
                pass
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    text = warnings[0].getMessage()
    assert "http://127.0.0.1:<port>" in text and "RFC 8252" in text


class _NoIPv6(server_module._Server):
    """A machine whose kernel has no IPv6 loopback: binding ::1 fails as it would there."""

    failure = errno.EADDRNOTAVAIL

    def server_bind(self) -> None:
        if self.address_family == socket.AF_INET6:
            raise OSError(self.failure, "simulated")
        super().server_bind()


@pytest.mark.parametrize("failure", [errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT])
def test_without_ipv6_loopback_localhost_listens_on_ipv4_only(quiet_warning, monkeypatch,
                                                              failure):
    monkeypatch.setattr(_NoIPv6, "failure", failure)
    monkeypatch.setattr(server_module, "_Server", _NoIPv6)
    with CallbackServer("http://localhost:0/cb") as server:
        assert server.addresses == [("127.0.0.1", server.port)]


def test_another_ipv6_bind_failure_is_not_taken_for_a_missing_ipv6(quiet_warning, monkeypatch):
    monkeypatch.setattr(_NoIPv6, "failure", errno.EACCES)
    monkeypatch.setattr(server_module, "_Server", _NoIPv6)
    with pytest.raises(AuthorizationError, match=r"\[::1\]:\d+.*free port"):
        CallbackServer("http://localhost:0/cb")
