"""The accounts' state, shared by every wire format: accounts, holdings, orders, watchlists.

A sandbox has one :class:`AccountsState`, created on first use::

    from pyTD.sandbox.accounts import state
    state(sandbox).partial_failure = True   # GET /accounts now answers 207

Orders and saved orders change through :mod:`~pyTD.sandbox.accounts.orderbook`.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from pyTD.sandbox.data import cusips, seeded, universe
from pyTD.sandbox.data.calendar import local_date
from pyTD.sandbox.data.options import (
    expirations,
    option_cusip,
    option_description,
    option_symbol,
    parse_option,
)
from pyTD.sandbox.routing import BadRequest, SandboxLike

#: The synthetic accounts every sandbox has: a cash and a margin account.
ACCOUNT_TYPES = {"123456789": "CASH", "987654321": "MARGIN"}
ACCOUNT_IDS = tuple(ACCOUNT_TYPES)
_EQUITIES = tuple(s.symbol for s in universe.UNIVERSE.values() if s.asset_type == "EQUITY")

DEFAULT_PREFERENCES = {
    "expressTrading": False, "directOptionsRouting": False, "directEquityRouting": False,
    "defaultEquityOrderLegInstruction": "NONE", "defaultEquityOrderType": "LIMIT",
    "defaultEquityOrderPriceLinkType": "NONE", "defaultEquityOrderDuration": "DAY",
    "defaultEquityOrderMarketSession": "NORMAL", "defaultEquityQuantity": 0,
    "mutualFundTaxLotMethod": "FIFO", "optionTaxLotMethod": "FIFO", "equityTaxLotMethod": "FIFO",
    "defaultAdvancedToolLaunch": "NONE", "authTokenTimeout": "FIFTY_FIVE_MINUTES",
}


@dataclass
class AccountsState:
    """Everything the account routes remember; guard changes with ``sandbox.lock``."""

    seed: int
    #: When the state was created (``sandbox.clock()``); anchors positions and history.
    created: float
    #: When True, ``GET /accounts`` answers 207 with only the healthy (cash) account.
    partial_failure: bool = False
    orders: dict[int, dict] = field(default_factory=dict)
    saved_orders: dict[int, dict] = field(default_factory=dict)
    watchlists: dict[str, dict] = field(default_factory=dict)
    preferences: dict[str, dict] = field(default_factory=dict)
    #: Cash and positions of each account, seeded on first use, changed by fills.
    ledgers: dict[str, Ledger] = field(default_factory=dict)
    #: How far each open order has been followed along the prices (see ``fills``).
    progress: dict[int, dict] = field(default_factory=dict)
    next_id: int = 0

    def __post_init__(self) -> None:
        self.next_id = 1_000_000_000 + int(seeded.unit(self.seed, "ids") * 1e9)
        for account_id in ACCOUNT_IDS:
            self.preferences[account_id] = copy.deepcopy(DEFAULT_PREFERENCES)

    def ledger(self, account_id: str) -> Ledger:
        """The cash and positions of an account (seeded from :func:`holdings` first)."""
        if account_id not in self.ledgers:
            cash, held = holdings(self.seed, account_id, self.created)
            self.ledgers[account_id] = Ledger(cash, {
                symbol: Holding(symbol, kind, quantity, average)
                for symbol, kind, quantity, average in held})
        return self.ledgers[account_id]

    def new_id(self) -> int:
        """A fresh identifier (orders, saved orders and watchlists share one sequence)."""
        self.next_id += 1 + int(seeded.unit(self.seed, "step", self.next_id) * 7)
        return self.next_id


def state(sandbox: SandboxLike) -> AccountsState:
    """The sandbox's account state."""
    return sandbox.store("accounts", lambda: AccountsState(sandbox.seed, sandbox.clock()))


def instrument(seed: int, symbol: str, asset_type: str) -> dict:
    """The ``instrument`` TD gives a symbol in orders and positions; an option's carries
    its CUSIP, description, ``putCall`` and ``underlyingSymbol``."""
    opt = parse_option(symbol) if asset_type == "OPTION" else None
    if opt is None:
        return {"assetType": asset_type, "cusip": cusips.cusip(seed, symbol), "symbol": symbol}
    return {"assetType": "OPTION", "cusip": option_cusip(opt), "symbol": symbol,
            "description": option_description(opt), "type": "VANILLA",
            "putCall": "PUT" if opt.put else "CALL", "underlyingSymbol": opt.underlying}


def require_account(account_id: str) -> str:
    """``account_id`` if it is one of the sandbox's accounts, else a 404."""
    if account_id not in ACCOUNT_TYPES:
        raise BadRequest(f"Account {account_id} not found", 404)
    return account_id


@dataclass
class Holding:
    """One position: ``quantity`` is negative when short."""

    symbol: str
    asset_type: str
    quantity: float
    average_price: float


@dataclass
class Ledger:
    """An account's cash and positions (by symbol)."""

    cash: float
    positions: dict[str, Holding]

    def trade(self, symbol: str, asset_type: str, quantity: float, price: float) -> None:
        """Book a fill: ``quantity`` shares or contracts (negative: sold) at ``price``.

        Cash moves by the fill's value (options: 100 per contract); a position that
        grows keeps a weighted average price, one that shrinks keeps its average, one
        that changes sides starts at ``price``; a flat position disappears.
        """
        multiplier = 100 if asset_type == "OPTION" else 1
        self.cash = round(self.cash - quantity * price * multiplier, 2)
        held = self.positions.get(symbol)
        if held is None:
            self.positions[symbol] = Holding(symbol, asset_type, quantity, price)
            return
        total = held.quantity + quantity
        if abs(total) < 1e-9:
            del self.positions[symbol]
        elif held.quantity * quantity > 0:
            held.average_price = round((held.quantity * held.average_price + quantity * price)
                                       / total, 4)
        elif held.quantity * total < 0:
            held.average_price = price
        if symbol in self.positions:
            held.quantity = total


#: ``(symbol, assetType, quantity, averagePrice)`` of one seeded position.
Seeded = tuple[str, str, float, float]


def holdings(seed: int, account_id: str, created: float) -> tuple[float, list[Seeded]]:
    """Cash and ``(symbol, assetType, quantity, averagePrice)`` of an account, from the seed."""
    rand = seeded.rng(seed, "holdings", account_id)
    margin = ACCOUNT_TYPES[account_id] == "MARGIN"
    symbols = rand.sample(_EQUITIES, 4 if margin else 3)
    out = [(s, "EQUITY", float(rand.randint(1, 40) * 5),
            round(universe.base_price(seed, s) * rand.uniform(0.7, 1.2), 4)) for s in symbols]
    if margin:
        expiry = [d for d, kind in expirations(local_date(created)) if kind == "R"][-1]
        strike = round(universe.base_price(seed, symbols[0]) / 5) * 5.0
        out.append((option_symbol(symbols[0], expiry, False, strike), "OPTION",
                    float(rand.randint(1, 5)), round(rand.uniform(2, 10), 4)))
    return round(rand.uniform(5e3, 5e4) if margin else rand.uniform(1e3, 2e4), 2), out
