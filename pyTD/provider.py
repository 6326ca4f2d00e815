"""Everything specific to one API provider, in one place.

TD Ameritrade is the only profile today; its successor (Schwab) has the same
OAuth shape with other hosts, paths and lifetimes, and would be one more
:class:`Provider` instance.
"""

from __future__ import annotations

from typing import NamedTuple
from urllib.parse import urlsplit


class Provider(NamedTuple):
    """Hosts, paths, key suffix and token lifetimes of an API provider."""

    name: str
    base_url: str
    auth_url: str
    token_path: str
    key_suffix: str
    access_token_lifetime: int
    refresh_token_lifetime: int
    #: Most symbols one quotes request may carry; more is answered 406.
    max_quote_symbols: int = 300
    #: Hosts of the streamer, as the user principals answer names them.
    streamer_socket_host: str = ""
    streamer_binary_host: str = ""

    @property
    def root_path(self) -> str:
        """The path part of ``base_url`` (``/v1``): where an emulator mounts the API."""
        return urlsplit(self.base_url).path

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


TD_AMERITRADE = Provider(
    name="tdameritrade",
    base_url="https://api.tdameritrade.com/v1",
    auth_url="https://auth.tdameritrade.com/auth",
    token_path="/oauth2/token",  # noqa: S106 - a URL path, not a secret
    key_suffix="@AMER.OAUTHAP",
    access_token_lifetime=1800,
    refresh_token_lifetime=7776000,
    streamer_socket_host="streamer-ws.tdameritrade.com",
    streamer_binary_host="streamer-bin.tdameritrade.com",
)

DEFAULT_PROVIDER = TD_AMERITRADE
