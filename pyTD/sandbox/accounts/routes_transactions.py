"""Transaction history: a seeded year of trades, dividends, interest, funding and fees."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any

from pyTD.sandbox.accounts.models import ACCOUNT_TYPES, require_account, state
from pyTD.sandbox.data import cusips, seeded, universe
from pyTD.sandbox.data.calendar import OPEN, last_trading_day, local_date, local_epoch
from pyTD.sandbox.data.prices import day_bar
from pyTD.sandbox.routing import (
    BEARER,
    BadRequest,
    Router,
    SandboxLike,
    SandboxRequest,
    SandboxResponse,
    enum_arg,
    int_id,
    json_response,
    parse_date,
    td_time,
)

#: The ``type`` filter: both spellings of the advisory fees value are accepted.
TYPES = ("ALL", "TRADE", "BUY_ONLY", "SELL_ONLY", "CASH_IN_OR_CASH_OUT", "CHECKING", "DIVIDEND",
         "INTEREST", "OTHER", "ADVISOR_FEES", "ADVISORY_FEES")
#: ``type`` filter -> the categories it selects.
_SELECTS = {"TRADE": {"BUY", "SELL"}, "BUY_ONLY": {"BUY"}, "SELL_ONLY": {"SELL"},
            "ADVISORY_FEES": {"ADVISOR_FEES"}}
#: category -> (type, transactionSubType, description)
_KINDS = {
    "BUY": ("TRADE", "BY", "BUY TRADE"),
    "SELL": ("TRADE", "SL", "SELL TRADE"),
    "DIVIDEND": ("DIVIDEND_OR_INTEREST", "OD", "ORDINARY DIVIDEND"),
    "INTEREST": ("DIVIDEND_OR_INTEREST", "CA", "FREE BALANCE INTEREST ADJUSTMENT"),
    "CASH_IN_OR_CASH_OUT": ("ELECTRONIC_FUND", "TI",
                            "CLIENT REQUESTED ELECTRONIC FUNDING RECEIPT (FUNDS NOW)"),
    "CHECKING": ("CASH_DISBURSEMENT", "CK", "CHECK DISBURSEMENT"),
    "OTHER": ("JOURNAL", "JN", "MARK TO THE MARKET"),
    "ADVISOR_FEES": ("JOURNAL", "AF", "ADVISORY FEE"),
}
_WEIGHTS = ("BUY",) * 8 + ("SELL",) * 5 + ("DIVIDEND",) * 4 + ("INTEREST",) * 3 + (
    "CASH_IN_OR_CASH_OUT",) * 3 + ("CHECKING", "OTHER", "ADVISOR_FEES")
_EQUITIES = tuple(s.symbol for s in universe.UNIVERSE.values() if s.asset_type == "EQUITY")


def _fees(sell_value: float) -> dict:
    return {"rFee": 0.0, "additionalFee": 0.0, "cdscFee": 0.0,
            "regFee": round(sell_value * 0.0000229, 2), "otherCharges": 0.0, "commission": 0.0,
            "optRegFee": 0.0, "secFee": round(sell_value * 0.0000278, 2)}


def _one(seed: int, account_id: str, category: str, when: float, number: int,
         rand: Any) -> dict:
    kind, sub, description = _KINDS[category]
    day = local_date(when)
    body: dict = {"type": kind, "subAccount": "1" if ACCOUNT_TYPES[account_id] == "CASH"
                  else "2", "settlementDate": (day + dt.timedelta(days=2)).isoformat(),
                  "netAmount": 0.0, "transactionDate": td_time(when),
                  "transactionSubType": sub, "transactionId": number,
                  "cashBalanceEffectFlag": True, "description": description,
                  "fees": _fees(0.0),
                  "transactionItem": {"accountId": int(account_id), "cost": 0.0}}
    symbol = rand.choice(_EQUITIES)
    instrument = {"symbol": symbol, "cusip": cusips.cusip(seed, symbol), "assetType": "EQUITY"}
    if category in ("BUY", "SELL"):
        price = round(day_bar(seed, symbol, day).close, 2)
        quantity = float(rand.randint(1, 50))
        value = round(quantity * price, 2)
        fees = _fees(value if category == "SELL" else 0.0)
        body.update({"orderId": str(number - 7), "orderDate": td_time(when - 40),
                     "fees": fees, "netAmount": round(
                         value - fees["regFee"] - fees["secFee"] if category == "SELL"
                         else -value, 2)})
        body["transactionItem"].update({
            "amount": quantity, "price": price, "cost": value if category == "SELL" else -value,
            "instruction": category, "positionEffect": "CLOSING" if category == "SELL"
            else "OPENING", "instrument": instrument})
    elif category == "DIVIDEND":
        body["netAmount"] = round(rand.uniform(1, 80), 2)
        body["transactionItem"].update({"amount": body["netAmount"], "instrument": instrument})
    else:
        sign = 1 if category in ("INTEREST", "CASH_IN_OR_CASH_OUT") else -1
        scale = {"INTEREST": 5, "CASH_IN_OR_CASH_OUT": 5000, "CHECKING": 800}.get(category, 60)
        body["netAmount"] = round(sign * rand.uniform(0.1, 1) * scale, 2)
    return body


@lru_cache(maxsize=64)
def history(seed: int, account_id: str, created: float) -> tuple[tuple[str, dict], ...]:
    """``(category, Transaction)`` over the year before ``created``, newest first."""
    rand = seeded.rng(seed, "transactions", account_id)
    out = []
    base = 27_000_000_000 + int(seeded.unit(seed, "txn", account_id) * 1e9)
    for k in range(40):
        day = last_trading_day(local_date(created) - dt.timedelta(days=rand.randint(1, 360)))
        when = local_epoch(day, OPEN) + rand.randint(0, 23000)
        category = rand.choice(_WEIGHTS)
        out.append((category, _one(seed, account_id, category, when, base + 11 * k, rand)))
    out.sort(key=lambda item: (item[1]["transactionDate"], item[1]["transactionId"]),
             reverse=True)
    return tuple(out)


def _dates(sandbox: SandboxLike, req: SandboxRequest) -> tuple[dt.date, dt.date]:
    end_text, start_text = req.arg("endDate"), req.arg("startDate")
    end = parse_date(end_text, "endDate") if end_text else local_date(sandbox.clock())
    start = parse_date(start_text, "startDate") if start_text else end - dt.timedelta(days=365)
    if start > end:
        raise BadRequest("startDate must not be after endDate")
    if start < _year_before(end):
        raise BadRequest("The date range cannot exceed one year")
    return start, end


def _year_before(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # February 29th
        return dt.date(day.year - 1, 2, 28)


def list_transactions(sandbox: SandboxLike, req: SandboxRequest, account_id: str
                      ) -> SandboxResponse:
    """``GET /accounts/{id}/transactions``: an ARRAY, newest first."""
    require_account(account_id)
    kind = enum_arg(req, "type", TYPES, "ALL")
    symbol = req.arg("symbol")
    start, end = _dates(sandbox, req)
    wanted = _SELECTS.get(kind, {kind})
    out = [body for category, body in history(sandbox.seed, account_id, state(sandbox).created)
           if (kind == "ALL" or category in wanted)
           and start.isoformat() <= body["transactionDate"][:10] <= end.isoformat()
           and (not symbol or body["transactionItem"].get("instrument", {}).get("symbol")
                == symbol)]
    return json_response(out)


def get_transaction(sandbox: SandboxLike, req: SandboxRequest, account_id: str, transaction_id: str
                    ) -> SandboxResponse:
    """``GET /accounts/{id}/transactions/{transactionId}``; 404 when unknown."""
    require_account(account_id)
    number = int_id(transaction_id, "Transaction")
    for _, body in history(sandbox.seed, account_id, state(sandbox).created):
        if body["transactionId"] == number:
            return json_response(body)
    raise BadRequest(f"Transaction {transaction_id} not found", 404)


def register(router: Router) -> None:
    """Add the transaction routes."""
    base = r"/accounts/(?P<account_id>[^/]+)/transactions"
    router.add("GET", base, list_transactions, BEARER)
    router.add("GET", base + r"/(?P<transaction_id>[^/]+)", get_transaction, BEARER)
