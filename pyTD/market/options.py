"""Option chains: ``GET /marketdata/chains``."""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import TYPE_CHECKING, Any, Optional

from pyTD import output, validation
from pyTD.endpoints import Call, EndpointRequest, td_names
from pyTD.exceptions import (
    NotSupportedError,
    ResourceNotFound,
    ResponseFormatError,
    ValidationError,
)
from pyTD.validation import (
    DateArg,
    bool_param,
    check_enum,
    check_int,
    check_number,
    check_order,
    check_text,
)

if TYPE_CHECKING:
    from pyTD.api import api as Client

CONTRACT_TYPES = ("CALL", "PUT", "ALL")
STRATEGIES = ("SINGLE", "ANALYTICAL", "COVERED", "VERTICAL", "CALENDAR", "STRANGLE",
              "STRADDLE", "BUTTERFLY", "CONDOR", "DIAGONAL", "COLLAR", "ROLL")
RANGES = ("ITM", "NTM", "OTM", "SAK", "SBK", "SNK", "ALL")
EXP_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV",
              "DEC", "ALL")
OPTION_TYPES = ("S", "NS", "ALL")
#: Keyword -> TD parameter of the inputs that only the ANALYTICAL strategy uses.
ANALYTICAL_ONLY = {"volatility": "volatility", "underlying_price": "underlyingPrice",
                   "interest_rate": "interestRate", "days_to_expiration": "daysToExpiration"}


@td_names(contractType="contract_type", strikeCount="strike_count",
          includeQuotes="include_quotes", fromDate="from_date", toDate="to_date",
          underlyingPrice="underlying_price", interestRate="interest_rate",
          daysToExpiration="days_to_expiration", expMonth="exp_month",
          optionType="option_type")
def get_option_chain(symbol: str, *, contract_type: Optional[str] = None,
                     strike_count: Optional[int] = None, include_quotes: Optional[bool] = None,
                     strategy: Optional[str] = None, interval: Optional[float] = None,
                     strike: Optional[float] = None, range: Optional[str] = None,
                     from_date: Optional[DateArg] = None, to_date: Optional[DateArg] = None,
                     volatility: Optional[float] = None, underlying_price: Optional[float] = None,
                     interest_rate: Optional[float] = None,
                     days_to_expiration: Optional[int] = None, exp_month: Optional[str] = None,
                     option_type: Optional[str] = None,
                     api: Optional[Client] = None,
                     output_format: Optional[str] = None) -> Any:
    """The option chain of one underlying symbol.

    Enumerated arguments are checked against TD's values (``contract_type``
    CALL/PUT/ALL, ``strategy``, ``range``, ``exp_month``, ``option_type``);
    ``volatility``, ``underlying_price``, ``interest_rate`` and
    ``days_to_expiration`` need ``strategy="ANALYTICAL"``. ``from_date``/``to_date``
    bound the expirations. TD's own camelCase names (``contractType=``,
    ``strikeCount=``, ...) are accepted too, as pyTD 0.0.x passed them through.
    ``include_quotes`` (the underlying's quote) is sent as each provider names it:
    TD's ``includeQuotes``, Schwab's ``includeUnderlyingQuote``.
    A chain the provider cannot build (``"status": "FAILED"``, e.g. an unknown
    symbol) raises :class:`~pyTD.exceptions.ResourceNotFound`.

    JSON: the provider's ``OptionChain``. pandas: one row per contract of both maps,
    with ``expiration`` (a date), ``days_to_expiration``, ``strike`` (float) and
    ``expiration_time`` (a UTC timestamp read from the contract's ``expirationDate``,
    epoch milliseconds on TD, an ISO string on Schwab; the raw column is kept)
    columns; TD's ``"NaN"`` strings become NaN, its other epoch-millisecond times
    (``tradeTimeInLong``, ``quoteTimeInLong``, ``lastTradingDay``) UTC datetimes.

    >>> from pyTD.market import get_option_chain
    >>> chain = get_option_chain("AAPL", contract_type="CALL", strike_count=4,
    ...                          output_format="pandas")  # doctest: +SKIP
    >>> chain[["expiration", "strike", "bid", "ask"]]  # doctest: +SKIP
    """
    call = Call(api, output_format)
    params: dict[str, Any] = {"symbol": check_text("symbol", symbol)}
    enums = {"contractType": ("contract_type", contract_type, CONTRACT_TYPES),
             "strategy": ("strategy", strategy, STRATEGIES),
             "range": ("range", range, RANGES),
             "expMonth": ("exp_month", exp_month, EXP_MONTHS),
             "optionType": ("option_type", option_type, OPTION_TYPES)}
    for key, (arg, value, allowed) in enums.items():
        if value is not None:
            params[key] = check_enum(arg, value, allowed)
    if strike_count is not None:
        params["strikeCount"] = check_int("strike_count", strike_count)
    if include_quotes is not None:
        params[call.api.provider.chain_quote_param] = bool_param("include_quotes",
                                                                 include_quotes, upper=True)
    for key, number in (("interval", interval), ("strike", strike)):
        if number is not None:
            params[key] = check_number(key, number)
    first = None if from_date is None else validation.to_date("from_date", from_date)
    last = None if to_date is None else validation.to_date("to_date", to_date)
    check_order("from_date", first, "to_date", last)
    params.update({k: v.isoformat() for k, v in (("fromDate", first), ("toDate", last)) if v})
    params.update(_analytical(params.get("strategy"), volatility=volatility,
                              underlying_price=underlying_price, interest_rate=interest_rate,
                              days_to_expiration=days_to_expiration))
    chain = call.get("option_chain", params) or {}
    if not isinstance(chain, dict):
        raise ResponseFormatError(f"The option chain of {params['symbol']!r} is not a JSON "
                                  f"object but {type(chain).__name__}: retry, or report it.")
    if chain.get("status") == "FAILED" or not chain:
        raise ResourceNotFound(f"No option chain for {params['symbol']!r} with these "
                               "arguments: check the symbol (an optionable underlying) "
                               "and the filters.")
    return call.render(chain, _frame)


