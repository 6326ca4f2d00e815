"""Schwab's error bodies: the trader ``ServiceError``, the market-data ``ErrorResponse``
and OAuth's ``{"error", "error_description"}`` (reference §2.6, §3)."""

from __future__ import annotations

import uuid
from http import HTTPStatus
from typing import Iterable, Optional

from pyTD.sandbox.routing import SandboxRequest, SandboxResponse, json_response

#: The market-data API root; every other path answers with trader bodies.
MARKET_ROOT = "/marketdata/v1/"
#: The success header of every Schwab answer (a new UUID each time).
CORREL_HEADER = "Schwab-Client-CorrelId"


def correl_id() -> str:
    """A fresh correlation id, as Schwab sends on every answer."""
    return str(uuid.uuid4())


def _title(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def trader_error(status: int, message: str, errors: Iterable[str] = ()) -> SandboxResponse:
    """``{"message": ..., "errors": [...]}`` (``errors`` left out when empty, as observed)."""
    body: dict = {"message": message}
    details = list(errors)
    if details:
        body["errors"] = details
    return json_response(body, status, **{"Schwab-Client-CorrelID": correl_id()})


def market_error(status: int, detail: Optional[str] = None,
                 source: Optional[dict] = None) -> SandboxResponse:
    """``{"errors": [{"id", "status", "title", "detail", "source"}]}``.

    ``status`` is a string for 400 and 404 and a number otherwise: Schwab sends both.
    """
    entry: dict = {"id": correl_id(), "status": str(status) if status in (400, 404) else status,
                   "title": _title(status)}
    if detail:
        entry["detail"] = detail
    if source:
        entry["source"] = source
    return json_response({"errors": [entry]}, status)


def error(path: str, status: int, message: str) -> SandboxResponse:
    """The error body of ``path``: market data's under ``/marketdata/v1``, else the trader's."""
    if path.startswith(MARKET_ROOT):
        return market_error(status, None if status == 404 and "sandbox" in message else message)
    return trader_error(status, message)


def denied(req: SandboxRequest, expired: bool) -> SandboxResponse:
    """The 401 for a missing, unknown or expired access token."""
    if req.path.startswith(MARKET_ROOT):
        return market_error(401, "Client not authorized")
    return trader_error(401, "Client not authorized",
                        ["The access token has expired." if expired
                         else "The access token is missing or invalid."])


def oauth_error(error_code: str, description: str, status: int = 400) -> SandboxResponse:
    """An OAuth error: ``{"error": ..., "error_description": ...}``."""
    return json_response({"error": error_code, "error_description": description}, status)
