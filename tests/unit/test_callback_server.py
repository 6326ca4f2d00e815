"""The local callback server on real sockets: loopback only, 404s, deadline, TLS."""

from __future__ import annotations

import os
import socket
import stat
import threading

import pytest
import requests

from pyTD.auth.server import CallbackServer, loopback_address
from pyTD.auth.tls import CERT_NAME, KEY_NAME, server_context
from pyTD.exceptions import AuthorizationError, CallbackTimeoutError, ConfigurationError, SSLError


def free_callback(path="/cb", scheme="http"):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"{scheme}://127.0.0.1:{port}{path}"


@pytest.mark.parametrize("url,expected", [
    ("http://localhost:8080", ("127.0.0.1", 8080, "/", "http")),
    ("http://127.0.0.1:9000/callback", ("127.0.0.1", 9000, "/callback", "http")),
    ("https://[::1]:8443/cb", ("::1", 8443, "/cb", "https")),
    ("https://127.0.0.1", ("127.0.0.1", 443, "/", "https")),
])
def test_loopback_addresses(url, expected):
    assert loopback_address(url) == expected


@pytest.mark.parametrize("url", ["http://example.com/cb", "http://0.0.0.0:8080",
                                 "http://192.168.0.2:8080/", "ftp://localhost/x", "localhost:8080"])
def test_non_loopback_or_bad_urls_are_refused(url):
    with pytest.raises(ConfigurationError, match=r"manual=True|http"):
        loopback_address(url)


def test_bound_to_loopback_and_only_callback_with_code_ends_the_wait():
    url = free_callback()
    with CallbackServer(url) as server:
        assert server._httpd.socket.getsockname()[0] == "127.0.0.1"
        base = url.rsplit("/", 1)[0]
        with requests.Session() as s:
            s.trust_env = False
            assert s.get(base + "/favicon.ico", timeout=5).status_code == 404
            assert s.get(url, timeout=5).status_code == 404
            assert s.get(url + "?state=1", timeout=5).status_code == 404
            assert s.post(url + "?code=x", timeout=5).status_code == 405
            reflected = s.get(base + "/<script>alert(1)</script>?code=1", timeout=5)
            assert reflected.status_code == 404 and "<script>" not in reflected.text
        with pytest.raises(CallbackTimeoutError):
            server.wait(0.2)
        pages = []
        visit = threading.Thread(target=lambda: pages.append(
            requests.get(url + "?code=a%40b&state=s", timeout=10)))
        visit.start()
        assert server.wait(5) == "code=a%40b&state=s"
        server.finish(False, "<b>bad</b> things")
        visit.join(10)
        assert pages[0].status_code == 400
        assert "&lt;b&gt;bad&lt;/b&gt;" in pages[0].text and "<b>bad" not in pages[0].text
        # A second callback is not accepted.
        assert requests.get(url + "?code=again", timeout=5).status_code == 409


def test_handle_callback_answers_through_the_responder():
    pages = []

    def respond(status, title, message, *, ok):
        pages.append((status, title, ok))

    with CallbackServer(free_callback("/cb"), expected_state="s1") as server:
        server.handle_callback("/favicon.ico", respond)
        server.handle_callback("/cb?state=s1", respond)            # neither code nor error
        server.handle_callback("/cb?code=x&state=other", respond)
        assert pages == [(404, "Not found", False), (404, "Not found", False),
                         (400, "Ignored", False)]
        assert server.ignored == 1
        first = threading.Thread(target=server.handle_callback,
                                 args=("/cb?code=a%40b&state=s1", respond))
        first.start()
        assert server.wait(5) == "code=a%40b&state=s1"
        server.handle_callback("/cb?code=again&state=s1", respond)  # only one is accepted
        assert pages[-1] == (409, "Already received", False)
        server.finish(True, "done")
        first.join(5)
        assert pages[-1] == (200, "Authorization complete", True)


def test_busy_port_is_a_clear_error():
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        with pytest.raises(AuthorizationError, match="another callback URL"):
            CallbackServer(f"http://127.0.0.1:{port}/cb")