get_option_chains = get_option_chain


def get_expiration_chain(symbol: str, output_format: Optional[str] = None,
                         api: Optional[Client] = None) -> Any:
    """The expirations of an underlying's options (Charles Schwab only).

    JSON: Schwab's ``{"expirationList": [{expirationDate, daysToExpiration,
    expirationType, settlementType, optionRoots, standard}, ...]}``. pandas: one
    row per expiration, ``expirationDate`` a date. An unknown underlying raises
    :class:`~pyTD.exceptions.ResourceNotFound`; on a provider without the
    endpoint (TD Ameritrade) :class:`~pyTD.exceptions.NotSupportedError` is
    raised before anything is sent.

    >>> from pyTD.market import get_expiration_chain
    >>> get_expiration_chain("AAPL", output_format="pandas")  # doctest: +SKIP
    """
    name = check_text("symbol", symbol)
    call = Call(api, output_format)
    if not call.api.provider.supports("expiration_chain"):
        raise NotSupportedError(f"{call.api.provider.title} has no expiration chain endpoint "
                                "(Charles Schwab has): use get_option_chain and the keys of "
                                "its callExpDateMap instead.")
    data = call.get("expiration_chain", {"symbol": name}) or {"expirationList": []}
    if not isinstance(data, dict):
        raise ResponseFormatError(f"The expiration chain of {name!r} is not a JSON object but "
                                  f"{type(data).__name__}: retry, or report it.")
    return call.render(data, _expirations_frame)


def _expirations_frame(data: Any) -> Any:
    rows = [{**item, "expirationDate": _day(item.get("expirationDate"))}
            for item in (data.get("expirationList") or []) if isinstance(item, dict)]
    return output.records_frame(rows, columns=("expirationDate", "daysToExpiration"))


def _day(value: Any) -> Any:
    """A date from ``yyyy-MM-dd``, an ISO date-time, or epoch milliseconds."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return datetime.fromtimestamp(value / 1000, timezone.utc).date()
    if isinstance(value, str) and len(value) >= 10:
        return date.fromisoformat(value[:10])
    return value


class Options(EndpointRequest):
    """pyTD 0.0.x's ``Options(symbol, **kwargs).execute()``: :func:`get_option_chain`."""

    function = staticmethod(get_option_chain)


def _analytical(strategy: Optional[str], **given: Any) -> dict[str, Any]:
    """TD parameters of the ANALYTICAL-only inputs; refused with any other strategy."""
    given = {arg: value for arg, value in given.items() if value is not None}
    if given and strategy != "ANALYTICAL":
        raise ValidationError(f"{', '.join(given)} only apply to strategy='ANALYTICAL'; "
                              "pass strategy='ANALYTICAL' or drop them.")
    params = {}
    for arg, value in given.items():
        params[ANALYTICAL_ONLY[arg]] = (check_int(arg, value, 0) if arg == "days_to_expiration"
                                        else check_number(arg, value))
    return params


def _frame(chain: Any) -> Any:
    rows = []
    for map_name in ("callExpDateMap", "putExpDateMap"):
        for exp_key, strikes in ((chain or {}).get(map_name) or {}).items():
            day, _, days = exp_key.partition(":")
            expiration = date.fromisoformat(day)
            for strike_key, contracts in strikes.items():
                for contract in contracts:
                    rows.append({**contract, "expiration": expiration,
                                 "days_to_expiration": int(days) if days else None,
                                 "strike": float(strike_key),
                                 "expiration_time": _moment(contract.get("expirationDate"))})
    frame = output.records_frame(rows, columns=("expiration", "days_to_expiration", "strike",
                                                "expiration_time"))
    if rows:
        frame["expiration_time"] = output.pandas().to_datetime(frame["expiration_time"],
                                                               utc=True)
    return output.epoch_ms_to_datetimes(output.nan_strings_to_float(frame),
                                        keep=("expirationDate",))


def _moment(value: Any) -> Any:
    """A UTC datetime from epoch milliseconds (TD) or an ISO date-time (Schwab); else None."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return datetime.fromtimestamp(value / 1000, timezone.utc)
    if isinstance(value, str) and value:
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    return None
