"""The HTTP plumbing of the sandbox: a threaded HTTP/1.1 server on raw sockets.

It parses requests into :class:`~pyTD.sandbox.routing.SandboxRequest` (headers
looked up case-insensitively), refuses bodies it will not read, and writes each
answer in one ``sendall`` with Nagle's algorithm off, so keep-alive requests
never wait on delayed ACKs.
"""

from __future__ import annotations

import socket
import socketserver
import sys
import threading
from email.utils import formatdate
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Iterable, Optional
from urllib.parse import parse_qs

from pyTD.sandbox.routing import SandboxRequest, SandboxResponse, td_error

#: The largest request body read (larger ones are answered 413).
MAX_BODY = 10 * 1024 * 1024


class Headers(dict):
    """Request headers: names stored lower-case and looked up case-insensitively."""

    def __init__(self, items: Iterable[tuple[str, str]] = ()) -> None:
        super().__init__((name.lower(), value) for name, value in items)

    def __getitem__(self, name: str) -> str:
        return super().__getitem__(name.lower())

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and super().__contains__(name.lower())

    def get(self, name: str, default: Any = None) -> Any:
        return super().get(name.lower(), default)


class Server(ThreadingHTTPServer):
    """A threaded HTTP/1.1 server on ``address`` that hands every request to ``dispatch``.

    ``dispatch`` returns the response, or ``None`` to close the connection
    without answering; ``clock`` dates the responses.
    """

    request_queue_size = 64  # bursts of parallel connections are not refused
    daemon_threads = True
    block_on_close = False

    def __init__(self, address: tuple[str, int],
                 dispatch: Callable[[SandboxRequest], Optional[SandboxResponse]],
                 clock: Callable[[], float]) -> None:
        self.dispatch = dispatch
        self.clock = clock
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # Skip HTTPServer.server_bind: its socket.getfqdn() can wait on a DNS lookup.
        socketserver.TCPServer.server_bind(self)
        host, self.server_port = self.server_address[:2]
        self.server_name = str(host)

    def close_connections(self) -> None:
        """Shut down kept-alive connections so their threads end now."""
        with self.connections_lock:
            connections = list(self.connections)
        for conn in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], OSError):  # a client going away is not an error
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    timeout = 30
    server: Server

    def setup(self) -> None:
        super().setup()
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        with self.server.connections_lock:
            self.server.connections.discard(self.connection)
        super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: no line per request on stderr."""

    def do_GET(self) -> None:
        body = self._read_body()
        if body is None:
            return
        path, _, query = self.path.partition("?")
        req = SandboxRequest(self.command, path, parse_qs(query, keep_blank_values=True),
                             Headers(self.headers.items()), body)
        response = self.server.dispatch(req)
        if response is None:
            self.close_connection = True
        else:
            self._respond(response)

    do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def _read_body(self) -> Optional[bytes]:
        """The request body, or ``None`` after refusing the request (and closing)."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._refuse(411, "Send a Content-Length; chunked bodies are not accepted.")
        length = self.headers.get("Content-Length", "0").strip() or "0"
        if not length.isdigit():
            return self._refuse(400, "Invalid Content-Length.")
        if int(length) > MAX_BODY:
            return self._refuse(413, "The request body is too large.")
        return self.rfile.read(int(length))

    def _refuse(self, status: int, message: str) -> Optional[bytes]:
        """Answer ``status`` and close the connection; ``None``: there is no body to read."""
        self.close_connection = True
        self._respond(td_error(status, message))
        return None

    def _respond(self, response: SandboxResponse) -> None:
        body = response.encode()
        # The Date header follows the sandbox clock, like the rate limiter's minutes.
        headers = {"Date": formatdate(self.server.clock(), usegmt=True),
                   "Cache-Control": "no-cache,no-store,must-revalidate", **response.headers}
        if body:
            headers.setdefault("Content-Type", "application/json")
        headers["Content-Length"] = str(len(body))
        if self.close_connection:
            headers["Connection"] = "close"
        try:
            reason = HTTPStatus(response.status).phrase
        except ValueError:
            reason = ""
        head = f"HTTP/1.1 {response.status} {reason}\r\n" + "".join(
            f"{name}: {value}\r\n" for name, value in headers.items()) + "\r\n"
        self._send(head.encode("latin-1", "replace"), b"" if self.command == "HEAD" else body)

    def _send(self, head: bytes, body: bytes) -> None:
        # One buffer, one sendall: a separate small write for the body would wait for the
        # client's delayed ACK (40 ms) wherever Nagle's algorithm is on.
        self.connection.sendall(head + body)
