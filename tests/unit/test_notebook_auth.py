"""Whether the first call in a notebook waits for the callback or asks for the pasted URL."""

from __future__ import annotations

import pytest

from pyTD.auth.notebook import REMOTE_SIGNS, browser_reaches_kernel
from pyTD.exceptions import ConfigurationError

LOCAL = "http://127.0.0.1:8080/callback"
DESKTOP = {"DISPLAY": ":0"}


@pytest.mark.parametrize("environ,platform", [
    ({}, "darwin"), ({}, "win32"), (DESKTOP, "linux"), ({"WAYLAND_DISPLAY": "wayland-0"}, "linux"),
])
def test_a_kernel_on_a_desktop_machine_uses_the_callback(environ, platform):
    assert browser_reaches_kernel(LOCAL, environ, platform)


def test_linux_without_a_graphical_session_means_the_browser_is_elsewhere():
    assert not browser_reaches_kernel(LOCAL, {}, "linux")


@pytest.mark.parametrize("sign", REMOTE_SIGNS)
def test_signs_of_a_remote_kernel_choose_the_pasted_url(sign):
    assert not browser_reaches_kernel(LOCAL, {**DESKTOP, sign: "1"}, "linux")
    assert not browser_reaches_kernel(LOCAL, {sign: "1"}, "darwin")


def test_a_callback_url_on_another_machine_cannot_reach_the_kernel():
    assert not browser_reaches_kernel("https://example.test/callback", DESKTOP, "linux")


@pytest.mark.parametrize("value,expected", [("callback", True), ("CALLBACK", True),
                                            ("manual", False), (" Manual ", False)])
def test_td_notebook_auth_decides_over_the_signs(value, expected):
    remote = {"SSH_CONNECTION": "192.0.2.1 5 192.0.2.2 22", "TD_NOTEBOOK_AUTH": value}
    assert browser_reaches_kernel(LOCAL, remote, "linux") is expected
    assert browser_reaches_kernel(LOCAL, {**DESKTOP, "TD_NOTEBOOK_AUTH": value},
                                  "linux") is expected


@pytest.mark.parametrize("value", ["", "auto", "AUTO"])
def test_auto_is_the_default(value):
    assert browser_reaches_kernel(LOCAL, {**DESKTOP, "TD_NOTEBOOK_AUTH": value}, "linux")


def test_another_value_says_which_ones_are_allowed():
    with pytest.raises(ConfigurationError) as caught:
        browser_reaches_kernel(LOCAL, {"TD_NOTEBOOK_AUTH": "browser"}, "linux")
    message = str(caught.value)
    assert "TD_NOTEBOOK_AUTH='browser'" in message
    assert "auto, callback, manual" in message and "unset it" in message
