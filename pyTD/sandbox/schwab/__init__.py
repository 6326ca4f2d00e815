"""The Schwab mode of the sandbox: Schwab's wire format over the shared state models.

``Sandbox(provider="schwab")`` serves, on one host, Schwab's OAuth pages and token
endpoint (``/v1/oauth/...``), the Trader API (``/trader/v1/...``) and the Market
Data API (``/marketdata/v1/...``), with Schwab's bodies, error formats and
lifetimes (reference ``schwab-api.md``). Accounts, the order book, prices, the
symbol universe and tokens are the same models the TD mode uses; only the wire
format differs.
"""

from __future__ import annotations

from functools import wraps

from pyTD.provider import SCHWAB
from pyTD.sandbox.market.hours import get_hours, get_market_hours
from pyTD.sandbox.modes import Mode
from pyTD.sandbox.routing import BEARER, Handler, Router, SandboxResponse
from pyTD.sandbox.schwab import accounts, errors, market, oauth, orders, quotes, transactions

__all__ = ["SCHWAB_MODE", "register"]

_MARKET: tuple[tuple[str, str, Handler], ...] = (
    ("GET", r"/quotes", quotes.get_quotes),
    ("GET", r"/chains", market.get_chain),
    ("GET", r"/expirationchain", market.get_expiration_chain),
    ("GET", r"/pricehistory", market.get_price_history),
    ("GET", r"/movers/(?P<index>[^/]+)", market.get_movers),
    ("GET", r"/markets", get_hours),
    ("GET", r"/markets/(?P<market>[^/]+)", get_market_hours),
    ("GET", r"/instruments", market.search_instruments),
    ("GET", r"/instruments/(?P<cusip>[^/]+)", market.get_instrument),
    ("GET", r"/(?P<symbol>[^/]+)/quotes", quotes.get_quote),
)
_ACCOUNT = r"/accounts/(?P<account>[^/]+)"
_ORDER = _ACCOUNT + r"/orders/(?P<order_id>[^/]+)"
_TRADER: tuple[tuple[str, str, Handler], ...] = (
    ("GET", r"/accounts/accountNumbers", accounts.get_account_numbers),
    ("GET", r"/accounts", accounts.get_accounts),
    ("GET", _ACCOUNT, accounts.get_account),
    ("GET", r"/orders", orders.list_orders),
    ("GET", _ACCOUNT + r"/orders", orders.list_orders),
    ("POST", _ACCOUNT + r"/orders", orders.place_order),
    ("GET", _ORDER, orders.get_order),
    ("PUT", _ORDER, orders.replace_order),
    ("DELETE", _ORDER, orders.cancel_order),
    ("POST", _ACCOUNT + r"/previewOrder", orders.preview_order),
    ("GET", _ACCOUNT + r"/transactions", transactions.list_transactions),
    ("GET", _ACCOUNT + r"/transactions/(?P<transaction_id>[^/]+)",
     transactions.get_transaction),
    ("GET", r"/userPreference", accounts.get_user_preference),
)


def _correlated(handler: Handler) -> Handler:
    """``handler`` whose successful answers carry ``Schwab-Client-CorrelId``."""
    @wraps(handler)
    def serve(*args: object, **kwargs: str) -> SandboxResponse:
        response = handler(*args, **kwargs)
        if response.status < 400:
            response.headers.setdefault(errors.CORREL_HEADER, errors.correl_id())
        return response
    return serve


def register(router: Router) -> None:
    """Add Schwab's OAuth, market-data and trader routes (and 404s for TD's removed ones)."""
    oauth.register(router)
    market_api = router.mount("/marketdata/v1")
    for method, pattern, handler in _MARKET:
        market_api.add(method, pattern, _correlated(handler), BEARER)
    trader = router.mount("/trader/v1")
    for pattern in accounts.REMOVED:
        for method in ("GET", "POST", "PUT", "DELETE"):
            trader.add(method, pattern, accounts.removed, BEARER)
    for method, pattern, handler in _TRADER:
        trader.add(method, pattern, _correlated(handler), BEARER)


SCHWAB_MODE = Mode(
    provider=SCHWAB, register=register, error=errors.error, denied=errors.denied,
    issue_tokens=oauth.issue_tokens, check_callback=oauth.check_callback,
    auth_path=oauth.AUTHORIZE_PATH, token_path=oauth.TOKEN_PATH,
    demo_callback_url=oauth.DEMO_CALLBACK_URL,
    lifetimes=(SCHWAB.access_token_lifetime, SCHWAB.refresh_token_lifetime, 30),
    limited=(*SCHWAB.api_roots, oauth.TOKEN_PATH), secrets=True,
)
