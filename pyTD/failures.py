"""What pyTD says when a request got no usable answer: no answer at all, or a redirect.

:func:`failure` tells "never reached the server" from "may have been applied",
so that nothing that changes state is sent twice by mistake; whether bytes
were sent is known exactly on pyTD's own adapter and guessed from the
exception chain otherwise.
"""

from __future__ import annotations

import socket
from typing import Optional
from urllib.parse import urljoin, urlsplit, urlunsplit

import requests
import urllib3

from pyTD.adapter import DeadlineExceeded
from pyTD.exceptions import Redirection, SSLError, TDError, TransportError, UnknownOutcomeError
from pyTD.redaction import redacted

#: Methods retried after a failure; everything else may have changed state on the server.
RETRY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

_HANDSHAKE = "TLS handshake failed"
_DEADLINE = "the answer did not complete within the deadline"


def _chain(exc: BaseException) -> list[BaseException]:
    """``exc`` and everything it wraps: causes, contexts, urllib3 reasons and wrapped args."""
    found: list[BaseException] = []
    todo = [exc]
    while todo:
        current = todo.pop()
        if any(current is seen for seen in found):
            continue
        found.append(current)
        linked = [current.__cause__, current.__context__, getattr(current, "reason", None),
                  *current.args]
        todo.extend(item for item in linked if isinstance(item, BaseException))
    return found


#: (exception type, reason shown to the user, whether the request can have been sent)
_REASONS: tuple[tuple[type[BaseException], str, bool], ...] = (
    (urllib3.exceptions.NameResolutionError, "the host name could not be resolved", False),
    (socket.gaierror, "the host name could not be resolved", False),
    (ConnectionRefusedError, "connection refused", False),
    (urllib3.exceptions.ConnectTimeoutError, "timed out while connecting", False),
    (requests.exceptions.ConnectTimeout, "timed out while connecting", False),
    (DeadlineExceeded, _DEADLINE, True),
    (urllib3.exceptions.SSLError, _HANDSHAKE, False),
    (urllib3.exceptions.NewConnectionError, "could not connect", False),
    (urllib3.exceptions.ProxyError, "the proxy failed", False),
    (urllib3.exceptions.ReadTimeoutError, "timed out waiting for the answer", True),
    (requests.exceptions.ReadTimeout, "timed out waiting for the answer", True),
    (ConnectionResetError, "the connection was reset", True),
    (urllib3.exceptions.ProtocolError, "the connection closed without an answer", True),
)


def classify(exc: BaseException) -> tuple[str, bool]:
    """``(reason, may_have_been_sent)`` for a failure of ``requests``, from its exception chain."""
    chain = _chain(exc)
    for kind, reason, sent in _REASONS:
        if any(isinstance(item, kind) for item in chain):
            return reason, sent
    return type(exc).__name__, True


def failure(method: str, url: str, exc: BaseException, *, sent: Optional[bool] = None,
            deadline: Optional[float] = None) -> TDError:
    """The pyTD exception for a request that got no answer (no URL query, no credentials).

    ``sent`` is whether request bytes were written, when known; else it is
    guessed from the exception chain.
    """
    parts = urlsplit(url)
    what = f"{method.upper()} {parts.path}"
    reason, guessed = classify(exc)
    sent = guessed if sent is None else sent
    if reason == _HANDSHAKE and not sent:
        return SSLError(f"TLS error talking to {parts.netloc} ({reason}). Check the CA bundle "
                        "(REQUESTS_CA_BUNDLE) or the URL.")
    if reason == _HANDSHAKE:
        reason = "the TLS connection failed after the request was sent"
    elif reason == _DEADLINE:
        reason = (f"the answer did not complete within the {deadline or 0:g} s deadline; if the "
                  "server is just slow, raise deadline= or TD_DEADLINE")
    if method.upper() in RETRY_METHODS or not sent:
        return TransportError(
            f"{what} failed: could not get an answer from {parts.netloc} ({reason}). "
            "Check the network and TD_BASE_URL, then try again.")
    return UnknownOutcomeError(
        f"{what} was sent to {parts.netloc} but no answer arrived ({reason}); it may or may "
        "not have been applied. It was not retried: check with get_orders() (or the matching "
        "GET) before sending it again.")


def redirection(method: str, url: str, response: requests.Response,
                base_url: str) -> Redirection:
    """The error for a 3xx answer: pyTD follows no redirect (it would carry the token along)."""
    parts = urlsplit(url)
    location = response.headers.get("Location", "")
    target = urlsplit(urljoin(url, location))
    shown = urlunsplit((target.scheme, target.netloc, target.path, "", "")) or "nowhere"
    if target.query or target.fragment:
        shown += " (query not shown)"
    message = (f"{method.upper()} {parts.path} was answered with HTTP {response.status_code}, a "
               f"redirect to {shown}. pyTD follows no redirects, so nothing was sent there")
    if method.upper() not in RETRY_METHODS:
        message += "; this is the server's answer (it was not retried)"
    if parts.scheme == "http" and target.scheme == "https" and \
            target.hostname == parts.hostname and base_url.startswith("http://"):
        message += (f". The server wants https: use https://{base_url[len('http://'):]} as "
                    "TD_BASE_URL (or base_url=).")
    else:
        message += (". If the API has moved, point TD_BASE_URL (or base_url=) at its new "
                    "address; otherwise check the URL.")
    return Redirection(message, status_code=response.status_code, response=redacted(response))
