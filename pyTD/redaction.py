"""Credentials out of what pyTD keeps: requests held by errors, and quoted response text.

>>> redact_text('{"access_token": "abc", "expires_in": 1800}')
'{"access_token": "[redacted]", "expires_in": 1800}'
>>> redact_text("Authorization: Bearer abc.def")
'Authorization: Bearer [redacted]'
"""

from __future__ import annotations

import re
from typing import Union

import requests

#: Names whose values are credentials, in JSON bodies and in forms or queries.
SECRET_NAMES = ("access_token", "refresh_token", "id_token", "code", "client_secret",
                "password")
_NAMES = "|".join(SECRET_NAMES)
_JSON_VALUE = re.compile(rf'(?i)("(?:{_NAMES})"\s*:\s*)("(?:[^"\\]|\\.)*"?|[^,}}\s]+)')
_FORM_VALUE = re.compile(rf"(?i)((?:^|[?&;\s\"'])(?:{_NAMES})=)[^&;\s\"']*")
_BEARER = re.compile(r"(?i)(bearer\s+)[^\s\"',;]+")


def redact_text(text: str) -> str:
    """``text`` with the values of credential fields and Bearer tokens replaced."""
    text = _JSON_VALUE.sub(lambda m: m.group(1) + '"[redacted]"', text)
    text = _FORM_VALUE.sub(r"\1[redacted]", text)
    return _BEARER.sub(r"\1[redacted]", text)


def redact_content(content: Union[bytes, str]) -> Union[bytes, str]:
    """A body (bytes or text) with :func:`redact_text` applied; bytes stay bytes, byte for byte."""
    if isinstance(content, bytes):
        return redact_text(content.decode("latin-1")).encode("latin-1")
    return redact_text(content)


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
