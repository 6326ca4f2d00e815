"""Market data: quotes, price history, option chains, movers, market hours, fundamentals.

Each function takes ``api=`` (default: :func:`pyTD.api.default_api`) and
``output_format=`` (``"json"``, the default, or ``"pandas"``)::

    from pyTD.market import get_quotes, get_price_history
    get_quotes(["AAPL", "MSFT"])
    get_price_history("AAPL", period_type="month", frequency_type="daily",
                      output_format="pandas")

pyTD 0.0.x's endpoint classes are here too: ``Quotes("AAPL").execute()`` is
``get_quotes("AAPL")`` (also ``Movers``, ``MarketHours``, ``Options``,
``PriceHistory`` and ``Instruments``).
"""

from pyTD.instruments import Instruments
from pyTD.market.fundamentals import get_fundamentals
from pyTD.market.hours import MarketHours, get_market_hours
from pyTD.market.movers import Movers, get_movers
from pyTD.market.options import (
    Options,
    get_expiration_chain,
    get_option_chain,
    get_option_chains,
)
from pyTD.market.price_history import PriceHistory, get_price_history
from pyTD.market.quotes import Quotes, get_quotes

__all__ = ["Instruments", "MarketHours", "Movers", "Options", "PriceHistory", "Quotes",
           "get_expiration_chain", "get_fundamentals", "get_market_hours", "get_movers",
           "get_option_chain", "get_option_chains", "get_price_history", "get_quotes"]
