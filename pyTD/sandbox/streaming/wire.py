"""The streamer's wire format per provider: login checks, response shapes, field ids.

The session (:mod:`pyTD.sandbox.streaming.session`) works with services and field
names; this module says how TD's or Schwab's streamer spells them on the wire.
"""

from __future__ import annotations

from typing import Any, Optional
from urllib.parse import parse_qs

from pyTD.sandbox.data.universe import FUTURE_OPTION_SYMBOL
from pyTD.sandbox.schwab.symbols import to_model, to_schwab
from pyTD.streaming.fields import FIELD_MAPS, FieldMap

#: Response codes of the reference (§2.5, §3.6).
SUCCESS, LOGIN_DENIED, SERVICE_NOT_AVAILABLE, CLOSE_CONNECTION = 0, 3, 11, 12
SYMBOL_LIMIT, NOT_LOGGED_IN, BAD_COMMAND, FAILED_ADD, FAILED_VIEW = 19, 20, 21, 24, 25
STOP_STREAMING = 30
#: Keys per service the sandbox accepts (code 19 beyond).
MAX_KEYS = 500
#: Where the sandbox keeps TD streamer tokens: token -> the access token it was issued for.
TOKENS_STORE = "streamer_tokens"


def td_streamer_tokens(sandbox: Any) -> dict[str, str]:
    """The TD streamer tokens the user-principals route handed out."""
    tokens: dict[str, str] = sandbox.store(TOKENS_STORE, dict)
    return tokens


class Wire:
    """One provider's spelling of the streamer protocol."""

    def __init__(self, provider: str) -> None:
        self.provider = provider
        self.schwab = provider == "schwab"
        self.fields: dict[str, FieldMap] = FIELD_MAPS[provider]
        self.login_message = "server=sandbox-1;status=NP" if self.schwab else "02-1"
        self.denied_message = ("Login Denied.: token is invalid or has expired." if self.schwab
                               else "Login Denied.")

    def login_owner(self, sandbox: Any, parameters: dict) -> Optional[str]:
        """The app (consumer key) whose valid access token the LOGIN carries, else None."""
        if self.schwab:
            access = parameters.get("Authorization")
        else:
            credential = parse_qs(str(parameters.get("credential", "")))
            token = parameters.get("token")
            if credential.get("token", [None])[0] != token:
                return None
            with sandbox.lock:
                access = td_streamer_tokens(sandbox).get(str(token))
        owner, _ = sandbox.oauth.access_owner(access if isinstance(access, str) else None)
        return owner if isinstance(owner, str) else None

    def response(self, request: dict, code: int, message: str, now_ms: int) -> dict:
        """A ``response`` entry for ``request``."""
        entry = {"service": request.get("service"), "requestid": request.get("requestid"),
                 "command": request.get("command"), "timestamp": now_ms,
                 "content": {"code": code, "msg": message}}
        if self.schwab:
            entry["SchwabClientCorrelId"] = request.get("SchwabClientCorrelId")
        return entry

    def model_symbol(self, key: str) -> str:
        """The sandbox model's spelling of a streamed key ('' when it has none).

        A futures option is spelled alike but for its year: two digits at Schwab
        (``./ESH27C4500``), one at TD (``./ESH7C4500``); the other provider's is ''.
        """
        if self.schwab:
            return to_model(key)
        future_option = FUTURE_OPTION_SYMBOL.match(key)
        return "" if future_option and len(future_option["year"]) == 2 else key

    def key_of(self, symbol: str) -> str:
        """The streamer's spelling of a model symbol."""
        return to_schwab(symbol) if self.schwab else symbol

    def item(self, service: str, key: str, values: dict[str, Any],
             ids: tuple[int, ...]) -> dict[str, Any]:
        """A ``content`` item: ``values`` (by name) under their field ids, id 0 as ``key``."""
        names = self.fields[service].names
        item: dict[str, Any] = {"key": key}
        for i in ids:
            if 0 < i < len(names) and names[i] in values:
                item[str(i)] = values[names[i]]
        return item
