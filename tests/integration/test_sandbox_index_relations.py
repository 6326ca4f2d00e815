"""Synthetic prices keep the relations traders know, over several seeds and days.

``$SPX.X`` is about ten times SPY and moves with it, ``/ES`` trades just above
``$SPX.X``, and on any day the index and the ETFs and futures that track it
move the same way; quotes, price history and option chains agree with each
other about it.
"""

from __future__ import annotations

import datetime as dt
import math
from zoneinfo import ZoneInfo

import pytest

from pyTD.sandbox.client import sandbox_api
from tests.support.sandboxes import start_sandbox

NY = ZoneInfo("America/New_York")
SEEDS = (0, 7, 1234)
#: Ten trading days of November 2023, each looked at 15:00 New York time.
DAYS = [dt.date(2023, 11, day) for day in (1, 2, 3, 6, 7, 8, 9, 10, 13, 14)]
#: (tracker, index, price ratio index / tracker, tolerance of the ratio).
TRACKERS = [("SPY", "$SPX.X", 10.0, 0.02), ("/ES", "$SPX.X", 1.0, 0.01),
            ("DIA", "$DJI", 100.0, 0.02), ("/YM", "$DJI", 1.0, 0.01)]
SAME_WAY = [("SPY", "$SPX.X"), ("/ES", "$SPX.X"), ("DIA", "$DJI"), ("/YM", "$DJI"),
            ("QQQ", "$COMPX"), ("/NQ", "$COMPX")]


class Clock:
    """A settable clock."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def at(self, day: dt.date, hour: int = 15) -> None:
        self.now = dt.datetime(day.year, day.month, day.day, hour, tzinfo=NY).timestamp()


@pytest.fixture(scope="module", params=SEEDS, ids=lambda seed: f"seed{seed}")
def world(request):
    clock = Clock()
    clock.at(DAYS[0])
    sb = start_sandbox(request, seed=request.param, clock=clock, access_token_lifetime=10**9,
                       refresh_token_lifetime=10**9)
    client = sandbox_api(sb)
    yield client, clock
    client.close()


def same_way(a: float, b: float) -> bool:
    """Both up, both down, or (after rounding to cents) unchanged on one side."""
    return a * b > 0 or a == 0 or b == 0


def last(quote: dict) -> float:
    """The last price (futures and forex quote it as ``lastPriceInDouble``)."""
    return quote["lastPrice"] if "lastPrice" in quote else quote["lastPriceInDouble"]


def change(quote: dict) -> float:
    """The change from the previous close (futures: ``changeInDouble``)."""
    return quote["netChange"] if "netChange" in quote else quote["changeInDouble"]


def ratio_ok(value: float, expected: float, tolerance: float) -> bool:
    return abs(value / expected - 1) <= tolerance


def test_quotes_keep_the_index_relations_every_day(world):
    client, clock = world
    symbols = sorted({s for pair in SAME_WAY for s in pair})
    moves = 0
    for day in DAYS:
        clock.at(day)
        quotes = client.get_quotes(symbols)
        for tracker, index, ratio, tolerance in TRACKERS:
            levels = last(quotes[index]) / last(quotes[tracker])
            assert ratio_ok(levels, ratio, tolerance), (day, tracker, index, levels)
        for tracker, index in SAME_WAY:
            moved, index_moved = change(quotes[tracker]), change(quotes[index])
            assert same_way(moved, index_moved), (day, tracker, moved, index, index_moved)
            moves += moved != 0
    assert moves > len(DAYS) * len(SAME_WAY) // 2   # the days did move


def test_daily_candles_move_together_and_match_the_quotes(world):
    client, clock = world
    clock.at(DAYS[-1])
    closes = {}
    for symbol in {s for pair in SAME_WAY for s in pair}:
        candles = client.get_price_history(symbol, period_type="month", period=1,
                                           frequency_type="daily")["candles"]
        closes[symbol] = {dt.datetime.fromtimestamp(c["datetime"] / 1000, NY).date(): c["close"]
                          for c in candles}
    days = sorted(closes["$SPX.X"])
    assert len(days) >= 15
    for tracker, index, ratio, tolerance in TRACKERS:
        for day in days:
            assert ratio_ok(closes[index][day] / closes[tracker][day], ratio, tolerance), day
    for tracker, index in SAME_WAY:
        for before, after in zip(days, days[1:]):
            assert same_way(closes[tracker][after] - closes[tracker][before],
                            closes[index][after] - closes[index][before]), (tracker, after)
    quotes = client.get_quotes(["SPY", "$SPX.X"])
    yesterday = DAYS[-2]
    for symbol in ("SPY", "$SPX.X"):   # the quote's previous close is yesterday's candle
        assert quotes[symbol]["closePrice"] == pytest.approx(closes[symbol][yesterday], abs=0.01)


def test_option_chains_sit_on_the_quoted_prices(world):
    client, clock = world
    for day in DAYS[::3]:
        clock.at(day)
        spy = client.get_option_chain("SPY", strike_count=2)
        spx = client.get_option_chain("$SPX.X", strike_count=2)
        quotes = client.get_quotes(["SPY", "$SPX.X"])
        assert spy["underlyingPrice"] == pytest.approx(quotes["SPY"]["lastPrice"], abs=0.01)
        assert spx["underlyingPrice"] == pytest.approx(quotes["$SPX.X"]["lastPrice"], abs=0.01)
        assert ratio_ok(spx["underlyingPrice"] / spy["underlyingPrice"], 10.0, 0.02)
        assert math.isfinite(spy["underlyingPrice"]) and spy["underlyingPrice"] > 0
