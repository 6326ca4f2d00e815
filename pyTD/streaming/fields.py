"""Field maps of both streamers: numeric field ids by name, with the type each decodes to.

Each service's fields are listed in id order as ``name:kind`` (id 0 first; id 0 is
the symbol, which the streamer returns as ``key``). Kinds: ``float``, ``int``,
``str``, ``bool``, ``ms`` (epoch milliseconds -> an aware UTC ``datetime``),
``day`` (days since 1970-01-01 -> a ``date``), ``book`` (price levels ->
:class:`~pyTD.streaming.nested.BookLevel` records), ``screener`` (rows ->
:class:`~pyTD.streaming.nested.ScreenerItem`), ``candles`` (chart-history bars ->
:class:`~pyTD.streaming.nested.Candle`), ``raw`` (kept as sent: activity
payloads)::

    >>> from pyTD.streaming.fields import FIELD_MAPS
    >>> FIELD_MAPS["tdameritrade"]["QUOTE"].ids(["bid", "ask"])
    (0, 1, 2)
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Callable, Iterable, Optional

from pyTD.exceptions import ValidationError
from pyTD.streaming.nested import book_side, candles, screener_items

_EPOCH_DAY = dt.date(1970, 1, 1)
_UTC = dt.timezone.utc


def _ms(value: Any) -> Any:
    if (type(value) is int or type(value) is float) and value > 0:
        return dt.datetime.fromtimestamp(value / 1000, _UTC)
    return value


def _day(value: Any) -> Any:
    if type(value) is int or type(value) is float:
        return _EPOCH_DAY + dt.timedelta(days=int(value))
    return value


def _parsed(kind: type, value: Any) -> Any:
    """A number sent as text (TD sends "UNUSED" in some forex fields: kept as is)."""
    if isinstance(value, str):
        try:
            return kind(float(value))
        except ValueError:
            return value
    return value


def _float(value: Any) -> Any:
    kind = type(value)
    if kind is float:
        return value
    return float(value) if kind is int else _parsed(float, value)


def _int(value: Any) -> Any:
    kind = type(value)
    if kind is int:
        return value
    return int(value) if kind is float else _parsed(int, value)


def _bool(value: Any) -> Any:
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return value


#: Field kind -> converter (``None``: the value is kept as sent).
CONVERTERS: dict[str, Optional[Callable[[Any], Any]]] = {
    "float": _float, "int": _int, "str": None, "bool": _bool, "ms": _ms, "day": _day,
    "book": book_side, "screener": screener_items, "candles": candles, "raw": None}


class FieldMap:
    """One service's fields: id -> (name, converter), name -> id."""

    __slots__ = ("by_id", "by_name", "kinds", "names", "service")

    def __init__(self, service: str, spec: str) -> None:
        self.service = service
        pairs = [item.split(":") for item in spec.split()]
        self.names = tuple(name for name, _ in pairs)
        self.kinds = tuple(kind for _, kind in pairs)
        #: The JSON key of each field ("1", "2", ...) -> (name, converter).
        self.by_id = {str(i): (name, CONVERTERS[kind]) for i, (name, kind) in enumerate(pairs)}
        self.by_name = {name: i for i, name in enumerate(self.names)}

    def ids(self, names: Optional[Iterable[str]]) -> tuple[int, ...]:
        """Sorted field ids of ``names`` (all fields for ``None``), always with id 0."""
        if names is None:
            return tuple(range(len(self.names)))
        chosen = {0}
        for name in names:
            if name not in self.by_name:
                raise ValidationError(
                    f"{self.service} has no field {name!r}; its fields are: "
                    + ", ".join(self.names[1:]))
            chosen.add(self.by_name[name])
        return tuple(sorted(chosen))

    def decode(self, item: dict) -> dict[str, Any]:
        """The numeric fields of one ``content`` item by name, converted."""
        out = {}
        by_id = self.by_id
        for key, value in item.items():
            known = by_id.get(key)
            if known is not None:
                name, convert = known
                out[name] = value if convert is None else convert(value)
        return out


def _maps(specs: dict[str, str]) -> dict[str, FieldMap]:
    return {service: FieldMap(service, spec) for service, spec in specs.items()}


