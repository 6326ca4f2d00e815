"""pyTD's exception hierarchy and the one table that maps HTTP statuses to it.

Every error pyTD raises derives from :class:`TDError`::

    from pyTD.exceptions import TDError, RateLimitError
    try:
        a.get_quotes("AAPL")
    except RateLimitError:
        ...  # slow down
    except TDError as exc:
        print(exc)
"""

from __future__ import annotations

import builtins
import sys
from typing import Any, Mapping, Optional, Union
from urllib.parse import urlsplit

__all__ = [
    "STATUS_ERRORS", "TOKEN_PATH", "AccessDeniedError", "AuthorizationError", "CacheError",
    "CallbackTimeoutError", "ClientError", "ConfigurationError", "ConnectionError",
    "ForbiddenAccess", "NotAcceptableError", "NotSupportedError", "RateLimitError",
    "Redirection", "RefreshRefusedError", "ResourceNotFound", "ResponseFormatError", "SSLError",
    "ServerError", "StateMismatchError", "StreamCommandError", "StreamConnectionLimitError",
    "StreamError", "StreamGaveUpError", "StreamLoginError", "TDError", "TDQueryError",
    "TransportError", "UnknownOutcomeError", "UnsupportedMediaTypeError", "ValidationError",
    "error_class", "is_token_request",
]

#: The token endpoint's path (TD Ameritrade); paths of registered providers count too.
TOKEN_PATH = "/oauth2/token"  # noqa: S105 - a URL path, not a secret


class TDError(Exception):
    """Base class of every pyTD error.

    ``status_code`` and ``response`` are set when the error came from an HTTP
    response (``None`` otherwise). ``msg`` is the message, as in pyTD 0.0.x.
    ``arguments`` names the arguments (or settings) the message is about, each
    with its value as the message shows it (``None`` when it shows none), so that
    a front end can speak of its own option names instead::

        ValidationError("start_date (2) is after end_date (1); ...",
                        arguments={"start_date": "2", "end_date": "1"})
    """

    def __init__(self, message: str = "", *, status_code: Optional[int] = None,
                 response: Any = None,
                 arguments: Optional[Mapping[str, Optional[str]]] = None) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.response = response
        self.arguments: dict[str, Optional[str]] = dict(arguments or {})

    @property
    def msg(self) -> str:
        """The message (pyTD 0.0.x's name for it)."""
        return self.message


class ConfigurationError(TDError, ValueError):
    """A setting (argument or ``TD_*`` variable) is missing or invalid."""


class NotSupportedError(TDError):
    """The configured provider has no such endpoint; raised before anything is sent."""


class CacheError(TDError):
    """A token cache cannot be read or written."""


class AuthorizationError(TDError):
    """Authorization failed or is needed: the message says how to (re-)authorize."""


class SSLError(AuthorizationError):
    """A TLS problem: certificate creation or verification (an ``AuthorizationError``)."""


class AccessDeniedError(AuthorizationError):
    """The user (or the server) refused access on the consent page (``error=...``)."""


class StateMismatchError(AuthorizationError):
    """The ``state`` returned with the authorization code is not the one sent."""


class CallbackTimeoutError(AuthorizationError):
    """No authorization code reached the callback server before the deadline."""


class RefreshRefusedError(AuthorizationError):
    """The token endpoint refused the refresh token (revoked, replaced or forgotten):
    pyTD records the refusal in the cache, and a new login is needed."""


def is_token_request(response: Any) -> bool:
    """Whether ``response`` answers a token request (its body may hold tokens).

    A form-encoded request body, or a URL path ending in a token endpoint's path.
    """
    paths = {TOKEN_PATH}
    provider = sys.modules.get("pyTD.provider")  # only if loaded: no import from here
    for registered in getattr(provider, "_PROVIDERS", {}).values():
        paths.add(str(getattr(registered, "token_path", TOKEN_PATH)).rstrip("/"))
    request = getattr(response, "request", None)
    for url in (getattr(response, "url", None), getattr(request, "url", None)):
        if isinstance(url, str) and urlsplit(url).path.rstrip("/").endswith(tuple(paths)):
            return True
    if request is None:
        return False
    headers = getattr(request, "headers", None) or {}
    if "x-www-form-urlencoded" in str(headers.get("Content-Type", "")).lower():
        return True
    body = getattr(request, "body", None)
    if isinstance(body, bytes):
        body = body.decode("latin-1")
    return isinstance(body, str) and "grant_type=" in body


