"""``subscribe_<service>`` shortcuts shared by the blocking and the asyncio stream.

On :class:`~pyTD.streaming.sync.Stream` they block; on
:class:`~pyTD.streaming.client.AsyncStream` they return coroutines to await.
"""

from __future__ import annotations

from typing import Any, Iterable, Optional, Union

Keys = Union[str, Iterable[str]]
Fields = Optional[Iterable[str]]


class ServiceMethods:
    """``subscribe_<service>`` shortcuts over ``subscribe(service, keys, fields)``."""

    def subscribe(self, service: str, keys: Keys, fields: Fields = None) -> Any:
        """SUBS ``keys`` of ``service`` with ``fields`` (names); implemented by each stream."""
        raise NotImplementedError

    def subscribe_quotes(self, symbols: Keys, fields: Fields = None) -> Any:
        """Level-one equity quotes (TD ``QUOTE``, Schwab ``LEVELONE_EQUITIES``)."""
        return self.subscribe("quotes", symbols, fields)

    def subscribe_options(self, symbols: Keys, fields: Fields = None) -> Any:
        """Level-one option quotes."""
        return self.subscribe("options", symbols, fields)

    def subscribe_futures(self, symbols: Keys, fields: Fields = None) -> Any:
        """Level-one futures quotes (``/ES``)."""
        return self.subscribe("futures", symbols, fields)

    def subscribe_futures_options(self, symbols: Keys, fields: Fields = None) -> Any:
        """Level-one futures options quotes (``./ESZ3P990``)."""
        return self.subscribe("futures_options", symbols, fields)

    def subscribe_forex(self, pairs: Keys, fields: Fields = None) -> Any:
        """Level-one forex quotes (``EUR/USD``)."""
        return self.subscribe("forex", pairs, fields)

    def subscribe_chart(self, symbols: Keys, fields: Fields = None) -> Any:
        """One-minute equity bars (``CHART_EQUITY``)."""
        return self.subscribe("chart", symbols, fields)

    def subscribe_chart_futures(self, symbols: Keys, fields: Fields = None) -> Any:
        """One-minute futures bars (``CHART_FUTURES``, ``/ES``)."""
        return self.subscribe("chart_futures", symbols, fields)

    def subscribe_book(self, symbols: Keys, venue: str = "nasdaq", fields: Fields = None) -> Any:
        """Order books: ``venue`` ``nasdaq``, ``options``, TD ``listed``, Schwab ``nyse``."""
        return self.subscribe(f"book_{venue}", symbols, fields)

    def subscribe_timesales(self, symbols: Keys, fields: Fields = None,
                            asset: str = "equity") -> Any:
        """Time and sales, one message per trade (TD only): ``asset`` ``equity``,
        ``futures``, ``forex`` or ``options`` (TD accepted options and sent nothing)."""
        return self.subscribe("timesales" if asset == "equity" else f"timesales_{asset}",
                              symbols, fields)

    def subscribe_screener(self, keys: Keys, fields: Fields = None) -> Any:
        """Equity screeners, keys ``PREFIX_SORTFIELD_FREQUENCY`` such as
        ``NASDAQ_VOLUME_30`` or ``$DJI_PERCENT_CHANGE_UP_60`` (Schwab only)."""
        return self.subscribe("screener_equity", keys, fields)

    def subscribe_option_screener(self, keys: Keys, fields: Fields = None) -> Any:
        """Option screeners such as ``OPTION_CALL_TRADES_30`` (Schwab only)."""
        return self.subscribe("screener_option", keys, fields)

    def subscribe_activity(self, key: Optional[str] = None) -> Any:
        """Account activity (orders, fills); ``key`` defaults to the provider's."""
        return self.subscribe("activity", [key or self._activity_key()], None)

    def _activity_key(self) -> str:
        raise NotImplementedError
