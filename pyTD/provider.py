"""Everything specific to one API provider, in one place.

A :class:`Provider` holds what differs between TD Ameritrade and its successor:
hosts and paths (one template per endpoint, which is also the provider's
capability set), how the client authenticates to the token endpoint, the
consumer-key suffix, token lifetimes, how error bodies read, and symbol
formats. The rest of pyTD asks the provider and spells none of it::

    >>> from pyTD.provider import TD_AMERITRADE
    >>> TD_AMERITRADE.path("quote", symbol="$SPX.X")
    '/marketdata/%24SPX.X/quotes'
    >>> TD_AMERITRADE.supports("expiration_chain")
    False
    >>> SCHWAB.path("quote", symbol="$SPX")
    '/marketdata/v1/%24SPX/quotes'

A second provider is one more instance (see :func:`register`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import Any, Callable, Mapping, Optional
from urllib.parse import urlsplit

from pyTD.exceptions import ConfigurationError, NotSupportedError
from pyTD.pacing import Quota
from pyTD.symbols import OptionSymbol
from pyTD.validation import quote_segment

#: How the client proves itself to the token endpoint.
FORM_CLIENT_ID = "client_id"  # a public client: client_id in the form, no secret
HTTP_BASIC = "basic"  # a confidential client: HTTP Basic with the key and the app secret

ErrorParser = Callable[[Any], Optional[str]]


def error_text(data: Any) -> Optional[str]:
    """The message of a decoded error body, in any of the shapes the providers use.

    TD's ``{"error": ...}``, OAuth's ``error_description``, Schwab's trader
    ``{"message": ..., "errors": [...]}`` and market-data
    ``{"errors": [{"title": ..., "detail": ...}]}``; ``None`` when none applies.

    >>> error_text({"error": "Not Found"})
    'Not Found'
    >>> error_text({"errors": [{"status": 400, "title": "Bad Request", "detail": "Missing"}]})
    'Bad Request: Missing'
    """
    if not isinstance(data, dict):
        return None
    for key in ("error", "message", "error_description"):
        if data.get(key):
            text = str(data[key])
            details = [str(e) for e in data.get("errors") or () if isinstance(e, str)]
            return "; ".join([text, *details]) if key == "message" and details else text
    errors = data.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        parts = []
        for error in errors:
            title, detail = error.get("title"), error.get("detail")
            parts.append(": ".join(str(p) for p in (title, detail) if p) or json.dumps(error))
        return "; ".join(parts)
    return None


#: Both providers' quota per app for everything but order writes: 120 requests a minute.
APP_QUOTA = Quota(120, 60.0)

#: TD Ameritrade's endpoints, relative to its base URL.
TD_PATHS: Mapping[str, str] = MappingProxyType({
    "quotes": "/marketdata/quotes",
    "quote": "/marketdata/{symbol}/quotes",
    "price_history": "/marketdata/{symbol}/pricehistory",
    "option_chain": "/marketdata/chains",
    "movers": "/marketdata/{index}/movers",
    "hours": "/marketdata/hours",
    "market_hours": "/marketdata/{market}/hours",
    "instruments": "/instruments",
    "instrument": "/instruments/{cusip}",
    "accounts": "/accounts",
    "account": "/accounts/{account_id}",
    "orders": "/orders",
    "account_orders": "/accounts/{account_id}/orders",
    "order": "/accounts/{account_id}/orders/{order_id}",
    "saved_orders": "/accounts/{account_id}/savedorders",
    "saved_order": "/accounts/{account_id}/savedorders/{saved_order_id}",
    "transactions": "/accounts/{account_id}/transactions",
    "transaction": "/accounts/{account_id}/transactions/{transaction_id}",
    "user_principals": "/userprincipals",
    "streamer_subscription_keys": "/userprincipals/streamersubscriptionkeys",
    "preferences": "/accounts/{account_id}/preferences",
    "all_watchlists": "/accounts/watchlists",
    "watchlists": "/accounts/{account_id}/watchlists",
    "watchlist": "/accounts/{account_id}/watchlists/{watchlist_id}",
})


#: Schwab's endpoints, relative to its base URL (the host): each path carries its API root,
#: ``/trader/v1`` or ``/marketdata/v1``. TD's names where the endpoint is the same thing; no
#: saved orders, watchlists, user principals or streamer keys (Schwab removed them).
SCHWAB_PATHS: Mapping[str, str] = MappingProxyType({
    "quotes": "/marketdata/v1/quotes",
    "quote": "/marketdata/v1/{symbol}/quotes",
    "price_history": "/marketdata/v1/pricehistory",
    "option_chain": "/marketdata/v1/chains",
    "expiration_chain": "/marketdata/v1/expirationchain",
    "movers": "/marketdata/v1/movers/{index}",
    "hours": "/marketdata/v1/markets",
    "market_hours": "/marketdata/v1/markets/{market}",
    "instruments": "/marketdata/v1/instruments",
    "instrument": "/marketdata/v1/instruments/{cusip}",
    "account_numbers": "/trader/v1/accounts/accountNumbers",
    "accounts": "/trader/v1/accounts",
    "account": "/trader/v1/accounts/{account_id}",
    "orders": "/trader/v1/orders",
    "account_orders": "/trader/v1/accounts/{account_id}/orders",
    "order": "/trader/v1/accounts/{account_id}/orders/{order_id}",
    "preview_order": "/trader/v1/accounts/{account_id}/previewOrder",
    "transactions": "/trader/v1/accounts/{account_id}/transactions",
    "transaction": "/trader/v1/accounts/{account_id}/transactions/{transaction_id}",
    "preferences": "/trader/v1/userPreference",
})


@dataclass(frozen=True, eq=False)
class Provider:
    """Hosts, endpoint paths, client authentication, lifetimes and formats of an API provider."""

    name: str
    title: str
    base_url: str
    auth_url: str
    #: The token endpoint, relative to ``base_url``.
    token_path: str
    key_suffix: str
    access_token_lifetime: int
    refresh_token_lifetime: int
    paths: Mapping[str, str] = field(default_factory=dict)
    client_auth: str = FORM_CLIENT_ID
    #: Whether the token endpoint renews a refresh token when asked (``access_type=offline``).
    renewable_refresh: bool = True
    #: Most symbols one quotes request may carry; more is answered 406.
    max_quote_symbols: int = 300
    #: The query parameter of the quotes endpoint that carries the comma-separated symbols.
    quote_symbols_param: str = "symbol"
    #: The sections a quotes request may ask for with ``fields=`` (``()``: no ``fields=``).
    quote_sections: tuple[str, ...] = ()
    #: Whether quotes take ``indicative=`` (``$ABC.IV`` quotes of ETFs).
    indicative_quotes: bool = False
    #: Whether price history takes ``needPreviousClose``.
    previous_close: bool = False
    #: Whether market-hours ids are sent in lower case (``equity``; TD: ``EQUITY``).
    lower_market_ids: bool = False
    parse_error: ErrorParser = error_text
    #: Index symbols this provider spells differently (``$SPX`` -> ``$SPX.X``).
    index_spellings: Mapping[str, str] = field(default_factory=dict)
    #: ``"underscore"`` (``AAPL_051724C190``) or ``"osi"`` (``AAPL  240517C00190000``).
    option_symbol_style: str = "underscore"
    #: The ids the movers endpoint takes, in this provider's spelling.
    mover_indexes: tuple[str, ...] = ("$COMPX", "$DJI", "$SPX.X")
    #: How movers are ordered: ``"direction"`` (TD's ``direction=``/``change=``) or
    #: ``"sort"`` (Schwab's ``sort=``/``frequency=``).
    mover_ordering: str = "direction"
    #: The key holding the list of movers in the answer (``""``: the answer is the list).
    movers_key: str = ""
    #: The option-chain parameter asking for the underlying's quote.
    chain_quote_param: str = "includeQuotes"
    #: The ``projection=`` values of the instruments search.
    instrument_projections: tuple[str, ...] = ("symbol-search", "symbol-regex", "desc-search",
                                               "desc-regex", "fundamental")
    #: Hosts of the streamer, as the user principals answer names them.
    streamer_socket_host: str = ""
    streamer_binary_host: str = ""
    #: Callback URL rules the provider's app registration enforces.
    callback_https: bool = False
    callback_loopback_ip: bool = False
    callback_port_required: bool = False
    #: The app's request quota for everything but order writes (reference §3.2 / §3.4).
    request_quota: Optional[Quota] = APP_QUOTA

    @property
    def requires_secret(self) -> bool:
        """Whether token requests need the app secret (HTTP Basic)."""
        return self.client_auth == HTTP_BASIC

    def check_callback(self, url: str) -> None:
        """Raise :class:`ConfigurationError` for a callback URL this provider would refuse.

        >>> SCHWAB.check_callback("https://127.0.0.1:8182")
        >>> SCHWAB.check_callback("http://127.0.0.1:8182")
        Traceback (most recent call last):
        ...
        pyTD.exceptions.ConfigurationError: callback_url='http://127.0.0.1:8182' ...
        """
        parts = urlsplit(url)
        problem = None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            problem = "is not an http(s):// URL"
        elif self.callback_https and parts.scheme != "https":
            problem = "must use https://"
        elif self.callback_loopback_ip and parts.hostname.lower() == "localhost":
            problem = "must name 127.0.0.1, not localhost"
        else:
            try:
                port = parts.port
            except ValueError:
                port, problem = None, "has an invalid port"
            if problem is None and self.callback_port_required and port is None:
                problem = "needs an explicit port"
        if problem:
            raise ConfigurationError(
                f"callback_url={url!r} {problem}: {self.title} refuses it. Register and pass a "
                "callback URL like https://127.0.0.1:8182 (TD_CALLBACK_URL), exactly as in "
                "your app's settings." if self.callback_https else
                f"callback_url={url!r} {problem}: pass a callback URL like "
                "http://127.0.0.1:8080 (TD_CALLBACK_URL), exactly as registered.")

    def check_settings(self, callback_url: Optional[str], app_secret: Optional[str]) -> None:
        """Raise :class:`ConfigurationError` for a configuration this provider cannot use."""
        if self.requires_secret and not app_secret:
            raise ConfigurationError(
                f"{self.title} needs the app secret: pass app_secret= or set TD_APP_SECRET "
                "(the Secret shown with your app's App Key).")
        if callback_url and (self.callback_https or self.callback_loopback_ip
                             or self.callback_port_required):
            self.check_callback(callback_url)

    @property
    def root_path(self) -> str:
        """The path part of ``base_url`` (``/v1``): where an emulator mounts the API.

        ``""`` when the base URL is a bare host and the paths carry their own roots
        (Schwab: ``/trader/v1/...`` and ``/marketdata/v1/...``).
        """
        return urlsplit(self.base_url).path.rstrip("/")

    @property
    def api_roots(self) -> tuple[str, ...]:
        """The full path prefixes of the REST API, each ending in ``/``.

        >>> TD_AMERITRADE.api_roots
        ('/v1/',)
        >>> SCHWAB.api_roots
        ('/marketdata/v1/', '/trader/v1/')
        """
        if self.root_path:
            return (self.root_path + "/",)
        roots = {"/".join(path.split("/")[:3]) + "/" for path in self.paths.values()}
        return tuple(sorted(roots))

    @property
    def capabilities(self) -> frozenset[str]:
        """The names of the endpoints this provider has."""
        return frozenset(self.paths)

    def supports(self, endpoint: str) -> bool:
        """Whether the provider has ``endpoint`` (a key of :attr:`paths`)."""
        return endpoint in self.paths

    def path(self, endpoint: str, **segments: Any) -> str:
        """The path of ``endpoint`` relative to ``base_url``, each segment percent-encoded.

        Raises :class:`~pyTD.exceptions.NotSupportedError` for an endpoint the
        provider does not have, before anything is sent.
        """
        try:
            template = self.paths[endpoint]
        except KeyError:
            raise NotSupportedError(
                f"{self.title} has no {endpoint.replace('_', ' ')} endpoint; this call "
                "exists only on other providers.") from None
        return template.format(**{k: quote_segment(str(v)) for k, v in segments.items()})

    def client_id(self, consumer_key: str) -> str:
        """The consumer key with the provider's suffix (``@AMER.OAUTHAP``) appended once."""
        if not self.key_suffix or consumer_key.endswith(self.key_suffix):
            return consumer_key
        return consumer_key + self.key_suffix

    def bare_key(self, consumer_key: str) -> str:
        """The consumer key without the provider's suffix."""
        if self.key_suffix and consumer_key.endswith(self.key_suffix):
            return consumer_key[: -len(self.key_suffix)]
        return consumer_key

    def token_request(self, form: Mapping[str, str], consumer_key: str,
                      app_secret: Optional[str]) -> tuple[dict[str, str],
                                                          Optional[tuple[str, str]]]:
        """The form to post to the token endpoint and the HTTP Basic credentials, if any."""
        if self.client_auth == HTTP_BASIC:
            if not app_secret:
                raise ConfigurationError(
                    f"{self.title} needs the app secret: pass app_secret= or set TD_APP_SECRET.")
            return dict(form), (self.bare_key(consumer_key), app_secret)
        return {**form, "client_id": self.client_id(consumer_key)}, None

    def index_symbol(self, symbol: str) -> str:
        """An index symbol (``$SPX``, ``$SPX.X``) in this provider's spelling.

        >>> TD_AMERITRADE.index_symbol("$SPX")
        '$SPX.X'
        """
        bare = symbol[: -len(".X")] if symbol.upper().endswith(".X") else symbol
        return self.index_spellings.get(bare.upper(), bare)

    def option_symbol(self, underlying: str, expiration: date, put_call: str,
                      strike: float) -> str:
        """An option's symbol in this provider's format.

        >>> TD_AMERITRADE.option_symbol("AAPL", date(2024, 5, 17), "C", 190)
        'AAPL_051724C190'
        """
        return OptionSymbol(underlying, expiration, put_call, strike).render(self)


