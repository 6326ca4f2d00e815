"""What each ``pytd`` command does; :mod:`pyTD.cli.parser` parses the arguments.

Every command takes the parsed ``argparse.Namespace`` and returns the exit code;
library errors propagate to :func:`pyTD.cli.main`, which turns them into messages.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import sys
import time
from typing import TYPE_CHECKING, Any, Optional

from pyTD.auth.tokens import Token, utc_text
from pyTD.cli import EXIT_ERROR, EXIT_OK, EXIT_UNREACHABLE
from pyTD.cli.format import (
    Table,
    candle_rows,
    candle_summary,
    chain_rows,
    duration_text,
    hours_rows,
    iso_utc,
    mover_rows,
    quote_rows,
    table,
)
from pyTD.exceptions import (
    AuthorizationError,
    CacheError,
    ServerError,
    TDError,
    TransportError,
)
from pyTD.market.hours import MARKETS
from pyTD.market.price_history import candle_frequency
from pyTD.progress import on_terminal

if TYPE_CHECKING:
    from pyTD.api import api
    from pyTD.cache.base import TokenSet

NOT_AUTHORIZED = "Not authorized. Run `pytd auth login` to authorize."


def make_api(args: argparse.Namespace) -> api:
    """An ``api`` from the global options; options not given fall back to ``TD_*`` variables."""
    from pyTD.api import api  # here, not at the top: ``pytd --help`` loads no HTTP library

    return api(consumer_key=args.consumer_key, callback_url=args.callback_url,
               config_dir=args.config_dir, base_url=args.base_url, auth_url=args.auth_url,
               store_tokens=False if args.no_store else None, log_level=args.log_level)


def print_json(data: Any) -> None:
    """``data`` as indented JSON on standard output."""
    print(json.dumps(data, indent=2))


def show(args: argparse.Namespace, data: Any, parts: Table, noun: str = "rows",
         key: str = "rows") -> None:
    """``parts`` written to the ``--csv`` file if given, else ``data`` as JSON with
    ``--json``, else ``parts`` as a table."""
    if getattr(args, "csv", None):
        target = write_csv(args.csv, parts)
        if args.json:
            print_json({"csv": target, key: len(parts[1])})
        else:
            print(f"Wrote {len(parts[1])} {noun} to {target}")
    elif args.json:
        print_json(data)
    else:
        print(table(*parts))


# -- auth ---------------------------------------------------------------------------------------

#: What ``pytd auth status --check`` asks, in order: the first endpoint the provider has
#: (one small authenticated GET on each).
CHECK_ENDPOINTS = ("user_principals", "account_numbers")


def _token_info(token: Token) -> dict[str, Any]:
    issued = bool(token)
    refused = token.refused_at
    return {"valid": token.valid,
            "expires_at": iso_utc(token.expires_at * 1000) if issued else None,
            "remaining_seconds": max(0, int(token.remaining()))
            if issued and refused is None else 0,
            "refused_at": iso_utc(refused * 1000) if refused is not None else None}


def _token_text(token: Token, renewable: bool) -> str:
    if not token:
        return "none"
    if token.refused_at is not None:
        return f"refused by the server on {utc_text(token.refused_at)}: run `pytd auth login`"
    if token.valid:
        return f"valid for {duration_text(token.remaining())} (until {token.expires_text()})"
    renewal = "; renewed on the next request" if renewable else ""
    return f"expired ({token.expires_text()}){renewal}"


def _refresh_text(token: Token, provider: Any) -> str:
    """The refresh token's line; a provider without renewal says a new login is due."""
    if provider.renewable_refresh or not token or not token.valid:
        return _token_text(token, False)
    days = provider.refresh_token_lifetime // 86400
    return (f"valid until {token.expires_text()} ({duration_text(token.remaining())} left; "
            f"{provider.title} requires a new login every {days} days)")


def _check_with_server(client: api) -> tuple[int, str]:
    """One small authenticated GET: ``(exit code, what happened)``; the tokens refresh first
    when due, and a refused refresh token is recorded in the cache."""
    endpoint = next(name for name in CHECK_ENDPOINTS if client.provider.supports(name))
    path = client.provider.path(endpoint)
    started = time.perf_counter()
    try:
        client.request("GET", path)
    except AuthorizationError as exc:
        return EXIT_ERROR, f"refused: {exc}"
    except (TransportError, ServerError) as exc:
        return EXIT_UNREACHABLE, f"server unreachable: {exc}"
    except TDError as exc:
        return EXIT_ERROR, f"failed: {exc}"
    took = (time.perf_counter() - started) * 1000
    return EXIT_OK, f"ok (GET {path} was accepted in {took:.0f} ms)"


