"""Price history called the way the original pyTD's users called it."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from pyTD.exceptions import ValidationError
from pyTD.sandbox.client import sandbox_api


def test_a_date_range_alone_gives_daily_candles(sandbox):
    client = sandbox_api(sandbox)
    end = datetime.now(timezone.utc).replace(tzinfo=None)
    start = end - timedelta(days=30)
    history = client.get_price_history("AAPL", start_date=start, end_date=end)
    times = [candle["datetime"] for candle in history["candles"]]
    assert len(times) >= 15
    assert min(b - a for a, b in zip(times, times[1:])) >= 86_400_000 - 3_600_000  # a day
    calls = sandbox.stats()["calls"]
    assert calls == {**calls, "GET /v1/marketdata/AAPL/pricehistory": 1}


def test_extended_is_the_original_name_of_need_extended_hours_data(sandbox):
    client = sandbox_api(sandbox)
    with_extended = client.get_price_history("AAPL", period_type="day", period=1,
                                             extended=False)
    explicit = client.get_price_history("AAPL", period_type="day", period=1,
                                        need_extended_hours_data=False)
    assert [c["datetime"] for c in with_extended["candles"]] == \
        [c["datetime"] for c in explicit["candles"]]
    regular_only = len(with_extended["candles"])
    assert len(client.get_price_history("AAPL", period_type="day", period=1,
                                        extended=True)["candles"]) > regular_only
    with pytest.raises(ValidationError, match="extended and need_extended_hours_data are the "
                                              "same setting: pass only one of them"):
        client.get_price_history("AAPL", extended=True, need_extended_hours_data=True)
