"""The HTTP layer under ``api``: one configured ``requests.Session``, sending, error mapping.

GETs are retried by urllib3's ``Retry`` on the session's adapter (connection
errors, 429 and 5xx, exponential backoff with jitter, ``Retry-After``
honoured, and a bare 429 waits for the next minute of TD's quota clock);
requests that change state are never retried once sent.
Environment-derived settings (proxies, CA bundle) are resolved once when the
session is built, not on every call.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import random
import socket
from email.utils import parsedate_to_datetime
from typing import Any, Mapping, Optional, Union
from urllib.parse import urljoin, urlsplit, urlunsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict
from urllib3.util.retry import Retry

from pyTD.exceptions import (
    Redirection,
    ResponseFormatError,
    SSLError,
    TDError,
    TransportError,
    UnknownOutcomeError,
    error_class,
)
from pyTD.provider import ErrorParser, error_text

log = logging.getLogger(__name__)

Timeout = Union[float, tuple[float, float]]

#: Methods retried after a failure; everything else may have changed state on the server.
RETRY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
RETRY_STATUSES = (429, 500, 502, 503, 504)


class QuotaRetry(Retry):
    """urllib3's ``Retry`` that also knows TD's rate limit.

    TD answers 429 without ``Retry-After`` and resets its quota on the minute
    boundaries of its own clock; retrying sooner only burns attempts. So a 429
    without ``Retry-After`` waits until the next minute of the response's
    ``Date`` header (plus jitter), at most ``backoff_max`` seconds.
    """

    def get_retry_after(self, response: Any) -> Optional[float]:
        """``Retry-After`` if given; for a bare 429, the seconds to the server's next minute."""
        seconds = super().get_retry_after(response)
        if seconds is not None or response.status != 429:
            return seconds
        date = response.headers.get("Date")
        try:
            server_now = parsedate_to_datetime(date) if date else None
        except (TypeError, ValueError):
            server_now = None
        if server_now is None:
            return None
        wait = 60 - server_now.second + random.uniform(0, self.backoff_jitter)  # noqa: S311
        return min(wait, self.backoff_max)


def build_session(base_url: str, *, retry_count: int = 3, pause: float = 0.5,
                  max_wait: float = 60.0) -> requests.Session:
    """A session with pyTD's retry policy and the environment's proxies/CA bundle resolved once.

    ``max_wait`` caps any one wait between attempts (backoff, ``Retry-After``, or
    the wait for TD's next quota minute).
    """
    session = requests.Session()
    retry = QuotaRetry(
        total=retry_count, connect=retry_count, read=retry_count, status=retry_count,
        other=0, backoff_factor=pause, backoff_jitter=pause / 2, backoff_max=max_wait,
        status_forcelist=RETRY_STATUSES, allowed_methods=RETRY_METHODS,
        respect_retry_after_header=True, raise_on_status=False, raise_on_redirect=False,
    )
    adapter = HTTPAdapter(max_retries=retry, pool_maxsize=16)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    # Resolve what requests would otherwise re-read from the environment on every call.
    session.proxies.update(requests.utils.get_environ_proxies(base_url))
    ca_bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    if ca_bundle:
        session.verify = ca_bundle
    session.trust_env = False
    return session


class Transport:
    """Sends pyTD's requests: the session, timeouts, retry policy and failure classification.

    Built by every ``api`` (``api.transport``) and shared with its OAuth flow::

        >>> t = Transport("http://127.0.0.1:9", retry_count=0)
        >>> t.send("GET", "http://127.0.0.1:9/marketdata/quotes")
        Traceback (most recent call last):
        pyTD.exceptions.TransportError: GET /marketdata/quotes failed: ... (connection refused)...

    With its own session (the default) a request is prepared without
    ``Session.request``'s per-call merging of session settings (nothing to
    merge: no auth, params, cookies or hooks, and proxies and CA bundle are
    resolved once), with the same bytes on the wire. A ``session`` you pass in
    keeps its own adapters and settings and goes through ``Session.request``.
    """

    def __init__(self, base_url: str, *, session: Optional[requests.Session] = None,
                 timeout: Timeout = (5.0, 30.0), retry_count: int = 3, pause: float = 0.5,
                 max_wait: float = 60.0) -> None:
        self.owns_session = session is None
        self.base_url = base_url.rstrip("/")
        self.session = session if session is not None else build_session(
            base_url, retry_count=retry_count, pause=pause, max_wait=max_wait)
        self.timeout = timeout
        self._header_memo: Optional[tuple[Optional[Mapping[str, str]],
                                          CaseInsensitiveDict]] = None

    def send(self, method: str, url: str, *, params: Any = None, json: Any = None,
             data: Any = None, headers: Optional[Mapping[str, str]] = None,
             auth: Optional[tuple[str, str]] = None) -> requests.Response:
        """Send one request; a failure without an answer becomes :class:`TransportError`.

        It becomes :class:`UnknownOutcomeError` instead when a request that
        changes state (anything but GET, HEAD, OPTIONS) may have reached the server.
        """
        error: TDError
        try:
            if self.owns_session:
                response = self._send_prepared(method, url, headers, params, json, data, auth)
            else:
                response = self.session.request(
                    method, url, params=params, json=json, data=data, headers=headers,
                    auth=auth, timeout=self.timeout, allow_redirects=False)
        except requests.exceptions.RequestException as exc:
            error = failure(method, url, exc)
        else:
            if not response.is_redirect and not 300 <= response.status_code < 400:
                return response
            error = redirection(method, url, response, self.base_url)
        raise error  # outside the except block: no __context__ holding the request

    def close(self) -> None:
        """Close the session's pooled connections."""
        self.session.close()

    def _send_prepared(self, method: str, url: str, headers: Optional[Mapping[str, str]],
                       params: Any, json: Any, data: Any,
                       auth: Optional[tuple[str, str]]) -> requests.Response:
        session = self.session
        prepared = requests.PreparedRequest()
        merged = self._merged_headers(headers)
        if json is None and data is None and auth is None:
            prepared.method = method.upper()
            prepared.url = _full_url(url, params) if params else url
            prepared.headers = merged
            prepared.body = None
            if prepared.method not in ("GET", "HEAD"):
                prepared.headers["Content-Length"] = "0"  # as prepare_body() sets it
        else:
            prepared.prepare(method=method, url=url, headers=merged, params=params, json=json,
                             data=data, auth=auth)
        # The adapter directly: no cookie jar, hooks or redirect handling to run.
        response = session.get_adapter(url).send(
            prepared, timeout=self.timeout, proxies=session.proxies, verify=session.verify,
            cert=session.cert, stream=False)
        response.content  # noqa: B018 - read the body now, as Session.send does
        return response

    def _merged_headers(self, headers: Optional[Mapping[str, str]]) -> CaseInsensitiveDict:
        """Session headers updated with ``headers``, merged once per distinct headers object."""
        memo = self._header_memo
        if memo is not None and memo[0] is headers:
            return memo[1].copy()
        merged = CaseInsensitiveDict(self.session.headers)
        merged.update(headers or {})
        self._header_memo = (headers, merged)
        return merged.copy()


