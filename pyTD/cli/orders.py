"""``pytd order``: list, preview, place and cancel orders.

Placing and cancelling ask for confirmation on standard input unless ``--yes``
is given; without a "y", nothing is sent. An order is given on the command line
(``BUY AAPL 10 --limit 150.10``) or as TD's order JSON (``--file FILE``, ``-``
for standard input).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from pyTD.cli import EXIT_ERROR, EXIT_OK
from pyTD.cli.format import table
from pyTD.exceptions import TDError, ValidationError
from pyTD.orders import OrderBuilder, order_from
from pyTD.orders.builder import Order
from pyTD.symbols import is_option_symbol


def order_of(args: argparse.Namespace) -> Order:
    """The order the arguments describe: ``--file`` or instruction, symbol and quantity."""
    if args.order_file:
        if args.instruction or args.symbol or args.quantity is not None:
            raise ValidationError("pytd order: give the order either as --file or as "
                                  "INSTRUCTION SYMBOL QUANTITY, not both.")
        return _read_json(args.order_file)
    if not args.instruction or not args.symbol or args.quantity is None:
        raise ValidationError("pytd order: give INSTRUCTION SYMBOL QUANTITY (e.g. BUY AAPL 10 "
                              "--limit 150.10), or --file FILE.")
    kind = "STOP_LIMIT" if args.limit and args.stop else \
        "LIMIT" if args.limit else "STOP" if args.stop else "MARKET"
    order = (OrderBuilder().set_order_type(kind).set_duration(args.duration)
             .set_session(args.session))
    if args.limit:
        order.set_price(args.limit)
    if args.stop:
        order.set_stop_price(args.stop)
    if is_option_symbol(args.symbol):
        return order.add_option_leg(args.instruction, args.symbol, args.quantity)
    return order.add_equity_leg(args.instruction, args.symbol, args.quantity)


def _read_json(source: str) -> Any:
    try:
        if source == "-":
            return json.load(sys.stdin)
        with open(source, encoding="utf-8") as handle:
            return json.load(handle)
    except OSError as exc:
        raise TDError(f"pytd order: cannot read {source}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise TDError(f"pytd order: {source} is not JSON ({exc}).") from None


def describe(order: Order) -> str:
    """One line saying what an order does: ``BUY 10 AAPL, LIMIT 150.10, DAY``."""
    builder = order if isinstance(order, OrderBuilder) else order_from(order)
    legs = ", ".join(f"{leg.instruction} {leg.quantity} "
                     f"{leg.option.td() if leg.option else leg.symbol}" for leg in builder.legs)
    fields = builder.fields
    price = "".join(f" {fields[k]}" for k in ("price", "stopPrice") if k in fields)
    kind = fields.get("orderType", fields.get("orderStrategyType", ""))
    children = f" (+{len(builder.children)} linked orders)" if builder.children else ""
    return f"{legs or 'no legs'}, {kind}{price}, {fields.get('duration', '')}{children}"


def _confirmed(args: argparse.Namespace, question: str) -> bool:
    if args.yes:
        return True
    print(f"{question} [y/N] ", end="", file=sys.stderr, flush=True)
    answer = sys.stdin.readline().strip().lower()
    if answer in ("y", "yes"):
        return True
    print("Not confirmed: nothing was sent (pass --yes to skip this question).", file=sys.stderr)
    return False


def _client(args: argparse.Namespace) -> Any:
    from pyTD.cli.commands import make_api

    return make_api(args)


def place(args: argparse.Namespace) -> int:
    """``pytd order place ACCOUNT ...``: the new order's id."""
    order = order_of(args)
    with _client(args) as client:
        if not _confirmed(args, f"Place {describe(order)} in account {args.account}?"):
            return EXIT_ERROR
        order_id = client.place_order(args.account, order)
    _say(args, {"order_id": order_id}, f"Placed order {order_id}.")
    return EXIT_OK


def preview(args: argparse.Namespace) -> int:
    """``pytd order preview ACCOUNT ...``: the provider's preview, as JSON."""
    order = order_of(args)
    with _client(args) as client:
        result = client.preview_order(args.account, order)
    print(json.dumps(result, indent=2))
    return EXIT_OK


def cancel(args: argparse.Namespace) -> int:
    """``pytd order cancel ACCOUNT ORDER_ID``."""
    with _client(args) as client:
        if not _confirmed(args, f"Cancel order {args.order_id} in account {args.account}?"):
            return EXIT_ERROR
        client.cancel_order(args.account, args.order_id)
    _say(args, {"cancelled": args.order_id}, f"Cancelled order {args.order_id}.")
    return EXIT_OK


def list_orders(args: argparse.Namespace) -> int:
    """``pytd order list [ACCOUNT]``: one row per order."""
    with _client(args) as client:
        data = client.get_orders(args.account, status=args.status)
    if args.json:
        print(json.dumps(data, indent=2))
        return EXIT_OK
    rows = [[str(o.get("orderId")), o.get("status"), _describe_read_back(o),
             o.get("enteredTime", "")] for o in data]
    print(table(["id", "status", "order", "entered"], rows))
    return EXIT_OK


def _describe_read_back(order: Any) -> str:
    try:
        return describe(order)
    except TDError:  # a kind of order the builder does not make (exchanges, funds...)
        return str(order.get("orderType", ""))


def _say(args: argparse.Namespace, data: dict[str, Any], text: str) -> None:
    print(json.dumps(data) if args.json else text)
