"""The HTTP layer under ``api``: one configured ``requests.Session``, sending, error mapping.

GETs are retried by urllib3's ``Retry`` on the session's adapter (connection
errors, 429 and 5xx, exponential backoff with jitter, ``Retry-After``
honoured, and a bare 429 waits for the next minute of TD's quota clock);
requests that change state are never retried once sent.
Environment-derived settings (proxies, CA bundle) are resolved once when the
session is built, not on every call, and the connection pool once per origin.
"""

from __future__ import annotations

import functools
import logging
import os
import random
from email.utils import parsedate_to_datetime
from typing import Any, Mapping, Optional, Union
from urllib.parse import urlsplit

import requests
from requests.structures import CaseInsensitiveDict
from urllib3.util.retry import Retry

from pyTD import fastpath
from pyTD._fork import fresh_pools, register
from pyTD.adapter import Adapter, Attempt, DeadlineExceeded, attempt
from pyTD.bodies import encode_body
from pyTD.exceptions import ResponseFormatError, TDError
from pyTD.failures import RETRY_METHODS, failure, redirection
from pyTD.failures import classify as classify  # re-exported: pyTD.transport's older names
from pyTD.pacing import Notify, Pacer, WaitListeners, pace_retry, paced
from pyTD.redaction import redacted
from pyTD.responses import decode_json as decode_json
from pyTD.responses import raise_for_status as raise_for_status
from pyTD.responses import server_message as server_message

log = logging.getLogger(__name__)

Timeout = Union[float, tuple[float, float]]

RETRY_STATUSES = (429, 500, 502, 503, 504)
#: Without ``deadline=``, an answer must complete within this many read timeouts.
DEADLINE_FACTOR = 3
#: The largest answer read, in bytes, unless ``max_body=`` says otherwise (64 MiB).
MAX_BODY = 64 * 1024 * 1024
_CHUNK = 64 * 1024
_JSON_TYPE = {"Content-Type": "application/json"}


