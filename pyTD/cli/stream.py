"""``pytd stream quotes|chart|activity``: live data from the streamer.

In a terminal, a table that updates in place; otherwise (or with ``--json``) one
JSON object per line, flushed as it comes::

    $ pytd stream quotes AAPL MSFT
    $ pytd stream chart AAPL --json --count 5
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from typing import Any, Callable, Optional

from pyTD.cli import EXIT_OK
from pyTD.cli.format import table

QUOTE_FIELDS = ["bid", "ask", "last", "volume", "net_change"]
#: Redraws of the live table per second, at most.
REDRAWS = 10.0


def add_stream(top: Any, upper: Callable[[str], str]) -> None:
    """Add ``pytd stream`` and its services to the ``pytd`` parser (``top``)."""
    from pyTD.cli.parser import _Commands

    group = _Commands(top.add("stream", "live quotes, one-minute bars or account activity "
                                        "from the streamer"), "stream_command", top.api_commands)
    quotes = group.add("quotes", "live level-one quotes", run)
    quotes.add_argument("symbols", nargs="+", metavar="SYMBOL", type=upper)
    quotes.add_argument("--fields", default=",".join(QUOTE_FIELDS),
                        help="comma-separated field names (default: %(default)s)")
    chart = group.add("chart", "one-minute bars as they complete", run)
    chart.add_argument("symbols", nargs="+", metavar="SYMBOL", type=upper)
    group.add("activity", "account activity: orders and fills", run)
    for command in (quotes, chart, group.group.choices["activity"]):
        command.add_argument("--count", type=int, default=None, metavar="N",
                             help="stop after N messages (default: run until Ctrl+C)")


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, (dt.datetime, dt.date)) else value


def json_line(item: Any) -> str:
    """One message or status as a JSON line."""
    from pyTD.streaming.records import Message

    if isinstance(item, Message):
        body = {"service": item.service, "key": item.key, "time": item.time.isoformat(),
                "seq": item.seq, **{k: _plain(v) for k, v in item.fields.items()}}
    else:
        body = {"status": item.kind, "text": item.text, "time": item.time.isoformat()}
    return json.dumps(body, default=str)


class LiveTable:
    """The latest fields of each key, redrawn in place (at most ``REDRAWS`` per second)."""

    def __init__(self, out: Any) -> None:
        self.out = out
        self.rows: dict[tuple[str, str], dict[str, Any]] = {}
        self.status = ""
        self._drawn = 0.0

    def update(self, item: Any) -> None:
        """Merge a message into its key's row (a status into the status line); redraw."""
        from pyTD.streaming.records import Message

        if isinstance(item, Message):
            self.rows.setdefault((item.service, item.key), {}).update(item.fields)
        else:
            self.status = item.text
        if time.monotonic() - self._drawn >= 1 / REDRAWS:
            self.draw()

    def draw(self) -> None:
        """Clear the terminal and print the table and the status line."""
        self._drawn = time.monotonic()
        names: list[str] = []
        for fields in self.rows.values():
            names.extend(n for n in fields if n not in names)
        rows = [[key, *(_plain(fields.get(n, "")) for n in names)]
                for (_, key), fields in self.rows.items()]
        self.out.write("\x1b[H\x1b[J" + table(["symbol", *names], rows) + "\n\n"
                       + self.status + "\n")
        self.out.flush()


def run(args: argparse.Namespace, client: Optional[Any] = None) -> int:
    """Stream until Ctrl+C (or ``--count`` messages)."""
    from pyTD.cli.commands import make_api
    from pyTD.streaming.records import Message

    client = client or make_api(args)
    live = None if args.json or not sys.stdout.isatty() else LiveTable(sys.stdout)
    seen = 0
    with client.stream() as s:
        if args.stream_command == "quotes":
            s.subscribe_quotes(args.symbols, fields=[f.strip() for f in args.fields.split(",")
                                                     if f.strip()])
        elif args.stream_command == "chart":
            s.subscribe_chart(args.symbols)
        else:
            s.subscribe_activity()
        try:
            for item in s:
                if live is not None:
                    live.update(item)
                else:
                    print(json_line(item), flush=True)
                seen += isinstance(item, Message)
                if args.count is not None and seen >= args.count:
                    break
        except KeyboardInterrupt:
            pass
    if live is not None:
        live.draw()
    return EXIT_OK
