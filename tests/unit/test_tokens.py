"""Tokens: construction, expiry with an injectable clock, equality, hashing, safe repr."""

from __future__ import annotations

import json

import pytest

from pyTD.auth.tokens import (
    ACCESS_LEEWAY,
    AccessToken,
    EmptyToken,
    RefreshToken,
    token_from_dict,
)

T0 = 1_700_000_000.0
SECRET = "c2VjcmV0+dG9rZW4/value=="


class Clock:
    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def access(**kwargs) -> AccessToken:
    values = {"token": SECRET, "access_time": T0, "expires_in": 1800}
    values.update(kwargs)
    return AccessToken(**values)


def test_keyword_and_dict_construction_are_equal():
    data = {"token": SECRET, "access_time": T0, "expires_in": 1800}
    assert AccessToken(data) == AccessToken(**data) == access()
    assert AccessToken(data).to_dict() == {"token": SECRET, "access_time": T0,
                                           "expires_in": 1800.0}


def test_to_dict_round_trips_through_json():
    token = RefreshToken(token=SECRET, access_time=T0 + 0.123456, expires_in=7_776_000)
    assert RefreshToken(json.loads(json.dumps(token.to_dict()))) == token


def test_expires_at_and_remaining():
    clock = Clock()
    token = access(clock=clock)
    assert token.expires_at == T0 + 1800
    assert token.remaining() == 1800
    clock.now += 1000
    assert token.remaining() == 800
    assert token.remaining(now=T0 + 1900) == -100


def test_issue_time_defaults_to_the_clock():
    token = AccessToken(token=SECRET, expires_in=10, clock=Clock(T0 + 5))
    assert token.access_time == T0 + 5


def test_access_token_is_invalid_inside_the_leeway():
    clock = Clock()
    token = access(clock=clock)
    assert ACCESS_LEEWAY == 60
    clock.now = T0 + 1800 - 61
    assert token.valid
    clock.now = T0 + 1800 - 59
    assert not token.valid
    assert token.is_valid(leeway=0)
    assert not token.is_valid(leeway=0, now=T0 + 1801)


def test_refresh_token_has_no_leeway():
    clock = Clock(T0 + 99)
    token = RefreshToken(token=SECRET, access_time=T0, expires_in=100, clock=clock)
    assert token.valid
    clock.now = T0 + 100
    assert not token.valid


def test_equality_both_ways():
    a, b = access(), access()
    assert a == b and b == a
    assert not (a != b) and not (b != a)
    for other in (access(token="other"), access(access_time=T0 + 1), access(expires_in=1),
                  RefreshToken(token=SECRET, access_time=T0, expires_in=1800)):
        assert a != other and other != a
        assert not (a == other) and not (other == a)
    assert a != SECRET and not (a == SECRET)
    assert access(clock=Clock(0)) == access(clock=Clock(1))  # the clock is not part of it


def test_hash_follows_equality():
    assert hash(access()) == hash(access())
    assert len({access(), access(), access(token="other"), EmptyToken(), EmptyToken()}) == 3


def test_repr_and_str_never_show_the_secret():
    token = access(clock=Clock())
    for text in (repr(token), str(token), f"{token}", repr([token]), repr({"t": token})):
        assert SECRET not in text
        assert "c2VjcmV0" not in text
    assert repr(token) == "AccessToken(expires_at=2023-11-14T22:43:20+00:00, valid=True)"


def test_empty_token():
    empty = EmptyToken()
    assert not empty and not empty.valid and not empty.is_valid(leeway=-1e12)
    assert empty == EmptyToken() and empty != access() and access() != empty
    with pytest.raises(TypeError):
        EmptyToken("ignored", 1, 2)          # an empty token has no value, time or lifetime
    with pytest.raises(TypeError):
        EmptyToken(token="ignored")
    assert repr(empty) == "EmptyToken(empty)"
    assert empty.to_dict()["token"] is None


@pytest.mark.parametrize("data", [None, {}, {"token": ""}, {"token": None, "expires_in": 5}])
def test_token_from_dict_gives_empty_for_no_token(data):
    assert isinstance(token_from_dict(AccessToken, data), EmptyToken)


def test_token_from_dict_builds_the_class_with_the_clock():
    clock = Clock()
    token = token_from_dict(RefreshToken, {"token": SECRET, "access_time": T0,
                                           "expires_in": 10}, clock)
    assert type(token) is RefreshToken
    clock.now = T0 + 11
    assert not token.valid


@pytest.mark.parametrize("bad", ["", 5, b"bytes"])
def test_token_value_must_be_a_non_empty_string(bad):
    with pytest.raises(ValueError, match="AccessToken needs a non-empty string token"):
        AccessToken(token=bad, access_time=T0, expires_in=1)


@pytest.mark.parametrize("expires_in", [1e12, float("inf"), -1e15])
def test_repr_of_out_of_range_times_does_not_fail(expires_in):
    token = access(expires_in=expires_in)
    assert repr(token).startswith("AccessToken(expires_at=")
    assert SECRET not in repr(token)


def test_options_keyword_as_in_the_original_pyTD():
    options = {"token": SECRET, "access_time": T0, "expires_in": 7_776_000}
    assert RefreshToken(options=options) == RefreshToken(SECRET, T0, 7_776_000)
    assert AccessToken(options={"token": SECRET, "access_time": T0, "expires_in": 1800}) \
        == access()
    empty = RefreshToken(options={})
    assert not empty and not empty.valid


def test_options_must_be_a_dict_and_not_given_twice():
    with pytest.raises(TypeError):
        AccessToken(options=[("token", SECRET)])  # type: ignore[arg-type]
    with pytest.raises(TypeError) as info:
        AccessToken(SECRET, options={"token": SECRET})
    assert SECRET not in str(info.value)


def test_expiry_is_an_alias_of_expires_at():
    token = access()
    assert token.expiry == token.expires_at == T0 + 1800


def test_str_stays_redacted_unlike_the_original():
    token = RefreshToken(options={"token": SECRET, "access_time": T0, "expires_in": 60})
    assert SECRET not in str(token) and SECRET not in f"{token}"
    assert token.token == SECRET
