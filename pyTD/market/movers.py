"""Top movers of an index: ``GET /marketdata/{index}/movers`` (TD) or
``GET /marketdata/v1/movers/{index}`` (Schwab)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping, Optional, Sequence, Union

from pyTD import output
from pyTD.endpoints import Call, EndpointRequest
from pyTD.exceptions import NotSupportedError, ValidationError
from pyTD.validation import check_enum

if TYPE_CHECKING:
    from pyTD.api import api as Client
    from pyTD.provider import Provider

#: TD's indexes (each provider's own list is ``Provider.mover_indexes``).
INDEXES = ("$COMPX", "$DJI", "$SPX.X")
DIRECTIONS = ("up", "down")
CHANGES = ("value", "percent")
#: Schwab's ``sort=`` and ``frequency=`` values.
SORTS = ("VOLUME", "TRADES", "PERCENT_CHANGE_UP", "PERCENT_CHANGE_DOWN")
FREQUENCIES = (0, 1, 5, 10, 30, 60)
_PERCENT_SORTS = {"up": "PERCENT_CHANGE_UP", "down": "PERCENT_CHANGE_DOWN"}


def get_movers(index: str, direction: Optional[str] = None, change: Optional[str] = None,
               output_format: Optional[str] = None, api: Optional[Client] = None, *,
               sort: Optional[str] = None, frequency: Union[int, str, None] = None) -> Any:
    """The top (up to 10) movers of an index.

    ``index`` is ``$COMPX``, ``$DJI`` or ``$SPX.X`` (``$SPX`` is the same index:
    each provider gets its own spelling). On Charles Schwab it may also be one of
    Schwab's screener ids (``NYSE``, ``NASDAQ``, ``OTCBB``, ``INDEX_ALL``,
    ``EQUITY_ALL``, ``OPTION_ALL``, ``OPTION_PUT``, ``OPTION_CALL``).

    TD Ameritrade: ``direction`` is ``up`` or ``down``; ``change`` is ``percent``
    (TD's default) or ``value``. JSON: a list of movers; pandas: one row per mover,
    TD's columns (``change`` is a fraction when ranked by percent, a price change
    by value) and ``percentChange``, the change in percent (:func:`mover_change`),
    as ``pytd movers`` shows it.

    Charles Schwab orders movers with ``sort=`` (``VOLUME``, Schwab's default,
    ``TRADES``, ``PERCENT_CHANGE_UP``, ``PERCENT_CHANGE_DOWN``) over
    ``frequency=`` minutes (0, 1, 5, 10, 30, 60). TD's arguments still work there:
    ``direction="up"``/``"down"`` (with ``change="percent"`` or no change) is
    ``sort="PERCENT_CHANGE_UP"``/``"PERCENT_CHANGE_DOWN"``. Schwab has no
    ordering by value change, so ``change="value"`` (and ``change`` without a
    direction) raises :class:`~pyTD.exceptions.ValidationError` naming the
    ``sort=`` values rather than answering a different question. JSON: Schwab's
    ``{"screeners": [...]}``; pandas: one row per screener entry. On TD
    ``sort=`` and ``frequency=`` raise :class:`~pyTD.exceptions.NotSupportedError`.
    Every refusal happens before anything is sent.

    >>> from pyTD.market import get_movers
    >>> get_movers("$DJI", direction="up", change="percent")  # doctest: +SKIP
    [{'change': 0.031, 'description': '...', 'direction': 'up', 'last': 209.68, ...}]
    """
    call = Call(api, output_format)
    provider = call.api.provider
    name = _index(provider, index)
    if direction is not None:
        direction = check_enum("direction", direction, DIRECTIONS)
    if change is not None:
        change = check_enum("change", change, CHANGES)
    if provider.mover_ordering == "sort":
        params = _sort_params(provider, direction, change, sort, frequency)
    else:
        if sort is not None or frequency is not None:
            raise NotSupportedError(
                f"{provider.title} movers take no sort= or frequency= (Charles Schwab's "
                "arguments): use direction= ('up', 'down') and change= ('percent', 'value').")
        params = {k: v for k, v in (("direction", direction), ("change", change)) if v}
    key = provider.movers_key
    data = call.get("movers", params, index=name)
    empty: Any = {key: []} if key else []
    return call.render(data or empty, lambda d: _frame(movers_of(d), change != "value"))


def movers_of(data: Any) -> list[Any]:
    """The movers of either provider's answer: TD's list, or Schwab's ``screeners``."""
    if isinstance(data, Mapping):
        return list(data.get("screeners") or [])
    return list(data or [])