class TDQueryError(TDError):
    """A request to the API failed; ``status_code`` and the server's message are kept.

    Takes pyTD 0.0.x's keywords too: ``TDQueryError(response=..., content=...,
    message=...)``. ``content`` is the body given, else the response's body,
    with credential values redacted; token requests' bodies are never kept (``None``).
    """

    def __init__(self, message: Optional[str] = None, *, status_code: Optional[int] = None,
                 response: Any = None, content: Union[bytes, str, None] = None,
                 arguments: Optional[Mapping[str, Optional[str]]] = None) -> None:
        if status_code is None and isinstance(getattr(response, "status_code", None), int):
            status_code = response.status_code
        if message is None:
            message = f"The request failed with HTTP {status_code}." if status_code else ""
        super().__init__(message, status_code=status_code, response=response,
                         arguments=arguments)
        if content is None and response is not None:
            content = getattr(response, "content", None)
            if not isinstance(content, (bytes, str)):
                content = None
        if content is not None and response is not None and is_token_request(response):
            content = None
        if content is not None:
            from pyTD.redaction import redact_content  # requests only when there is a body

            content = redact_content(content)
        self.content = content


class Redirection(TDQueryError):
    """The API answered with a redirect (3xx) that was not followed."""


class ResponseFormatError(TDQueryError):
    """The API answered with a body that is not the JSON it should be (truncated, HTML...)."""


class ClientError(TDQueryError):
    """The API refused the request (4xx)."""


class ValidationError(ClientError, ValueError):
    """A bad argument, caught before sending or reported by the API (400)."""


class ForbiddenAccess(ClientError):
    """The API refused access to this resource or account (403)."""


class ResourceNotFound(ClientError):
    """The symbol, order, account or other resource does not exist (404)."""


class NotAcceptableError(ClientError):
    """The API could not serve the request, e.g. a bad regex or too many symbols (406)."""


class UnsupportedMediaTypeError(ClientError):
    """The API rejected the request body's format (415)."""


class RateLimitError(ClientError):
    """Too many requests (429); pyTD already retried GETs with backoff."""


class ServerError(TDQueryError):
    """The API failed on its side (5xx)."""


class TransportError(TDQueryError, builtins.ConnectionError):
    """The API could not be reached or did not answer in time.

    Also a builtin :class:`ConnectionError` (hence an ``OSError``);
    ``pyTD.exceptions.ConnectionError`` is this class, pyTD 0.0.x's name for it.
    """


class UnknownOutcomeError(TransportError):
    """A request that changes state (an order) may or may not have been applied.

    It is never retried blindly: check with ``get_orders`` before sending it again.
    """


class StreamError(TDError):
    """The streamer connection failed for good (reconnection did not help)."""


class StreamLoginError(StreamError, AuthorizationError):
    """The streamer refused the login even with a freshly refreshed access token."""


class StreamConnectionLimitError(StreamError):
    """The streamer closed this connection because another one is open for the same user."""


class StreamCommandError(StreamError, ValueError):
    """The streamer refused a subscription command (unknown service, symbol limit...)."""


class StreamGaveUpError(StreamError, builtins.ConnectionError):
    """The streamer could not be reached again within the allowed reconnection attempts."""


#: pyTD 0.0.x's name for :class:`TransportError` (shadows the builtin in this module only).
ConnectionError = TransportError


STATUS_ERRORS: dict[int, type[TDError]] = {
    400: ValidationError,
    401: AuthorizationError,
    403: ForbiddenAccess,
    404: ResourceNotFound,
    406: NotAcceptableError,
    415: UnsupportedMediaTypeError,
    429: RateLimitError,
}


def error_class(status_code: int) -> type[TDError]:
    """The exception class for an HTTP error status."""
    if status_code in STATUS_ERRORS:
        return STATUS_ERRORS[status_code]
    if status_code >= 500:
        return ServerError
    if status_code >= 400:
        return ClientError
    return TDQueryError
