"""An ``api`` wired to a running :class:`~pyTD.sandbox.Sandbox`, for tests and experiments.

>>> from pyTD.sandbox import Sandbox
>>> from pyTD.sandbox.client import sandbox_api
>>> with Sandbox() as sandbox:                       # doctest: +SKIP
...     a = sandbox_api(sandbox)
...     a.get_quotes("AAPL")
"""

from __future__ import annotations

from typing import Any


def sandbox_api(sandbox: Any, *, authorized: bool = True, **api_kwargs: Any) -> Any:
    """An ``api`` for the sandbox's demo app with an in-memory cache.

    With ``authorized=True`` (the default) tokens are issued directly by the
    sandbox, as if the consent page had been approved. For a Schwab-mode sandbox
    the ``api`` uses the Schwab provider and the demo app's secret.
    """
    from pyTD.api import api
    from pyTD.auth.flow import grant_from_body
    from pyTD.cache.memory import MemCache
    from pyTD.sandbox import DEMO_CALLBACK_URL, DEMO_CONSUMER_KEY

    options = {"consumer_key": DEMO_CONSUMER_KEY,
               "callback_url": getattr(sandbox, "demo_callback_url", DEMO_CALLBACK_URL),
               "base_url": sandbox.base_url, "auth_url": sandbox.auth_url}
    provider = getattr(sandbox, "provider", None)
    if provider is not None and provider.name != "tdameritrade":
        options.update(provider=provider, app_secret=sandbox.demo_app_secret)
    options.update(api_kwargs)
    options.setdefault("cache", MemCache())
    client = api(**options)
    if authorized:
        body = sandbox.issue_tokens(client.settings.consumer_key)
        now = client.auth.clock()
        client.auth.store(grant_from_body(body, now, client.settings.provider, client.auth.clock))
    return client
