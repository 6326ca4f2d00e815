"""Everything an exception lets an error reporter see, as text to search for secrets.

    text = exposed_text(exc)
    assert not leaked(token, text)

It follows ``__context__`` and ``__cause__``, and for each exception its
message, ``args``, ``content`` and ``response``/``request`` attributes: each
response's own request, every request in its ``history`` and the redirect it
did not follow (``response.next``), with their URLs, headers and bodies.
"""

from __future__ import annotations

from typing import Any, Iterator
from urllib.parse import quote, quote_plus


def chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and every exception chained to it (context and cause), each once."""
    seen: list[BaseException] = []
    todo = [exc]
    while todo:
        current = todo.pop()
        if any(current is other for other in seen):
            continue
        seen.append(current)
        yield current
        todo += [linked for linked in (current.__context__, current.__cause__)
                 if linked is not None]


def _requests_of(response: Any) -> Iterator[Any]:
    for earlier in getattr(response, "history", None) or ():
        yield getattr(earlier, "request", None)
    yield getattr(response, "request", None)
    yield getattr(response, "_next", None)


def _request_text(request: Any) -> str:
    if request is None:
        return ""
    body = getattr(request, "body", None)
    if isinstance(body, bytes):
        body = body.decode("latin-1")
    headers = dict(getattr(request, "headers", None) or {})
    return f"{getattr(request, 'url', '')}\n{headers!r}\n{body or ''}"


def exposed_text(exc: BaseException) -> str:
    """All the text reachable from ``exc`` that a reporter might record."""
    parts = []
    for item in chain(exc):
        parts += [type(item).__name__, str(item), repr(item), repr(item.args)]
        content = getattr(item, "content", None)
        if isinstance(content, bytes):
            content = content.decode("latin-1")
        parts.append(str(content or ""))
        response = getattr(item, "response", None)
        parts += [_request_text(request) for request in _requests_of(response)]
        parts.append(_request_text(getattr(item, "request", None)))
    return "\n".join(parts)


def leaked(secret: str, text: str) -> bool:
    """Whether ``secret`` is in ``text`` as is, URL-quoted (as in a form) or as a long prefix."""
    forms = {secret, quote(secret, safe=""), quote_plus(secret), secret[:24], secret[-24:]}
    return any(form in text for form in forms)
