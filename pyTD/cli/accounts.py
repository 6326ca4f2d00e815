"""``pytd accounts``, ``positions``, ``transactions``, ``watchlists``, ``instruments`` and
``fundamentals``: the rest of the API from the command line, as tables, JSON or CSV."""

from __future__ import annotations

import argparse
from typing import Any, Mapping, Sequence

from pyTD.cli import EXIT_OK
from pyTD.cli.commands import make_api, show
from pyTD.cli.format import Table, fixed, percent, prices, quantity
from pyTD.exceptions import NotSupportedError


def _accounts_of(data: Any) -> list[Mapping[str, Any]]:
    """The ``securitiesAccount`` objects of ``get_accounts``/``get_account``'s answer."""
    items = data if isinstance(data, list) else [data]
    return [item.get("securitiesAccount", item) for item in items]


def _money(values: Sequence[Any]) -> list[Any]:
    return [fixed(value) for value in values]


def balance_rows(data: Any) -> Table:
    """One row per account: type, cash, liquidation value, buying power (all in dollars)."""
    rows = []
    for account in _accounts_of(data):
        balances = account.get("currentBalances") or {}
        number = account.get("accountId", account.get("accountNumber"))  # TD, Schwab
        rows.append([str(number), account.get("type"),
                     *_money([balances.get("cashBalance"), balances.get("liquidationValue"),
                              balances.get("buyingPower",
                                           balances.get("cashAvailableForTrading")),
                              balances.get("longMarketValue")])])
    return ["account", "type", "cash", "liquidation value", "buying power",
            "long market value"], rows


def position_rows(data: Sequence[Mapping[str, Any]]) -> Table:
    """One row per position: quantity (long minus short), average price, value, day P/L."""
    rows = []
    for position in data:
        instrument = position.get("instrument") or {}
        held = (position.get("longQuantity") or 0) - (position.get("shortQuantity") or 0)
        rows.append([str(position.get("accountId")), instrument.get("symbol"),
                     instrument.get("assetType"), quantity(held),
                     *prices([position.get("averagePrice")]),
                     *_money([position.get("marketValue"),
                              position.get("currentDayProfitLoss")]),
                     percent(position.get("currentDayProfitLossPercentage"))])
    return ["account", "symbol", "type", "quantity", "average price", "market value",
            "day P/L", "day P/L %"], rows


def _traded(item: Mapping[str, Any]) -> Mapping[str, Any]:
    """What a transaction moved: TD's ``transactionItem``, or Schwab's first transfer item
    that is not cash or a fee."""
    if "transactionItem" in item:
        return item.get("transactionItem") or {}
    transfers = [t for t in item.get("transferItems") or []
                 if (t.get("instrument") or {}).get("assetType") != "CURRENCY"]
    return transfers[0] if transfers else {}


def transaction_rows(data: Sequence[Mapping[str, Any]]) -> Table:
    """One row per transaction, in the order the provider sends them (TD: newest first)."""
    rows = []
    for item in data:
        detail = _traded(item)
        instrument = detail.get("instrument") or {}
        when = item.get("transactionDate") or item.get("tradeDate") or item.get("time") or ""
        rows.append([str(item.get("transactionId", item.get("activityId"))), when[:10],
                     item.get("type"), item.get("description"), instrument.get("symbol"),
                     quantity(detail.get("amount")), *prices([detail.get("price")]),
                     fixed(item.get("netAmount"))])
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
    rows = []
    for symbol, item in data.items():
        f = item.get("fundamental") or {}
        rows.append([symbol, fixed(f.get("peRatio")), fixed(f.get("epsTTM")),
                     percent(f.get("dividendYield")), fixed(f.get("marketCap"), 0),
                     *prices([f.get("high52"), f.get("low52")]), fixed(f.get("beta"))])
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
    """``pytd watchlists [ACCOUNT]``; a provider without watchlists is an error saying so."""
    with make_api(args) as client:
        provider = client.provider
        if not {"watchlists", "all_watchlists"} & set(provider.paths):
            raise NotSupportedError(f"{provider.title}'s API has no watchlists; `pytd "
                                    "watchlists` works with TD Ameritrade only.")
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
