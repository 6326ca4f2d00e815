"""The arguments of ``pytd``: :func:`build_parser` and :func:`parse_args`.

Each command's ``func`` (in :mod:`pyTD.cli.commands`) receives the parsed
namespace. The global options (credentials, URLs, ``--json``, ``-v`` and
``--log-level``) are accepted before or after the command name.

>>> parse_args(["quote", "aapl", "-v"]).symbols
['AAPL']
>>> parse_args(["-v", "quote", "A"]).log_level
'DEBUG'
"""

from __future__ import annotations

import argparse
from datetime import date, datetime
from typing import Any, Callable, Optional, Sequence, Union

import pyTD
from pyTD.accounts.transactions import TYPES as TRANSACTION_TYPES
from pyTD.cli import accounts, commands, orders
from pyTD.cli.stream import add_stream
from pyTD.instruments import PROJECTIONS
from pyTD.market.hours import MARKETS
from pyTD.market.movers import CHANGES, DIRECTIONS, INDEXES
from pyTD.market.options import CONTRACT_TYPES
from pyTD.market.price_history import FREQUENCIES, PERIODS

#: Levels ``--log-level`` accepts (any case).
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")

GLOBAL_EPILOG = ("Global options (--consumer-key, --callback-url, --config-dir, --base-url, "
                 "--auth-url, --no-store, --json, -v, --log-level) may come before or after "
                 "the command; each falls back to its TD_* environment variable. "
                 "Each request times out after 5 s to connect and 30 s to read (90 s for a "
                 "whole answer, $TD_DEADLINE); GETs are retried 3 times after connection "
                 "errors, 429 and 5xx, and -v shows each retry. Requests are paced to the "
                 "provider's quota, 120 a minute ($TD_QUOTA: auto, off, N or N/SECONDS).")


def _add_global_options(parser: argparse.ArgumentParser, top: bool) -> None:
    """The options every API command shares; on subcommands they never override the top level."""
    def default(value: object) -> object:
        return value if top else argparse.SUPPRESS

    group = parser.add_argument_group("global options")
    for flag, variable, text in (
            ("--consumer-key", "TD_CONSUMER_KEY", "your app's consumer key"),
            ("--callback-url", "TD_CALLBACK_URL", "the callback URL registered for the app"),
            ("--config-dir", "TD_CONFIG_DIR", "where tokens are cached"),
            ("--base-url", "TD_BASE_URL", "API base URL, e.g. a sandbox's"),
            ("--auth-url", "TD_AUTH_URL", "authorization page URL")):
        group.add_argument(flag, default=default(None), metavar=flag[2:].replace("-", "_").upper(),
                           help=f"{text} (default: ${variable})")
    group.add_argument("--no-store", action="store_true", default=default(False),
                       help="keep tokens in memory only, for this run (default: $TD_STORE_TOKENS)")
    group.add_argument("--json", action="store_true", default=default(False),
                       help="print machine-readable JSON instead of tables")
    _add_logging_options(group, top)


def _add_logging_options(group: argparse._ActionsContainer, top: bool) -> None:
    """``-v`` and ``--log-level``: both set ``log_level``; the last one given wins."""
    default = None if top else argparse.SUPPRESS
    group.add_argument("-v", "--verbose", dest="log_level", action="store_const", const="DEBUG",
                       default=default,
                       help="show each request, its status and timing, retries and token "
                            "refreshes on standard error (as --log-level DEBUG)")
    group.add_argument("--log-level", dest="log_level", choices=LOG_LEVELS, type=_upper,
                       default=default, metavar="LEVEL",
                       help=f"what pyTD logs to standard error: {', '.join(LOG_LEVELS)} "
                            "(default: $TD_LOG_LEVEL, else WARNING)")


def _upper(text: str) -> str:
    return text.strip().upper()


