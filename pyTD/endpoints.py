"""The link between the endpoint wrappers and an ``api``.

A wrapper checks its arguments, then hands the rest to :func:`fetch` (a read)
or :func:`change` / :func:`create` (a write), naming the endpoint; the
provider turns the name into a path::

    def get_movers(index, direction=None, change=None, output_format=None, api=None):
        return fetch(api, "movers", output.records_frame, output_format=output_format,
                     empty=[], index=check_enum("index", index, INDEXES))

:class:`EndpointMethods` is the mixin that puts every wrapper on the ``api`` class::

    from pyTD.api import api
    a = api(consumer_key="KEY", callback_url="http://localhost:8080")
    a.get_quotes("AAPL")          # same as pyTD.market.get_quotes("AAPL", api=a)

Wrapper modules are imported when a method is first called, so importing this
module (and ``pyTD.api``) stays cheap and free of import cycles.
"""

from __future__ import annotations

import functools
import logging
import re
from importlib import import_module
from typing import (
    TYPE_CHECKING,
    Any,
    Callable,
    ClassVar,
    Iterable,
    Mapping,
    Optional,
    Sequence,
    TypeVar,
    Union,
)
from urllib.parse import urlsplit

from pyTD import output
from pyTD.exceptions import ResourceNotFound, TDQueryError, ValidationError
from pyTD.progress import ProgressArg
from pyTD.validation import DateArg, Fields, Id, Items, Symbols, TimeArg

if TYPE_CHECKING:
    import requests

    from pyTD.api import api as Client
    from pyTD.orders.builder import Order

Frame = Callable[[Any], Any]
F = TypeVar("F", bound=Callable[..., Any])

_TRAILING_ID = re.compile(r"/(\d+)/?\Z")
log = logging.getLogger(__name__)
#: What to check when a symbol is not found.
CHECK_SYMBOLS = "check the symbol(s) (pyTD.instruments.get_instruments searches by name)."


def resolve_api(api: Optional[Client] = None) -> Client:
    """``api`` itself, or the module-level default api when it is ``None``."""
    from pyTD.api import default_api

    return api if api is not None else default_api()


class Call:
    """One wrapper call: its ``api`` and its output format, checked before anything is sent.

    For wrappers that send several requests (batches, one per symbol) and render once::

        call = Call(api, output_format)
        data = {name: call.get("price_history", params, symbol=name) for name in names}
        return call.render(data, frame)
    """

    def __init__(self, api: Optional[Client], output_format: Optional[str]) -> None:
        self.api = resolve_api(api)
        self.format = output.resolve_format(self.api, output_format)

    def get(self, endpoint: str, params: Optional[Mapping[str, Any]] = None,
            **segments: Any) -> Any:
        """The decoded answer of ``GET endpoint`` (``None`` for an empty body).

        A 200 whose body is only ``{"error": ...}`` (TD's way of refusing some
        queries) raises :class:`~pyTD.exceptions.TDQueryError` with TD's text.
        """
        data = self.api.request("GET", self.api.provider.path(endpoint, **segments),
                                params=params)
        if isinstance(data, dict) and list(data) == ["error"]:
            raise TDQueryError(f"GET {endpoint} was refused: {str(data['error'])[:200]}",
                               status_code=200)
        return data

    def get_with_status(self, endpoint: str, params: Optional[Mapping[str, Any]] = None,
                        **segments: Any) -> tuple[int, Any]:
        """``(HTTP status, decoded answer)`` of ``GET endpoint``, for 2xx statuses that matter."""
        response = self.api.request("GET", self.api.provider.path(endpoint, **segments),
                                    params=params, raw=True)
        from pyTD.responses import decode_json  # here: importing endpoints loads no requests

        return response.status_code, decode_json(response)

    def render(self, data: Any, to_frame: Frame) -> Any:
        """``data`` as JSON, or ``to_frame(data)`` when pandas was asked for."""
        return output.render(data, self.format, to_frame)