def _report_status(args: argparse.Namespace, client: api) -> int:
    """Print where the tokens live and how long they stay valid; 0 when authorized.

    With ``--check`` (and tokens to check) the server is asked too, and its answer decides
    the exit code: 0 accepted, 1 refused, 3 unreachable.
    """
    check: Optional[tuple[int, str]] = None
    if getattr(args, "check", False):
        check = _check_with_server(client) if client.auth.tokens().refresh_token.valid \
            else (EXIT_ERROR, "not checked: no usable refresh token")
    tokens: TokenSet = client.auth.tokens()   # after the check: a refusal is recorded now
    authorized = tokens.refresh_token.valid
    code = EXIT_OK if authorized else EXIT_ERROR
    if check is not None:
        code = check[0]
    if args.json:
        report = {"authorized": authorized, "cache": type(client.cache).__name__,
                  "location": client.cache.describe(),
                  "refresh_token": _token_info(tokens.refresh_token),
                  "refresh_expires_in": client.refresh_expires_in,
                  "refresh_renewable": client.provider.renewable_refresh,
                  "access_token": _token_info(tokens.access_token)}
        if check is not None:
            report["check"] = {"exit_code": check[0], "result": check[1]}
        print_json(report)
    else:
        print(f"Cache:          {type(client.cache).__name__} at {client.cache.describe()}")
        print(f"Refresh token:  {_refresh_text(tokens.refresh_token, client.provider)}")
        print(f"Access token:   {_token_text(tokens.access_token, authorized)}")
        if check is not None:
            print(f"Server check:   {check[1]}")
        if not authorized and tokens.refresh_token.refused_at is None:
            print(NOT_AUTHORIZED)
    return code


def _say_if_cached(client: api) -> None:
    """Before a new login: say that valid tokens are cached already (the login replaces them)."""
    refresh = client.auth.tokens().refresh_token
    if refresh.valid:
        print(f"Valid tokens are already cached in {client.cache.describe()} (refresh token "
              f"valid until {refresh.expires_text()}); this login replaces them.")


def login(args: argparse.Namespace) -> int:
    """``pytd auth login``: the browser, ``--no-browser`` or ``--manual`` flow."""
    with make_api(args) as client:
        # With --json, stdout carries only the JSON status; the instructions go to stderr.
        chatter = contextlib.redirect_stdout(sys.stderr) if args.json \
            else contextlib.nullcontext()
        with chatter:
            _say_if_cached(client)
            try:
                client.authorize(open_browser=not args.no_browser, timeout=args.timeout,
                                 manual=args.manual)
            except EOFError:
                raise AuthorizationError(
                    "No redirected URL was pasted: standard input is closed. Run "
                    "`pytd auth login --manual` in a terminal, or `pytd auth login "
                    "--no-browser`.") from None
            print("Authorized.")
        return _report_status(args, client)


def status(args: argparse.Namespace) -> int:
    """``pytd auth status [--check]``: exit 0 when authorized, 1 when not (or refused by the
    server), 3 when ``--check`` cannot reach the server."""
    with make_api(args) as client:
        return _report_status(args, client)


def logout(args: argparse.Namespace) -> int:
    """``pytd auth logout``: clear the cache (saying so when it held no tokens)."""
    with make_api(args) as client:
        location = client.cache.describe()
        try:
            tokens = client.auth.tokens()
            removed = bool(tokens.refresh_token or tokens.access_token)
        except CacheError:  # unreadable or of another version: removed all the same
            removed = True
        client.logout()
        if args.json:
            print_json({"cache": type(client.cache).__name__, "location": location,
                         "logged_out": True, "removed": removed})
        elif removed:
            print(f"Logged out: tokens removed from {location}.")
        else:
            print(f"Nothing to remove: no tokens were cached in {location}.")
    return EXIT_OK


# -- market data --------------------------------------------------------------------------------

def quote(args: argparse.Namespace) -> int:
    """``pytd quote SYMBOL...``: exit 1 when no symbol had a quote (the others are warned of)."""
    with make_api(args) as client:
        data = client.get_quotes(args.symbols)
    show(args, data, quote_rows(data))
    return EXIT_OK