class QuotaRetry(Retry):
    """urllib3's ``Retry`` that also knows TD's rate limit.

    TD answers 429 without ``Retry-After`` and resets its quota on the minute
    boundaries of its own clock; retrying sooner only burns attempts. So a 429
    without ``Retry-After`` waits until the next minute of the response's
    ``Date`` header (plus jitter), at most ``backoff_max`` seconds. Each wait
    for a 429 is told to ``on_wait`` (seconds) before it starts. With a pacer,
    each retry is a request of the quota too: it waits for a slot of its own.
    """

    def __init__(self, *args: Any, on_wait: Optional[Notify] = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.on_wait = on_wait

    def new(self, **kw: Any) -> QuotaRetry:
        """A copy for the next attempt (urllib3 makes one per retry), keeping ``on_wait``."""
        fresh = super().new(**kw)
        fresh.on_wait = self.on_wait
        return fresh

    def sleep_for_retry(self, response: Any) -> bool:
        """Tell ``on_wait`` of a 429's wait, then wait as urllib3 does."""
        if self.on_wait is not None and response is not None and response.status == 429:
            seconds = self.get_retry_after(response)
            if seconds:
                self.on_wait(seconds)
        return bool(super().sleep_for_retry(response))

    def sleep(self, response: Any = None) -> None:
        """Wait before a retry as urllib3 does, then for the retry's own slot of the quota."""
        super().sleep(response)
        pace_retry()

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
                  max_wait: float = 60.0, on_wait: Optional[Notify] = None) -> requests.Session:
    """A session with pyTD's retry policy and the environment's proxies/CA bundle resolved once.

    ``max_wait`` caps any one wait between attempts (backoff, ``Retry-After``, or
    the wait for TD's next quota minute); ``on_wait`` hears of each 429's wait.
    """
    session = requests.Session()
    retry = QuotaRetry(
        total=retry_count, connect=retry_count, read=retry_count, status=retry_count,
        other=0, backoff_factor=pause, backoff_jitter=pause / 2, backoff_max=max_wait,
        status_forcelist=RETRY_STATUSES, allowed_methods=RETRY_METHODS,
        respect_retry_after_header=True, raise_on_status=False, raise_on_redirect=False,
        on_wait=on_wait,
    )
    adapter = Adapter(max_retries=retry, pool_maxsize=16)
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
    """Sends pyTD's requests: session, timeouts, limits, retry policy, failure classification.

    Built by every ``api`` (``api.transport``) and shared with its OAuth flow::

        >>> t = Transport("http://127.0.0.1:9", retry_count=0)
        >>> t.send("GET", "http://127.0.0.1:9/marketdata/quotes")
        Traceback (most recent call last):
        pyTD.exceptions.TransportError: GET /marketdata/quotes failed: ... (connection refused)...

    Redirects are never followed (a 3xx is a :class:`~pyTD.exceptions.Redirection`).
    Each answer must complete within ``deadline`` seconds of the request
    (default: ``DEADLINE_FACTOR`` read timeouts) and hold at most ``max_body``
    bytes; the deadline is kept by pyTD's adapter, which sessions built here have.

    With its own session (the default) a request is prepared without
    ``Session.request``'s per-call merging of session settings (nothing to
    merge: no auth, params, cookies or hooks, and proxies and CA bundle are
    resolved once) and sent through the adapter's urllib3 pool directly
    (:mod:`pyTD.fastpath`: the pool, proxy and TLS settings ``HTTPAdapter``
    would pick, found once per origin), with the same bytes on the wire, the
    same ``requests.Response`` and the same failures. A ``session`` you pass in
    keeps its own adapters and settings and goes through ``Session.request``.

    With a ``pacer``, every request but an order write waits for a slot of the
    quota first (:mod:`pyTD.pacing`); waits for the rate limit, the pacer's
    and a 429's, are told to the listeners in ``waits``.
    """

    def __init__(self, base_url: str, *, session: Optional[requests.Session] = None,
                 timeout: Timeout = (5.0, 30.0), retry_count: int = 3, pause: float = 0.5,
                 max_wait: float = 60.0, deadline: Optional[float] = None,
                 max_body: Optional[int] = None, pacer: Optional[Pacer] = None) -> None:
        self.owns_session = session is None
        self.base_url = base_url.rstrip("/")
        #: Who hears of rate-limit waits (see :class:`~pyTD.pacing.WaitListeners`).
        self.waits = WaitListeners()
        self.pacer = pacer
        self.session = session if session is not None else build_session(
            base_url, retry_count=retry_count, pause=pause, max_wait=max_wait,
            on_wait=self.waits.notify)
        self.timeout = timeout
        register(self, lambda t: fresh_pools(t.session))   # a forked child: its own sockets
        read_timeout = timeout[1] if isinstance(timeout, tuple) else timeout
        self.deadline = deadline if deadline is not None else DEADLINE_FACTOR * read_timeout
        self.max_body = max_body if max_body is not None else MAX_BODY
        self._header_memo: Optional[tuple[Optional[Mapping[str, str]], CaseInsensitiveDict,
                                          dict[str, str]]] = None
        self._timeout_memo: Optional[tuple[Any, Any]] = None

    def send(self, method: str, url: str, *, params: Any = None, json: Any = None,
             data: Any = None, headers: Optional[Mapping[str, str]] = None,
             auth: Optional[tuple[str, str]] = None) -> requests.Response:
        """Send one request; a failure without an answer becomes :class:`TransportError`.

        It becomes :class:`UnknownOutcomeError` instead when a request that
        changes state (anything but GET, HEAD, OPTIONS) may have reached the server.
        """
        pacer = self.pacer
        if pacer is None or not paced(method, urlsplit(url).path):
            return self._send(method, url, params, json, data, headers, auth)
        with pacer.slot(self.waits.notify):
            return self._send(method, url, params, json, data, headers, auth)

    def _send(self, method: str, url: str, params: Any, json: Any, data: Any,
              headers: Optional[Mapping[str, str]],
              auth: Optional[tuple[str, str]]) -> requests.Response:
        error: TDError
        json_body = None
        if json is not None:   # encoded here, before anything is sent
            json_body = encode_body(json, f"{method.upper()} {urlsplit(url).path}")
        with attempt(self.deadline) as sending:
            try:
                if self.owns_session:
                    response = self._send_prepared(method, url, headers, params, json_body,
                                                   data, auth)
                else:
                    if json_body is not None:
                        data, headers = json_body, {**(headers or {}), **_JSON_TYPE}
                    response = self.session.request(
                        method, url, params=params, data=data, headers=headers, auth=auth,
                        timeout=self.timeout, allow_redirects=False, stream=True)
                self._read_body(response, method, url)
            except (requests.exceptions.RequestException, DeadlineExceeded) as exc:
                error = failure(method, url, exc, sent=self._known_sent(sending, url),
                                deadline=self.deadline)
            else:
                if not 300 <= response.status_code < 400:   # (every is_redirect is a 3xx)
                    return response
                error = redirection(method, url, response, self.base_url)
        raise error  # outside the except block: no __context__ holding the request

    def close(self) -> None:
        """Close the session's pooled connections."""
        self.session.close()

    def _known_sent(self, sending: Attempt, url: str) -> Optional[bool]:
        """Whether bytes were sent, when pyTD's adapter noted it; else ``None`` (unknown)."""
        try:
            ours = isinstance(self.session.get_adapter(url), Adapter)
        except requests.exceptions.InvalidSchema:
            return None
        return sending.sent if ours else None

    def _read_body(self, response: requests.Response, method: str, url: str) -> None:
        """Read the streamed body into ``response.content``, refusing more than ``max_body``."""
        if self.owns_session and hasattr(response.raw, "stream"):
            content = fastpath.read_body(response.raw, _CHUNK, self.max_body)
        else:
            content = _read_within(response, self.max_body)
        if content is not None:
            response._content = content
            response._content_consumed = True
            return
        response._content = b""
        response.close()
        raise ResponseFormatError(
            f"{method.upper()} {urlsplit(url).path}: the answer is larger than "
            f"{self.max_body} bytes (max_body), so it was not read further. If answers this "
            "large are expected, raise max_body= or TD_MAX_BODY; otherwise check TD_BASE_URL.",
            status_code=response.status_code, response=redacted(response))

    def _send_prepared(self, method: str, url: str, headers: Optional[Mapping[str, str]],
                       params: Any, json_body: Optional[bytes], data: Any,
                       auth: Optional[tuple[str, str]]) -> requests.Response:
        session = self.session
        prepared = requests.PreparedRequest()
        merged, on_wire = self._merged_headers(headers)
        if json_body is None and data is None and auth is None:
            prepared.method = method.upper()
            prepared.url = _full_url(url, params) if params else url
            prepared.headers = merged
            prepared.body = None
            if prepared.method not in ("GET", "HEAD"):
                prepared.headers["Content-Length"] = "0"  # as prepare_body() sets it
                on_wire = prepared.headers
        else:
            prepared.prepare(method=method, url=url, headers=merged, params=params,
                             data=json_body if json_body is not None else data, auth=auth)
            if json_body is not None:
                prepared.headers.update(_JSON_TYPE)   # after Content-Length, as requests does
            on_wire = prepared.headers
        # No cookie jar, hooks or redirect handling to run: pyTD's adapter's pool directly.
        adapter = session.get_adapter(url)
        if isinstance(adapter, Adapter):
            return fastpath.send(adapter, prepared, self._urllib3_timeout(), on_wire,
                                 proxies=session.proxies, verify=session.verify,
                                 cert=session.cert)
        return adapter.send(prepared, timeout=self.timeout, proxies=session.proxies,
                            verify=session.verify, cert=session.cert, stream=True)

    def _urllib3_timeout(self) -> Any:
        """``timeout`` as urllib3 takes it, converted once per value of ``timeout``."""
        memo = self._timeout_memo
        if memo is None or memo[0] is not self.timeout:
            memo = self._timeout_memo = (self.timeout, fastpath.urllib3_timeout(self.timeout))
        return memo[1]

    def _merged_headers(self, headers: Optional[Mapping[str, str]]
                        ) -> tuple[CaseInsensitiveDict, Mapping[str, Any]]:
        """Session headers updated with ``headers`` (a copy of its own), and the same as a dict.

        Merged once per distinct ``headers`` object; the dict, in the same order,
        is what urllib3 writes (it reads a plain dict faster), never modified.
        """
        memo = self._header_memo
        if memo is None or memo[0] is not headers:
            merged = CaseInsensitiveDict(self.session.headers)
            merged.update(headers or {})
            memo = self._header_memo = (headers, merged, dict(merged.items()))
        return fastpath.copy_headers(memo[1]), memo[2]

def _read_within(response: requests.Response, limit: int) -> Optional[bytes]:
    """``response``'s body through ``iter_content``; ``None`` when over ``limit`` bytes."""
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    size, chunks = 0, []
    for chunk in response.iter_content(_CHUNK):
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


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