def _full_url(url: str, params: Any) -> str:
    """``url`` with its query string, encoded as requests encodes it (memoized)."""
    items = params.items() if isinstance(params, dict) else params
    try:
        return _encoded_url(url, tuple(items))
    except TypeError:  # unhashable values: encode this one without the memo
        prepared = requests.PreparedRequest()
        prepared.prepare_url(url, params)
        return str(prepared.url)


@functools.lru_cache(maxsize=1024)
def _encoded_url(url: str, params: tuple) -> str:
    prepared = requests.PreparedRequest()
    prepared.prepare_url(url, list(params))
    return str(prepared.url)


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
    (urllib3.exceptions.SSLError, "TLS handshake failed", False),
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


def failure(method: str, url: str, exc: BaseException) -> TDError:
    """The pyTD exception for a request that got no answer (no URL query, no credentials)."""
    parts = urlsplit(url)
    what = f"{method.upper()} {parts.path}"
    reason, sent = classify(exc)
    if isinstance(exc, requests.exceptions.SSLError) and not sent:
        return SSLError(f"TLS error talking to {parts.netloc} ({reason}). Check the CA bundle "
                        "(REQUESTS_CA_BUNDLE) or the URL.")
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


def redacted(response: requests.Response) -> requests.Response:
    """``response`` with every request it holds stripped of credentials, for keeping in an error.

    Error reporters record exception attributes: the Bearer header and a token
    request's form body (a code or refresh token) must not travel with them,
    neither in the response's own request, nor in its ``history`` nor in the
    redirect it did not follow (``response.next``).
    """
    pending = getattr(response, "_next", None)
    for request in (*(r.request for r in response.history), response.request, pending):
        if isinstance(request, requests.PreparedRequest):
            _strip_credentials(request)
    return response


_CREDENTIAL_HEADERS = ("Authorization", "Proxy-Authorization", "Cookie")


def _strip_credentials(request: requests.PreparedRequest) -> None:
    for name in _CREDENTIAL_HEADERS:
        if name in request.headers:
            request.headers[name] = "[redacted]"
    if isinstance(request.body, (str, bytes)) and "x-www-form-urlencoded" in \
            request.headers.get("Content-Type", ""):
        request.body = None


def decode_json(response: requests.Response) -> Any:
    """The body as JSON, parsed leniently (TD pads bodies with whitespace); ``None`` if empty."""
    body = response.content
    if not body.strip():
        return None
    try:
        return json.loads(body)
    except ValueError:
        start = body[:200].decode("utf-8", "replace")
        raise ResponseFormatError(
            f"{response.request.method} {urlsplit(response.url).path} returned HTTP "
            f"{response.status_code} with a body that is not JSON; it starts with {start!r}. "
            "Check that TD_BASE_URL points at the API.",
            status_code=response.status_code, response=redacted(response),
        ) from None


def server_message(response: requests.Response, parse: ErrorParser = error_text) -> str:
    """The server's error text as ``parse`` reads it, or the start of the body."""
    try:
        data = json.loads(response.content)
    except ValueError:
        return response.content[:200].decode("utf-8", "replace").strip()
    return parse(data) or str(data)[:200]


def raise_for_status(response: requests.Response, hint: str = "",
                     parse: ErrorParser = error_text) -> None:
    """Raise the exception of the status table for an error response.

    TD answers an unknown consumer key (``apikey``) with a 500 saying
    ``Invalid ApiKey``: that is an :class:`~pyTD.exceptions.AuthorizationError`, as in
    pyTD 0.0.x.
    """
    if response.status_code < 400:
        return
    cls = error_class(response.status_code)
    path = urlsplit(response.url).path
    text = server_message(response, parse)
    message = f"{response.request.method} {path} failed with HTTP {response.status_code}: {text}"
    if response.status_code == 500 and (b"invalid apikey" in response.content.lower()
                                        or "invalid apikey" in text.lower()):
        cls = error_class(401)  # AuthorizationError
        hint = hint or ("The consumer key was not recognized: check TD_CONSUMER_KEY / "
                        "consumer_key against your app's Consumer Key")
    if hint:
        message += f". {hint}"
    raise cls(message, status_code=response.status_code, response=redacted(response))