def write_csv(path: str, parts: Table) -> str:
    """Write ``parts`` to ``path``; returns the absolute path."""
    target = os.path.abspath(path)
    headers, rows = parts
    try:
        with open(target, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(headers)
            writer.writerows(rows)
    except OSError as exc:
        raise TDError(f"cannot write {target}: {exc.strerror or exc}") from None
    return target


def history(args: argparse.Namespace) -> int:
    """``pytd history SYMBOL...``: a table, JSON, or a CSV file with ``--csv``.

    Without ``--period``, ``--start`` or ``--end`` (TD's default is ten days of
    one-minute candles) only the first and last candles and their count are
    printed (one line per symbol for several), unless ``--all``. Several
    symbols show a progress bar on standard error when it is a terminal.
    """
    symbols = args.symbols
    with make_api(args) as client:
        data = client.get_price_history(
            symbols if len(symbols) > 1 else symbols[0], period_type=args.period_type,
            period=args.period, frequency_type=args.frequency_type, frequency=args.frequency,
            start_date=args.start, end_date=args.end, progress=on_terminal())
    intraday = candle_frequency(args.period_type, args.frequency_type, period=args.period,
                                frequency=args.frequency, start_date=args.start,
                                end_date=args.end) == "minute"
    asked = args.period is not None or args.start is not None or args.end is not None
    whole = args.all or asked or args.csv or args.json
    if len(symbols) == 1:
        parts = candle_rows(data, intraday)
        if whole:
            show(args, data, parts, f"candles of {symbols[0]}", "candles")
        else:
            print(candle_summary(parts, symbols[0]))
    elif whole:
        show(args, data, _symbol_candle_rows(data, intraday), f"candles of {len(data)} symbols",
             "candles")
    else:
        print(_symbols_summary(data, intraday))
    return EXIT_OK


def _symbol_candle_rows(data: dict[str, Any], intraday: bool) -> Table:
    """The candles of several symbols in one table, a ``symbol`` column first."""
    headers: list[str] = ["symbol", *candle_rows({}, intraday)[0]]
    rows = [[symbol, *row] for symbol, candle_list in data.items()
            for row in candle_rows(candle_list, intraday)[1]]
    return headers, rows


def _symbols_summary(data: dict[str, Any], intraday: bool) -> str:
    """One line per symbol: its candle count, first and last candle, last close."""
    rows = []
    for symbol, candle_list in data.items():
        candles = candle_rows(candle_list, intraday)[1]
        if candles:
            rows.append([symbol, len(candles), candles[0][0], candles[-1][0], candles[-1][4]])
    return "\n".join([table(["symbol", "candles", "first", "last", "last close"], rows),
                      "Every candle: --all, --csv FILE or --json."])


def chain(args: argparse.Namespace) -> int:
    """``pytd chain SYMBOL``: one row per contract."""
    with make_api(args) as client:
        data = client.get_option_chain(args.symbol, contract_type=args.contract_type,
                                       strike_count=args.strike_count)
    show(args, data, chain_rows(data))
    return EXIT_OK


def hours(args: argparse.Namespace) -> int:
    """``pytd hours [MARKET...]``: every market unless some are named."""
    with make_api(args) as client:
        data = client.get_market_hours(args.markets or list(MARKETS), date=args.date)
    show(args, data, hours_rows(data))
    return EXIT_OK


def movers(args: argparse.Namespace) -> int:
    """``pytd movers INDEX``: each mover's change in price units and in percent; TD ranks
    them by percent change unless ``--change value``."""
    with make_api(args) as client:
        data = client.get_movers(args.index, direction=args.direction, change=args.change)
    show(args, data, mover_rows(data, by_percent=args.change != "value"))
    return EXIT_OK


# -- sandbox and demo ---------------------------------------------------------------------------

def demo(args: argparse.Namespace) -> int:
    """``pytd demo``: the whole flow against an in-process sandbox."""
    from pyTD.cli.demo import run_demo

    return run_demo(config_dir=args.config_dir, log_level=args.log_level,
                    provider=getattr(args, "provider", "tdameritrade"))


def sandbox(args: argparse.Namespace) -> int:
    """``pytd sandbox ...``: the standalone emulator, with its own options."""
    from pyTD.sandbox.standalone import main as sandbox_main

    return sandbox_main(args.args)
