"""Small real servers for transport tests: canned answers, redirects, raw bytes.

    with Redirector(307, "http://elsewhere/steal") as server:
        Transport(server.url).send("GET", server.url + "/marketdata/quotes")
        server.requests   # [(method, path, headers, body), ...]

    with Canned(200, b"not json") as server:    # the same answer to everything
        ...

    with RawServer(answer) as server:    # answer(conn) writes whatever it likes
        ...
"""

from __future__ import annotations

import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Optional

Seen = tuple[str, str, dict[str, str], bytes]


class Canned:
    """Answers every request with the same ``status``, ``headers`` and ``body``, and records it.

    Header values may hold ``{port}`` (this server's port).
    """

    def __init__(self, status: int = 200, body: bytes = b"{}",
                 headers: Optional[dict[str, str]] = None) -> None:
        self.requests: list[Seen] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                owner.requests.append((self.command, self.path, dict(self.headers), body))
                self.send_response(owner.status)
                for name, value in owner.headers.items():
                    self.send_header(name, value.format(port=owner.port))
                self.send_header("Content-Length", str(len(owner.body)))
                self.end_headers()
                self.wfile.write(owner.body)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _answer

            def log_message(self, *args: Any) -> None:
                pass

        self.status, self.body = status, body
        self.headers = {"Content-Type": "application/json", **(headers or {})}
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/v1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def __enter__(self) -> Canned:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.server.shutdown()
        self.server.server_close()


class Redirector(Canned):
    """Answers every request with ``status`` and ``Location: location`` (may hold ``{port}``)."""

    def __init__(self, status: int, location: str) -> None:
        super().__init__(status, b"moved", {"Location": location})


class RawServer:
    """A TCP server that reads one request head per connection and lets ``answer`` reply.

    ``answer(conn)`` gets the connected socket; it may write slowly, endlessly,
    or not at all. It stops when the client goes away (a write fails). With
    ``tls`` (a server context) connections are TLS and the URL is ``https``.
    """

    def __init__(self, answer: Callable[[socket.socket], None],
                 tls: Optional[ssl.SSLContext] = None) -> None:
        self.answer, self.tls = answer, tls
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}/v1"
        self.heads: list[bytes] = []
        self.threads: list[threading.Thread] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self.threads.append(thread)
            thread.start()

    def _serve(self, conn: socket.socket) -> None:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self.tls is not None:
            try:
                conn = self.tls.wrap_socket(conn, server_side=True)
            except (OSError, ssl.SSLError):
                conn.close()
                return   # the client refused the handshake
        with conn:
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                head += chunk
            self.heads.append(head)
            try:
                self.answer(conn)
            except OSError:
                pass   # the client closed the connection: what the tests want

    def __enter__(self) -> RawServer:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.listener.close()
        for thread in self.threads:
            thread.join(timeout=10)
