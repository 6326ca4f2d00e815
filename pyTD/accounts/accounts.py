"""Accounts, balances and positions: ``GET /accounts`` and ``GET /accounts/{accountId}``."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Optional

from pyTD import output
from pyTD.accounts.hashes import uses_hashes, with_account
from pyTD.endpoints import Call, fetch, resolve_api
from pyTD.exceptions import ValidationError
from pyTD.validation import Fields, Id, check_enum_list, check_id

if TYPE_CHECKING:
    from pyTD.api import api as Client

log = logging.getLogger(__name__)

FIELDS = ("positions", "orders")
#: List-valued parts of an account, left out of the one-row-per-account table.
_NESTED = ("positions", "orderStrategies")


def get_accounts(*, fields: Fields = None, api: Optional[Client] = None,
                 output_format: Optional[str] = None) -> Any:
    """Every linked account with its balances (and ``positions``/``orders`` if asked).

    When TD can load only some linked accounts (HTTP 207) the others are returned
    and a warning is logged. pandas: one row per account (index ``accountId``),
    balances as ``currentBalances.cashBalance``-style columns.

    >>> from pyTD.accounts import get_accounts
    >>> get_accounts(fields=["positions"])  # doctest: +SKIP
    [{'securitiesAccount': {'accountId': '123456789', 'positions': [...], ...}}]
    """
    call = Call(api, output_format)
    params = _fields_param(fields, call.api)
    return call.render(_all_accounts(call, params), _frame)


def get_account(account_id: Id, *, fields: Fields = None, api: Optional[Client] = None,
                output_format: Optional[str] = None) -> Any:
    """One account with its balances (and ``positions``/``orders`` if asked).

    >>> from pyTD.accounts import get_account
    >>> get_account("123456789")["securitiesAccount"]["currentBalances"]  # doctest: +SKIP
    """
    account_id = check_id("account_id", account_id)
    client = resolve_api(api)
    params = _fields_param(fields, client)
    return with_account(client, account_id, lambda segment: fetch(
        client, "account", lambda d: _frame([d]), output_format=output_format,
        params=params, account_id=segment))


def get_positions(account_id: Optional[Id] = None, *, api: Optional[Client] = None,
                  output_format: Optional[str] = None) -> Any:
    """The positions of one account, or of every linked account when ``account_id`` is None.

    JSON: a list of TD ``Position`` objects, each with its ``accountId`` added.
    pandas: one row per position (``instrument.symbol``, ``longQuantity``, ...).

    >>> from pyTD.accounts import get_positions
    >>> get_positions(output_format="pandas")[["accountId", "instrument.symbol"]]  # doctest: +SKIP
    """
    params = {"fields": "positions"}
    one = None if account_id is None else check_id("account_id", account_id)
    call = Call(api, output_format)
    if one is None:
        accounts = _all_accounts(call, params)
    else:
        accounts = [with_account(call.api, one, lambda segment: call.get(
            "account", params, account_id=segment))]
    positions = [{**position, "accountId": _account_key(account)}
                 for account in map(_securities_account, accounts)
                 for position in account.get("positions") or []]
    return call.render(positions, lambda d: output.records_frame(d, columns=("accountId",)))


def _fields_param(fields: Fields, client: Client) -> dict[str, str]:
    if fields is None:
        return {}
    chosen = check_enum_list("fields", fields, FIELDS)
    if "orders" in chosen and uses_hashes(client):
        raise ValidationError(f"{client.provider.title} accounts have no orders "
                              "(fields='orders'): use get_orders(account_id) instead.")
    return {"fields": ",".join(chosen)}


def _all_accounts(call: Call, params: dict[str, str]) -> list[Any]:
    """``GET /accounts``; a 207 (some linked accounts failed) keeps the ones that loaded."""
    status, accounts = call.get_with_status("accounts", params)
    if status == 207:
        log.warning("Only some linked accounts could be loaded (HTTP 207); "
                    "the others are missing from the result.")
    return accounts or []


def _securities_account(account: Any) -> dict[str, Any]:
    return (account or {}).get("securitiesAccount") or {}


def _account_key(account: dict[str, Any]) -> Any:
    """TD's ``accountId`` or Schwab's ``accountNumber``."""
    return account.get("accountId", account.get("accountNumber"))


def _frame(accounts: list[Any]) -> Any:
    records = [{k: v for k, v in _securities_account(a).items() if k not in _NESTED}
               for a in accounts]
    index = "accountNumber" if records and "accountId" not in records[0] \
        and "accountNumber" in records[0] else "accountId"
    return output.records_frame(records, index=index)
