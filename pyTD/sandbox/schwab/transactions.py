"""Schwab's transactions over the shared seeded history: ``transferItems`` instead of TD's
``transactionItem`` and ``fees``, and ``startDate``, ``endDate`` and ``types`` required."""

from __future__ import annotations

from pyTD.sandbox.accounts.models import ACCOUNT_TYPES, state
from pyTD.sandbox.accounts.routes_transactions import history
from pyTD.sandbox.routing import (
    BadRequest,
    SandboxLike,
    SandboxRequest,
    SandboxResponse,
    int_id,
    json_response,
    parse_date,
)
from pyTD.sandbox.schwab.accounts import account_of, instrument_id

TYPES = ("TRADE", "RECEIVE_AND_DELIVER", "DIVIDEND_OR_INTEREST", "ACH_RECEIPT",
         "ACH_DISBURSEMENT", "CASH_RECEIPT", "CASH_DISBURSEMENT", "ELECTRONIC_FUND", "WIRE_OUT",
         "WIRE_IN", "JOURNAL", "MEMORANDUM", "MARGIN_CALL", "MONEY_MARKET", "SMA_ADJUSTMENT")
#: TD's fee names -> Schwab's ``feeType`` of a currency transfer item.
_FEES = {"commission": "COMMISSION", "secFee": "SEC_FEE", "optRegFee": "OPT_REG_FEE",
         "regFee": "TAF_FEE"}
_USD = {"assetType": "CURRENCY", "status": "ACTIVE", "symbol": "CURRENCY_USD",
        "description": "USD currency", "instrumentId": 1, "closingPrice": 0.0}


def _items(seed: int, td: dict) -> list[dict]:
    item = td["transactionItem"]
    items = []
    if "instruction" in item:
        items = [{"instrument": dict(_USD), "amount": -td["fees"][name], "cost": -td["fees"][
            name], "feeType": fee} for name, fee in _FEES.items()]
    if "instrument" in item:
        instrument = item["instrument"]
        entry = {"instrument": {"assetType": instrument["assetType"], "status": "ACTIVE",
                                "symbol": instrument["symbol"], "cusip": instrument["cusip"],
                                "instrumentId": instrument_id(seed, instrument["symbol"]),
                                "closingPrice": item.get("price", 0.0),
                                "type": "COMMON_STOCK"},
                 "amount": item.get("amount", 0.0), "cost": item.get("cost", 0.0)}
        if "price" in item:
            entry.update(price=item["price"], positionEffect=item["positionEffect"])
        items.append(entry)
    if not items:
        items = [{"instrument": dict(_USD), "amount": td["netAmount"], "cost": td["netAmount"]}]
    return items


def schwab_transaction(seed: int, account_id: str, td: dict) -> dict:
    """One transaction of the shared history in Schwab's shape."""
    body = {"activityId": td["transactionId"], "time": td["transactionDate"],
            "description": td["description"], "accountNumber": account_id, "type": td["type"],
            "status": "VALID", "subAccount": ACCOUNT_TYPES[account_id],
            "tradeDate": td["transactionDate"],
            "settlementDate": td["settlementDate"] + "T00:00:00+0000",
            "positionId": td["transactionId"] // 10, "netAmount": td["netAmount"],
            "activityType": "EXECUTION" if td["type"] == "TRADE" else "TRANSFER",
            "transferItems": _items(seed, td)}
    if "orderId" in td:
        body["orderId"] = int(td["orderId"])
    return body


def _required(req: SandboxRequest, name: str) -> str:
    value = req.arg(name)
    if not value:
        raise BadRequest(f"{name} is required: startDate, endDate and types must be set")
    return value


def list_transactions(sandbox: SandboxLike, req: SandboxRequest, account: str
                      ) -> SandboxResponse:
    """``GET /trader/v1/accounts/{hash}/transactions?startDate=&endDate=&types=&symbol=``."""
    account_id = account_of(sandbox, account)
    start = parse_date(_required(req, "startDate"), "startDate")
    end = parse_date(_required(req, "endDate"), "endDate")
    types = [t.strip() for t in _required(req, "types").split(",") if t.strip()]
    for kind in types:
        if kind not in TYPES:
            raise BadRequest(f"Invalid types '{kind}': allowed values are " + ", ".join(TYPES))
    if start > end or (end - start).days > 366:
        raise BadRequest("The date range must run forward and cannot exceed one year")
    symbol = req.arg("symbol")
    out = []
    for _, td in history(sandbox.seed, account_id, state(sandbox).created):
        instrument = td["transactionItem"].get("instrument", {})
        if (td["type"] in types and start.isoformat() <= td["transactionDate"][:10]
                <= end.isoformat() and (not symbol or instrument.get("symbol") == symbol)):
            out.append(schwab_transaction(sandbox.seed, account_id, td))
    return json_response(out)


def get_transaction(sandbox: SandboxLike, req: SandboxRequest, account: str,
                    transaction_id: str) -> SandboxResponse:
    """``GET /trader/v1/accounts/{hash}/transactions/{id}``: an array of one (as the spec
    documents it); 404 when unknown."""
    account_id = account_of(sandbox, account)
    number = int_id(transaction_id, "Transaction")
    for _, td in history(sandbox.seed, account_id, state(sandbox).created):
        if td["transactionId"] == number:
            return json_response([schwab_transaction(sandbox.seed, account_id, td)])
    raise BadRequest(f"Transaction {transaction_id} not found", 404)
