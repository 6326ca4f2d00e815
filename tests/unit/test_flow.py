"""Reading the redirect: the code decoded exactly once, state checked, errors typed."""

from __future__ import annotations

import pytest

from pyTD.auth.flow import parse_redirect
from pyTD.exceptions import AccessDeniedError, AuthorizationError, StateMismatchError

CALLBACK = "http://localhost:8080/callback"


def test_code_is_decoded_exactly_once():
    assert parse_redirect(f"{CALLBACK}?code=03%40A%2FB") == "03@A/B"
    # A double-encoded code keeps its second layer: decoding twice would corrupt real codes.
    assert parse_redirect(f"{CALLBACK}?code=03%2540A") == "03%40A"
    assert parse_redirect("?code=x%2By") == "x+y"
    assert parse_redirect("code=abc&state=s", "s") == "abc"


def test_state_must_match():
    assert parse_redirect(f"{CALLBACK}?code=c&state=s1", "s1") == "c"
    with pytest.raises(StateMismatchError, match="Start the authorization again"):
        parse_redirect(f"{CALLBACK}?code=c&state=s2", "s1")
    with pytest.raises(StateMismatchError):
        parse_redirect(f"{CALLBACK}?code=c", "s1")


def test_error_parameter_is_typed():
    with pytest.raises(AccessDeniedError, match="Allow"):
        parse_redirect(f"{CALLBACK}?error=access_denied")
    with pytest.raises(AuthorizationError, match="server_error") as info:
        parse_redirect(f"{CALLBACK}?error=server_error")
    assert not isinstance(info.value, AccessDeniedError)
    assert "pytd auth login" in str(info.value)


def test_state_is_checked_before_the_error():
    with pytest.raises(StateMismatchError):
        parse_redirect(f"{CALLBACK}?error=access_denied&state=forged", "mine")


@pytest.mark.parametrize("pasted", [CALLBACK, f"{CALLBACK}?code=", f"{CALLBACK}?session=1"])
def test_missing_code_is_an_error(pasted):
    with pytest.raises(AuthorizationError, match="code="):
        parse_redirect(pasted)
