"""Transaction history: ``GET /accounts/{accountId}/transactions[/{transactionId}]``."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any, Optional, Sequence, Union

from pyTD import output
from pyTD.accounts.hashes import uses_hashes, with_account
from pyTD.accounts.orders import window_params
from pyTD.endpoints import Call, fetch, resolve_api
from pyTD.exceptions import ValidationError
from pyTD.validation import (
    DateArg,
    Id,
    check_enum,
    check_enum_list,
    check_id,
    check_order,
    check_text,
    to_date,
)

if TYPE_CHECKING:
    from pyTD.api import api as Client

TYPES = ("ALL", "TRADE", "BUY_ONLY", "SELL_ONLY", "CASH_IN_OR_CASH_OUT", "CHECKING",
         "DIVIDEND", "INTEREST", "OTHER", "ADVISOR_FEES")

#: Schwab's 15 transaction types (its ``types`` parameter, a comma list).
SCHWAB_TYPES = ("TRADE", "RECEIVE_AND_DELIVER", "DIVIDEND_OR_INTEREST", "ACH_RECEIPT",
                "ACH_DISBURSEMENT", "CASH_RECEIPT", "CASH_DISBURSEMENT", "ELECTRONIC_FUND",
                "WIRE_OUT", "WIRE_IN", "JOURNAL", "MEMORANDUM", "MARGIN_CALL", "MONEY_MARKET",
                "SMA_ADJUSTMENT")
#: TD's ``type`` values that have a Schwab counterpart.
TD_TO_SCHWAB = {"ALL": SCHWAB_TYPES, "TRADE": ("TRADE",), "BUY_ONLY": ("TRADE",),
                "SELL_ONLY": ("TRADE",), "DIVIDEND": ("DIVIDEND_OR_INTEREST",),
                "INTEREST": ("DIVIDEND_OR_INTEREST",),
                "CASH_IN_OR_CASH_OUT": ("ACH_RECEIPT", "ACH_DISBURSEMENT", "CASH_RECEIPT",
                                        "CASH_DISBURSEMENT", "ELECTRONIC_FUND", "WIRE_OUT",
                                        "WIRE_IN")}


def get_transactions(account_id: Id, *, type: Optional[str] = None,
                     symbol: Optional[str] = None, start_date: Optional[DateArg] = None,
                     end_date: Optional[DateArg] = None,
                     types: Union[str, Sequence[str], None] = None,
                     api: Optional[Client] = None,
                     output_format: Optional[str] = None) -> Any:
    """Transactions of an account, optionally of one ``type`` (see :data:`TYPES`) or symbol.

    ``start_date``/``end_date`` are days (date, datetime or ``"yyyy-MM-dd"``) at
    most one year apart. pandas: one row per transaction (index ``transactionId``).
    On Charles Schwab, which has one ``TRADE`` type for both sides,
    ``type="BUY_ONLY"``/``"SELL_ONLY"`` keep the trades of that side
    (:func:`trade_side`).

    >>> from pyTD.accounts import get_transactions
    >>> get_transactions("123456789", type="TRADE", start_date="2024-01-01",
    ...                  end_date="2024-03-31", output_format="pandas")  # doctest: +SKIP
    """
    client = resolve_api(api)
    account = check_id("account_id", account_id)
    if uses_hashes(client):
        query = _schwab_params(client, type, types, symbol, start_date, end_date)
        side = _SIDES.get(str(type).strip().upper()) if type is not None else None
        call = Call(client, output_format)
        found = with_account(client, account, lambda segment: call.get(
            "transactions", query, account_id=segment)) or []
        if side is not None:
            found = [t for t in found if trade_side(t) == side]
        return call.render(found, _frame)
    if types is not None:
        raise ValidationError("types= is Schwab's parameter; on TD Ameritrade pass type=.")
    params: dict[str, Any] = {}
    if type is not None:
        params["type"] = check_enum("type", type, TYPES)
    if symbol is not None:
        params["symbol"] = check_text("symbol", symbol)
    start = None if start_date is None else to_date("start_date", start_date)
    end = None if end_date is None else to_date("end_date", end_date)
    check_order("start_date", start, "end_date", end)
    if start is not None and end is not None and end > _one_year_after(start):
        raise ValidationError(f"start_date {start} and end_date {end} are more than one year "
                              "apart (TD's limit); ask for one year at a time.")
    if start is not None:
        params["startDate"] = start.isoformat()
    if end is not None:
        params["endDate"] = end.isoformat()
    return fetch(client, "transactions", _frame, output_format=output_format, params=params,
                 empty=[], account_id=account)


#: TD's one-sided trade types, which Schwab answers as ``TRADE`` of both sides.
_SIDES = {"BUY_ONLY": "BUY", "SELL_ONLY": "SELL"}


def trade_side(transaction: Any) -> Optional[str]:
    """``"BUY"`` or ``"SELL"`` for a Schwab ``TRADE`` transaction, ``None`` when unknown.

    Schwab's transactions carry no instruction: a trade that took cash
    (``netAmount`` below 0) is a buy, one that brought cash in a sell; with a
    zero net amount, the sign of the security item's ``amount`` decides.

    >>> trade_side({"type": "TRADE", "netAmount": -1902.5, "transferItems": []})
    'BUY'
    """
    if not isinstance(transaction, dict) or transaction.get("type") != "TRADE":
        return None
    net = transaction.get("netAmount") or 0
    if not net:
        securities = [item for item in transaction.get("transferItems") or []
                      if isinstance(item, dict) and
                      (item.get("instrument") or {}).get("assetType") != "CURRENCY"]
        net = -sum(item.get("amount") or 0 for item in securities)
    return "BUY" if net < 0 else "SELL" if net > 0 else None


def get_transaction(account_id: Id, transaction_id: Id, *, api: Optional[Client] = None,
                    output_format: Optional[str] = None) -> Any:
    """One transaction as an object (Schwab's one-element array is unwrapped); pandas: a
    one-row frame (index ``transactionId``, Schwab ``activityId``).

    >>> get_transaction("123456789", 27444883992)["type"]  # doctest: +SKIP
    'TRADE'
    """
    client = resolve_api(api)
    number = check_id("transaction_id", transaction_id)
    call = Call(client, output_format)

    def one(segment: str) -> Any:
        data = call.get("transaction", account_id=segment, transaction_id=number)
        return data[0] if isinstance(data, list) and len(data) == 1 else data

    return call.render(with_account(client, check_id("account_id", account_id), one),
                       _one_frame)


def _schwab_params(client: Client, type: Optional[str], types: Any, symbol: Optional[str],
                   start_date: Optional[DateArg], end_date: Optional[DateArg]) -> dict[str, Any]:
    if type is not None and types is not None:
        raise ValidationError("Pass type= (TD's names) or types= (Schwab's), not both.")
    if types is not None:
        chosen = list(check_enum_list("types", types, SCHWAB_TYPES))
    elif type is not None:
        name = str(type).upper()
        if name in SCHWAB_TYPES:
            chosen = [name]
        else:
            name = check_enum("type", type, TYPES + SCHWAB_TYPES)
            if name not in TD_TO_SCHWAB:
                raise ValidationError(
                    f"type={type!r} has no Schwab counterpart; pass types= with some of "
                    f"{', '.join(SCHWAB_TYPES)}.")
            chosen = list(TD_TO_SCHWAB[name])
    else:
        chosen = list(SCHWAB_TYPES)
    params: dict[str, Any] = {"types": ",".join(chosen)}
    window = window_params(client, "start_date", start_date, "end_date", end_date,
                           "startDate", "endDate")
    first, last = (date.fromisoformat(window[k][:10]) for k in ("startDate", "endDate"))
    if last > _one_year_after(first):
        raise ValidationError(f"start_date {first} and end_date {last} are more than one "
                              "year apart (the provider's limit); ask for one year at a time.")
    params.update(window)
    if symbol is not None:
        params["symbol"] = check_text("symbol", symbol)
    return params


def _one_frame(data: Any) -> Any:
    return _frame(list(data) if isinstance(data, list) else [data])


def _frame(transactions: list[Any]) -> Any:
    index = "activityId" if transactions and "transactionId" not in transactions[0] \
        and "activityId" in transactions[0] else "transactionId"
    return output.records_frame(transactions, index=index)


def _one_year_after(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)