_TD_QUOTE = """symbol:str bid:float ask:float last:float bid_size:float ask_size:float
ask_id:str bid_id:str volume:int last_size:float trade_seconds:int quote_seconds:int high:float
low:float bid_tick:str close:float exchange_id:str marginable:bool shortable:bool
island_bid:float island_ask:float island_volume:int quote_day:day trade_day:day
volatility:float description:str last_id:str digits:int open:float net_change:float
high_52_week:float low_52_week:float pe_ratio:float dividend_amount:float dividend_yield:float
island_bid_size:float island_ask_size:float nav:float fund_price:float exchange_name:str
dividend_date:str regular_market_quote:bool regular_market_trade:bool regular_market_last:float
regular_market_last_size:float regular_market_trade_seconds:int regular_market_trade_day:day
regular_market_net_change:float security_status:str mark:float quote_time:ms trade_time:ms
regular_market_trade_time:ms"""

_TD_OPTION = """symbol:str description:str bid:float ask:float last:float high:float low:float
close:float volume:int open_interest:int volatility:float quote_seconds:int trade_seconds:int
intrinsic_value:float quote_day:day trade_day:day expiration_year:int multiplier:float
digits:int open:float bid_size:float ask_size:float last_size:float net_change:float
strike:float contract_type:str underlying:str expiration_month:int deliverables:str
time_value:float expiration_day:int days_to_expiration:int delta:float gamma:float theta:float
vega:float rho:float security_status:str theoretical_value:float underlying_price:float
expiration_type:str mark:float"""

_TD_FUTURES = """symbol:str bid:float ask:float last:float bid_size:int ask_size:int ask_id:str
bid_id:str volume:float last_size:int quote_time:ms trade_time:ms high:float low:float
close:float exchange_id:str description:str last_id:str open:float net_change:float
percent_change:float exchange_name:str security_status:str open_interest:int mark:float
tick:float tick_amount:float product:str price_format:str trading_hours:str is_tradable:bool
multiplier:float is_active:bool settlement_price:float active_symbol:str expiration_date:ms"""

_FOREX = """symbol:str bid:float ask:float last:float bid_size:int ask_size:int volume:float
last_size:int quote_time:ms trade_time:ms high:float low:float close:float exchange_id:str
description:str open:float net_change:float percent_change:float exchange_name:str digits:int
security_status:str tick:float tick_amount:float product:str trading_hours:str
is_tradable:bool market_maker:str high_52_week:float low_52_week:float mark:float"""

_TD_CHART_EQUITY = """symbol:str open:float high:float low:float close:float volume:float
sequence:int chart_time:ms chart_day:day"""

_CHART_FUTURES = """symbol:str chart_time:ms open:float high:float low:float close:float
volume:float"""

_BOOK = "symbol:str book_time:ms bids:book asks:book"
_ACTIVITY = "subscription_key:str account:str message_type:str message_data:raw"

_SCHWAB_EQUITIES = """symbol:str bid:float ask:float last:float bid_size:int ask_size:int
ask_id:str bid_id:str volume:int last_size:int high:float low:float close:float
exchange_id:str marginable:bool description:str last_id:str open:float net_change:float
high_52_week:float low_52_week:float pe_ratio:float dividend_amount:float dividend_yield:float
nav:float exchange_name:str dividend_date:str regular_market_quote:bool
regular_market_trade:bool regular_market_last:float regular_market_last_size:int
regular_market_net_change:float security_status:str mark:float quote_time:ms trade_time:ms
regular_market_trade_time:ms bid_time:ms ask_time:ms ask_mic:str bid_mic:str last_mic:str
net_percent_change:float regular_market_percent_change:float mark_net_change:float
mark_percent_change:float htb_quantity:int htb_rate:float hard_to_borrow:int shortable:int
post_market_net_change:float post_market_percent_change:float"""

_SCHWAB_OPTIONS = """symbol:str description:str bid:float ask:float last:float high:float
low:float close:float volume:int open_interest:int volatility:float intrinsic_value:float
expiration_year:int multiplier:float digits:int open:float bid_size:int ask_size:int
last_size:int net_change:float strike:float contract_type:str underlying:str
expiration_month:int deliverables:str time_value:float expiration_day:int
days_to_expiration:int delta:float gamma:float theta:float vega:float rho:float
security_status:str theoretical_value:float underlying_price:float expiration_type:str
mark:float quote_time:ms trade_time:ms exchange_id:str exchange_name:str last_trading_day:ms
settlement_type:str net_percent_change:float mark_net_change:float mark_percent_change:float
implied_yield:float is_penny_pilot:bool option_root:str high_52_week:float low_52_week:float
indicative_ask:float indicative_bid:float indicative_quote_time:ms exercise_type:str"""

