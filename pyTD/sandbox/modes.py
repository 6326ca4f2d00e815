"""The wire formats the sandbox speaks: one :class:`Mode` per provider.

Both modes share the state models (apps and tokens, accounts, the order book,
prices and the symbol universe); a mode only says how requests and answers
look on the wire: its routes, its error bodies, its 401, its token bodies,
where its pages live and which callback URLs it registers.

    >>> mode_for("tdameritrade").auth_path
    '/auth'
    >>> mode_for("schwab").token_path
    '/v1/oauth/token'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from pyTD.provider import TD_AMERITRADE, Provider, get_provider
from pyTD.sandbox import accounts, market, oauth
from pyTD.sandbox.routing import Router, SandboxRequest, SandboxResponse, td_error

#: ``error(path, status, message)``: the error body a provider answers on ``path``.
ErrorFormat = Callable[[str, int, str], SandboxResponse]


@dataclass(frozen=True)
class Mode:
    """How one provider's wire format looks over the shared sandbox state."""

    provider: Provider
    #: Adds every route of the mode (OAuth pages, token endpoint, REST API) to a router.
    register: Callable[[Router], None]
    error: ErrorFormat
    #: ``denied(req, expired)``: the 401 for a missing, unknown or expired Bearer token.
    denied: Callable[[SandboxRequest, bool], SandboxResponse]
    #: ``issue_tokens(state, key)``: a token answer after a completed authorization.
    issue_tokens: Callable[[oauth.OAuthState, str], dict]
    #: ``check_callback(url)``: raises ``ValueError`` for a URL the provider would not register.
    check_callback: Callable[[str], None]
    auth_path: str
    token_path: str
    demo_callback_url: str
    #: Default lifetimes in seconds: access token, refresh token, authorization code.
    lifetimes: tuple[float, float, float]
    #: Path prefixes the per-app rate limit counts.
    limited: tuple[str, ...]
    #: Whether apps have a secret, checked with HTTP Basic at the token endpoint.
    secrets: bool = False


def _td_register(router: Router) -> None:
    oauth.register(router)
    api = router.mount(TD_AMERITRADE.root_path)
    market.register(api)
    accounts.register(api)


def _td_denied(req: SandboxRequest, expired: bool) -> SandboxResponse:
    challenge = oauth.EXPIRED_CHALLENGE if expired else oauth.INVALID_CHALLENGE
    return td_error(401, oauth.EXPIRED_OR_INVALID, **{"WWW-Authenticate": challenge})


TD_MODE = Mode(
    provider=TD_AMERITRADE, register=_td_register,
    error=lambda path, status, message: td_error(status, message),
    denied=_td_denied,
    issue_tokens=lambda state, key: state.issue_tokens(key, refresh=True),
    check_callback=lambda url: None,
    auth_path="/auth", token_path=oauth.TOKEN_PATH, demo_callback_url=oauth.DEMO_CALLBACK_URL,
    lifetimes=(1800, TD_AMERITRADE.refresh_token_lifetime, 300),
    limited=TD_AMERITRADE.api_roots,
)


def mode_for(provider: Any) -> Mode:
    """The sandbox mode of a provider (an instance or a registered name)."""
    chosen = get_provider(provider)
    if chosen is TD_AMERITRADE:
        return TD_MODE
    from pyTD.sandbox.schwab import SCHWAB_MODE

    if chosen is SCHWAB_MODE.provider:
        return SCHWAB_MODE
    raise ValueError(f"The sandbox does not emulate {chosen.title}: use tdameritrade or schwab.")
