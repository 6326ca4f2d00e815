"""Sending through pyTD's adapter's urllib3 pool directly, for sessions pyTD builds itself.

``HTTPAdapter.send`` looks up the connection pool, the proxy and the TLS
settings anew for every request, and extracts cookies from every answer.
:func:`send` finds the pool once per origin and settings, with the adapter's
own methods (so the pool, the proxy and the certificate checks are exactly
what ``HTTPAdapter.send`` would pick), and keeps it in ``Adapter.routes``
until the pools are closed or replaced. It sends with the same arguments to
``urlopen`` (the adapter's retry policy, no redirects, nothing preloaded),
and a failure raises the ``requests`` exception ``HTTPAdapter.send`` would
raise, so pyTD classifies it the same way; :func:`read_body` does the same
for ``Response.iter_content``. The answer is a genuine ``requests.Response``::

    response = send(adapter, prepared, timeout, headers, proxies={}, verify=True, cert=None)
    content = read_body(response.raw, 65536, limit=64 << 20)   # None: over the limit
"""

from __future__ import annotations

import datetime
import functools
from collections import OrderedDict
from typing import Any, Mapping, NamedTuple, Optional

import requests
from requests import exceptions as rex
from requests.adapters import DEFAULT_POOLSIZE
from requests.cookies import RequestsCookieJar, extract_cookies_to_jar
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers, urldefragauth
from urllib3 import exceptions as u3
from urllib3.connectionpool import HTTPConnectionPool
from urllib3.util.timeout import Timeout

from pyTD.adapter import Adapter

#: Routes kept per adapter: as many as the pools its pool manager keeps (requests' default).
MAX_ROUTES = DEFAULT_POOLSIZE
_NO_TIME = datetime.timedelta(0)   # what Response() sets; immutable, so shared


class Route(NamedTuple):
    """Where requests to one origin go: the pool, and whether the target is the full URL."""

    pool: HTTPConnectionPool
    #: Plain http through an HTTP proxy: the request line carries the whole URL.
    full_url: bool


def urllib3_timeout(timeout: Any) -> Timeout:
    """``timeout`` (seconds, ``(connect, read)`` or a urllib3 ``Timeout``) as urllib3 takes it."""
    if isinstance(timeout, tuple):
        try:
            connect, read = timeout
        except ValueError:
            raise ValueError(f"Invalid timeout {timeout}. Pass a (connect, read) timeout tuple, "
                             "or a single float to set both timeouts to the same value.") from None
        return Timeout(connect=connect, read=read)
    if isinstance(timeout, Timeout):
        return timeout
    return Timeout(connect=timeout, read=timeout)


def route(adapter: Adapter, request: requests.PreparedRequest, verify: Any,
          proxies: dict[str, str], cert: Any) -> Route:
    """The pool for ``request``, found as ``HTTPAdapter.send`` finds it, once per origin."""
    url = str(request.url)
    # Everything up to the first "/" after the scheme holds the whole host part.
    path_start = url.find("/", url.find("://") + 3)
    origin = url[:path_start] if path_start > 0 else url
    key = (origin, verify, cert, tuple(proxies.items()))
    found: Optional[Route] = adapter.routes.get(key)
    if found is not None and found.pool.pool is not None:   # a pool closed by hand has none
        return found
    try:
        pool = adapter.get_connection_with_tls_context(request, verify, proxies=proxies,
                                                       cert=cert)
    except u3.LocationValueError as exc:
        raise rex.InvalidURL(exc, request=request)  # noqa: B904  # chained as requests does
    adapter.cert_verify(pool, url, verify, cert)
    found = Route(pool, full_url=adapter.request_url(request, proxies) != request.path_url)
    if len(adapter.routes) >= MAX_ROUTES:   # the pool manager has let the oldest go by now
        adapter.routes.clear()
    adapter.routes[key] = found
    return found


def send(adapter: Adapter, request: requests.PreparedRequest, timeout: Timeout,
         headers: Mapping[str, Any], *, proxies: dict[str, str], verify: Any,
         cert: Any) -> requests.Response:
    """Send ``request`` through ``adapter``'s pool; the answer's body is left unread.

    ``headers`` are ``request.headers`` or the same names and values in the same order.
    """
    found = route(adapter, request, verify, proxies, cert)
    target = urldefragauth(str(request.url)) if found.full_url else _path_url(request)
    try:
        raw = found.pool.urlopen(
            method=str(request.method), url=target,
            body=request.body, headers=headers,  # type: ignore[arg-type]  # as requests passes it
            redirect=False, assert_same_host=False, preload_content=False,
            decode_content=False, retries=adapter.max_retries, timeout=timeout,
            chunked=not (request.body is None or "Content-Length" in request.headers))
    except (u3.ProtocolError, OSError) as exc:
        raise rex.ConnectionError(exc, request=request)  # noqa: B904  # chained as requests does
    except u3.MaxRetryError as exc:
        raise _exhausted(exc, request)  # noqa: B904
    except u3.ClosedPoolError as exc:
        raise rex.ConnectionError(exc, request=request)  # noqa: B904
    except u3.ProxyError as exc:
        raise rex.ProxyError(exc)  # noqa: B904
    except u3.SSLError as exc:
        raise rex.SSLError(exc, request=request)  # noqa: B904
    except u3.ReadTimeoutError as exc:
        raise rex.ReadTimeout(exc, request=request)  # noqa: B904
    except u3.InvalidHeader as exc:
        raise rex.InvalidHeader(exc, request=request)  # noqa: B904
    return _response(adapter, request, raw)


