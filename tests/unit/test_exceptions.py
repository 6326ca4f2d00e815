"""The exception hierarchy and the HTTP status -> exception table."""

from __future__ import annotations

import pytest

from pyTD import exceptions as ex


def test_everything_derives_from_tderror():
    classes = [c for c in vars(ex).values()
               if isinstance(c, type) and issubclass(c, BaseException)]
    assert len(classes) >= 18
    for cls in classes:
        assert issubclass(cls, ex.TDError), cls


@pytest.mark.parametrize("child, parents", [
    (ex.ConfigurationError, (ex.TDError, ValueError)),
    (ex.ValidationError, (ex.ClientError, ex.TDQueryError, ValueError)),
    (ex.ForbiddenAccess, (ex.ClientError,)),
    (ex.ResourceNotFound, (ex.ClientError,)),
    (ex.NotAcceptableError, (ex.ClientError,)),
    (ex.UnsupportedMediaTypeError, (ex.ClientError,)),
    (ex.RateLimitError, (ex.ClientError,)),
    (ex.ClientError, (ex.TDQueryError,)),
    (ex.ServerError, (ex.TDQueryError,)),
    (ex.TransportError, (ex.TDQueryError,)),
    (ex.UnknownOutcomeError, (ex.TransportError,)),
    (ex.AccessDeniedError, (ex.AuthorizationError,)),
    (ex.StateMismatchError, (ex.AuthorizationError,)),
    (ex.CallbackTimeoutError, (ex.AuthorizationError,)),
    (ex.RefreshRefusedError, (ex.AuthorizationError,)),
    (ex.CacheError, (ex.TDError,)),
    (ex.SSLError, (ex.TDError,)),
])
def test_hierarchy(child, parents):
    for parent in parents:
        assert issubclass(child, parent)


def test_errors_outside_the_query_branch():
    for cls in (ex.AuthorizationError, ex.CacheError, ex.ConfigurationError, ex.SSLError):
        assert not issubclass(cls, ex.TDQueryError)
    assert not issubclass(ex.ServerError, ex.ClientError)


@pytest.mark.parametrize("status, cls", [
    (400, ex.ValidationError), (401, ex.AuthorizationError), (403, ex.ForbiddenAccess),
    (404, ex.ResourceNotFound), (406, ex.NotAcceptableError),
    (415, ex.UnsupportedMediaTypeError), (429, ex.RateLimitError),
    (500, ex.ServerError), (502, ex.ServerError), (503, ex.ServerError), (599, ex.ServerError),
    (402, ex.ClientError), (405, ex.ClientError), (409, ex.ClientError), (499, ex.ClientError),
    (302, ex.TDQueryError), (200, ex.TDQueryError),
])
def test_error_class(status, cls):
    assert ex.error_class(status) is cls


def test_status_table_only_holds_4xx():
    assert set(ex.STATUS_ERRORS) == {400, 401, 403, 404, 406, 415, 429}


def test_error_carries_status_and_response():
    response = object()
    err = ex.RateLimitError("slow down", status_code=429, response=response)
    assert str(err) == err.message == "slow down"
    assert (err.status_code, err.response) == (429, response)
    plain = ex.TDError()
    assert (plain.message, plain.status_code, plain.response) == ("", None, None)