def _index(text: str) -> str:
    """``DJI`` or ``$dji`` -> ``$DJI`` (the ``$`` is awkward in shells); an unknown index is
    refused as typed."""
    name = _upper(text)
    name = name if name.startswith("$") else "$" + name
    if name not in INDEXES:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an index pyTD knows: choose from {', '.join(INDEXES)} "
            "(the $ may be left out)")
    return name


def _time(text: str) -> Union[date, datetime]:
    """``YYYY-MM-DD`` -> a date; an ISO datetime (``Z`` allowed) -> a datetime."""
    value = text.strip()
    try:
        if len(value) == len("YYYY-MM-DD"):
            return date.fromisoformat(value)
        return datetime.fromisoformat(value[:-1] + "+00:00" if value.endswith("Z") else value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected YYYY-MM-DD or an ISO datetime such as "
                                         f"2024-01-31T14:30, got {text!r}") from None


def _date(text: str) -> date:
    value = _time(text)
    if isinstance(value, datetime):
        raise argparse.ArgumentTypeError(f"expected YYYY-MM-DD, got {text!r}")
    return value


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return value


class _Commands:
    """Adds subcommands; those with a ``func`` talk to the API and are collected in ``api_commands``
    (they get the global options once their own arguments are in place)."""

    def __init__(self, parser: argparse.ArgumentParser, dest: str,
                 api_commands: list[argparse.ArgumentParser]) -> None:
        self.group = parser.add_subparsers(dest=dest, metavar="COMMAND")
        self.group.required = True
        self.api_commands = api_commands

    def add(self, name: str, help_text: str, func: Optional[Callable[..., int]] = None,
            **kwargs: Any) -> argparse.ArgumentParser:
        description = help_text[:1].upper() + help_text[1:] + "."
        if func is None:
            return self.group.add_parser(name, help=help_text, description=description, **kwargs)
        parser = self.group.add_parser(name, help=help_text, description=description,
                                       epilog=GLOBAL_EPILOG, **kwargs)
        parser.set_defaults(func=func)
        self.api_commands.append(parser)
        return parser


def _add_auth(top: _Commands) -> None:
    auth = _Commands(top.add("auth", "log in, show or clear the cached tokens"), "auth_command",
                     top.api_commands)
    login = auth.add("login", "authorize in the browser and cache the tokens", commands.login)
    mode = login.add_mutually_exclusive_group()
    mode.add_argument("--no-browser", action="store_true",
                      help="print the URL instead of opening a browser (the local callback "
                           "server still catches the redirect)")
    mode.add_argument("--manual", action="store_true",
                      help="print the URL, then read the redirected URL pasted back (SSH, "
                           "remote machines)")
    login.add_argument("--timeout", type=float, default=300.0, metavar="SECONDS",
                       help="how long to wait for the browser (default: %(default)s)")
    status = auth.add("status", "where the tokens are cached and how long they stay valid "
                                "(exit 1 when not authorized)", commands.status)
    status.add_argument("--check", action="store_true",
                        help="also ask the server (one small authenticated request); exit 0 "
                             "when it accepts the tokens, 1 when it refuses them, 3 when it "
                             "cannot be reached")
    auth.add("logout", "delete the cached tokens", commands.logout)