TD_AMERITRADE = Provider(
    name="tdameritrade",
    title="TD Ameritrade",
    base_url="https://api.tdameritrade.com/v1",
    auth_url="https://auth.tdameritrade.com/auth",
    token_path="/oauth2/token",  # noqa: S106 - a URL path, not a secret
    key_suffix="@AMER.OAUTHAP",
    access_token_lifetime=1800,
    refresh_token_lifetime=7776000,
    paths=TD_PATHS,
    index_spellings=MappingProxyType({"$SPX": "$SPX.X"}),
    streamer_socket_host="streamer-ws.tdameritrade.com",
    streamer_binary_host="streamer-bin.tdameritrade.com",
)

SCHWAB = Provider(
    name="schwab",
    title="Charles Schwab",
    base_url="https://api.schwabapi.com",
    auth_url="https://api.schwabapi.com/v1/oauth/authorize",
    token_path="/v1/oauth/token",  # noqa: S106 - a URL path, not a secret
    key_suffix="",
    access_token_lifetime=1800,
    refresh_token_lifetime=7 * 86400,
    paths=SCHWAB_PATHS,
    client_auth=HTTP_BASIC,
    renewable_refresh=False,
    max_quote_symbols=500,
    quote_symbols_param="symbols",
    quote_sections=("quote", "fundamental", "extended", "reference", "regular"),
    indicative_quotes=True,
    previous_close=True,
    lower_market_ids=True,
    option_symbol_style="osi",
    mover_indexes=("$DJI", "$COMPX", "$SPX", "NYSE", "NASDAQ", "OTCBB", "INDEX_ALL",
                   "EQUITY_ALL", "OPTION_ALL", "OPTION_PUT", "OPTION_CALL"),
    mover_ordering="sort",
    movers_key="screeners",
    chain_quote_param="includeUnderlyingQuote",
    instrument_projections=("symbol-search", "symbol-regex", "desc-search", "desc-regex",
                            "search", "fundamental"),
    streamer_socket_host="streamer-api.schwab.com",
    callback_https=True,
    callback_loopback_ip=True,
    callback_port_required=True,
)

DEFAULT_PROVIDER = TD_AMERITRADE

_PROVIDERS: dict[str, Provider] = {TD_AMERITRADE.name: TD_AMERITRADE, "td": TD_AMERITRADE}


def register(provider: Provider, *aliases: str) -> None:
    """Make ``provider`` selectable by name (and ``aliases``) in ``provider=``/``TD_PROVIDER``."""
    for name in (provider.name, *aliases):
        _PROVIDERS[name.lower()] = provider


register(SCHWAB)


def get_provider(choice: Any = None) -> Provider:
    """A :class:`Provider` from an instance, a registered name, or ``None`` (the default).

    >>> get_provider("tdameritrade").title
    'TD Ameritrade'
    """
    if choice is None or choice == "":
        return DEFAULT_PROVIDER
    if isinstance(choice, Provider):
        return choice
    if isinstance(choice, str) and choice.strip().lower() in _PROVIDERS:
        return _PROVIDERS[choice.strip().lower()]
    raise ConfigurationError(f"provider={choice!r} is not known: use one of "
                             f"{', '.join(sorted({p.name for p in _PROVIDERS.values()}))}.")