def _number(value: Any) -> Optional[float]:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) \
        else None


def mover_change(mover: Mapping[str, Any], by_percent: bool = True
                 ) -> tuple[Optional[float], Optional[float], Optional[float]]:
    """``(last, change, percent change)`` of one mover of either provider.

    The change is in price units and the percent change in percent (3.1 is
    3.1 %), each computed from the other where the provider sends one only.
    TD's ``change`` is a fraction when the movers were ranked by percent
    (``by_percent``, TD's default), a price change when ranked by value;
    Schwab's entries carry ``lastPrice`` and ``netChange``.

    >>> mover_change({"last": 103.0, "change": 0.03})
    (103.0, 3.0, 3.0)
    >>> mover_change({"lastPrice": 103.0, "netChange": 3.0, "netPercentChange": 0.03})
    (103.0, 3.0, 3.0)
    """
    last = _number(mover.get("lastPrice", mover.get("last")))
    fraction: Optional[float] = None
    if "netChange" in mover or not by_percent:
        value = _number(mover.get("netChange", mover.get("change")))
        if value is not None and last is not None and last != value:
            fraction = value / (last - value)
        else:   # Schwab's screener quirk: netChange equal to lastPrice
            fraction = _number(mover.get("netPercentChange"))
    else:
        fraction = _number(mover.get("change"))
        value = None
        if fraction is not None and last is not None and fraction != -1:
            value = round(last * fraction / (1 + fraction), 6)
    percent = None if fraction is None else round(fraction * 100, 6)
    return last, value, percent


def _frame(movers: Sequence[Any], by_percent: bool) -> Any:
    frame = output.records_frame(movers)
    frame["percentChange"] = output.pandas().Series(
        [mover_change(m, by_percent)[2] for m in movers], index=frame.index, dtype="float64")
    return frame


def _index(provider: Provider, index: Any) -> str:
    """``index`` in the provider's spelling; refused, naming every id, when it has no movers."""
    spelled = provider.index_symbol(index) if isinstance(index, str) else index
    try:
        return str(check_enum("index", spelled, provider.mover_indexes))
    except ValidationError:
        own = {provider.index_symbol(name) for name in INDEXES}
        extra = [name for name in provider.mover_indexes if name not in own]
        also = f" or {provider.title}'s own {', '.join(extra)}" if extra else ""
        raise ValidationError(f"index must be one of {', '.join(INDEXES)} ($SPX is $SPX.X)"
                              f"{also}; got {index!r}.") from None


def _sort_params(provider: Provider, direction: Optional[str], change: Optional[str],
                 sort: Optional[str], frequency: Union[int, str, None]) -> dict[str, Any]:
    """Schwab's ``sort``/``frequency`` from its own arguments or from TD's."""
    sorts = ", ".join(SORTS)
    params: dict[str, Any] = {}
    if sort is not None:
        if direction is not None or change is not None:
            raise ValidationError("sort= replaces direction= and change=: pass only sort= "
                                  f"(one of {sorts}).")
        params["sort"] = check_enum("sort", sort, SORTS)
    elif change == "value":
        raise ValidationError(
            f"{provider.title} cannot order movers by value change: pass change='percent' "
            f"with direction='up' or 'down', or sort= one of {sorts}.")
    elif direction is not None:
        params["sort"] = _PERCENT_SORTS[direction]
    elif change is not None:
        raise ValidationError(
            f"{provider.title} orders percent changes up or down, not both: add "
            f"direction='up' or 'down', or pass sort= one of {sorts}.")
    if frequency is not None:
        if isinstance(frequency, str) and frequency.strip().isdigit():
            frequency = int(frequency)
        params["frequency"] = check_enum("frequency", frequency, FREQUENCIES)
    return params


class Movers(EndpointRequest):
    """pyTD 0.0.x's ``Movers(index, direction, change, output_format, api).execute()``."""

    function = staticmethod(get_movers)
