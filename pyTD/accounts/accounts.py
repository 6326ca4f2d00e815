"""Accounts, balances and positions: ``GET /accounts`` and ``GET /accounts/{accountId}``."""

from __future__ import annotations

import logging
from typing import Any, Optional, Union

from pyTD import output
from pyTD.endpoints import resolve_api
from pyTD.transport import decode_json
from pyTD.validation import Id, account_path, check_enum_list

log = logging.getLogger(__name__)

FIELDS = ("positions", "orders")
#: List-valued parts of an account, left out of the one-row-per-account table.
_NESTED = ("positions", "orderStrategies")

Fields = Union[str, list[str], None]


def get_accounts(*, fields: Fields = None, api: Any = None,
                 output_format: Optional[str] = None) -> Any:
    """Every linked account with its balances (and ``positions``/``orders`` if asked).

    When TD can load only some linked accounts (HTTP 207) the others are returned
    and a warning is logged. pandas: one row per account (index ``accountId``),
    balances as ``currentBalances.cashBalance``-style columns.

    >>> from pyTD.accounts import get_accounts
    >>> get_accounts(fields=["positions"])  # doctest: +SKIP
    [{'securitiesAccount': {'accountId': '123456789', 'positions': [...], ...}}]
    """
    params = _fields_param(fields)
    api = resolve_api(api)
    fmt = output.resolve_format(api, output_format)
    return output.render(_all_accounts(api, params), fmt, _frame)


def get_account(account_id: Id, *, fields: Fields = None, api: Any = None,
                output_format: Optional[str] = None) -> Any:
    """One account with its balances (and ``positions``/``orders`` if asked).

    >>> from pyTD.accounts import get_account
    >>> get_account("123456789")["securitiesAccount"]["currentBalances"]  # doctest: +SKIP
    """
    path = account_path(account_id)
    params = _fields_param(fields)
    api = resolve_api(api)
    fmt = output.resolve_format(api, output_format)
    return output.render(api.request("GET", path, params=params), fmt, lambda d: _frame([d]))


def get_positions(account_id: Optional[Id] = None, *, api: Any = None,
                  output_format: Optional[str] = None) -> Any:
    """The positions of one account, or of every linked account when ``account_id`` is None.

    JSON: a list of TD ``Position`` objects, each with its ``accountId`` added.
    pandas: one row per position (``instrument.symbol``, ``longQuantity``, ...).

    >>> from pyTD.accounts import get_positions
    >>> get_positions(output_format="pandas")[["accountId", "instrument.symbol"]]  # doctest: +SKIP
    """
    params = {"fields": "positions"}
    api = resolve_api(api)
    fmt = output.resolve_format(api, output_format)
    if account_id is None:
        accounts = _all_accounts(api, params)
    else:
        path = account_path(account_id)
        accounts = [api.request("GET", path, params=params)]
    positions = [{**position, "accountId": account.get("accountId")}
                 for account in map(_securities_account, accounts)
                 for position in account.get("positions") or []]
    return output.render(positions, fmt,
                         lambda d: output.records_frame(d, columns=("accountId",)))


def _fields_param(fields: Fields) -> dict[str, str]:
    return {} if fields is None else {"fields": ",".join(check_enum_list("fields", fields,
                                                                         FIELDS))}


def _all_accounts(api: Any, params: dict[str, str]) -> list[Any]:
    """``GET /accounts``; a 207 (some linked accounts failed) keeps the ones that loaded."""
    response = api.request("GET", "/accounts", params=params, raw=True)
    if response.status_code == 207:
        log.warning("Only some linked accounts could be loaded (HTTP 207); "
                    "the others are missing from the result.")
    return decode_json(response) or []


def _securities_account(account: Any) -> dict[str, Any]:
    return (account or {}).get("securitiesAccount") or {}


def _frame(accounts: list[Any]) -> Any:
    records = [{k: v for k, v in _securities_account(a).items() if k not in _NESTED}
               for a in accounts]
    return output.records_frame(records, index="accountId")