_SCHWAB_FUTURES = """symbol:str bid:float ask:float last:float bid_size:int ask_size:int
bid_id:str ask_id:str volume:int last_size:int quote_time:ms trade_time:ms high:float low:float
close:float exchange_id:str description:str last_id:str open:float net_change:float
percent_change:float exchange_name:str security_status:str open_interest:int mark:float
tick:float tick_amount:float product:str price_format:str trading_hours:str is_tradable:bool
multiplier:float is_active:bool settlement_price:float active_symbol:str expiration_date:ms
expiration_style:str ask_time:ms bid_time:ms quoted_in_session:bool settlement_date:ms"""

_SCHWAB_FUTURES_OPTIONS = """symbol:str bid:float ask:float last:float bid_size:int
ask_size:int bid_id:str ask_id:str volume:int last_size:int quote_time:ms trade_time:ms
high:float low:float close:float last_id:str description:str open:float open_interest:float
mark:float tick:float tick_amount:float multiplier:float settlement_price:float
underlying:str strike:float expiration_date:ms expiration_style:str contract_type:str
security_status:str exchange_id:str exchange_name:str"""

_SCHWAB_CHART_EQUITY = """symbol:str sequence:int open:float high:float low:float close:float
volume:float chart_time:ms chart_day:day"""

_SCREENER = "symbol:str timestamp:ms sort_field:str frequency:int items:screener"
#: A GET answer: "0" is the request id here (the symbol is ``key``).
_CHART_HISTORY = "request_id:str error_code:int count:int candles:candles"
_TIMESALE = "symbol:str trade_time:ms last:float last_size:float last_sequence:int"

#: Provider name -> streamer service -> its :class:`FieldMap`.
FIELD_MAPS: dict[str, dict[str, FieldMap]] = {
    "tdameritrade": _maps({
        "QUOTE": _TD_QUOTE, "OPTION": _TD_OPTION, "LEVELONE_FUTURES": _TD_FUTURES,
        "LEVELONE_FUTURES_OPTIONS": _TD_FUTURES, "LEVELONE_FOREX": _FOREX,
        "CHART_EQUITY": _TD_CHART_EQUITY, "CHART_FUTURES": _CHART_FUTURES,
        "LISTED_BOOK": _BOOK, "NASDAQ_BOOK": _BOOK, "OPTIONS_BOOK": _BOOK,
        "TIMESALE_EQUITY": _TIMESALE, "TIMESALE_FUTURES": _TIMESALE,
        "TIMESALE_FOREX": _TIMESALE, "TIMESALE_OPTIONS": _TIMESALE,
        "CHART_HISTORY_FUTURES": _CHART_HISTORY, "ACCT_ACTIVITY": _ACTIVITY}),
    "schwab": _maps({
        "LEVELONE_EQUITIES": _SCHWAB_EQUITIES, "LEVELONE_OPTIONS": _SCHWAB_OPTIONS,
        "LEVELONE_FUTURES": _SCHWAB_FUTURES,
        "LEVELONE_FUTURES_OPTIONS": _SCHWAB_FUTURES_OPTIONS, "LEVELONE_FOREX": _FOREX,
        "CHART_EQUITY": _SCHWAB_CHART_EQUITY, "CHART_FUTURES": _CHART_FUTURES,
        "NYSE_BOOK": _BOOK, "NASDAQ_BOOK": _BOOK, "OPTIONS_BOOK": _BOOK,
        "SCREENER_EQUITY": _SCREENER, "SCREENER_OPTION": _SCREENER,
        "ACCT_ACTIVITY": _ACTIVITY}),
}

