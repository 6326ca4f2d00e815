"""The local callback server that catches the authorization code.

It is bound to loopback before the browser opens (a busy port fails at once),
ends its wait only when the callback path brings ``code`` or ``error`` with
the expected ``state`` (other paths get a 404, another state a 400, and the
wait goes on), and has a finite deadline. For a ``localhost`` callback it
listens on both 127.0.0.1 and ::1 (same port), so no other local user can
take the loopback family the browser tries first. Its handler only
records the query; the code is exchanged on the caller's thread, and the
browser is then answered with a success or failure page::

    with CallbackServer("http://127.0.0.1:8080/callback") as server:
        open_in_background(url)   # pyTD.auth.browser: a blocking browser cannot hold this thread
        query = server.wait(timeout=300)
        ...                                   # exchange the code
        server.finish(ok=True, message="Tokens saved.")
"""

from __future__ import annotations

import errno
import hmac
import html
import ipaddress
import logging
import socket
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from string import Template
from typing import Optional, Protocol
from urllib.parse import parse_qs, urlsplit

from pyTD.exceptions import AuthorizationError, CallbackTimeoutError, ConfigurationError

log = logging.getLogger(__name__)

PAGE = Template((Path(__file__).parent / "pages" / "result.html").read_text(encoding="utf-8"))

#: Seconds a browser connection may stay idle, and the handler waits for the exchange.
CONNECTION_TIMEOUT = 10.0
RESULT_TIMEOUT = 60.0

NOT_LOOPBACK = (
    "The callback URL {url!r} does not point at this machine (localhost, 127.0.0.1 or ::1), so "
    "pyTD's built-in callback server cannot receive the code. Use api.authorize(manual=True) to "
    "paste the redirected URL, or the web flow (api.auth.authorization_url() and "
    "api.auth.exchange_code()) in your own web app."
)