def check_found(what: str, names: Sequence[str], missing: Sequence[str],
                advice: str = CHECK_SYMBOLS) -> None:
    """``ResourceNotFound`` when none of ``names`` was found, else a warning naming ``missing``.

    Wrappers answering for several symbols return the ones found and log the others.
    """
    if len(missing) == len(names):
        raise ResourceNotFound(f"No {what} for {', '.join(missing)}: {advice}")
    if missing:
        log.warning("No %s for %s: left out of the answer.", what, ", ".join(missing))


def missing_keys(names: Sequence[str], data: Mapping[str, Any]) -> list[str]:
    """The ``names`` that are not keys of ``data`` (in any case)."""
    known = {key.upper() for key in data}
    return [name for name in names if name.upper() not in known]


def fetch(api: Optional[Client], endpoint: str, to_frame: Frame, *,
          output_format: Optional[str] = None, params: Optional[Mapping[str, Any]] = None,
          empty: Any = None, **segments: Any) -> Any:
    """``GET endpoint`` and render the answer; an empty answer becomes ``empty`` if given."""
    call = Call(api, output_format)
    data = call.get(endpoint, params, **segments)
    return call.render(data or empty if empty is not None else data, to_frame)


def change(api: Optional[Client], method: str, endpoint: str, *, json: Any = None,
           **segments: Any) -> None:
    """Send a request that changes state (PUT, PATCH, DELETE, or a POST with no id back)."""
    client = resolve_api(api)
    client.request(method, client.provider.path(endpoint, **segments), json=json)


def create(api: Optional[Client], method: str, endpoint: str, check: str, *, json: Any,
           **segments: Any) -> int:
    """Send a create/replace request and return the new id from its ``Location`` header."""
    client = resolve_api(api)
    response = client.request(method, client.provider.path(endpoint, **segments), json=json,
                              raw=True)
    return id_from_location(response, check)


def id_from_location(response: requests.Response, check: str) -> int:
    """The id at the end of the ``Location`` header of a create/replace response.

    Without one, a ``TDQueryError`` says the change may have been applied and to
    run ``check`` before sending it again.
    """
    from pyTD.redaction import redacted  # here: importing endpoints loads no requests

    location = response.headers.get("Location") or ""
    match = _TRAILING_ID.search(urlsplit(location).path)
    if match is None:
        request = response.request
        raise TDQueryError(
            f"{request.method!s} {urlsplit(str(request.url)).path} answered HTTP "
            f"{response.status_code} without a readable id in its Location header "
            f"({location!r}). It may have been applied: check {check} before sending it again.",
            status_code=response.status_code, response=redacted(response))
    return int(match.group(1))


def td_names(**snake_for: str) -> Callable[[F], F]:
    """Also accept TD's own camelCase parameter names, as pyTD 0.0.x passed them through.

    ``@td_names(strikeCount="strike_count")`` makes ``f(strikeCount=4)`` mean
    ``f(strike_count=4)``, validated the same way; giving both is a
    :class:`~pyTD.exceptions.ValidationError`.
    """
    def decorate(function: F) -> F:
        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            for camel, snake in snake_for.items():
                if camel in kwargs:
                    if snake in kwargs:
                        raise ValidationError(f"{camel} and {snake} are the same parameter: "
                                              "pass only one of them.")
                    kwargs[snake] = kwargs.pop(camel)
            return function(*args, **kwargs)

        wrapper.td_names = dict(snake_for)  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


class EndpointRequest:
    """pyTD 0.0.x's endpoint classes: ``Quotes("AAPL").execute()`` is ``get_quotes("AAPL")``.

    A subclass names its function; the arguments are kept at construction and
    the function is called by :meth:`execute`::

        class Quotes(EndpointRequest):
            function = staticmethod(get_quotes)
    """

    function: ClassVar[Callable[..., Any]]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.args = args
        self.kwargs = kwargs

    def execute(self) -> Any:
        """Send the request(s) and return the answer, as the function does."""
        return type(self).function(*self.args, **self.kwargs)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(args={self.args!r}, kwargs={sorted(self.kwargs)!r})"


