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

from typing import Any, Optional


class TDError(Exception):
    """Base class of every pyTD error.

    ``status_code`` and ``response`` are set when the error came from an HTTP
    response (``None`` otherwise).
    """

    def __init__(self, message: str = "", *, status_code: Optional[int] = None,
                 response: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.response = response


class ConfigurationError(TDError, ValueError):
    """A setting (argument or ``TD_*`` variable) is missing or invalid."""


class NotSupportedError(TDError):
    """The configured provider has no such endpoint; raised before anything is sent."""


class CacheError(TDError):
    """A token cache cannot be read or written."""


class SSLError(TDError):
    """A TLS problem: certificate creation or verification."""


class AuthorizationError(TDError):
    """Authorization failed or is needed: the message says how to (re-)authorize."""


class AccessDeniedError(AuthorizationError):
    """The user (or the server) refused access on the consent page (``error=...``)."""


class StateMismatchError(AuthorizationError):
    """The ``state`` returned with the authorization code is not the one sent."""


class CallbackTimeoutError(AuthorizationError):
    """No authorization code reached the callback server before the deadline."""


class TDQueryError(TDError):
    """A request to the API failed; ``status_code`` and the server's message are kept."""


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


class TransportError(TDQueryError):
    """The API could not be reached or did not answer in time."""


class UnknownOutcomeError(TransportError):
    """A request that changes state (an order) may or may not have been applied.

    It is never retried blindly: check with ``get_orders`` before sending it again.
    """


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
