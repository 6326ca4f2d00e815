"""``pytd accounts``, ``positions``, ``transactions``, ``watchlists``, ``instruments`` and
``fundamentals``: the rest of the API from the command line, as tables, JSON or CSV."""

from __future__ import annotations

import argparse
from typing import Any, Mapping, Sequence

from pyTD.cli import EXIT_OK
from pyTD.cli.commands import make_api, show
from pyTD.cli.format import Table


def _accounts_of(data: Any) -> list[Mapping[str, Any]]:
    """The ``securitiesAccount`` objects of ``get_accounts``/``get_account``'s answer."""
    items = data if isinstance(data, list) else [data]
    return [item.get("securitiesAccount", item) for item in items]


def balance_rows(data: Any) -> Table:
    """One row per account: type, cash, liquidation value, buying power."""
    rows = []
    for account in _accounts_of(data):
        balances = account.get("currentBalances") or {}
        rows.append([str(account.get("accountId")), account.get("type"),
                     balances.get("cashBalance"), balances.get("liquidationValue"),
                     balances.get("buyingPower", balances.get("cashAvailableForTrading")),
                     balances.get("longMarketValue")])
    return ["account", "type", "cash", "liquidation value", "buying power",
            "long market value"], rows


def position_rows(data: Sequence[Mapping[str, Any]]) -> Table:
    """One row per position: quantity (long minus short), average price, value, day P/L."""
    rows = []
    for position in data:
        instrument = position.get("instrument") or {}
        quantity = (position.get("longQuantity") or 0) - (position.get("shortQuantity") or 0)
        rows.append([str(position.get("accountId")), instrument.get("symbol"),
                     instrument.get("assetType"), quantity, position.get("averagePrice"),
                     position.get("marketValue"), position.get("currentDayProfitLoss"),
                     position.get("currentDayProfitLossPercentage")])
    return ["account", "symbol", "type", "quantity", "average price", "market value",
            "day P/L", "day P/L %"], rows


def transaction_rows(data: Sequence[Mapping[str, Any]]) -> Table:
    """One row per transaction, newest first as TD sends them."""
    rows = []
    for item in data:
        detail = item.get("transactionItem") or {}
        instrument = detail.get("instrument") or {}
        rows.append([str(item.get("transactionId")), (item.get("transactionDate") or "")[:10],
                     item.get("type"), item.get("description"), instrument.get("symbol"),
                     detail.get("amount"), detail.get("price"), item.get("netAmount")])
    return ["id", "date", "type", "description", "symbol", "quantity", "price",
            "net amount"], rows


def watchlist_rows(data: Sequence[Mapping[str, Any]]) -> Table:
    """One row per watchlist, with its symbols."""
    rows = [[str(w.get("watchlistId")), w.get("name"), str(w.get("accountId")),
             " ".join((i.get("instrument") or {}).get("symbol", "")
                      for i in w.get("watchlistItems") or [])]
            for w in data]
    return ["id", "name", "account", "symbols"], rows


def instrument_rows(data: Mapping[str, Mapping[str, Any]]) -> Table:
    """One row per instrument found."""
    rows = [[symbol, i.get("cusip"), i.get("description"), i.get("exchange"), i.get("assetType")]
            for symbol, i in data.items()]
    return ["symbol", "cusip", "description", "exchange", "type"], rows


def fundamental_rows(data: Mapping[str, Mapping[str, Any]]) -> Table:
    """One row per symbol: the figures traders look at first."""
    fields = ("peRatio", "epsTTM", "dividendYield", "marketCap", "high52", "low52", "beta")
    rows = [[symbol, *((item.get("fundamental") or {}).get(f) for f in fields)]
            for symbol, item in data.items()]
    return ["symbol", "P/E", "EPS (TTM)", "dividend yield %", "market cap (M)", "52w high",
            "52w low", "beta"], rows


def accounts(args: argparse.Namespace) -> int:
    """``pytd accounts [ACCOUNT]``: balances of one account or of all."""
    with make_api(args) as client:
        data = (client.get_account(args.account) if args.account else client.get_accounts())
    show(args, data, balance_rows(data), "accounts")
    return EXIT_OK


def positions(args: argparse.Namespace) -> int:
    """``pytd positions [ACCOUNT]``: positions of one account or of all."""
    with make_api(args) as client:
        data = client.get_positions(args.account)
    show(args, data, position_rows(data), "positions")
    return EXIT_OK


def transactions(args: argparse.Namespace) -> int:
    """``pytd transactions ACCOUNT``: with ``--type``, ``--symbol``, ``--start``, ``--end``."""
    with make_api(args) as client:
        data = client.get_transactions(args.account, type=args.type, symbol=args.symbol,
                                       start_date=args.start, end_date=args.end)
    show(args, data, transaction_rows(data), "transactions")
    return EXIT_OK


def watchlists(args: argparse.Namespace) -> int:
    """``pytd watchlists [ACCOUNT]``."""
    with make_api(args) as client:
        data = client.get_watchlists(args.account)
    show(args, data, watchlist_rows(data), "watchlists")
    return EXIT_OK


def instruments(args: argparse.Namespace) -> int:
    """``pytd instruments QUERY``: a search by symbol, regex or description (``--projection``)."""
    with make_api(args) as client:
        data = client.get_instruments(args.query, projection=args.projection)
    show(args, data, instrument_rows(data), "instruments")
    return EXIT_OK


def fundamentals(args: argparse.Namespace) -> int:
    """``pytd fundamentals SYMBOL...``."""
    with make_api(args) as client:
        data = client.get_fundamentals(args.symbols)
    show(args, data, fundamental_rows(data), "symbols")
    return EXIT_OK
