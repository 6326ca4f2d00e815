"""TD_DEADLINE / deadline= and TD_MAX_BODY / max_body=: resolved, passed on, bad values refused."""

from __future__ import annotations

import pytest

from pyTD.api import api
from pyTD.exceptions import ConfigurationError
from pyTD.settings import resolve
from pyTD.transport import DEADLINE_FACTOR, MAX_BODY, Transport


def test_defaults_are_three_read_timeouts_and_64_mib():
    settings = resolve(env={})
    assert settings.deadline is None and settings.max_body is None
    transport = Transport("http://127.0.0.1:9", timeout=(5.0, 20.0))
    assert transport.deadline == DEADLINE_FACTOR * 20.0 == 60.0
    assert transport.max_body == MAX_BODY == 64 * 2**20
    assert Transport("http://127.0.0.1:9", timeout=7.0).deadline == 21.0


def test_argument_beats_environment_and_reaches_the_transport(monkeypatch):
    monkeypatch.setenv("TD_DEADLINE", "12.5")
    monkeypatch.setenv("TD_MAX_BODY", "1000")
    a = api(consumer_key="KEY", store_tokens=False)
    assert (a.transport.deadline, a.transport.max_body) == (12.5, 1000)
    a = api(consumer_key="KEY", store_tokens=False, deadline=3, max_body=2048)
    assert (a.transport.deadline, a.transport.max_body) == (3.0, 2048)


@pytest.mark.parametrize("name, value", [
    ("deadline", "soon"), ("deadline", -1), ("deadline", 0), ("deadline", "inf"),
    ("deadline", True), ("max_body", "64MiB"), ("max_body", 1.5), ("max_body", 0),
])
def test_bad_values_name_the_setting_and_show_an_example(name, value):
    with pytest.raises(ConfigurationError, match=rf"^{name}=.* is not a positive number of "
                                                 r".*e\.g\. \d+\.$"):
        resolve(**{name: value})
    variable = {"deadline": "TD_DEADLINE", "max_body": "TD_MAX_BODY"}[name]
    with pytest.raises(ConfigurationError, match=rf"^{variable}="):
        resolve(env={variable: str(value)})
