"""Accounts and trading: accounts and positions, orders, saved orders, transactions,
user principals and preferences, watchlists.

Each function takes ``api=`` (default: :func:`pyTD.api.default_api`); the ones
that read data also take ``output_format=`` (``"json"`` or ``"pandas"``)::

    from pyTD.accounts import get_positions, place_order, get_orders
    get_positions(output_format="pandas")
    order_id = place_order("123456789", order)
    get_orders("123456789", status="WORKING")
"""

from pyTD.accounts.accounts import get_account, get_accounts, get_positions
from pyTD.accounts.orders import (
    cancel_order,
    get_order,
    get_orders,
    place_order,
    preview_order,
    replace_order,
)
from pyTD.accounts.saved_orders import (
    create_saved_order,
    delete_saved_order,
    get_saved_order,
    get_saved_orders,
    replace_saved_order,
)
from pyTD.accounts.transactions import get_transaction, get_transactions
from pyTD.accounts.user import (
    get_account_numbers,
    get_preferences,
    get_streamer_subscription_keys,
    get_user_preference,
    get_user_principals,
    update_preferences,
)
from pyTD.accounts.watchlists import (
    create_watchlist,
    delete_watchlist,
    get_watchlist,
    get_watchlists,
    replace_watchlist,
    update_watchlist,
)

__all__ = [
    "cancel_order", "create_saved_order", "create_watchlist", "delete_saved_order",
    "delete_watchlist", "get_account", "get_account_numbers", "get_accounts", "get_order",
    "get_orders",
    "get_positions", "get_preferences", "get_saved_order", "get_saved_orders",
    "get_streamer_subscription_keys", "get_transaction", "get_transactions",
    "get_user_preference", "get_user_principals", "get_watchlist", "get_watchlists", "place_order",
    "preview_order", "replace_order", "replace_saved_order", "replace_watchlist",
    "update_preferences", "update_watchlist",
]