def loopback_address(callback_url: str) -> tuple[str, int, str, str]:
    """``(bind_host, port, path, scheme)`` of a loopback callback URL; else ConfigurationError."""
    parts = urlsplit(callback_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError(
            f"The callback URL {callback_url!r} is not an http(s) URL; use the one registered "
            "for your app, e.g. http://127.0.0.1:8080 or https://127.0.0.1:8443/callback.")
    host = parts.hostname
    if host == "localhost":
        bind = "127.0.0.1"
    else:
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            raise ConfigurationError(NOT_LOOPBACK.format(url=callback_url)) from None
        if not address.is_loopback:
            raise ConfigurationError(NOT_LOOPBACK.format(url=callback_url))
        bind = host
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise ConfigurationError(f"The callback URL {callback_url!r} has an invalid port.") \
            from None
    return bind, port, parts.path or "/", parts.scheme


#: A bind to ::1 failing with these means the machine has no IPv6 loopback at all.
NO_IPV6 = frozenset({errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT})

_localhost_warned = threading.Lock()


def bind_hosts(callback_url: str) -> tuple[str, ...]:
    """The addresses to listen on: both loopback families for ``localhost``, else the literal."""
    host = loopback_address(callback_url)[0]
    if urlsplit(callback_url).hostname != "localhost":
        return (host,)
    if _localhost_warned.acquire(blocking=False):   # never released: once per process
        log.warning(
            "The callback URL %s names 'localhost'; pyTD listens on both 127.0.0.1 and ::1 so "
            "that no other local user can catch the code, but a literal address is safer "
            "(RFC 8252, section 8.3): register http://127.0.0.1:<port> for your app and pass "
            "it as callback_url.", callback_url)
    return ("127.0.0.1", "::1")


def _shown(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def port_taken(callback_url: str, host: str, port: int, error: OSError) -> AuthorizationError:
    """The error for a callback port that cannot be bound, with steps the user can follow:
    find the program holding it, or use ``callback_url`` on a port that is free right now."""
    parts = urlsplit(callback_url)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free = probe.getsockname()[1]
    other = parts._replace(netloc=f"127.0.0.1:{free}").geturl()
    return AuthorizationError(
        f"Cannot listen on {_shown(host, port)} for the callback URL {callback_url!r}: "
        f"{error.strerror or error}. Another program (maybe another user's) holds that port: "
        f"find it with `lsof -i :{port}` or `ss -ltnp 'sport = :{port}'` and close it. Or "
        f"register another callback URL with a free port for your app, e.g. {other} (port "
        f"{free} is free now), "
        "and pass it as callback_url= (TD_CALLBACK_URL, --callback-url); with the sandbox, "
        f"`pytd sandbox --callback {other}` registers it for the demo app. Then authorize "
        "again (`pytd auth login`, or api.authorize()).")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64  # bursts of parallel connections are not refused

    def __init__(self, address: tuple[str, int], owner: CallbackServer,
                 ssl_context: Optional[ssl.SSLContext]) -> None:
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.owner = owner
        self.ssl_context = ssl_context
        super().__init__(address, _Handler)

    def get_request(self) -> tuple[socket.socket, tuple]:
        sock, address = super().get_request()
        if self.ssl_context is not None:
            # The handshake runs in the connection's own thread (see _Handler.setup), so a
            # slow or silent client cannot stall the accept loop.
            sock = self.ssl_context.wrap_socket(sock, server_side=True,
                                                do_handshake_on_connect=False)
        return sock, address

    def handle_error(self, request, client_address) -> None:
        log.debug("Callback server: a connection failed", exc_info=False)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    timeout = CONNECTION_TIMEOUT
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server_version = "pyTD-callback"
    sys_version = ""

    def send_error(self, code: int, message: Optional[str] = None,
                   explain: Optional[str] = None) -> None:
        # The stdlib puts the raw method or version into the reason phrase: never echo input.
        super().send_error(code)

    def setup(self) -> None:
        super().setup()
        if isinstance(self.connection, ssl.SSLSocket):
            self.connection.do_handshake()

    def log_message(self, format: str, *args) -> None:
        # The request line carries the code: never log it.
        pass

    def do_GET(self) -> None:
        self.server.owner.handle_callback(self.path, self._page)

    def _refuse(self) -> None:
        self._page(405, "Method not allowed", "Only GET is served here.", ok=False)

    do_POST = do_PUT = do_DELETE = do_PATCH = _refuse

    def do_HEAD(self) -> None:
        self.send_response(405)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _page(self, status: int, title: str, message: str, *, ok: bool) -> None:
        body = PAGE.substitute(title=html.escape(title), message=html.escape(message),
                               css="ok" if ok else "failed").encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        self.wfile.write(body)


class Responder(Protocol):
    """Writes one page to the browser: ``respond(status, title, message, ok=...)``."""

    def __call__(self, status: int, title: str, message: str, *, ok: bool) -> None: ...


class CallbackServer:
    """A one-shot HTTP(S) server on the callback URL's loopback host and port."""

    def __init__(self, callback_url: str, *, ssl_context: Optional[ssl.SSLContext] = None,
                 expected_state: Optional[str] = None) -> None:
        _, port, self.path, scheme = loopback_address(callback_url)
        self.expected_state = expected_state
        self.ignored = 0
        if scheme == "https" and ssl_context is None:
            raise ConfigurationError("An https callback URL needs a TLS context: pass "
                                     "ssl_context=pyTD.auth.tls.server_context(config_dir).")
        self._received = threading.Event()
        self._outcome_ready = threading.Event()
        self._answered = threading.Event()
        self._lock = threading.Lock()
        self._query: Optional[str] = None
        self._outcome: tuple[bool, str] = (False, "The application did not finish.")
        self._servers = self._listen(callback_url, bind_hosts(callback_url), port, ssl_context)
        self._httpd = self._servers[0]
        self.address = self._httpd.server_address[:2]
        self._threads = [threading.Thread(target=httpd.serve_forever,
                                          kwargs={"poll_interval": 0.05},
                                          name="pyTD-callback", daemon=True)
                         for httpd in self._servers]
        for thread in self._threads:
            thread.start()

    def _listen(self, callback_url: str, hosts: tuple[str, ...], port: int,
                ssl_context: Optional[ssl.SSLContext]) -> list[_Server]:
        """One server per host, all on the same port (the first one's, for port 0)."""
        servers: list[_Server] = []
        try:
            for host in hosts:
                try:
                    servers.append(_Server((host, port), self, ssl_context))
                except OSError as exc:
                    if servers and host == "::1" and exc.errno in NO_IPV6:
                        log.debug("No IPv6 loopback here: the callback listens on 127.0.0.1 only")
                        continue
                    raise port_taken(callback_url, host, port, exc) from None
                port = servers[0].server_address[1]
        except BaseException:
            for httpd in servers:
                httpd.server_close()
            raise
        return servers

    @property
    def port(self) -> int:
        """The port actually bound."""
        return self.address[1]

    @property
    def addresses(self) -> list[tuple[str, int]]:
        """Every ``(host, port)`` listened on (two for a ``localhost`` callback)."""
        return [(str(httpd.server_address[0]), int(httpd.server_address[1]))
                for httpd in self._servers]

    def handle_callback(self, target: str, respond: Responder) -> None:
        """Answer one GET of ``target`` (the request's path and query) through ``respond``.

        Called on the connection's thread. Another path, or no ``code``/``error``,
        is a 404 and a different ``state`` a 400 (the wait goes on); the first
        matching callback is recorded for :meth:`wait` and answered with the
        outcome given to :meth:`finish`; later ones get a 409.
        """
        parts = urlsplit(target)
        params = parse_qs(parts.query, keep_blank_values=True)
        if parts.path != self.path or not ({"code", "error"} & params.keys()):
            respond(404, "Not found", "This is pyTD's authorization callback. Nothing here.",
                    ok=False)
            return
        if not self._state_matches(params.get("state", [""])[0]):
            respond(400, "Ignored", "This authorization does not belong to the login pyTD "
                    "is waiting for (its state differs), so it was ignored.", ok=False)
            return
        outcome = self._deliver(parts.query)
        if outcome is None:
            respond(409, "Already received",
                    "An authorization was already received; this one was ignored.", ok=False)
            return
        ok, message = outcome
        try:
            respond(200 if ok else 400,
                    "Authorization complete" if ok else "Authorization failed", message, ok=ok)
        finally:
            self._answered.set()

    def _state_matches(self, state: str) -> bool:
        if self.expected_state is None or hmac.compare_digest(state.encode(),
                                                              self.expected_state.encode()):
            return True
        with self._lock:
            self.ignored += 1
        return False

    def _deliver(self, query: str) -> Optional[tuple[bool, str]]:
        with self._lock:
            if self._received.is_set():
                return None
            self._query = query
            self._received.set()
        self._outcome_ready.wait(RESULT_TIMEOUT)
        return self._outcome

    def wait(self, timeout: float = 300.0) -> str:
        """The callback's query string, or :class:`CallbackTimeoutError` after ``timeout`` s."""
        deadline = time.monotonic() + timeout
        while not self._received.wait(min(0.25, max(0.0, deadline - time.monotonic()))):
            if time.monotonic() >= deadline:
                ignored = (f" ({self.ignored} callback(s) with another state were ignored: "
                           "use the newest authorization URL)") if self.ignored else ""
                raise CallbackTimeoutError(
                    f"No authorization reached the callback server within {timeout:g} s"
                    f"{ignored}. Open "
                    "the authorization URL, log in and click Allow; or paste the redirected URL "
                    "instead with `pytd auth login --manual` (api.authorize(manual=True)).")
        assert self._query is not None
        return self._query

    def finish(self, ok: bool, message: str) -> None:
        """Answer the waiting browser with a success or failure page."""
        self._outcome = (ok, message)
        self._outcome_ready.set()

    def close(self) -> None:
        """Answer a waiting browser (briefly), stop serving and release the port."""
        self._outcome_ready.set()
        if self._received.is_set():
            self._answered.wait(2.0)
        for httpd in self._servers:
            httpd.shutdown()
            httpd.server_close()
        for thread in self._threads:
            thread.join(timeout=5)

    def __enter__(self) -> CallbackServer:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()