def _add_market(top: _Commands) -> None:
    quote = top.add("quote", "quotes of one or more symbols", commands.quote)
    quote.add_argument("symbols", nargs="+", metavar="SYMBOL", type=_upper,
                       help="e.g. AAPL, $SPX.X, /ES, EUR/USD")
    _add_csv(quote)

    history = top.add("history", "price history (candles) of one or more symbols",
                      commands.history)
    history.add_argument("symbols", nargs="+", metavar="SYMBOL", type=_upper,
                         help="e.g. AAPL (several: fetched inside the rate limit, with a "
                              "progress bar on a terminal)")
    history.add_argument("--period-type", choices=tuple(PERIODS), type=str.lower)
    history.add_argument("--period", type=int, metavar="N",
                         help="how many periods (allowed values depend on --period-type)")
    history.add_argument("--frequency-type", choices=tuple(FREQUENCIES), type=str.lower)
    history.add_argument("--frequency", type=int, metavar="N",
                         help="candle size in frequency units (minute: 1, 5, 10, 15, 30)")
    history.add_argument("--start", type=_time, metavar="DATE",
                         help="first candle: YYYY-MM-DD or an ISO datetime (UTC unless given)")
    history.add_argument("--end", type=_time, metavar="DATE",
                         help="last candle: YYYY-MM-DD or an ISO datetime")
    history.add_argument("--all", action="store_true",
                         help="print every candle (without --period, --start or --end only "
                              "the first and last are printed, with their count)")
    _add_csv(history)

    chain = top.add("chain", "option chain of a symbol", commands.chain)
    chain.add_argument("symbol", metavar="SYMBOL", type=_upper, help="the underlying, e.g. AAPL")
    chain.add_argument("--contract-type", choices=CONTRACT_TYPES, type=_upper)
    chain.add_argument("--strike-count", type=_positive, metavar="N",
                       help="strikes above and below the money")
    _add_csv(chain)

    hours = top.add("hours", "market hours on a day", commands.hours)
    hours.add_argument("markets", nargs="*", metavar="MARKET", type=_upper,
                       help=f"one or more of {', '.join(MARKETS)} (default: all)")
    hours.add_argument("--date", type=_date, metavar="YYYY-MM-DD",
                       help="the day (default: today)")
    _add_csv(hours)

    movers = top.add("movers", "top movers of an index", commands.movers)
    movers.add_argument("index", choices=INDEXES, type=_index, metavar="INDEX",
                        help=f"{', '.join(INDEXES)} (the $ may be left out)")
    movers.add_argument("--direction", choices=DIRECTIONS, type=str.lower)
    movers.add_argument("--change", choices=CHANGES, type=str.lower,
                        help="rank by value or percent change (default: percent)")
    _add_csv(movers)


def _add_accounts(top: _Commands) -> None:
    for name, help_text, func in (("accounts", "balances of one account or of all",
                                   accounts.accounts),
                                  ("positions", "positions of one account or of all",
                                   accounts.positions),
                                  ("watchlists", "watchlists of one account or of all",
                                   accounts.watchlists)):
        command = top.add(name, help_text, func)
        command.add_argument("account", nargs="?", metavar="ACCOUNT")
        _add_csv(command)
    history = top.add("transactions", "transactions of an account", accounts.transactions)
    history.add_argument("account", metavar="ACCOUNT")
    history.add_argument("--type", type=_upper, metavar="TYPE",
                         help=", ".join(TRANSACTION_TYPES))
    history.add_argument("--symbol", type=_upper, metavar="SYMBOL")
    history.add_argument("--start", type=_date, metavar="YYYY-MM-DD")
    history.add_argument("--end", type=_date, metavar="YYYY-MM-DD")
    _add_csv(history)
    search = top.add("instruments", "search instruments by symbol, regex or description",
                     accounts.instruments)
    search.add_argument("query", metavar="QUERY", help="a symbol, 'AAP.*' or 'computer'")
    search.add_argument("--projection", default="symbol-search", type=str.lower,
                        choices=PROJECTIONS, metavar="HOW",
                        help=f"how QUERY is read: {', '.join(PROJECTIONS)} (default: %(default)s)")
    _add_csv(search)
    fundamentals = top.add("fundamentals", "fundamental data of one or more symbols",
                           accounts.fundamentals)
    fundamentals.add_argument("symbols", nargs="+", metavar="SYMBOL", type=_upper)
    _add_csv(fundamentals)


def _add_csv(command: argparse.ArgumentParser) -> None:
    command.add_argument("--csv", metavar="FILE", help="write the rows to a CSV file")


