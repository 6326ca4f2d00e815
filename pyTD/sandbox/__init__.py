"""A local emulator of the TD Ameritrade API: OAuth consent page, token endpoint, REST routes;
``Sandbox(provider="schwab")`` emulates the Charles Schwab Trader API.

    >>> from pyTD.sandbox import Sandbox, DEMO_CONSUMER_KEY
    >>> with Sandbox(auto_approve=True) as sb:               # doctest: +SKIP
    ...     print(sb.base_url, sb.auth_url, DEMO_CONSUMER_KEY)

Run it standalone with ``python -m pyTD.sandbox`` or ``pytd sandbox``.
"""

from pyTD.sandbox.oauth import DEMO_CALLBACK_URL, DEMO_CONSUMER_KEY
from pyTD.sandbox.server import DEMO_APP_SECRET, Sandbox

__all__ = ["DEMO_APP_SECRET", "DEMO_CALLBACK_URL", "DEMO_CONSUMER_KEY", "Sandbox"]
