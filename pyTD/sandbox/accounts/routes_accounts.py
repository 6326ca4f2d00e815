"""TD's account routes: accounts with positions and balances (Bearer only).

Positions and cash are the account's :class:`~pyTD.sandbox.accounts.models.Ledger`
(seeded, then moved by fills), priced at the sandbox's time; ``fields=orders``
adds the account's orders.
"""

from __future__ import annotations

from pyTD.sandbox.accounts.fills import settle
from pyTD.sandbox.accounts.models import (
    ACCOUNT_IDS,
    ACCOUNT_TYPES,
    Holding,
    instrument,
    require_account,
    state,
)
from pyTD.sandbox.accounts.orderbook import order_book
from pyTD.sandbox.data.prices import snapshot
from pyTD.sandbox.market.contracts import option_quote
from pyTD.sandbox.routing import (
    BEARER,
    BadRequest,
    Router,
    SandboxLike,
    SandboxRequest,
    SandboxResponse,
    json_response,
)

FIELDS = ("positions", "orders")


def _position(seed: int, held: Holding, now: float) -> dict:
    quantity, average = held.quantity, held.average_price
    if held.asset_type == "OPTION":
        quote = option_quote(seed, held.symbol, now, False) or {}
        price, close, multiplier = quote["mark"], quote["closePrice"], 100
    else:
        snap = snapshot(seed, held.symbol, now)
        price, close, multiplier = round(snap.last, 2), round(snap.close, 2), 1
    long, short = max(quantity, 0.0), max(-quantity, 0.0)
    return {
        "shortQuantity": short, "averagePrice": average,
        "currentDayProfitLoss": round(quantity * multiplier * (price - close), 2),
        "currentDayProfitLossPercentage": round(100 * (price - close) / close, 2) if close
        else 0.0,
        "longQuantity": long, "settledLongQuantity": long,
        "settledShortQuantity": -short if short else 0.0,
        "agedQuantity": 0.0, "instrument": instrument(seed, held.symbol, held.asset_type),
        "marketValue": round(quantity * multiplier * price, 2),
    }


def _cash_balances(cash: float, stock: float, option: float, prev: float) -> dict:
    zero = dict.fromkeys(("accruedInterest", "bondValue", "cashReceipts", "moneyMarketFund",
                          "mutualFundValue", "shortOptionMarketValue", "unsettledCash",
                          "cashDebitCallValue", "pendingDeposits"), 0.0)
    current = {**zero, "cashBalance": cash, "longOptionMarketValue": option,
               "liquidationValue": round(cash + stock + option, 2),
               "longMarketValue": stock, "savings": 0.0, "shortMarketValue": 0.0,
               "cashAvailableForTrading": cash, "cashAvailableForWithdrawal": cash,
               "cashCall": 0.0, "longNonMarginableMarketValue": 0.0, "totalCash": cash}
    initial = {**zero, "cashAvailableForTrading": cash, "cashAvailableForWithdrawal": cash,
               "cashBalance": cash, "liquidationValue": round(cash + prev, 2),
               "longOptionMarketValue": 0.0, "longStockValue": prev, "shortStockValue": 0.0,
               "isInCall": False, "accountValue": round(cash + prev, 2)}
    projected = {"cashAvailableForTrading": cash, "cashAvailableForWithdrawal": cash}
    return {"initialBalances": initial, "currentBalances": current,
            "projectedBalances": projected}


