"""Per-sandbox account state: orders, saved orders, watchlists, preferences.

A sandbox has one :class:`AccountsState`, created on first use::

    from pyTD.sandbox.accounts_state import state
    state(sandbox).partial_failure = True   # GET /v1/accounts now answers 207
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from pyTD.sandbox.data import seeded
from pyTD.sandbox.routing import VALIDATION_ERROR, BadRequest, SandboxLike

#: The synthetic accounts every sandbox has: a cash and a margin account.
ACCOUNT_TYPES = {"123456789": "CASH", "987654321": "MARGIN"}
ACCOUNT_IDS = tuple(ACCOUNT_TYPES)
#: TD's body for any invalid order.
ORDER_INVALID = VALIDATION_ERROR

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
    #: When True, ``GET /v1/accounts`` answers 207 with only the healthy (cash) account.
    partial_failure: bool = False
    orders: dict[int, dict] = field(default_factory=dict)
    saved_orders: dict[int, dict] = field(default_factory=dict)
    watchlists: dict[str, dict] = field(default_factory=dict)
    preferences: dict[str, dict] = field(default_factory=dict)
    next_id: int = 0

    def __post_init__(self) -> None:
        self.next_id = 1_000_000_000 + int(seeded.unit(self.seed, "ids") * 1e9)
        for account_id in ACCOUNT_IDS:
            self.preferences[account_id] = copy.deepcopy(DEFAULT_PREFERENCES)

    def new_id(self) -> int:
        """A fresh identifier (orders, saved orders and watchlists share one sequence)."""
        self.next_id += 1 + int(seeded.unit(self.seed, "step", self.next_id) * 7)
        return self.next_id


def state(sandbox: SandboxLike) -> AccountsState:
    """The sandbox's account state."""
    return sandbox.store("accounts", lambda: AccountsState(sandbox.seed, sandbox.clock()))


def require_account(account_id: str) -> str:
    """``account_id`` if it is one of the sandbox's accounts, else a 404."""
    if account_id not in ACCOUNT_TYPES:
        raise BadRequest(f"Account {account_id} not found", 404)
    return account_id
