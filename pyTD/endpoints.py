"""The link between the endpoint wrappers and an ``api``.

:func:`resolve_api` gives every wrapper its ``api`` (the default one when ``None``);
:class:`EndpointMethods` is the mixin that puts every wrapper on the ``api`` class::

    from pyTD.api import api
    a = api(consumer_key="KEY", callback_url="http://localhost:8080")
    a.get_quotes("AAPL")          # same as pyTD.market.get_quotes("AAPL", api=a)

Wrapper modules are imported when a method is first called, so importing this
module (and ``pyTD.api``) stays cheap and free of import cycles.
"""

from __future__ import annotations

from importlib import import_module
from types import ModuleType
from typing import Any


def resolve_api(api: Any = None) -> Any:
    """``api`` itself, or the module-level default api when it is ``None``."""
    from pyTD.api import default_api

    return api if api is not None else default_api()


def _module(name: str) -> ModuleType:
    return import_module(f"pyTD.{name}")


class EndpointMethods:
    """Every endpoint wrapper as a method of ``api`` (mixed into :class:`pyTD.api.api`).

    Each method calls the module function of the same name with ``api=self``;
    see that function for the arguments.
    """

    # -- market data ---------------------------------------------------------
    def get_quotes(self, symbols: Any, **kwargs: Any) -> Any:
        """Quotes for one or more symbols: :func:`pyTD.market.quotes.get_quotes`."""
        return _module("market.quotes").get_quotes(symbols, api=self, **kwargs)

    def get_price_history(self, symbol_or_symbols: Any, **kwargs: Any) -> Any:
        """Candles: :func:`pyTD.market.price_history.get_price_history`."""
        return _module("market.price_history").get_price_history(symbol_or_symbols, api=self,
                                                                 **kwargs)

    def get_option_chain(self, symbol: str, **kwargs: Any) -> Any:
        """An option chain: :func:`pyTD.market.options.get_option_chain`."""
        return _module("market.options").get_option_chain(symbol, api=self, **kwargs)

    get_option_chains = get_option_chain

    def get_movers(self, index: str, **kwargs: Any) -> Any:
        """Top movers of an index: :func:`pyTD.market.movers.get_movers`."""
        return _module("market.movers").get_movers(index, api=self, **kwargs)

    def get_market_hours(self, markets: Any = "EQUITY", **kwargs: Any) -> Any:
        """Market hours: :func:`pyTD.market.hours.get_market_hours`."""
        return _module("market.hours").get_market_hours(markets, api=self, **kwargs)

    def get_fundamentals(self, symbols: Any, **kwargs: Any) -> Any:
        """Fundamental data: :func:`pyTD.market.fundamentals.get_fundamentals`."""
        return _module("market.fundamentals").get_fundamentals(symbols, api=self, **kwargs)

    def get_instruments(self, symbol: Any, **kwargs: Any) -> Any:
        """Instrument search: :func:`pyTD.instruments.get_instruments`."""
        return _module("instruments").get_instruments(symbol, api=self, **kwargs)

    def get_instrument(self, cusip: str, **kwargs: Any) -> Any:
        """One instrument by CUSIP: :func:`pyTD.instruments.get_instrument`."""
        return _module("instruments").get_instrument(cusip, api=self, **kwargs)

    # -- accounts ------------------------------------------------------------
    def get_accounts(self, **kwargs: Any) -> Any:
        """All linked accounts: :func:`pyTD.accounts.accounts.get_accounts`."""
        return _module("accounts.accounts").get_accounts(api=self, **kwargs)

    def get_account(self, account_id: Any, **kwargs: Any) -> Any:
        """One account: :func:`pyTD.accounts.accounts.get_account`."""
        return _module("accounts.accounts").get_account(account_id, api=self, **kwargs)

    def get_positions(self, account_id: Any = None, **kwargs: Any) -> Any:
        """Positions: :func:`pyTD.accounts.accounts.get_positions`."""
        return _module("accounts.accounts").get_positions(account_id, api=self, **kwargs)

    # -- orders --------------------------------------------------------------
    def get_orders(self, account_id: Any = None, **kwargs: Any) -> Any:
        """Orders: :func:`pyTD.accounts.orders.get_orders`."""
        return _module("accounts.orders").get_orders(account_id, api=self, **kwargs)

    def get_order(self, account_id: Any, order_id: Any, **kwargs: Any) -> Any:
        """One order: :func:`pyTD.accounts.orders.get_order`."""
        return _module("accounts.orders").get_order(account_id, order_id, api=self, **kwargs)

    def place_order(self, account_id: Any, order: Any) -> int:
        """Place an order, returning its id: :func:`pyTD.accounts.orders.place_order`."""
        return _module("accounts.orders").place_order(account_id, order, api=self)

    def replace_order(self, account_id: Any, order_id: Any, order: Any) -> int:
        """Replace an order, returning the new id: :func:`pyTD.accounts.orders.replace_order`."""
        return _module("accounts.orders").replace_order(account_id, order_id, order, api=self)

    def cancel_order(self, account_id: Any, order_id: Any) -> None:
        """Cancel an order: :func:`pyTD.accounts.orders.cancel_order`."""
        return _module("accounts.orders").cancel_order(account_id, order_id, api=self)

    # -- saved orders --------------------------------------------------------
    def create_saved_order(self, account_id: Any, order: Any) -> None:
        """Save an order: :func:`pyTD.accounts.saved_orders.create_saved_order`."""
        return _module("accounts.saved_orders").create_saved_order(account_id, order, api=self)

    def get_saved_orders(self, account_id: Any, **kwargs: Any) -> Any:
        """Saved orders: :func:`pyTD.accounts.saved_orders.get_saved_orders`."""
        return _module("accounts.saved_orders").get_saved_orders(account_id, api=self, **kwargs)

    def get_saved_order(self, account_id: Any, saved_order_id: Any, **kwargs: Any) -> Any:
        """One saved order: :func:`pyTD.accounts.saved_orders.get_saved_order`."""
        return _module("accounts.saved_orders").get_saved_order(account_id, saved_order_id,
                                                                api=self, **kwargs)

    def replace_saved_order(self, account_id: Any, saved_order_id: Any, order: Any) -> None:
        """Replace a saved order: :func:`pyTD.accounts.saved_orders.replace_saved_order`."""
        return _module("accounts.saved_orders").replace_saved_order(account_id, saved_order_id,
                                                                    order, api=self)

    def delete_saved_order(self, account_id: Any, saved_order_id: Any) -> None:
        """Delete a saved order: :func:`pyTD.accounts.saved_orders.delete_saved_order`."""
        return _module("accounts.saved_orders").delete_saved_order(account_id, saved_order_id,
                                                                   api=self)

    # -- transactions --------------------------------------------------------
    def get_transactions(self, account_id: Any, **kwargs: Any) -> Any:
        """Transactions: :func:`pyTD.accounts.transactions.get_transactions`."""
        return _module("accounts.transactions").get_transactions(account_id, api=self, **kwargs)

    def get_transaction(self, account_id: Any, transaction_id: Any, **kwargs: Any) -> Any:
        """One transaction: :func:`pyTD.accounts.transactions.get_transaction`."""
        return _module("accounts.transactions").get_transaction(account_id, transaction_id,
                                                                api=self, **kwargs)

    # -- user principals and preferences -------------------------------------
    def get_user_principals(self, **kwargs: Any) -> Any:
        """User principals: :func:`pyTD.accounts.user.get_user_principals`."""
        return _module("accounts.user").get_user_principals(api=self, **kwargs)

    def get_streamer_subscription_keys(self, account_ids: Any, **kwargs: Any) -> Any:
        """Streamer keys: :func:`pyTD.accounts.user.get_streamer_subscription_keys`."""
        return _module("accounts.user").get_streamer_subscription_keys(account_ids, api=self,
                                                                       **kwargs)

    def get_preferences(self, account_id: Any, **kwargs: Any) -> Any:
        """Account preferences: :func:`pyTD.accounts.user.get_preferences`."""
        return _module("accounts.user").get_preferences(account_id, api=self, **kwargs)

    def update_preferences(self, account_id: Any, preferences: Any) -> None:
        """Update account preferences: :func:`pyTD.accounts.user.update_preferences`."""
        return _module("accounts.user").update_preferences(account_id, preferences, api=self)

    # -- watchlists ----------------------------------------------------------
    def create_watchlist(self, account_id: Any, name: str, symbols_or_items: Any) -> Any:
        """Create a watchlist: :func:`pyTD.accounts.watchlists.create_watchlist`."""
        return _module("accounts.watchlists").create_watchlist(account_id, name,
                                                               symbols_or_items, api=self)

    def get_watchlists(self, account_id: Any = None, **kwargs: Any) -> Any:
        """Watchlists: :func:`pyTD.accounts.watchlists.get_watchlists`."""
        return _module("accounts.watchlists").get_watchlists(account_id, api=self, **kwargs)

    def get_watchlist(self, account_id: Any, watchlist_id: Any, **kwargs: Any) -> Any:
        """One watchlist: :func:`pyTD.accounts.watchlists.get_watchlist`."""
        return _module("accounts.watchlists").get_watchlist(account_id, watchlist_id, api=self,
                                                            **kwargs)

    def replace_watchlist(self, account_id: Any, watchlist_id: Any, name: str,
                          symbols_or_items: Any) -> None:
        """Replace a watchlist: :func:`pyTD.accounts.watchlists.replace_watchlist`."""
        return _module("accounts.watchlists").replace_watchlist(account_id, watchlist_id, name,
                                                                symbols_or_items, api=self)

    def update_watchlist(self, account_id: Any, watchlist_id: Any, **kwargs: Any) -> None:
        """Change a watchlist (PATCH): :func:`pyTD.accounts.watchlists.update_watchlist`."""
        return _module("accounts.watchlists").update_watchlist(account_id, watchlist_id,
                                                               api=self, **kwargs)

    def delete_watchlist(self, account_id: Any, watchlist_id: Any) -> None:
        """Delete a watchlist: :func:`pyTD.accounts.watchlists.delete_watchlist`."""
        return _module("accounts.watchlists").delete_watchlist(account_id, watchlist_id, api=self)
