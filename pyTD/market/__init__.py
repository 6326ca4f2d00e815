"""Market data: quotes, price history, option chains, movers, market hours, fundamentals.

Each function takes ``api=`` (default: :func:`pyTD.api.default_api`) and
``output_format=`` (``"json"``, the default, or ``"pandas"``)::

    from pyTD.market import get_quotes, get_price_history
    get_quotes(["AAPL", "MSFT"])
    get_price_history("AAPL", period_type="month", frequency_type="daily",
                      output_format="pandas")
"""

from pyTD.market.fundamentals import get_fundamentals
from pyTD.market.hours import get_market_hours
from pyTD.market.movers import get_movers
from pyTD.market.options import get_option_chain, get_option_chains
from pyTD.market.price_history import get_price_history
from pyTD.market.quotes import get_quotes

__all__ = ["get_fundamentals", "get_market_hours", "get_movers", "get_option_chain",
           "get_option_chains", "get_price_history", "get_quotes"]
