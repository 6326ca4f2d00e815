"""TD's account routes over the sandbox's account state.

Two synthetic accounts exist, ``ACCOUNT_IDS`` (a CASH and a MARGIN one). The
state every wire format shares lives in :mod:`~pyTD.sandbox.accounts.models`
(accounts, cash and positions, watchlists, preferences),
:mod:`~pyTD.sandbox.accounts.orderbook` (orders and saved orders) and
:mod:`~pyTD.sandbox.accounts.fills` (how orders fill along the synthetic prices,
following the sandbox's clock); TD's routes are the ``routes_*`` modules. To make
``GET /accounts`` answer 207 with only the healthy account, a test sets
``pyTD.sandbox.accounts.state(sandbox).partial_failure = True``.
"""

from __future__ import annotations

from pyTD.sandbox.accounts import (
    routes_accounts,
    routes_orders,
    routes_transactions,
    routes_user,
    routes_watchlists,
)
from pyTD.sandbox.accounts.models import ACCOUNT_IDS, state
from pyTD.sandbox.routing import Router

__all__ = ["ACCOUNT_IDS", "register", "state"]


def register(router: Router) -> None:
    """Add every account route to ``router`` (all ``BEARER``)."""
    routes_watchlists.register(router)  # before /accounts/{id}: owns /accounts/watchlists
    routes_accounts.register(router)
    routes_orders.register(router)
    routes_transactions.register(router)
    routes_user.register(router)
