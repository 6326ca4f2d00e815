"""No token reaches a log line from a stream, even with every logger at DEBUG."""

from __future__ import annotations

import logging

import pytest

from pyTD.sandbox.client import sandbox_api
from pyTD.sandbox.streaming import streamer
from pyTD.streaming import Message
from tests.support.sandboxes import start_sandbox


@pytest.mark.parametrize("provider", ["tdameritrade", "schwab"])
def test_debug_logs_of_a_stream_hold_no_token(request, provider, caplog):
    sandbox = start_sandbox(request, provider=provider)
    streamer(sandbox, tick_interval=0.05)
    client = sandbox_api(sandbox)
    caplog.set_level(logging.DEBUG)  # the root logger: pyTD's and websockets' records alike
    with client.stream() as s:
        s.subscribe_quotes("AAPL", fields=["bid"])
        assert any(isinstance(s.next(20), Message) for _ in range(3))
        envelope = s.client._envelope
    tokens = [client.access_token.token, client.refresh_token.token,
              getattr(envelope, "_token", "")]
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert all(token and token not in text for token in tokens)
    client.close()