def _add_orders(top: _Commands) -> None:
    group = _Commands(top.add("order", "list, preview, place and cancel orders"),
                      "order_command", top.api_commands)
    listing = group.add("list", "orders of an account (or of every account)", orders.list_orders)
    listing.add_argument("account", nargs="?", metavar="ACCOUNT")
    listing.add_argument("--status", type=str.upper, metavar="STATUS",
                         help="only orders with this status (e.g. WORKING, FILLED)")
    for name, help_text, func in (
            ("place", "place an order (asks first unless --yes)", orders.place),
            ("preview", "what the provider would do with an order, without placing it (Schwab)",
             orders.preview)):
        command = group.add(name, help_text, func)
        command.add_argument("account", metavar="ACCOUNT")
        _add_order_arguments(command)
        if name == "place":
            command.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    cancel_command = group.add("cancel", "cancel an order (asks first unless --yes)", orders.cancel)
    cancel_command.add_argument("account", metavar="ACCOUNT")
    cancel_command.add_argument("order_id", metavar="ORDER_ID")
    cancel_command.add_argument("--yes", action="store_true", help="do not ask for confirmation")


def _add_order_arguments(command: argparse.ArgumentParser) -> None:
    command.add_argument("instruction", nargs="?", type=str.upper, metavar="INSTRUCTION",
                         help="BUY, SELL, SELL_SHORT, BUY_TO_COVER; options: BUY_TO_OPEN, ...")
    command.add_argument("symbol", nargs="?", metavar="SYMBOL",
                         help="a stock or an option symbol (quote Schwab's form: "
                              "'AAPL  240517C00190000')")
    command.add_argument("quantity", nargs="?", type=int, metavar="QUANTITY")
    command.add_argument("--limit", metavar="PRICE", help="a limit order at this price")
    command.add_argument("--stop", metavar="PRICE", help="a stop order at this stop price")
    command.add_argument("--duration", type=str.upper, default="DAY",
                         help="DAY (default), GOOD_TILL_CANCEL, FILL_OR_KILL")
    command.add_argument("--session", type=str.upper, default="NORMAL",
                         help="NORMAL (default), AM, PM, SEAMLESS")
    command.add_argument("--file", dest="order_file", metavar="FILE",
                         help="the order as TD's JSON, from FILE or - (standard input)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``pytd``."""
    parser = argparse.ArgumentParser(
        prog="pytd", description="TD Ameritrade API client and local sandbox.",
        epilog=GLOBAL_EPILOG)
    parser.add_argument("--version", action="version", version=f"%(prog)s {pyTD.__version__}",
                        help="print the version of pyTD and exit")
    _add_global_options(parser, top=True)
    top = _Commands(parser, "command", [])
    _add_auth(top)
    _add_market(top)
    _add_accounts(top)
    _add_orders(top)
    add_stream(top, _upper)
    for command in top.api_commands:
        _add_global_options(command, top=False)
    demo = top.add("demo", "run the whole authorization flow against the bundled sandbox and "
                           "print quotes")
    demo.add_argument("--config-dir", default=argparse.SUPPRESS,
                      help="where to store the demo tokens (default: demo in pyTD's "
                           "configuration directory, reused by every run)")
    demo.add_argument("--provider", default="tdameritrade", choices=_provider_names(),
                      help="the API the sandbox emulates (default: tdameritrade)")
    _add_logging_options(demo, top=False)
    demo.set_defaults(func=commands.demo)
    sandbox = top.add("sandbox", "run the local TD Ameritrade (or Schwab) emulator on "
                                 "127.0.0.1:8765 (see pytd sandbox --help)", add_help=False)
    sandbox.set_defaults(func=commands.sandbox, passthrough=True)
    return parser


def _provider_names() -> list[str]:
    """The registered providers' canonical names (aliases left out)."""
    from pyTD import provider

    return sorted({p.name for p in provider._PROVIDERS.values()})


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Parse ``argv``; ``pytd sandbox`` hands everything after it to the sandbox's own parser.

    Bad usage, ``--help`` and ``--version`` exit (``SystemExit``) as argparse does.
    """
    parser = build_parser()
    args, rest = parser.parse_known_args(argv)
    if getattr(args, "passthrough", False):
        args.args = rest
    elif rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    return args