def _path_url(request: requests.PreparedRequest) -> str:
    """``request.path_url``, without splitting the URL when it has a path and no fragment."""
    url = str(request.url)
    path_start = url.find("/", url.find("://") + 3)
    if path_start > 0 and "#" not in url and not url.endswith("?"):
        return url[path_start:]
    return request.path_url


def _exhausted(exc: u3.MaxRetryError, request: requests.PreparedRequest) -> rex.RequestException:
    """The ``requests`` exception for urllib3 giving up, by the reason of the last failure."""
    reason = exc.reason
    if isinstance(reason, u3.ConnectTimeoutError) and \
            not isinstance(reason, u3.NewConnectionError):
        return rex.ConnectTimeout(exc, request=request)
    if isinstance(reason, u3.ResponseError):
        return rex.RetryError(exc, request=request)
    if isinstance(reason, u3.ProxyError):
        return rex.ProxyError(exc, request=request)
    if isinstance(reason, u3.SSLError):
        return rex.SSLError(exc, request=request)
    return rex.ConnectionError(exc, request=request)


def _response(adapter: Adapter, request: requests.PreparedRequest, raw: Any) -> requests.Response:
    """The ``requests.Response`` ``HTTPAdapter.build_response`` would make of ``raw``.

    Its attributes are set here rather than by ``Response()``, which would make
    a cookie jar only to replace it and an empty header dict to discard.
    """
    response = requests.Response.__new__(requests.Response)
    response._content = False
    response._content_consumed = False
    response._next = None
    response.status_code = raw.status
    # As CaseInsensitiveDict(raw.headers): each name as first seen, repeated values joined.
    store = OrderedDict([(lowered, (seen[0], ", ".join(seen[1:])))
                         for lowered, seen in raw.headers._container.items()])
    response.headers = _with_store(store)
    response.raw = raw
    response.url = str(request.url)
    content_type = store.get("content-type")
    response.encoding = _encoding(content_type[1]) if content_type is not None else None
    response.history = []
    response.reason = raw.reason
    response.cookies = RequestsCookieJar()
    if "set-cookie" in store or "set-cookie2" in store:   # else it stays empty
        extract_cookies_to_jar(response.cookies, request, raw)
    response.elapsed = _NO_TIME
    response.request = request
    response.connection = adapter
    return response


@functools.lru_cache(maxsize=64)
def _encoding(content_type: str) -> Optional[str]:
    """``get_encoding_from_headers`` of a ``Content-Type`` value (a handful per API)."""
    return get_encoding_from_headers(CaseInsensitiveDict({"Content-Type": content_type}))


def _with_store(store: OrderedDict) -> CaseInsensitiveDict:
    """A ``CaseInsensitiveDict`` over ``store`` (lowered name to ``(name, value)``), as is."""
    headers: CaseInsensitiveDict = CaseInsensitiveDict.__new__(CaseInsensitiveDict)
    headers._store = store
    return headers


def copy_headers(headers: CaseInsensitiveDict) -> CaseInsensitiveDict:
    """``headers.copy()``, without lowering every name again."""
    return _with_store(headers._store.copy())


def read_body(raw: Any, size: int, limit: int) -> Optional[bytes]:
    """The decoded body; ``None`` (and the rest left unread) when it exceeds ``limit`` bytes.

    It fails as ``Response.iter_content`` fails. A body of a known length that
    needs no decoding is read in one piece: it cannot grow past its length.
    """
    try:
        length = raw.length_remaining
        if length is not None:
            if length > limit:
                return None
            if "Content-Encoding" not in raw.headers:
                return raw.read(decode_content=True)
        chunks, total = [], 0
        for chunk in raw.stream(size, decode_content=True):
            total += len(chunk)
            if total > limit:
                return None
            chunks.append(chunk)
        return b"".join(chunks)
    except u3.ProtocolError as exc:
        raise rex.ChunkedEncodingError(exc)  # noqa: B904
    except u3.DecodeError as exc:
        raise rex.ContentDecodingError(exc)  # noqa: B904
    except u3.ReadTimeoutError as exc:
        raise rex.ConnectionError(exc)  # noqa: B904
    except u3.SSLError as exc:
        raise rex.SSLError(exc)  # noqa: B904
