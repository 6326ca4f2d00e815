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
from email.utils import parsedate_to_datetime
from typing import Any, Optional, Union
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from requests.hooks import default_hooks
from requests.structures import CaseInsensitiveDict
from urllib3.util.retry import Retry

from pyTD.exceptions import (
    ResponseFormatError,
    SSLError,
    TransportError,
    UnknownOutcomeError,
    error_class,
)

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


def build_session(base_url: str, *, session: Optional[requests.Session] = None,
                  retry_count: int = 3, pause: float = 0.5,
                  max_wait: float = 60.0) -> requests.Session:
    """A session with pyTD's retry policy and the environment's proxies/CA bundle resolved once.

    ``max_wait`` caps any one wait between attempts (backoff, ``Retry-After``, or
    the wait for TD's next quota minute). A user-supplied ``session`` keeps its
    own adapters and settings.
    """
    if session is not None:
        return session
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
    session._pytd_owned = True  # type: ignore[attr-defined]  # see _send_prepared
    return session


def _send_prepared(session: requests.Session, method: str, url: str, timeout: Timeout, *,
                   headers: Optional[dict] = None, params: Any = None, json: Any = None,
                   data: Any = None) -> requests.Response:
    """Send without ``Session.request``'s per-call merging of session-level settings.

    A session made by :func:`build_session` has no auth, params, cookies or hooks to
    merge, and its proxies and CA bundle were resolved when it was built. Requests
    without a body skip ``PreparedRequest.prepare`` too: the query string is encoded
    once per distinct parameter set and the headers once per token.
    """
    prepared = requests.PreparedRequest()
    merged = _merged_headers(session, headers)
    if json is None and data is None:
        prepared.method = method
        prepared.url = _full_url(url, params) if params else url
        prepared.headers = merged
        prepared.body = None
        prepared.hooks = default_hooks()
    else:
        prepared.prepare(method=method, url=url, headers=merged, params=params, json=json,
                         data=data)
    return session.send(prepared, timeout=timeout, proxies=session.proxies,
                        verify=session.verify, cert=session.cert, stream=False,
                        allow_redirects=True)


def _merged_headers(session: requests.Session, headers: Optional[dict]) -> CaseInsensitiveDict:
    cached = getattr(session, "_pytd_headers", None)
    if cached is not None and cached[0] is headers:
        return cached[1].copy()
    merged = CaseInsensitiveDict(session.headers)
    merged.update(headers or {})
    session._pytd_headers = (headers, merged)  # type: ignore[attr-defined]
    return merged.copy()


def _full_url(url: str, params: Any) -> str:
    """``url`` with its query string, encoded as requests encodes it (memoized)."""
    items = params.items() if isinstance(params, dict) else params
    try:
        return _encoded_url(url, tuple(items))
    except TypeError:  # unhashable values: encode this one without the memo
        prepared = requests.PreparedRequest()
        prepared.prepare_url(url, params)
        return prepared.url


@functools.lru_cache(maxsize=1024)
def _encoded_url(url: str, params: tuple) -> str:
    prepared = requests.PreparedRequest()
    prepared.prepare_url(url, list(params))
    return prepared.url


def redacted(response: requests.Response) -> requests.Response:
    """``response`` with its request's credentials removed, for keeping in an exception.

    Error reporters record exception attributes: the Bearer header and a token
    request's form body (a code or refresh token) must not travel with them.
    """
    request = response.request
    if request is not None:
        if "Authorization" in request.headers:
            request.headers["Authorization"] = "[redacted]"
        if isinstance(request.body, (str, bytes)) and "x-www-form-urlencoded" in \
                request.headers.get("Content-Type", ""):
            request.body = None
    return response


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


def server_message(response: requests.Response) -> str:
    """The server's ``error``/``message`` text, or the start of the body."""
    try:
        data = json.loads(response.content)
    except ValueError:
        return response.content[:200].decode("utf-8", "replace").strip()
    if isinstance(data, dict):
        for key in ("error", "message", "error_description"):
            if data.get(key):
                return str(data[key])
    return str(data)[:200]


def raise_for_status(response: requests.Response, hint: str = "") -> None:
    """Raise the exception of the status table for an error response."""
    if response.status_code < 400:
        return
    cls = error_class(response.status_code)
    path = urlsplit(response.url).path
    message = f"{response.request.method} {path} failed with HTTP {response.status_code}: " \
              f"{server_message(response)}"
    if hint:
        message += f". {hint}"
    raise cls(message, status_code=response.status_code, response=redacted(response))


def send(session: requests.Session, method: str, url: str, *, timeout: Timeout,
         **kwargs: Any) -> requests.Response:
    """Send one request; transport failures become :class:`TransportError` (or
    :class:`UnknownOutcomeError` when a state-changing request may have been applied)."""
    try:
        if getattr(session, "_pytd_owned", False):
            return _send_prepared(session, method, url, timeout, **kwargs)
        return session.request(method, url, timeout=timeout, **kwargs)
    except requests.exceptions.SSLError as exc:
        raise SSLError(f"TLS error talking to {urlsplit(url).netloc}: {exc}. "
                       "Check the CA bundle (REQUESTS_CA_BUNDLE) or the URL.") from None
    except requests.exceptions.RequestException as exc:
        host = urlsplit(url).netloc
        never_sent = isinstance(exc, (requests.exceptions.ConnectTimeout,)) or (
            isinstance(exc, requests.exceptions.ConnectionError)
            and "NewConnectionError" in repr(exc))
        if method.upper() in RETRY_METHODS or never_sent:
            raise TransportError(
                f"{method} {urlsplit(url).path} failed: could not get an answer from {host} "
                f"({type(exc).__name__}). Check the network and TD_BASE_URL, then try again."
            ) from None
        raise UnknownOutcomeError(
            f"{method} {urlsplit(url).path} was sent to {host} but no answer arrived "
            f"({type(exc).__name__}); it may or may not have been applied. It was not retried: "
            "check with get_orders() (or the matching GET) before sending it again."
        ) from None
