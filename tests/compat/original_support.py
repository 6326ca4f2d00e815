"""The original pyTD's example app, and tokens for an app as after its consent page."""

from __future__ import annotations

from typing import Any

from pyTD.auth.flow import grant_from_body

#: The key and callback URL of the original's examples.
EXAMPLE_KEY, EXAMPLE_CALLBACK = "TEST@AMER.OAUTHAP", "https://localhost:8080"


def authorize(sandbox: Any, client: Any) -> Any:
    """Tokens for ``client``'s app in its cache, as after an approved consent page."""
    body = sandbox.issue_tokens(client.settings.consumer_key)
    client.auth.store(grant_from_body(body, client.auth.clock(), client.settings.provider,
                                      client.auth.clock))
    return client
