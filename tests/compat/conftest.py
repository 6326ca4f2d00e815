"""The environment of a user of the original pyTD, for the compatibility tests."""

from __future__ import annotations

import sys

import pytest

from pyTD.api import api
from pyTD.sandbox import DEMO_CALLBACK_URL, DEMO_CONSUMER_KEY
from tests.compat.original_support import EXAMPLE_CALLBACK, EXAMPLE_KEY, authorize


@pytest.fixture
def original_user(sandbox, monkeypatch):
    """The environment of a user of the original: TD_* set, tokens cached for both apps."""
    sandbox.register_app(EXAMPLE_KEY, EXAMPLE_CALLBACK)
    monkeypatch.setenv("TD_CONSUMER_KEY", DEMO_CONSUMER_KEY)
    monkeypatch.setenv("TD_CALLBACK_URL", DEMO_CALLBACK_URL)
    monkeypatch.setenv("TD_BASE_URL", sandbox.base_url)
    monkeypatch.setenv("TD_AUTH_URL", sandbox.auth_url)
    monkeypatch.setattr(sys.modules["pyTD.api"], "_default", None)
    for key, callback in ((DEMO_CONSUMER_KEY, DEMO_CALLBACK_URL),
                          (EXAMPLE_KEY, EXAMPLE_CALLBACK)):
        authorize(sandbox, api(consumer_key=key, callback_url=callback))
    return sandbox