def test_https_callback_with_self_signed_certificate(tmp_path):
    config = tmp_path / "config"
    context = server_context(str(config))
    assert stat.S_IMODE(os.stat(config / KEY_NAME).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(config).st_mode) == 0o700
    url = free_callback(scheme="https")
    with CallbackServer(url, ssl_context=context) as server:
        pages = []
        visit = threading.Thread(target=lambda: pages.append(requests.get(
            url + "?code=z", timeout=10, verify=str(config / "callback-cert.pem"))))
        visit.start()
        assert server.wait(5) == "code=z"
        server.finish(True, "done")
        visit.join(10)
    assert pages[0].status_code == 200 and "Authorization complete" in pages[0].text
    # Made once: a second context reuses the same key.
    before = (config / KEY_NAME).read_bytes()
    server_context(str(config))
    assert (config / KEY_NAME).read_bytes() == before


def test_tls_key_and_certificate_are_written_atomically_0600(tmp_path, monkeypatch):
    import pyTD.auth.tls as tls

    written = []
    real_write = tls.atomic_write
    monkeypatch.setattr(tls, "atomic_write",
                        lambda path, data: written.append(path) or real_write(path, data))
    config = tmp_path / "config"
    config.mkdir(mode=0o700)
    # A symlink planted at a predictable temp name must not receive the private key.
    victim = tmp_path / "victim"
    planted = config / f"{KEY_NAME}.tmp-{os.getpid()}"
    os.symlink(victim, planted)
    old = os.umask(0)
    try:
        server_context(str(config))
    finally:
        os.umask(old)
    assert sorted(written) == sorted([str(config / CERT_NAME), str(config / KEY_NAME)])
    for name in (KEY_NAME, CERT_NAME):
        assert stat.S_IMODE(os.stat(config / name).st_mode) == 0o600
    assert not victim.exists()
    assert sorted(os.listdir(config)) == sorted([CERT_NAME, KEY_NAME, planted.name])


def test_https_callback_needs_a_tls_context():
    with pytest.raises(ConfigurationError, match="https"):
        CallbackServer(free_callback(scheme="https"))


def test_https_without_cryptography_says_to_install_it(tmp_path, monkeypatch):
    import sys

    for name in [m for m in sys.modules if m == "cryptography" or m.startswith("cryptography.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "cryptography", None)   # as if it were not installed
    with pytest.raises(ConfigurationError, match=r"pip install cryptography"):
        server_context(str(tmp_path / "config"))
    assert not (tmp_path / "config" / KEY_NAME).exists()


def test_a_callback_with_another_state_is_ignored_and_the_wait_goes_on():
    url = free_callback()
    with CallbackServer(url, expected_state="expected") as server:
        forged = requests.get(url + "?code=forged&state=other", timeout=5)
        assert forged.status_code == 400 and "ignored" in forged.text
        no_state = requests.get(url + "?code=forged", timeout=5)
        assert no_state.status_code == 400
        with pytest.raises(CallbackTimeoutError, match="2 callback"):
            server.wait(0.2)
        pages = []
        visit = threading.Thread(target=lambda: pages.append(
            requests.get(url + "?code=real&state=expected", timeout=10)))
        visit.start()
        assert server.wait(5) == "code=real&state=expected"
        server.finish(True, "ok")
        visit.join(10)
    assert pages[0].status_code == 200


def test_tls_key_never_reaches_a_file_planted_at_the_old_temp_name(tmp_path):
    config = tmp_path / "config"
    config.mkdir(mode=0o700)
    victim = tmp_path / "victim"
    victim.write_text("user data")
    victim.chmod(0o644)
    os.symlink(victim, config / f"{KEY_NAME}.tmp-{os.getpid()}")   # the old predictable name
    server_context(str(config))
    assert victim.read_text() == "user data"
    assert stat.S_IMODE(os.lstat(victim).st_mode) == 0o644
    key = config / KEY_NAME
    assert stat.S_ISREG(os.lstat(key).st_mode) and stat.S_IMODE(os.lstat(key).st_mode) == 0o600
    assert b"PRIVATE KEY" in key.read_bytes()


def test_symlink_in_place_of_the_tls_key_is_refused_not_chmod_ed(tmp_path):
    config = tmp_path / "config"
    config.mkdir(mode=0o700)
    server_context(str(config))
    victim = tmp_path / "victim"
    victim.write_text("user data")
    victim.chmod(0o644)
    os.replace(config / KEY_NAME, tmp_path / "real-key.pem")
    os.symlink(victim, config / KEY_NAME)
    with pytest.raises(SSLError) as info:
        server_context(str(config))
    assert stat.S_IMODE(os.lstat(victim).st_mode) == 0o644
    assert "symbolic link" in str(info.value) and f"Delete {CERT_NAME} and {KEY_NAME}" \
        in str(info.value)