def _margin_balances(cash: float, stock: float, option: float, prev: float) -> dict:
    equity = round(cash + stock + option, 2)
    maintenance = round(0.25 * stock, 2)
    available = round(max(0.0, equity - maintenance), 2)
    power = round(2 * available, 2)
    common = {"accruedInterest": 0.0, "cashBalance": cash, "cashReceipts": 0.0,
              "longOptionMarketValue": option, "liquidationValue": equity,
              "moneyMarketFund": 0.0, "pendingDeposits": 0.0, "bondValue": 0.0,
              "mutualFundValue": 0.0, "shortOptionMarketValue": 0.0, "isInCall": False,
              "availableFundsNonMarginableTrade": available, "buyingPower": power,
              "dayTradingBuyingPower": 2 * power, "dayTradingBuyingPowerCall": 0.0,
              "equity": equity, "equityPercentage": 100.0, "longMarginValue": stock,
              "maintenanceCall": 0.0, "maintenanceRequirement": maintenance,
              "marginBalance": 0.0, "regTCall": 0.0, "shortBalance": 0.0,
              "shortMarginValue": 0.0}
    current = {**common, "longMarketValue": stock, "savings": 0.0, "shortMarketValue": 0.0,
               "availableFunds": available, "buyingPowerNonMarginableTrade": available,
               "sma": available, "stockBuyingPower": power, "optionBuyingPower": available}
    initial = {**common, "cashAvailableForTrading": 0.0, "dayTradingEquityCall": 0.0,
               "liquidationValue": round(cash + prev, 2), "longStockValue": prev,
               "margin": 0.0, "marginEquity": equity, "shortStockValue": 0.0,
               "totalCash": 0.0, "unsettledCash": 0.0, "accountValue": round(cash + prev, 2)}
    projected = {key: current[key] for key in (
        "availableFunds", "availableFundsNonMarginableTrade", "buyingPower",
        "dayTradingBuyingPower", "dayTradingBuyingPowerCall", "maintenanceCall", "regTCall",
        "isInCall", "stockBuyingPower")}
    return {"initialBalances": initial, "currentBalances": current,
            "projectedBalances": projected}


def account_body(sandbox: SandboxLike, account_id: str, fields: tuple) -> dict:
    """One ``{"securitiesAccount": ...}`` as TD served it."""
    with sandbox.lock:
        settle(sandbox)
        ledger = state(sandbox).ledger(account_id)
        cash, held = ledger.cash, list(ledger.positions.values())
    now = sandbox.clock()
    positions = [_position(sandbox.seed, h, now) for h in held]
    stock = round(sum(p["marketValue"] for p in positions
                      if p["instrument"]["assetType"] == "EQUITY"), 2)
    option = round(sum(p["marketValue"] for p in positions
                       if p["instrument"]["assetType"] == "OPTION"), 2)
    prev = round(stock - sum(p["currentDayProfitLoss"] for p in positions
                             if p["instrument"]["assetType"] == "EQUITY"), 2)
    kind = ACCOUNT_TYPES[account_id]
    body: dict = {"type": kind, "accountId": account_id, "roundTrips": 0,
                  "isDayTrader": False, "isClosingOnlyRestricted": False}
    if "positions" in fields:
        body["positions"] = positions
    if "orders" in fields:
        body["orderStrategies"] = order_book(sandbox).orders(account_id)
    balances = _cash_balances if kind == "CASH" else _margin_balances
    body.update(balances(cash, stock, option, prev))
    return {"securitiesAccount": body}


def _fields(req: SandboxRequest) -> tuple:
    wanted = tuple(f.strip() for f in (req.arg("fields") or "").split(",") if f.strip())
    for name in wanted:
        if name not in FIELDS:
            raise BadRequest(f"Invalid fields '{name}': allowed values are positions, orders")
    return wanted


def get_accounts(sandbox: SandboxLike, req: SandboxRequest) -> SandboxResponse:
    """``GET /accounts``: 200, or 207 with only the healthy accounts."""
    fields = _fields(req)
    failing = state(sandbox).partial_failure
    ids = [a for a in ACCOUNT_IDS if not (failing and ACCOUNT_TYPES[a] == "MARGIN")]
    return json_response([account_body(sandbox, a, fields) for a in ids],
                         207 if failing else 200)


def get_account(sandbox: SandboxLike, req: SandboxRequest, account_id: str) -> SandboxResponse:
    """``GET /accounts/{accountId}``."""
    fields = _fields(req)
    return json_response(account_body(sandbox, require_account(account_id), fields))


def register(router: Router) -> None:
    """Add the account routes."""
    router.add("GET", r"/accounts", get_accounts, BEARER)
    router.add("GET", r"/accounts/(?P<account_id>[^/]+)", get_account, BEARER)