def forwards_to(module: str) -> Callable[[F], F]:
    """Turn the declaration below into a method calling ``pyTD.<module>.<name>(..., api=self)``.

    The declaration keeps the function's real signature (for ``help``, IDEs and
    mypy); the module is imported on the first call.
    """
    def decorate(declared: F) -> F:
        name = declared.__name__

        @functools.wraps(declared)
        def method(self: Client, *args: Any, **kwargs: Any) -> Any:
            return getattr(import_module(f"pyTD.{module}"), name)(*args, api=self, **kwargs)

        method.forwards_to = f"pyTD.{module}.{name}"  # type: ignore[attr-defined]
        return method  # type: ignore[return-value]

    return decorate


class EndpointMethods:
    """Every endpoint wrapper as a method of ``api`` (mixed into :class:`pyTD.api.api`).

    Each method calls the module function of the same name with ``api=self``;
    see that function for the details.
    """

    # -- market data ---------------------------------------------------------
    @forwards_to("market.quotes")
    def get_quotes(self, symbols: Symbols, output_format: Optional[str] = None, *,
                   fields: Union[str, Iterable[str], None] = None,
                   indicative: Optional[bool] = None, progress: ProgressArg = None) -> Any:
        """Quotes for one or more symbols: :func:`pyTD.market.quotes.get_quotes`."""

    @forwards_to("market.price_history")
    def get_price_history(self, symbol_or_symbols: Symbols, *, period_type: Optional[str] = None,
                          period: Optional[int] = None, frequency_type: Optional[str] = None,
                          frequency: Optional[int] = None, start_date: Optional[TimeArg] = None,
                          end_date: Optional[TimeArg] = None,
                          need_extended_hours_data: Optional[bool] = None,
                          output_format: Optional[str] = None,
                          extended: Optional[bool] = None,
                          need_previous_close: Optional[bool] = None,
                          progress: ProgressArg = None) -> Any:
        """Candles: :func:`pyTD.market.price_history.get_price_history`."""

    @forwards_to("market.options")
    def get_option_chain(self, symbol: str, *, contract_type: Optional[str] = None,
                         strike_count: Optional[int] = None,
                         include_quotes: Optional[bool] = None, strategy: Optional[str] = None,
                         interval: Optional[float] = None, strike: Optional[float] = None,
                         range: Optional[str] = None, from_date: Optional[DateArg] = None,
                         to_date: Optional[DateArg] = None, volatility: Optional[float] = None,
                         underlying_price: Optional[float] = None,
                         interest_rate: Optional[float] = None,
                         days_to_expiration: Optional[int] = None,
                         exp_month: Optional[str] = None, option_type: Optional[str] = None,
                         output_format: Optional[str] = None) -> Any:
        """An option chain: :func:`pyTD.market.options.get_option_chain`."""

    get_option_chains = get_option_chain

    @forwards_to("market.options")
    def get_expiration_chain(self, symbol: str, output_format: Optional[str] = None) -> Any:
        """Option expirations (Schwab): :func:`pyTD.market.options.get_expiration_chain`."""

    @forwards_to("market.movers")
    def get_movers(self, index: str, direction: Optional[str] = None,
                   change: Optional[str] = None, output_format: Optional[str] = None, *,
                   sort: Optional[str] = None,
                   frequency: Union[int, str, None] = None) -> Any:
        """Top movers of an index: :func:`pyTD.market.movers.get_movers`."""

    @forwards_to("market.hours")
    def get_market_hours(self, markets: Union[str, list[str]] = "EQUITY",
                         date: Optional[DateArg] = None,
                         output_format: Optional[str] = None) -> Any:
        """Market hours: :func:`pyTD.market.hours.get_market_hours`."""

    @forwards_to("market.fundamentals")
    def get_fundamentals(self, symbols: Symbols, *, output_format: Optional[str] = None) -> Any:
        """Fundamental data: :func:`pyTD.market.fundamentals.get_fundamentals`."""

    @forwards_to("instruments")
    def get_instruments(self, symbol: Symbols, *, projection: str = "symbol-search",
                        output_format: Optional[str] = None) -> Any:
        """Instrument search: :func:`pyTD.instruments.get_instruments`."""

    @forwards_to("instruments")
    def get_instrument(self, symbol_or_cusip: str, *, projection: Optional[str] = None,
                       output_format: Optional[str] = None) -> Any:
        """One instrument by CUSIP or symbol: :func:`pyTD.instruments.get_instrument`."""

    # -- accounts ------------------------------------------------------------
    @forwards_to("accounts.accounts")
    def get_accounts(self, *, fields: Fields = None, output_format: Optional[str] = None) -> Any:
        """All linked accounts: :func:`pyTD.accounts.accounts.get_accounts`."""

    @forwards_to("accounts.accounts")
    def get_account(self, account_id: Id, *, fields: Fields = None,
                    output_format: Optional[str] = None) -> Any:
        """One account: :func:`pyTD.accounts.accounts.get_account`."""

    @forwards_to("accounts.accounts")
    def get_positions(self, account_id: Optional[Id] = None, *,
                      output_format: Optional[str] = None) -> Any:
        """Positions: :func:`pyTD.accounts.accounts.get_positions`."""

    # -- orders --------------------------------------------------------------
    @forwards_to("accounts.orders")
    def get_orders(self, account_id: Optional[Id] = None, *, max_results: Optional[int] = None,
                   from_entered_time: Optional[DateArg] = None,
                   to_entered_time: Optional[DateArg] = None, status: Optional[str] = None,
                   output_format: Optional[str] = None) -> Any:
        """Orders: :func:`pyTD.accounts.orders.get_orders`."""

    @forwards_to("accounts.orders")
    def get_order(self, account_id: Id, order_id: Id, *,
                  output_format: Optional[str] = None) -> Any:
        """One order: :func:`pyTD.accounts.orders.get_order`."""

    @forwards_to("accounts.orders")
    def place_order(self, account_id: Id, order: Order) -> int:  # type: ignore[empty-body]
        """Place an order, returning its id: :func:`pyTD.accounts.orders.place_order`."""

    @forwards_to("accounts.orders")
    def replace_order(self, account_id: Id, order_id: Id,  # type: ignore[empty-body]
                      order: Order) -> int:
        """Replace an order, returning the new id: :func:`pyTD.accounts.orders.replace_order`."""

    @forwards_to("accounts.orders")
    def preview_order(self, account_id: Id, order: Order) -> Any:
        """Preview an order (Schwab only): :func:`pyTD.accounts.orders.preview_order`."""

    @forwards_to("accounts.orders")
    def cancel_order(self, account_id: Id, order_id: Id) -> None:
        """Cancel an order: :func:`pyTD.accounts.orders.cancel_order`."""

    # -- saved orders --------------------------------------------------------
    @forwards_to("accounts.saved_orders")
    def create_saved_order(self, account_id: Id, order: Mapping[str, Any]) -> None:
        """Save an order: :func:`pyTD.accounts.saved_orders.create_saved_order`."""

    @forwards_to("accounts.saved_orders")
    def get_saved_orders(self, account_id: Id, *, output_format: Optional[str] = None) -> Any:
        """Saved orders: :func:`pyTD.accounts.saved_orders.get_saved_orders`."""

    @forwards_to("accounts.saved_orders")
    def get_saved_order(self, account_id: Id, saved_order_id: Id, *,
                        output_format: Optional[str] = None) -> Any:
        """One saved order: :func:`pyTD.accounts.saved_orders.get_saved_order`."""

    @forwards_to("accounts.saved_orders")
    def replace_saved_order(self, account_id: Id, saved_order_id: Id,
                            order: Mapping[str, Any]) -> None:
        """Replace a saved order: :func:`pyTD.accounts.saved_orders.replace_saved_order`."""

    @forwards_to("accounts.saved_orders")
    def delete_saved_order(self, account_id: Id, saved_order_id: Id) -> None:
        """Delete a saved order: :func:`pyTD.accounts.saved_orders.delete_saved_order`."""

    # -- transactions --------------------------------------------------------
    @forwards_to("accounts.transactions")
    def get_transactions(self, account_id: Id, *, type: Optional[str] = None,
                         symbol: Optional[str] = None, start_date: Optional[DateArg] = None,
                         end_date: Optional[DateArg] = None,
                         types: Union[str, Sequence[str], None] = None,
                         output_format: Optional[str] = None) -> Any:
        """Transactions: :func:`pyTD.accounts.transactions.get_transactions`."""

    @forwards_to("accounts.transactions")
    def get_transaction(self, account_id: Id, transaction_id: Id, *,
                        output_format: Optional[str] = None) -> Any:
        """One transaction: :func:`pyTD.accounts.transactions.get_transaction`."""

    # -- user principals and preferences -------------------------------------
    @forwards_to("accounts.user")
    def get_user_principals(self, *, fields: Fields = None,
                            output_format: Optional[str] = None) -> Any:
        """User principals: :func:`pyTD.accounts.user.get_user_principals`."""

    @forwards_to("accounts.user")
    def get_streamer_subscription_keys(self, account_ids: Union[Id, Sequence[Id]], *,
                                       output_format: Optional[str] = None) -> Any:
        """Streamer keys: :func:`pyTD.accounts.user.get_streamer_subscription_keys`."""

    @forwards_to("accounts.user")
    def get_preferences(self, account_id: Id, *, output_format: Optional[str] = None) -> Any:
        """Account preferences: :func:`pyTD.accounts.user.get_preferences`."""

    @forwards_to("accounts.user")
    def update_preferences(self, account_id: Id, preferences: Mapping[str, Any]) -> None:
        """Update account preferences: :func:`pyTD.accounts.user.update_preferences`."""

    @forwards_to("accounts.user")
    def get_user_preference(self, *, output_format: Optional[str] = None) -> Any:
        """The login's preferences (Schwab): :func:`pyTD.accounts.user.get_user_preference`."""

    @forwards_to("accounts.user")
    def get_account_numbers(self) -> list[Any]:  # type: ignore[empty-body]
        """Account numbers and hashes (Schwab): :func:`pyTD.accounts.user.get_account_numbers`."""

    # -- watchlists ----------------------------------------------------------
    @forwards_to("accounts.watchlists")
    def create_watchlist(self, account_id: Id, name: str,  # type: ignore[empty-body]
                         symbols_or_items: Items) -> int:
        """Create a watchlist: :func:`pyTD.accounts.watchlists.create_watchlist`."""

    @forwards_to("accounts.watchlists")
    def get_watchlists(self, account_id: Optional[Id] = None, *,
                       output_format: Optional[str] = None) -> Any:
        """Watchlists: :func:`pyTD.accounts.watchlists.get_watchlists`."""

    @forwards_to("accounts.watchlists")
    def get_watchlist(self, account_id: Id, watchlist_id: Id, *,
                      output_format: Optional[str] = None) -> Any:
        """One watchlist: :func:`pyTD.accounts.watchlists.get_watchlist`."""

    @forwards_to("accounts.watchlists")
    def replace_watchlist(self, account_id: Id, watchlist_id: Id, name: str,
                          symbols_or_items: Items) -> None:
        """Replace a watchlist: :func:`pyTD.accounts.watchlists.replace_watchlist`."""

    @forwards_to("accounts.watchlists")
    def update_watchlist(self, account_id: Id, watchlist_id: Id, *, name: Optional[str] = None,
                         symbols_or_items: Optional[Items] = None) -> None:
        """Change a watchlist (PATCH): :func:`pyTD.accounts.watchlists.update_watchlist`."""

    @forwards_to("accounts.watchlists")
    def delete_watchlist(self, account_id: Id, watchlist_id: Id) -> None:
        """Delete a watchlist: :func:`pyTD.accounts.watchlists.delete_watchlist`."""
