"""TD's market-data routes: quotes, price history, chains, movers, hours, instruments.

The bodies are TD's wire format over the synthetic data of :mod:`pyTD.sandbox.data`;
``register(router)`` adds every route (``BEARER_OR_APIKEY``).
"""

from __future__ import annotations

from pyTD.sandbox.market.chains import get_chain
from pyTD.sandbox.market.history import get_price_history
from pyTD.sandbox.market.hours import get_hours, get_market_hours
from pyTD.sandbox.market.instruments import get_instrument, search_instruments
from pyTD.sandbox.market.movers import get_movers
from pyTD.sandbox.market.quotes import get_quote, get_quotes
from pyTD.sandbox.routing import BEARER_OR_APIKEY, Router

__all__ = ["register"]


def register(router: Router) -> None:
    """Add every market-data route to ``router``."""
    for pattern, handler in (
        (r"/marketdata/quotes", get_quotes),
        (r"/marketdata/chains", get_chain),
        (r"/marketdata/hours", get_hours),
        (r"/marketdata/(?P<symbol>[^/]+)/quotes", get_quote),
        (r"/marketdata/(?P<symbol>[^/]+)/pricehistory", get_price_history),
        (r"/marketdata/(?P<index>[^/]+)/movers", get_movers),
        (r"/marketdata/(?P<market>[^/]+)/hours", get_market_hours),
        (r"/instruments", search_instruments),
        (r"/instruments/(?P<cusip>[^/]+)", get_instrument),
    ):
        router.add("GET", pattern, handler, BEARER_OR_APIKEY)
