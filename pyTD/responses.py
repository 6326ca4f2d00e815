"""Reading answers: lenient JSON, the server's error text, and the status table.

Nothing quoted from a body may carry a credential: a token endpoint's body is
never quoted, other bodies only after :func:`~pyTD.redaction.redact_text`.
"""

from __future__ import annotations

import json
from typing import Any, Optional
from urllib.parse import urlsplit

import requests

from pyTD.exceptions import ResponseFormatError, error_class, is_token_request
from pyTD.provider import ErrorParser, error_text
from pyTD.redaction import redact_text, redacted

#: How much of a body an error message quotes.
QUOTED = 200
_NOT_SHOWN = "a token endpoint's body is never shown"


def quoted_start(response: requests.Response) -> Optional[str]:
    """The start of the body, redacted, for a message; ``None`` for a token endpoint's body."""
    if is_token_request(response):
        return None
    start = response.content[:QUOTED * 20].decode("utf-8", "replace")
    return redact_text(start)[:QUOTED].strip()


def _parse(body: bytes) -> tuple[Any, Optional[str]]:
    """``(data, None)``, or ``(None, what is wrong)`` when ``body`` is not usable JSON."""
    try:
        try:   # UTF-8, as JSON is sent: decoded strictly, faster than json.loads(bytes) does
            return json.loads(body.decode("utf-8")), None
        except ValueError:   # a BOM, UTF-16 or UTF-32 (json.loads detects them), or not JSON
            return json.loads(body), None
    except RecursionError:
        return None, "is nested too deeply to be JSON from the API"
    except ValueError:   # JSONDecodeError, UnicodeDecodeError
        return None, "is not JSON"


def decode_json(response: requests.Response) -> Any:
    """The body as JSON, parsed leniently (TD pads bodies with whitespace); ``None`` if empty."""
    body = response.content
    if not body.strip():
        return None
    data, problem = _parse(body)
    if problem is None:
        return data
    start = quoted_start(response)
    shown = f"it starts with {start!r}" if start is not None else _NOT_SHOWN
    raise ResponseFormatError(
        f"{response.request.method} {urlsplit(response.url).path} returned HTTP "
        f"{response.status_code} with a body that {problem} ({shown}). "
        "Check that TD_BASE_URL points at the API.",
        status_code=response.status_code, response=redacted(response))


def server_message(response: requests.Response, parse: ErrorParser = error_text) -> str:
    """The server's error text as ``parse`` reads it, else the start of the body (redacted)."""
    data, problem = _parse(response.content)
    if problem is None:
        text = parse(data)
        if text:
            return redact_text(text)
    if is_token_request(response):
        return f"(no error field; {_NOT_SHOWN})"
    if problem is None:
        return redact_text(json.dumps(data))[:QUOTED]
    return quoted_start(response) or ""


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