#: pyTD's service names -> each provider's streamer service.
SERVICES: dict[str, dict[str, str]] = {
    "tdameritrade": {
        "quotes": "QUOTE", "options": "OPTION", "futures": "LEVELONE_FUTURES",
        "futures_options": "LEVELONE_FUTURES_OPTIONS", "forex": "LEVELONE_FOREX",
        "chart": "CHART_EQUITY", "chart_futures": "CHART_FUTURES",
        "book_listed": "LISTED_BOOK", "book_nasdaq": "NASDAQ_BOOK",
        "book_options": "OPTIONS_BOOK", "timesales": "TIMESALE_EQUITY",
        "timesales_futures": "TIMESALE_FUTURES", "timesales_forex": "TIMESALE_FOREX",
        "timesales_options": "TIMESALE_OPTIONS",
        "chart_history_futures": "CHART_HISTORY_FUTURES", "activity": "ACCT_ACTIVITY"},
    "schwab": {
        "quotes": "LEVELONE_EQUITIES", "options": "LEVELONE_OPTIONS",
        "futures": "LEVELONE_FUTURES", "futures_options": "LEVELONE_FUTURES_OPTIONS",
        "forex": "LEVELONE_FOREX", "chart": "CHART_EQUITY", "chart_futures": "CHART_FUTURES",
        "book_nyse": "NYSE_BOOK", "book_nasdaq": "NASDAQ_BOOK",
        "book_options": "OPTIONS_BOOK", "screener_equity": "SCREENER_EQUITY",
        "screener_option": "SCREENER_OPTION", "activity": "ACCT_ACTIVITY"},
}

#: Services answering a one-shot GET instead of subscriptions.
SNAPSHOTS = frozenset({"CHART_HISTORY_FUTURES"})
#: Streamer services whose messages are never dropped for a slow consumer.
NEVER_DROPPED = frozenset({"ACCT_ACTIVITY"})
#: Level-one (Change delivery) services: the oldest of these are dropped first.
LEVEL_ONE = frozenset({"QUOTE", "OPTION", "LEVELONE_EQUITIES", "LEVELONE_OPTIONS",
                       "LEVELONE_FUTURES", "LEVELONE_FUTURES_OPTIONS", "LEVELONE_FOREX"})


#: Screener keys: ``<PREFIX>_<SORTFIELD>_<FREQUENCY>`` (``NASDAQ_VOLUME_30``).
SCREENER_SORTS = ("VOLUME", "TRADES", "PERCENT_CHANGE_UP", "PERCENT_CHANGE_DOWN",
                  "AVERAGE_PERCENT_VOLUME")
SCREENER_FREQUENCIES = ("0", "1", "5", "10", "30", "60")
SCREENER_KEY = re.compile(r"(?P<prefix>.+)_(?P<sort>" + "|".join(SCREENER_SORTS)
                          + r")_(?P<frequency>" + "|".join(SCREENER_FREQUENCIES) + r")\Z")


def check_keys(service: str, keys: Iterable[str]) -> None:
    """A ``ValidationError`` for a key ``service`` cannot take (screeners have a key format).

    >>> check_keys("SCREENER_EQUITY", ["NASDAQ_VOLUME"])
    Traceback (most recent call last):
    ...
    pyTD.exceptions.ValidationError: 'NASDAQ_VOLUME' is not a screener key: ...
    """
    if not service.startswith("SCREENER_"):
        return
    for key in keys:
        if not SCREENER_KEY.match(key):
            raise ValidationError(
                f"{key!r} is not a screener key: use PREFIX_SORTFIELD_FREQUENCY such as "
                "NASDAQ_VOLUME_30 or $DJI_PERCENT_CHANGE_UP_60; sort fields: "
                + ", ".join(SCREENER_SORTS) + "; frequencies (minutes, 0 = all day): "
                + ", ".join(SCREENER_FREQUENCIES))


def streamer_service(provider: str, name: str) -> str:
    """The streamer service of pyTD's ``name`` (or of a streamer service name) for ``provider``.

    >>> streamer_service("schwab", "quotes")
    'LEVELONE_EQUITIES'
    """
    services = SERVICES[provider]
    if name in services:
        return services[name]
    if name in FIELD_MAPS[provider]:
        return name
    raise ValidationError(f"The {provider} streamer has no service {name!r}; use one of: "
                          + ", ".join(services))


def service_name(provider: str, service: str) -> str:
    """pyTD's name of a streamer service (the service itself when it has none)."""
    return _NAMES[provider].get(service, service)


_NAMES = {provider: {service: name for name, service in reversed(names.items())}
          for provider, names in SERVICES.items()}
