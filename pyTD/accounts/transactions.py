"""Transaction history: ``GET /accounts/{accountId}/transactions[/{transactionId}]``."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any, Optional

from pyTD import output
from pyTD.endpoints import fetch
from pyTD.exceptions import ValidationError
from pyTD.validation import (
    DateArg,
    Id,
    check_enum,
    check_id,
    check_order,
    check_text,
    to_date,
)

if TYPE_CHECKING:
    from pyTD.api import api as Client

TYPES = ("ALL", "TRADE", "BUY_ONLY", "SELL_ONLY", "CASH_IN_OR_CASH_OUT", "CHECKING",
         "DIVIDEND", "INTEREST", "OTHER", "ADVISOR_FEES")


def get_transactions(account_id: Id, *, type: Optional[str] = None,
                     symbol: Optional[str] = None, start_date: Optional[DateArg] = None,
                     end_date: Optional[DateArg] = None, api: Optional[Client] = None,
                     output_format: Optional[str] = None) -> Any:
    """Transactions of an account, optionally of one ``type`` (see :data:`TYPES`) or symbol.

    ``start_date``/``end_date`` are days (date, datetime or ``"yyyy-MM-dd"``) at
    most one year apart. pandas: one row per transaction (index ``transactionId``).

    >>> from pyTD.accounts import get_transactions
    >>> get_transactions("123456789", type="TRADE", start_date="2024-01-01",
    ...                  end_date="2024-03-31", output_format="pandas")  # doctest: +SKIP
    """
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
    return fetch(api, "transactions", _frame, output_format=output_format, params=params,
                 empty=[], account_id=check_id("account_id", account_id))


def get_transaction(account_id: Id, transaction_id: Id, *, api: Optional[Client] = None,
                    output_format: Optional[str] = None) -> Any:
    """One transaction; pandas: a one-row frame (index ``transactionId``).

    >>> get_transaction("123456789", 27444883992)["type"]  # doctest: +SKIP
    'TRADE'
    """
    return fetch(api, "transaction", lambda d: _frame([d]), output_format=output_format,
                 account_id=check_id("account_id", account_id),
                 transaction_id=check_id("transaction_id", transaction_id))


def _frame(transactions: list[Any]) -> Any:
    return output.records_frame(transactions, index="transactionId")


def _one_year_after(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)
